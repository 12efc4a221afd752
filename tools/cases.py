"""The life of a request: filed by a functionary, worked as a case by specialists.

Everything that happens to a case is an event on its append-only timeline, with
who and when. An event's audience says whether the requester sees it (replies,
their own answers, status changes meant for them) or only specialists (notes,
views, assignments). This module holds those rules; the web views only call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tools.clock import now
from tools.config import Settings
from tools.evidence import Evidence
from tools.models import (
    Audience,
    Case,
    CaseEvent,
    CaseSource,
    CaseSubject,
    CaseWiki,
    Category,
    EvidenceLink,
    Severity,
    User,
)
from tools.subjects import Subject

#: Categories where a life may be at stake: the form shows the emergency guidance first.
EMERGENCY_CATEGORIES = frozenset({Category.THREAT, Category.CHILD_PROTECTION})
#: Categories only restricted specialists may open.
RESTRICTED_CATEGORIES = frozenset({Category.CHILD_PROTECTION})

DEFAULT_SEVERITY = {
    Category.THREAT: Severity.EMERGENCY,
    Category.CHILD_PROTECTION: Severity.EMERGENCY,
    Category.HARASSMENT: Severity.HIGH,
    Category.EVENT_SAFETY: Severity.HIGH,
    Category.PRIVACY: Severity.HIGH,
    Category.TECHNICAL: Severity.NORMAL,
    Category.ENGINEERING: Severity.NORMAL,
    Category.OTHER: Severity.NORMAL,
}

TITLE_MAX = 255
DESCRIPTION_MAX = 20_000
MESSAGE_MAX = 20_000


class CaseError(Exception):
    """A request or an action on a case that cannot be done; the message says why."""


@dataclass(frozen=True)
class NewRequest:
    """A request as filled in by a functionary, already validated field by field."""

    category: Category
    title: str
    description: str
    severity: Severity | None = None  # None: the category's default
    wikis: Sequence[str] = ()
    subjects: Sequence[Subject] = ()
    evidence: Sequence[Evidence] = ()
    submission_key: str | None = None  # a retried submission of the same form files once
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SlaPromise:
    first_response: timedelta
    resolution: timedelta


def sla_promise(severity: Severity, settings: Settings) -> SlaPromise:
    """What the team promises for a severity: first answer and resolution within…"""
    return SlaPromise(
        first_response=timedelta(minutes=settings.sla_first_response_minutes[severity.value]),
        resolution=timedelta(hours=settings.sla_resolution_hours[severity.value]),
    )


def reference_for(case_id: int, year: int) -> str:
    """``TS-2026-00042``: short enough to say on the phone, unique because the id is."""
    return f"TS-{year}-{case_id:05d}"


def file_request(
    session: Session,
    requester: User | None,
    request: NewRequest,
    settings: Settings,
    source: CaseSource = CaseSource.FORM,
) -> Case:
    """Store a new request as a case with its first event; a repeated submission files once."""
    if request.submission_key:
        earlier = find_by_submission_key(session, request.submission_key)
        if earlier is not None:
            return _same_requester(earlier, requester)
    _check_lengths(request)
    try:
        with session.begin_nested():
            case = _new_case(session, requester, request, settings, source)
    except IntegrityError:
        # Two submissions of the same form raced; the other one won.
        earlier = find_by_submission_key(session, request.submission_key or "")
        if earlier is None:
            raise
        return _same_requester(earlier, requester)
    return case


def _same_requester(case: Case, requester: User | None) -> Case:
    if requester is not None and case.requester_id != requester.id:
        raise CaseError("This form was already used by someone else. Reload it and try again.")
    return case


def _check_lengths(request: NewRequest) -> None:
    if not request.title.strip():
        raise CaseError("A request needs a title.")
    if len(request.title) > TITLE_MAX:
        raise CaseError(f"The title is longer than {TITLE_MAX} characters.")
    if len(request.description) > DESCRIPTION_MAX:
        raise CaseError(f"The description is longer than {DESCRIPTION_MAX} characters.")


def _new_case(
    session: Session,
    requester: User | None,
    request: NewRequest,
    settings: Settings,
    source: CaseSource,
) -> Case:
    filed_at = now()
    severity = request.severity or DEFAULT_SEVERITY[request.category]
    promise = sla_promise(severity, settings)
    case = Case(
        category=request.category,
        severity=severity,
        source=source,
        restricted=request.category in RESTRICTED_CATEGORIES,
        title=request.title.strip(),
        description=request.description.strip(),
        requester=requester,
        submission_key=request.submission_key,
        created_at=filed_at,
        updated_at=filed_at,
        first_response_due_at=filed_at + promise.first_response,
        resolution_due_at=filed_at + promise.resolution,
        wikis=[CaseWiki(wiki=wiki) for wiki in dict.fromkeys(request.wikis)],
        subjects=[
            CaseSubject(kind=subject.kind, value=subject.value, wiki=subject.wiki)
            for subject in request.subjects
        ],
        evidence=[_evidence_row(item) for item in request.evidence],
    )
    session.add(case)
    session.flush()
    case.reference = reference_for(case.id, filed_at.year)
    case.events.append(
        CaseEvent(
            kind="filed",
            actor=requester,
            actor_label=None if requester else source.value,
            audience=Audience.REQUESTER,
            created_at=filed_at,
            data={"category": case.category.value, "severity": severity.value, **request.extra},
        )
    )
    session.flush()
    return case


def _evidence_row(item: Evidence) -> EvidenceLink:
    return EvidenceLink(
        url=item.url,
        kind=item.kind,
        wiki=item.wiki,
        page_title=item.page_title,
        rev_id=item.rev_id,
        old_rev_id=item.old_rev_id,
        log_id=item.log_id,
    )


def find_by_submission_key(session: Session, key: str) -> Case | None:
    return session.scalars(select(Case).where(Case.submission_key == key)).first()


def find_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalars(
        select(Case)
        .where(Case.reference == reference)
        .options(selectinload(Case.events).selectinload(CaseEvent.actor))
    ).first()


def requests_of(session: Session, requester: User) -> list[Case]:
    """A functionary's own requests, newest first."""
    return list(
        session.scalars(
            select(Case).where(Case.requester_id == requester.id).order_by(Case.id.desc())
        )
    )


