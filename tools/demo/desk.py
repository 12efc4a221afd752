"""The demo week at the desk: the rota, canned responses, and cases worked by the people.

Cases come from ``data/cases.toml``. Each is filed by its requester through
:func:`tools.cases.file_request` at its own moment of the week (the clock is set back to
it), so SLA clocks, callouts of emergencies and timelines are what the real paths make.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tools import cases, oncall
from tools.base import clock
from tools.base.config import Settings
from tools.cases import canned, related
from tools.models import Case, CaseStatus, Category, Severity, User
from tools.oncall import shifts
from tools.wiki.evidence import parse_evidence
from tools.wiki.subjects import parse_subject

DATA = Path(__file__).with_name("data")
S = CaseStatus
#: The moves that take a claimed case (in progress) on to each later state.
_MOVES_FROM_IN_PROGRESS = {
    S.IN_PROGRESS: (),
    S.WAITING: (S.WAITING,),
    S.ESCALATED: (S.ESCALATED,),
    S.RESOLVED: (S.RESOLVED,),
    S.CLOSED: (S.RESOLVED, S.CLOSED),
}
#: Who holds the desk around the clock (UTC), every day of the week.
ROTA = (("Dana Specialist", 0), ("Efua Restricted", 8 * 60), ("Farid Admin", 16 * 60))

CANNED = (
    (
        "need-diffs",
        "Ask for diffs",
        {
            "en": "Hello {requester}, thank you for your report {reference}. Could you add "
            "the diffs or permanent links that show the problem on {wiki}?",
            "fr": "Bonjour {requester}, merci pour votre signalement {reference}. Pourriez-vous "
            "ajouter les diffs ou liens permanents qui montrent le problème sur {wiki} ?",
            "ar": "مرحباً {requester}، شكراً على بلاغك {reference}. هل يمكنك إضافة روابط "
            "الفروقات أو الروابط الدائمة التي تُظهر المشكلة على {wiki}؟",
            "pt": "Olá {requester}, obrigado pelo relato {reference}. Pode acrescentar as "
            "diferenças ou ligações permanentes que mostram o problema em {wiki}?",
        },
    ),
    (
        "passed-to-authorities",
        "Passed to the authorities",
        {
            "en": "Thank you, {requester}. We have passed {reference} to the authorities and "
            "will follow up. Please keep the revisions on {wiki} as they are.",
            "fr": "Merci, {requester}. Nous avons transmis {reference} aux autorités et "
            "assurons le suivi. Merci de laisser les révisions sur {wiki} en l'état.",
            "pt": "Obrigado, {requester}. Passámos {reference} às autoridades e faremos o "
            "acompanhamento. Por favor mantenha as revisões em {wiki} como estão.",
        },
    ),
    (
        "closing-resolved",
        "Closing: resolved",
        {
            "en": "Hello {requester}, we are closing {reference} as resolved. Write back here "
            "if anything happens again.",
            "fr": "Bonjour {requester}, nous clôturons {reference} comme résolu. Répondez ici "
            "si cela se reproduit.",
            "ar": "مرحباً {requester}، نغلق {reference} بعد حله. اكتب هنا إذا تكرر الأمر.",
        },
    ),
)


def rota(session: Session, users: Mapping[str, User], at: datetime) -> None:
    """Three eight-hour shifts every day, valid since a month before the week."""
    admin = users["Farid Admin"]
    since = (at - timedelta(days=30)).date()
    for weekday in range(7):
        for name, start in ROTA:
            shifts.add_weekly_shift(session, admin.id, name, weekday, start, 8 * 60, since)
    # A swap this week: the restricted specialist covers the admin's Saturday.
    saturday = at - timedelta(days=(at.weekday() - 5) % 7)
    starts = saturday.replace(hour=16, minute=0, second=0, microsecond=0)
    shifts.add_shift(
        session, admin.id, "Efua Restricted", starts, starts + timedelta(hours=8), note="Swap"
    )


def canned_responses(session: Session, users: Mapping[str, User]) -> int:
    admin = users["Farid Admin"]
    for key, title, texts in CANNED:
        canned.save(session, admin.id, key, title, texts, creating=True)
    return len(CANNED)


def file_cases(
    session: Session, settings: Settings, users: Mapping[str, User], at: datetime
) -> int:
    """File and work every case of the data file; link and merge the related ones."""
    with (DATA / "cases.toml").open("rb") as handle:
        entries = tomllib.load(handle)["case"]
    filed: dict[str, Case] = {}
    for entry in sorted(entries, key=lambda item: -item["hours_ago"]):
        filed[entry["key"]] = _file_and_work(session, settings, users, at, entry)
    farid = users["Farid Admin"]
    with clock.frozen_at(at - timedelta(hours=5)):
        related.link(session, filed["spam-wave-again"], filed["spam-wave"], farid, True)
        related.merge(session, filed["engineering-merge"], filed["spam-wave"], farid, True)
    return len(filed)


def _file_and_work(
    session: Session,
    settings: Settings,
    users: Mapping[str, User],
    at: datetime,
    entry: Mapping[str, Any],
) -> Case:
    filed_at = at - timedelta(hours=entry["hours_ago"])
    requester = users[entry["requester"]]
    request = cases.NewRequest(
        category=Category(entry["category"]),
        severity=Severity(entry["severity"]),
        title=entry["title"],
        description=entry["description"],
        wikis=entry.get("wikis", ()),
        subjects=[parse_subject(text) for text in entry.get("subjects", ())],
        evidence=[parse_evidence(url) for url in entry.get("evidence", ())],
        submission_key=f"demo:{entry['key']}",
        extra={"language": entry["language"]},
    )
    with clock.frozen_at(filed_at):
        case = cases.file_request(session, requester, request, settings)
    status = S(entry["status"])
    if status == S.NEW:
        return case
    # The work happens over the case's life, in order: a step every tenth of its age.
    step = (at - filed_at) / 10
    moment = filed_at + step
    specialist = users.get(entry.get("assignee", ""), users["Dana Specialist"])
    with clock.frozen_at(moment):
        cases.move(session, case, specialist, S.TRIAGED)
    if status == S.TRIAGED:
        return case
    moment += step
    with clock.frozen_at(moment):
        if oncall.chain_of(session, case) is not None and not case.restricted:
            oncall.acknowledge(session, case, specialist, settings)  # from the callout
        else:
            cases.claim(session, case, specialist)
        cases.move(session, case, specialist, S.IN_PROGRESS)
    for kind, body in _messages(entry):
        moment += step
        with clock.frozen_at(moment):
            if kind == "note":
                cases.note(session, case, specialist, body)
            elif kind == "reply":
                cases.reply(session, case, specialist, body)
            else:
                cases.answer(session, case, requester, body)
    for target in _MOVES_FROM_IN_PROGRESS[status]:
        moment += step
        with clock.frozen_at(moment):
            cases.move(session, case, specialist, target)
    return case


def _messages(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Notes first, then the reply, then the requester's answer: the usual order."""
    found = [("note", body) for body in entry.get("notes", ())]
    found += [("reply", body) for body in entry.get("replies", ())]
    found += [("answer", body) for body in entry.get("answers", ())]
    return found
