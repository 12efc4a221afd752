"""Calling out for an emergency: the chain, one pending callout per person of a step.

:func:`call_out` listens to :mod:`tools.cases.emergency`, so it runs in the transaction
that files (or raises) the emergency; :func:`listen_for_emergencies` subscribes it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.config import Settings
from tools.cases.emergency import on_emergency
from tools.models import (
    Audience,
    Callout,
    CalloutChain,
    CalloutStatus,
    Case,
    CaseEvent,
    ChainStatus,
    User,
)
from tools.oncall.targets import targets_for

ACTOR_LABEL = "on-call worker"  # the timeline's actor of what the worker does


def chain_of(session: Session, case: Case) -> CalloutChain | None:
    return session.scalars(select(CalloutChain).where(CalloutChain.case_id == case.id)).first()


def call_out(session: Session, case: Case, settings: Settings) -> CalloutChain:
    """Start the escalation policy for an emergency: pending callouts for its first step.

    Runs in the transaction that files (or raises) the emergency, so every way of filing
    one calls out; the worker delivers. A case already called out keeps its chain.
    """
    existing = chain_of(session, case)
    if existing is not None:
        return existing
    at = clock.now()
    chain = CalloutChain(
        case_id=case.id,
        round=0,
        step=0,
        status=ChainStatus.ACTIVE,
        step_started_at=at,
        next_step_at=at + timedelta(minutes=settings.oncall_policy[0].delay_minutes),
        created_at=at,
    )
    session.add(chain)
    session.flush()
    begin_step(session, chain, case, settings, at)
    return chain


def begin_step(
    session: Session, chain: CalloutChain, case: Case, settings: Settings, at: datetime
) -> list[Callout]:
    """The callouts of the chain's current step, and its line on the case's timeline."""
    step = settings.oncall_policy[chain.step]
    people = targets_for(session, step, case, settings, at)
    callouts = []
    for user in people:
        callout = Callout(
            case_id=case.id,
            user_id=user.id,
            step=chain.step,
            round=chain.round,
            status=CalloutStatus.PENDING,
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        if not user.email:
            callout.status = CalloutStatus.FAILED
            callout.last_error = "no e-mail address"
        session.add(callout)
        callouts.append(callout)
    data = {
        "round": chain.round,
        "step": chain.step,
        "targets": list(step.targets),
        "to": [user.username for user in people],
        "no_address": [user.username for user in people if not user.email],
    }
    timeline_event(session, case, "called_out", at, data)
    if not people:  # nobody to wait for: the next step goes out on the worker's next pass
        chain.next_step_at = at
        session.flush()
    return callouts


def timeline_event(
    session: Session,
    case: Case,
    kind: str,
    at: datetime,
    data: dict[str, Any],
    actor: User | None = None,
) -> None:
    event = CaseEvent(
        kind=kind,
        actor=actor,
        actor_label=None if actor else ACTOR_LABEL,
        audience=Audience.INTERNAL,
        created_at=at,
        data=data,
    )
    case.events.append(event)
    session.flush()


def token_hash(token: str) -> str:
    """What is stored of a callout link's token: its hash, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def listen_for_emergencies() -> None:
    """Subscribe :func:`call_out` to every emergency the cases domain announces.

    Every entry point calls this (``create_app``, the ``safetydesk`` command); without
    it an emergency is refused loudly (:class:`tools.cases.emergency.NobodyListening`).
    """
    on_emergency(call_out)
