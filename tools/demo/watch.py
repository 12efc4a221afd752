"""What the demo's bots found: patrol alerts scored by the real triage, and a year of the
global lock log normalised by the lock logger's own code and stored in bulk."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tools import triage
from tools.locks.normalisation import normalise
from tools.locks.store import upsert_events
from tools.models import User
from tools.patrol.alerts import dismiss, raise_alert
from tools.patrol.wikitext import Comment

#: Comments on noticeboards, as the patrol would read them: wiki, page, language, author,
#: hours before the load, text, and whether a specialist dismissed the alert.
COMMENTS = (
    (
        "enwiki",
        "Wikipedia:Administrators' noticeboard/Incidents",
        "en",
        "Angry Reader 42",
        2,
        "If this article is not deleted I will find where you live and kill you.",
        False,
    ),
    (
        "frwiki",
        "Wikipédia:Bulletin des administrateurs",
        "fr",
        "Passant Furieux",
        9,
        "Je vais te retrouver et te tuer, je sais où tu habites.",
        False,
    ),
    (
        "ptwiki",
        "Wikipédia:Pedidos/Notificações de vandalismo",
        "pt",
        "Leitor Irritado",
        30,
        "Vou te matar se apagares o meu artigo outra vez.",
        False,
    ),
    (
        "arwiki",
        "ويكيبيديا:الميدان/منوعات",
        "ar",
        "قارئ غاضب",
        50,
        "سأقتلك إذا حذفت مقالتي مرة أخرى",
        False,
    ),
    (
        "enwiki",
        "Wikipedia:Administrators' noticeboard",
        "en",
        "Spiteful Sock",
        20,
        "Her phone number is +33 6 12 34 56 78 and she lives at 12 rue des Lilas, "
        "go tell her what you think.",
        False,
    ),
    (
        "enwiki",
        "Wikipedia:Teahouse",
        "en",
        "New Editor 2026",
        44,
        "Go kill yourself, nobody wants you here.",
        False,
    ),
    (
        "enwiki",
        "Wikipedia:WikiProject Chess",
        "en",
        "Chess Fan",
        80,
        "I am going to kill you in the chess final tomorrow, prepare to lose!",
        True,
    ),
)

#: Reasons stewards give, each a category of tools/locks/data/lock_reasons.toml.
LOCK_REASONS = (
    "Spambot",
    "Spam-only account",
    "Long-term abuse",
    "Cross-wiki abuse",
    "Abusive user name",
    "Compromised account",
    "[[m:NOP|Open proxy]]",
    "Web host / colocation",
    "LTA: Quiet Observer",
)
STEWARDS = ("Amira Steward", "Steward Kestrel", "Steward Ibis", "Steward Heron")


def alerts(session: Session, users: Mapping[str, User], at: datetime) -> int:
    """Raise an alert for each comment the triage scores; dismiss the false positive."""
    raised = 0
    for number, (wiki, page, language, author, hours, text, dismissed) in enumerate(COMMENTS):
        when = at - timedelta(hours=hours)
        key = hashlib.sha1(f"{page}|{author}|{text}".encode()).hexdigest()
        comment = Comment(key, "Demo thread", author, when, text, text, signed=True)
        alert = raise_alert(
            session,
            wiki=wiki,
            page_title=page,
            rev_id=900_000 + number,
            comment=comment,
            verdict=triage.classify(text, language),
            language=language,
        )
        if alert is None:
            continue
        alert.created_at = when
        raised += 1
        if dismissed:
            dismiss(session, alert, users["Dana Specialist"], "A chess game, not a threat.")
    return raised


def lock_log(session: Session, at: datetime, count: int, batch: int = 1000) -> int:
    """``count`` global locks and blocks over the year before ``at``, in bulk."""
    chance = random.Random(18)  # the same demo year on every machine
    start = at - timedelta(days=365)
    rows = []
    for number in range(count):
        moment = start + timedelta(seconds=chance.randrange(365 * 86400))
        rows.append(normalise(_entry(chance, number, moment), "metawiki"))
        if len(rows) == batch:
            upsert_events(session, rows)
            rows = []
    upsert_events(session, rows)
    return count


def _entry(chance: random.Random, number: int, moment: datetime) -> dict[str, object]:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    common = {
        "logid": 50_000_000 + number,
        "ns": 2,
        "user": chance.choice(STEWARDS),
        "timestamp": stamp,
        "comment": chance.choice(LOCK_REASONS),
    }
    if chance.random() < 0.2:
        address = f"203.0.113.{chance.randrange(1, 255)}"
        expiry = (moment + timedelta(days=chance.choice((31, 90, 365)))).strftime("%Y%m%d%H%M%S")
        params = {"expiry": expiry, "flags": ["anon-only"]}
        return (
            common
            | {"type": "gblblock", "action": "gblock", "title": f"User:{address}"}
            | {"params": params}
        )
    added = ["locked", "hidden"] if chance.random() < 0.05 else ["locked"]
    name = f"{chance.choice(('Spam', 'Sock', 'Vandal', 'Promo'))} account {number}"
    return common | {
        "type": "globalauth",
        "action": "setstatus",
        "title": f"User:{name}@global",
        "params": {"added": added, "removed": []},
    }
