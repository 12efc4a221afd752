"""Filing a request: validated, stored as a case with its first event, filed once.

An emergency is announced (:mod:`tools.cases.emergency`) in the filing transaction,
so whoever listens (on call) acts before the case is committed, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tools.base.clock import now
from tools.base.config import Settings
from tools.cases.emergency import announce_emergency
from tools.cases.errors import CaseError
from tools.cases.sla import sla_promise
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
from tools.wiki.evidence import Evidence
from tools.wiki.subjects import Subject

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
    if severity == Severity.EMERGENCY:
        announce_emergency(session, case, settings)
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
