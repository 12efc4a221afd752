"""What the patrol makes of one revision of a board: its new comments, scored, as alerts.

The bot reads each new revision against its parent, scores the comments it added
(:func:`classify_revision`) and hands them to :func:`store_revision`, which raises
their alerts (:func:`tools.patrol.alerts.raise_alert`) and moves the bot's reading
position in one transaction.

The bot's reading position per board and per stream lives in ``bot_checkpoints``
(:mod:`tools.base.checkpoints`); :func:`save_position` is called in the transaction
that stores the alerts, so a restart neither misses nor repeats a revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from tools.base import checkpoints
from tools.models import Alert
from tools.patrol.alerts import raise_alert
from tools.patrol.wikitext import Comment, WikiDialect, new_comments, plain_text
from tools.triage import Finding, Verdict, classify
from tools.triage.combine import LEARNED
from tools.triage.rules import RULES_DIR

#: The bot name under which the patrol keeps its checkpoints.
BOT = "noticeboard_patrol"


# --- reading a revision -------------------------------------------------------------


@cache
def rule_languages() -> tuple[str, ...]:
    """Languages the classifier has rules for (``tools/triage/rules/<language>.toml``)."""
    return tuple(sorted(path.stem for path in RULES_DIR.glob("*.toml")))


def classify_comment(text: str, language: str) -> Verdict:
    """The best verdict over the page's language and every language with rules.

    Cross-wiki boards (Meta-Wiki's Steward requests) get comments in many languages,
    and a French comment on an English board must be read with the French rules.
    Only the rules of another language count, not its learned thresholds: an English
    comment read as French is words the model never saw in French.
    """
    best = classify(text, language)
    for other in rule_languages():
        if other == language:
            continue
        verdict = classify(text, other)
        top = verdict.top
        if top is None or not _by_rules(top):
            continue
        if best.top is None or top.score > best.top.score:
            best = verdict
    return best


def _by_rules(finding: Finding) -> bool:
    """Whether a finding has a phrase of the rules, not only the learned layer's words."""
    return any(not phrase.startswith(f"{LEARNED}: ") for phrase in finding.phrases)


def classify_revision(
    old_text: str | None,
    new_text: str,
    dialect: WikiDialect,
    language: str,
    *,
    revision_user: str | None = None,
) -> list[Found]:
    """Each comment ``new_text`` added to ``old_text``, with its verdict (those with findings)."""
    found = []
    for comment in new_comments(old_text, new_text, dialect, revision_user=revision_user):
        verdict = classify_comment(comment.text or plain_text(comment.wikitext), language)
        if verdict.top is not None:
            found.append(Found(comment, verdict))
    return found


def dialect_from_api(query: Mapping[str, Any]) -> WikiDialect:
    """A wiki's :class:`WikiDialect` from one API answer (``formatversion=2``).

    ``query`` is the ``query`` of ``meta=siteinfo|allmessages`` with
    ``siprop=general|namespaces|namespacealiases|specialpagealiases`` and
    ``ammessages`` :data:`tools.wikitext.MONTH_MESSAGES`.
    """
    messages = {
        message["name"]: message.get("content", "")
        for message in query.get("allmessages", [])
        if "missing" not in message
    }
    return WikiDialect.from_siteinfo(query, messages)


# --- checkpoints --------------------------------------------------------------------


def load_position(session: Session, stream: str, *, bot: str = BOT) -> dict[str, Any] | None:
    """Where the bot read ``stream`` up to (a board ``enwiki:Title``, or an event stream)."""
    position = checkpoints.load(session, bot, stream)
    return dict(position) if position else None


def save_position(
    session: Session, stream: str, position: Mapping[str, Any] | None, *, bot: str = BOT
) -> None:
    """Move the checkpoint (None keeps it) and record a heartbeat: the bot is alive.

    Call it in the transaction that stores the alerts read up to ``position``.
    """
    checkpoints.save(session, bot, stream, position)


def heartbeat(session: Session, streams: Iterable[str], *, bot: str = BOT) -> None:
    """Show that the bot is alive on every stream it reads, without moving any."""
    for stream in streams:
        save_position(session, stream, None, bot=bot)


# --- what the bot stores per revision ------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One classified comment of one revision, ready to become an alert."""

    comment: Comment
    verdict: Verdict


def store_revision(
    session: Session,
    *,
    wiki: str,
    page_title: str,
    rev_id: int,
    language: str,
    found: Sequence[Found],
    threshold: float,
    checkpoints: Mapping[str, Mapping[str, Any]],
) -> list[Alert]:
    """The alerts of one revision and the checkpoints past it, in the caller's transaction.

    The checkpoints are written first: their statements open the transaction, so the
    savepoint of each alert is nested in it (on SQLite, a savepoint opened outside a
    transaction commits on release, and the alerts would not wait for the checkpoint).
    """
    for stream, position in checkpoints.items():
        save_position(session, stream, position)
    session.flush()
    raised = []
    for item in found:
        alert = raise_alert(
            session,
            wiki=wiki,
            page_title=page_title,
            rev_id=rev_id,
            comment=item.comment,
            verdict=item.verdict,
            language=item.verdict.language or language,
            threshold=threshold,
        )
        if alert is not None:
            raised.append(alert)
    return raised


def board_stream(wiki: str, page_title: str) -> str:
    """The checkpoint's name of one watched board: ``enwiki:Wikipedia:…/Incidents``."""
    return f"{wiki}:{page_title}"[:191]