def requester_thread(case: Case) -> list[CaseEvent]:
    """The events the requester may read, oldest first: never an internal note or a view."""
    return [event for event in case.events if event.audience == Audience.REQUESTER]


def record_view(session: Session, case: Case, viewer: User) -> None:
    """Every look at a case is on its timeline (specialists see who looked, and when)."""
    _add_event(session, case, "viewed", viewer, Audience.INTERNAL)


def answer(session: Session, case: Case, requester: User, body: str) -> CaseEvent:
    """The requester writes to the specialist in their request's thread."""
    if case.requester_id != requester.id:
        raise CaseError("Only the person who filed this request can answer in its thread.")
    return _add_event(session, case, "answered", requester, Audience.REQUESTER, _message(body))


def reply(session: Session, case: Case, specialist: User, body: str) -> CaseEvent:
    """A specialist writes to the requester; the first one stops the first-response clock."""
    event = _add_event(session, case, "replied", specialist, Audience.REQUESTER, _message(body))
    if case.first_response_at is None:
        case.first_response_at = event.created_at
    return event


def note(session: Session, case: Case, specialist: User, body: str) -> CaseEvent:
    """An internal note: specialists only, never shown to the requester."""
    return _add_event(session, case, "noted", specialist, Audience.INTERNAL, _message(body))


def _message(body: str) -> str:
    text = body.strip()
    if not text:
        raise CaseError("The message is empty.")
    if len(text) > MESSAGE_MAX:
        raise CaseError(f"The message is longer than {MESSAGE_MAX} characters.")
    return text


def _add_event(
    session: Session,
    case: Case,
    kind: str,
    actor: User | None,
    audience: Audience,
    body: str | None = None,
) -> CaseEvent:
    event = CaseEvent(kind=kind, actor=actor, audience=audience, body=body, created_at=now())
    case.events.append(event)
    if kind != "viewed":  # looking is recorded, but it is not a change
        case.updated_at = event.created_at
    session.flush()
    return event
