"""The life of a request: filed by a functionary, worked as a case by specialists.

Everything that happens to a case is an event on its append-only timeline, with
who and when. An event's audience says whether the requester sees it (replies,
their own answers, status changes meant for them) or only specialists (notes,
views, assignments). This module holds those rules; the web views only call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.messages import N_, TranslatableError
from tools.models import (
    Audience,
    Case,
    CaseEvent,
    CaseSource,
    CaseStatus,
    CaseSubject,
    CaseWiki,
    Category,
    EvidenceLink,
    Severity,
    User,
)
from tools.people.accounts import RoleGrantError, canonical_username, granted_roles
from tools.people.roles import Role, bootstrap_roles
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
MESSAGE_MAX = 20_000


class CaseError(TranslatableError):
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
    if severity == Severity.EMERGENCY:
        _call_out(session, case, settings)
    return case


def _call_out(session: Session, case: Case, settings: Settings) -> None:
    """An emergency calls out the person on duty, in the same transaction as the change."""
    from tools import oncall

    oncall.call_out(session, case, settings)


def set_severity(
    session: Session, case: Case, actor: User, severity: Severity, settings: Settings
) -> CaseEvent:
    """Change a case's severity (its SLA targets follow); raised to emergency, it calls out."""
    previous = case.severity
    if severity == previous:
        raise CaseError(N_("Nothing to change: the case already has that severity."))
    promise = sla_promise(severity, settings)
    values = {
        "severity": severity,
        "updated_at": now(),
        "first_response_due_at": case.created_at + promise.first_response,
        "resolution_due_at": case.created_at + promise.resolution,
    }
    _compare_and_set(session, case, Case.severity == previous, values)
    data = {"from": previous.value, "to": severity.value}
    event = _add_event(session, case, "severity_changed", actor, Audience.INTERNAL, data=data)
    if severity == Severity.EMERGENCY:
        _call_out(session, case, settings)
    return event


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
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        kind=kind, actor=actor, audience=audience, body=body, data=data, created_at=now()
    )
    case.events.append(event)
    if kind != "viewed":  # looking is recorded, but it is not a change
        case.updated_at = event.created_at
    session.flush()
    return event


# --- life cycle -------------------------------------------------------------------
# A case moves only along these edges. Reopening is the way back from resolved or
# closed; everything else is refused with both states named.

S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.TRIAGED}),
    S.TRIAGED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.ESCALATED, S.RESOLVED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.ESCALATED}),
    S.ESCALATED: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),  # in progress again: reopened
    S.CLOSED: frozenset({S.IN_PROGRESS}),  # reopened
}
#: Cases still to be worked: the queue shows these unless asked for others.
OPEN_STATUSES = frozenset({S.NEW, S.TRIAGED, S.IN_PROGRESS, S.WAITING, S.ESCALATED})
#: Moves into these states are news for the requester; the rest is internal work.
REQUESTER_STATUSES = frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED})


def allowed_moves(status: CaseStatus) -> list[CaseStatus]:
    """Where a case in ``status`` may go next, in the order of the life cycle."""
    return [target for target in CaseStatus if target in TRANSITIONS[status]]


def move(session: Session, case: Case, actor: User, target: CaseStatus) -> CaseEvent:
    """Move a case to ``target`` if the table allows it and nobody moved it meanwhile."""
    current = case.status
    if target not in TRANSITIONS[current]:
        raise CaseError(
            N_("A case cannot move from %(current)s to %(target)s."),
            current=current.value,
            target=target.value,
        )
    at = now()
    values: dict[str, Any] = {"status": target, "updated_at": at}
    if target == S.RESOLVED:
        values["resolved_at"] = at
    elif target == S.CLOSED:
        values["closed_at"] = at
    elif current in (S.RESOLVED, S.CLOSED):  # reopened: the resolution clock runs again
        values |= {"resolved_at": None, "closed_at": None}
    # Compare-and-set on the status: of two people moving the same case, one wins.
    _compare_and_set(session, case, Case.status == current, values)
    audience = Audience.REQUESTER if target in REQUESTER_STATUSES else Audience.INTERNAL
    data = {"from": current.value, "to": target.value}
    return _add_event(session, case, "moved", actor, audience, data=data)


def claim(session: Session, case: Case, specialist: User) -> CaseEvent:
    """Take an unassigned case; a case someone else holds needs :func:`take_over`."""
    return assign(session, case, specialist, specialist, expected_assignee_id=None)


def take_over(
    session: Session, case: Case, specialist: User, expected_assignee_id: int | None
) -> CaseEvent:
    """Take a case from the specialist the page showed; refused if it changed hands since."""
    return assign(session, case, specialist, specialist, expected_assignee_id)


def hand_over(
    session: Session,
    case: Case,
    actor: User,
    recipient_name: str,
    expected_assignee_id: int | None,
    settings: Settings,
) -> CaseEvent:
    """Give the case to a named colleague, who must be a specialist able to open it.

    A restricted case goes only to a restricted specialist: handing it to someone who
    cannot read it would hide it from everyone who can.
    """
    try:
        name = canonical_username(recipient_name)
    except RoleGrantError as err:
        raise CaseError(N_("%(name)s is not a user name."), name=recipient_name) from err
    recipient = session.scalars(select(User).where(User.username == name)).first()
    roles = set(bootstrap_roles(name, settings))
    if recipient is not None:
        roles |= {Role(role) for role in granted_roles(session, recipient.id)}
    needed = (
        {Role.RESTRICTED_SPECIALIST}
        if case.restricted
        else {
            Role.SPECIALIST,
            Role.RESTRICTED_SPECIALIST,
        }
    )
    if recipient is None or not roles & needed:
        raise CaseError(N_("%(name)s is not a specialist who may open this case."), name=name)
    return assign(session, case, actor, recipient, expected_assignee_id)


