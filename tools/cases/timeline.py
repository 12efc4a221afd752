"""A case's append-only timeline: every event with who, when and its audience.

An event's audience says whether the requester sees it (replies, their own answers,
status changes meant for them) or only specialists (notes, views, assignments).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.cases.errors import CaseError
from tools.models import Audience, Case, CaseEvent, User

MESSAGE_MAX = 20_000


def requester_thread(case: Case) -> list[CaseEvent]:
    """The events the requester may read, oldest first: never an internal note or a view."""
    return [event for event in case.events if event.audience == Audience.REQUESTER]


def record_view(session: Session, case: Case, viewer: User) -> None:
    """Every look at a case is on its timeline (specialists see who looked, and when)."""
    add_event(session, case, "viewed", viewer, Audience.INTERNAL)


def answer(session: Session, case: Case, requester: User, body: str) -> CaseEvent:
    """The requester writes to the specialist in their request's thread."""
    if case.requester_id != requester.id:
        raise CaseError("Only the person who filed this request can answer in its thread.")
    return add_event(session, case, "answered", requester, Audience.REQUESTER, _message(body))


def reply(session: Session, case: Case, specialist: User, body: str) -> CaseEvent:
    """A specialist writes to the requester; the first one stops the first-response clock."""
    event = add_event(session, case, "replied", specialist, Audience.REQUESTER, _message(body))
    if case.first_response_at is None:
        case.first_response_at = event.created_at
    return event


def note(session: Session, case: Case, specialist: User, body: str) -> CaseEvent:
    """An internal note: specialists only, never shown to the requester."""
    return add_event(session, case, "noted", specialist, Audience.INTERNAL, _message(body))


def _message(body: str) -> str:
    text = body.strip()
    if not text:
        raise CaseError("The message is empty.")
    if len(text) > MESSAGE_MAX:
        raise CaseError(f"The message is longer than {MESSAGE_MAX} characters.")
    return text


def add_event(
    session: Session,
    case: Case,
    kind: str,
    actor: User | None,
    audience: Audience,
    body: str | None = None,
    data: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> CaseEvent:
    """Append one event to the case's timeline; every change goes through here.

    Public because the other case modules (export, escalation, related) record their
    own events the same way.
    """
    event = CaseEvent(
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        audience=audience,
        body=body,
        data=data,
        created_at=now(),
    )
    case.events.append(event)
    if kind != "viewed":  # looking is recorded, but it is not a change
        case.updated_at = event.created_at
    session.flush()
    return event


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
