"""The on-call worker (``safetydesk oncall run``): sends due callouts, moves chains up.

All state is in the database, claimed by compare-and-set updates, so a restarted
worker forgets nothing and two workers never send the same callout or run the same
step twice. A callout mail names the case's reference and category and links to the
acknowledgement page; never its content.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tools.base import outbox
from tools.base.config import Settings
from tools.base.db import transaction
from tools.base.notify import MailError, send_mail
from tools.models import (
    BotCheckpoint,
    Callout,
    CalloutChain,
    CalloutStatus,
    CaseStatus,
    ChainStatus,
)
from tools.oncall.callouts import begin_step, timeline_event, token_hash
from tools.oncall.errors import NO_ADDRESS, NO_MAIL_SERVER
from tools.oncall.mails import callout_mail, relay_mail
from tools.oncall.targets import may_open

log = logging.getLogger(__name__)

BOT = "oncall"  # its BotCheckpoint row: /healthz reads heartbeat_at
STREAM = "callouts"
#: A worker's claim on a callout lapses after this, should it die while sending.
CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
BATCH = 100


@dataclass
class RunReport:
    """What one pass of the worker did."""

    advanced: list[str] = field(default_factory=list)  # references moved to their next step
    exhausted: list[str] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # callout ids
    failed: list[int] = field(default_factory=list)  # tried and not delivered (retried later)
    mails_sent: list[int] = field(default_factory=list)  # outbox mail ids
    mails_failed: list[int] = field(default_factory=list)


def worker_name() -> str:
    """Who holds a claim: host and process, unique among running workers."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def run_due(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    worker: str | None = None,
) -> RunReport:
    """One pass: move due chains up the policy, send due callouts, record a heartbeat."""
    worker = worker or worker_name()
    report = RunReport()
    with factory() as session:
        due_chains = list(
            session.scalars(
                select(CalloutChain.id)
                .where(CalloutChain.status == ChainStatus.ACTIVE, CalloutChain.next_step_at <= now)
                .order_by(CalloutChain.next_step_at)
                .limit(BATCH)
            )
        )
    for chain_id in due_chains:
        _advance(factory, chain_id, settings, now, report)
    with factory() as session:
        due_callouts = list(
            session.scalars(
                select(Callout.id)
                .where(
                    Callout.status == CalloutStatus.PENDING,
                    Callout.next_attempt_at <= now,
                    or_(Callout.claimed_until.is_(None), Callout.claimed_until < now),
                )
                .order_by(Callout.next_attempt_at, Callout.id)
                .limit(BATCH)
            )
        )
    for callout_id in due_callouts:
        token = _claim(factory, callout_id, worker, now)
        if token is not None:
            _deliver(factory, callout_id, token, worker, settings, now, report)
    # The outbox's mails (reply notices) go out with the callouts, retried the same way.
    report.mails_sent, report.mails_failed = outbox.deliver_due(factory, settings, now, worker)
    _heartbeat(factory, now, report)
    return report


def next_due(factory: sessionmaker[Session]) -> datetime | None:
    """When the next callout retry or escalation step is due: the worker wakes for it
    then rather than at its next poll (a mail server back after 30 s gets the retry
    at 30 s, not at the first poll after it)."""
    with factory() as session:
        retry = session.scalar(
            select(func.min(Callout.next_attempt_at)).where(Callout.status == CalloutStatus.PENDING)
        )
        step = session.scalar(
            select(func.min(CalloutChain.next_step_at)).where(
                CalloutChain.status == ChainStatus.ACTIVE
            )
        )
    times = [moment for moment in (retry, step) if moment is not None]
    return min(times) if times else None