def release(session: Session, case: Case, specialist: User) -> CaseEvent:
    """Give one's own case back to the queue."""
    if case.assignee_id != specialist.id:
        raise CaseError(N_("Only the specialist who holds this case can release it."))
    return assign(session, case, specialist, None, expected_assignee_id=specialist.id)


def assign(
    session: Session,
    case: Case,
    actor: User,
    assignee: User | None,
    expected_assignee_id: int | None,
) -> CaseEvent:
    """Give the case to ``assignee`` (None: to nobody) if it is still held by the expected one.

    ``expected_assignee_id`` is who held the case when the actor decided: the UPDATE
    only succeeds if that is still true, so two specialists claiming at the same
    moment cannot both win, and a claim never silently takes a case from someone.
    """
    if case.assignee_id != expected_assignee_id:
        raise _held_by_someone_else(case)
    previous = case.assignee
    new_id = assignee.id if assignee is not None else None
    if new_id == expected_assignee_id:
        raise CaseError(N_("Nothing to change: the case is already assigned that way."))
    holder = (
        Case.assignee_id.is_(None)
        if expected_assignee_id is None
        else (Case.assignee_id == expected_assignee_id)
    )
    _compare_and_set(session, case, holder, {"assignee_id": new_id, "updated_at": now()})
    kind = "released" if assignee is None else "assigned"
    data = {
        "from": previous.username if previous else None,
        "to": assignee.username if assignee else None,
    }
    return _add_event(session, case, kind, actor, Audience.INTERNAL, data=data)


def _held_by_someone_else(case: Case) -> CaseError:
    if case.assignee is None:
        return CaseError(N_("This case was released meanwhile. Reload the page."))
    return CaseError(
        N_("This case is held by %(assignee)s. Take it over explicitly if you mean to."),
        assignee=case.assignee.username,
    )


def _compare_and_set(session: Session, case: Case, condition: Any, values: dict[str, Any]) -> None:
    """UPDATE the case's row only if ``condition`` still holds in the database."""
    session.flush()
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, condition)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # A locking read sees the latest commit, not this transaction's snapshot.
        session.refresh(case, with_for_update=True)
        if "assignee_id" in values:
            raise _held_by_someone_else(case)
        raise CaseError(N_("Someone else changed this case meanwhile. Reload the page."))
    session.refresh(case)


def viewers_since(session: Session, case: Case, viewer: User, since: datetime) -> list[str]:
    """Who else looked at this case since ``since``: "also open by …" on the case page."""
    rows = session.execute(
        select(User.username)
        .join(CaseEvent, CaseEvent.actor_id == User.id)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind == "viewed",
            CaseEvent.created_at >= since,
            User.id != viewer.id,
        )
        .distinct()
        .order_by(User.username)
    )
    return list(rows.scalars())


# --- SLA clocks -------------------------------------------------------------------


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # most of the target has passed
    BREACHED = "breached"  # past due, still running, or stopped too late
    MET = "met"  # stopped in time


@dataclass(frozen=True)
class SlaClock:
    """One promise of the SLA for one case, as it stands at a moment."""

    name: str  # "first_response" or "resolution"
    due_at: datetime
    state: ClockState
    stopped_at: datetime | None  # the first reply, or the resolution
    left: timedelta  # negative when overdue; up to the stop for a stopped clock


def sla_clocks(case: Case, at: datetime, warning_share: float = 0.75) -> list[SlaClock]:
    """The state of a case's SLA clocks at ``at``: a pure function of the case and the time.

    A clock warns once ``warning_share`` of the time from filing to its due time has
    passed, so a specialist hears of a breach before it happens.
    """
    clocks = []
    for name, due, stopped in (
        ("first_response", case.first_response_due_at, case.first_response_at),
        ("resolution", case.resolution_due_at, case.resolved_at or case.closed_at),
    ):
        if due is not None:
            clocks.append(_clock(name, case.created_at, due, stopped, at, warning_share))
    return clocks


def _clock(
    name: str,
    started: datetime,
    due: datetime,
    stopped: datetime | None,
    at: datetime,
    warning_share: float,
) -> SlaClock:
    end = stopped or at
    if stopped is not None:
        state = ClockState.MET if stopped <= due else ClockState.BREACHED
    elif at >= due:
        state = ClockState.BREACHED
    elif at >= started + (due - started) * warning_share:
        state = ClockState.WARNING
    else:
        state = ClockState.OK
    return SlaClock(name, due, state, stopped, due - end)


def nearest_running_clock(clocks: Sequence[SlaClock]) -> SlaClock | None:
    """The running clock due first: what the queue sorts and shows by."""
    running = [clock for clock in clocks if clock.stopped_at is None]
    return min(running, key=lambda clock: clock.due_at, default=None)
