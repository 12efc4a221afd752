"""Calling out for an emergency: the chain, one pending callout per person of a step.

:func:`call_out` listens to :mod:`tools.cases.emergency`, so it runs in the transaction
that files (or raises) the emergency; :func:`listen_for_emergencies` subscribes it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.config import Settings
from tools.cases.emergency import on_claim, on_emergency
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
from tools.oncall.errors import NO_ADDRESS
from tools.oncall.targets import admins, may_open, named_by
from tools.oncall.wake import wake_after_commit

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
    """The callouts of the chain's current step, and its line on the case's timeline.

    Nobody on the step may open the case (a restricted emergency, nobody restricted on
    duty): the step's people are paged anyway, with the reference only (the mail asks
    them to find a restricted specialist), and so are the admins not paged yet this round.
    """
    step = settings.oncall_policy[chain.step]
    named = named_by(session, step, settings, at)
    people = [user for user in named if may_open(session, user, case, settings)]
    told: list[User] = []
    paged_admins: list[User] = []
    if not people:
        told = named
        already = {user.id for user in named} | _called_this_round(session, case, chain.round)
        paged_admins = [user for user in admins(session, settings) if user.id not in already]
    callouts = [
        _callout(session, case, chain, user, at) for user in [*people, *told, *paged_admins]
    ]
    everyone = [*people, *told, *paged_admins]
    data = {
        "round": chain.round,
        "step": chain.step,
        "targets": list(step.targets),
        "to": [user.username for user in everyone],
        "no_address": [user.username for user in everyone if not user.email],
        "may_not_open": [
            user.username for user in everyone if not may_open(session, user, case, settings)
        ],
        "admins": [user.username for user in paged_admins],
    }
    timeline_event(session, case, "called_out", at, data)
    if any(callout.status == CalloutStatus.PENDING for callout in callouts):
        wake_after_commit(session, settings)  # the worker sends them now, not at its poll
    if not people and not told:
        # Nobody on the step (a gap in the rota): nobody to wait for, so the next step goes
        # out on the worker's next pass (admins paged meanwhile). People told by reference
        # get the step's delay to reach someone who may open the case.
        chain.next_step_at = at
        session.flush()
    return callouts


def _callout(
    session: Session, case: Case, chain: CalloutChain, user: User, at: datetime
) -> Callout:
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
        callout.last_error = NO_ADDRESS
    session.add(callout)
    return callout


def _called_this_round(session: Session, case: Case, round_: int) -> set[int]:
    rows = session.scalars(
        select(Callout.user_id).where(Callout.case_id == case.id, Callout.round == round_)
    )
    return {user_id for user_id in rows if user_id is not None}


def stop_chain(
    session: Session, chain: CalloutChain, case: Case, user: User, at: datetime, via: str
) -> bool:
    """Stop the chain as acknowledged by ``user``: their callouts acknowledged, pending
    others cancelled, the timeline says how. False if someone acknowledged it first."""
    stopped = session.execute(
        update(CalloutChain)
        .where(
            CalloutChain.id == chain.id,
            CalloutChain.status.in_([ChainStatus.ACTIVE, ChainStatus.EXHAUSTED]),
        )
        .values(
            status=ChainStatus.ACKNOWLEDGED,
            acknowledged_by_id=user.id,
            acknowledged_at=at,
            next_step_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if stopped.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(chain)
    for callout in session.scalars(select(Callout).where(Callout.case_id == case.id)):
        if callout.user_id == user.id:
            callout.status, callout.acknowledged_at = CalloutStatus.ACKNOWLEDGED, at
        elif callout.status == CalloutStatus.PENDING:  # not sent yet: no need any more
            callout.status = CalloutStatus.CANCELLED
    timeline_event(session, case, "acknowledged", at, {"via": via}, actor=user)
    return True


def stop_for_dismissal(session: Session, case: Case, at: datetime, data: dict[str, Any]) -> bool:
    """The alert that raised the emergency was dismissed: stop paging, as an acknowledgement
    does (pending callouts cancelled, no next step). False when no chain was still running."""
    chain = chain_of(session, case)
    if chain is None:
        return False
    stopped = session.execute(
        update(CalloutChain)
        .where(
            CalloutChain.id == chain.id,
            CalloutChain.status.in_([ChainStatus.ACTIVE, ChainStatus.EXHAUSTED]),
        )
        .values(status=ChainStatus.STOPPED, next_step_at=None)
        .execution_options(synchronize_session=False)
    )
    if stopped.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(chain)
    session.execute(
        update(Callout)
        .where(Callout.case_id == case.id, Callout.status == CalloutStatus.PENDING)
        .values(status=CalloutStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    timeline_event(session, case, "callouts_stopped", at, data)
    return True


def acknowledge_by_claim(session: Session, case: Case, user: User) -> None:
    """Claiming (or taking over) an emergency is taking it on: it acknowledges the callout."""
    chain = chain_of(session, case)
    if chain is None or chain.status not in (ChainStatus.ACTIVE, ChainStatus.EXHAUSTED):
        return
    stop_chain(session, chain, case, user, clock.now(), via="claim")


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
    Claims are heard too: claiming an emergency acknowledges its callout.
    """
    on_emergency(call_out)
    on_claim(acknowledge_by_claim)