def _advance(
    factory: sessionmaker[Session],
    chain_id: int,
    settings: Settings,
    now: datetime,
    report: RunReport,
) -> None:
    """Move one chain to its next step, unless another worker (or an acknowledgement) did."""
    with transaction(factory) as session:
        chain = session.get_one(CalloutChain, chain_id)
        if chain.status != ChainStatus.ACTIVE or chain.next_step_at is None:
            return
        if chain.next_step_at > now:
            return
        step, round_ = chain.step + 1, chain.round
        if step >= len(settings.oncall_policy):  # >=: the policy may have been shortened
            step, round_ = 0, round_ + 1
        values: dict[str, Any]
        if chain.case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            values = {"status": ChainStatus.STOPPED, "next_step_at": None}
        elif round_ > settings.oncall_policy_repeat:
            values = {"status": ChainStatus.EXHAUSTED, "next_step_at": None}
        else:
            delay = timedelta(minutes=settings.oncall_policy[step].delay_minutes)
            values = {
                "step": step,
                "round": round_,
                "step_started_at": now,
                "next_step_at": now + delay,
            }
        moved = session.execute(
            update(CalloutChain)
            .where(
                CalloutChain.id == chain.id,
                CalloutChain.status == ChainStatus.ACTIVE,
                CalloutChain.step == chain.step,
                CalloutChain.round == chain.round,
            )
            .values(values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return  # another worker moved it, or someone acknowledged meanwhile
        session.refresh(chain)
        case = chain.case
        if chain.status == ChainStatus.STOPPED:
            session.execute(
                update(Callout)
                .where(Callout.case_id == case.id, Callout.status == CalloutStatus.PENDING)
                .values(status=CalloutStatus.CANCELLED)
                .execution_options(synchronize_session=False)
            )
            timeline_event(session, case, "callouts_stopped", now, {"status": case.status.value})
            return
        if chain.status == ChainStatus.EXHAUSTED:
            data = {"rounds": settings.oncall_policy_repeat + 1}
            timeline_event(session, case, "callouts_exhausted", now, data)
            report.exhausted.append(case.reference or "")
            log.warning("emergency %s: nobody acknowledged any callout", case.reference)
            return
        begin_step(session, chain, case, settings, now)
        report.advanced.append(case.reference or "")


def _claim(
    factory: sessionmaker[Session], callout_id: int, worker: str, now: datetime
) -> str | None:
    """Take a due callout for this worker; the token's hash is stored with the claim."""
    token = secrets.token_urlsafe(32)
    with transaction(factory) as session:
        claimed = session.execute(
            update(Callout)
            .where(
                Callout.id == callout_id,
                Callout.status == CalloutStatus.PENDING,
                Callout.next_attempt_at <= now,
                or_(Callout.claimed_until.is_(None), Callout.claimed_until < now),
            )
            .values(
                claimed_by=worker,
                claimed_until=now + CLAIM_LEASE,
                token_hash=token_hash(token),
                attempts=Callout.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
    return token


def _deliver(
    factory: sessionmaker[Session],
    callout_id: int,
    token: str,
    worker: str,
    settings: Settings,
    now: datetime,
    report: RunReport,
) -> None:
    """Send one claimed callout, then record the outcome (outside any open transaction)."""
    with factory() as session:
        callout = session.get_one(Callout, callout_id)
        if callout.user is not None and not may_open(session, callout.user, callout.case, settings):
            subject, body = relay_mail(callout, settings)
        else:
            subject, body = callout_mail(callout, token, settings, now)
        address = callout.user.email if callout.user else None
        reference, attempts = callout.case.reference, callout.attempts
    error: str | None = None
    if not settings.smtp_host:
        error = NO_MAIL_SERVER
    elif not address:
        error = NO_ADDRESS
    else:
        try:
            send_mail(settings, address, subject, body)
        except MailError as err:
            error = str(err)
    with transaction(factory) as session:
        mine = (Callout.id == callout_id, Callout.claimed_by == worker)
        released = {"claimed_by": None, "claimed_until": None}
        if error is None:
            values = {**released, "status": CalloutStatus.SENT, "sent_at": now, "last_error": None}
            report.sent.append(callout_id)
        else:
            wait = min(
                FIRST_RETRY * 2 ** (attempts - 1),
                timedelta(minutes=settings.oncall_retry_max_minutes),
            )
            values = {**released, "next_attempt_at": now + wait, "last_error": error[:255]}
            report.failed.append(callout_id)
            log.warning("callout %s for %s not delivered: %s", callout_id, reference, error)
        session.execute(
            update(Callout)
            .where(*mine, Callout.status == CalloutStatus.PENDING)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        # Cancelled while it was being sent: only let go of the claim.
        session.execute(
            update(Callout)
            .where(*mine)
            .values(released)
            .execution_options(synchronize_session=False)
        )


def _heartbeat(factory: sessionmaker[Session], now: datetime, report: RunReport) -> None:
    """The worker's sign of life: a later /healthz reports a stopped worker from it."""
    position = {"sent": len(report.sent), "failed": len(report.failed)}
    for _ in range(2):  # two workers may create the row at once; the loser updates it
        try:
            with transaction(factory) as session:
                row = session.scalars(
                    select(BotCheckpoint).where(
                        BotCheckpoint.bot == BOT, BotCheckpoint.stream == STREAM
                    )
                ).first()
                if row is None:
                    row = BotCheckpoint(bot=BOT, stream=STREAM, position=position)
                    session.add(row)
                row.position, row.heartbeat_at, row.updated_at = position, now, now
            return
        except IntegrityError:
            continue


def last_heartbeat(session: Session) -> datetime | None:
    return session.scalars(
        select(BotCheckpoint.heartbeat_at).where(
            BotCheckpoint.bot == BOT, BotCheckpoint.stream == STREAM
        )
    ).first()
