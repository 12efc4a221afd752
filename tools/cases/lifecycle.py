"""A case's life cycle and its holder: allowed moves, claims, hand-overs, severity.

Every change is a compare-and-set on the case's row, so of two people changing the
same case at once one wins and the other is told, never silently overwritten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.messages import N_
from tools.cases.emergency import announce_claim, announce_emergency
from tools.cases.errors import CaseError
from tools.cases.sla import sla_promise
from tools.cases.timeline import add_event
from tools.models import Audience, Case, CaseEvent, CaseStatus, Severity, User
from tools.people.accounts import RoleGrantError, canonical_username, granted_roles
from tools.people.roles import Role, bootstrap_roles

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
    return add_event(session, case, "moved", actor, audience, data=data)


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
    event = add_event(session, case, "severity_changed", actor, Audience.INTERNAL, data=data)
    if severity == Severity.EMERGENCY:
        announce_emergency(session, case, settings)
    return event


def claim(session: Session, case: Case, specialist: User) -> CaseEvent:
    """Take an unassigned case; a case someone else holds needs :func:`take_over`.

    Claiming is an explicit act of taking the case on: an emergency's callout counts as
    acknowledged (on call hears it through :func:`tools.cases.emergency.announce_claim`).
    """
    event = assign(session, case, specialist, specialist, expected_assignee_id=None)
    announce_claim(session, case, specialist)
    return event


def take_over(
    session: Session, case: Case, specialist: User, expected_assignee_id: int | None
) -> CaseEvent:
    """Take a case from the specialist the page showed; refused if it changed hands since."""
    event = assign(session, case, specialist, specialist, expected_assignee_id)
    announce_claim(session, case, specialist)
    return event


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
    return add_event(session, case, kind, actor, Audience.INTERNAL, data=data)


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
