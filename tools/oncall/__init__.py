"""On call: the rota, callouts for emergencies, acknowledgement, escalation up the rota.

The rota is a weekly pattern (:class:`~tools.models.WeeklyShift`, UTC) plus one-off
shifts (:class:`~tools.models.Shift`): an override (a swap, a holiday cover) replaces
everyone the pattern has on duty while it lasts; a regular one-off shift adds a person.

An emergency starts a :class:`~tools.models.CalloutChain` in the transaction that files it
(:func:`call_out`, called by :mod:`tools.cases`): one pending :class:`~tools.models.Callout`
per person of the policy's first step. The worker (:func:`run_due`, ``safetydesk oncall
run``) sends pending callouts and moves chains up the policy when a step's delay has
passed without an acknowledgement. All state is in the database, claimed by
compare-and-set updates, so a restarted worker forgets nothing and two workers never
send the same callout or run the same step twice. A callout mail names the case's
reference and category and links to the acknowledgement page; never its content.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tools.base import clock
from tools.base.config import EscalationStep, Settings
from tools.base.db import transaction
from tools.base.messages import N_, TranslatableError
from tools.base.notify import MailError, send_mail
from tools.models import (
    AdminEvent,
    Audience,
    BotCheckpoint,
    Callout,
    CalloutChain,
    CalloutStatus,
    Case,
    CaseEvent,
    CaseStatus,
    ChainStatus,
    RoleGrant,
    Shift,
    ShiftKind,
    User,
    WeeklyShift,
)
from tools.people.accounts import RoleGrantError, canonical_username, granted_roles
from tools.people.roles import Role, bootstrap_roles

log = logging.getLogger(__name__)

BOT = "oncall"  # its BotCheckpoint row: /healthz reads heartbeat_at
STREAM = "callouts"
ACTOR_LABEL = "on-call worker"  # the timeline's actor of what the worker does
#: A worker's claim on a callout lapses after this, should it die while sending.
CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
BATCH = 100
TEAM_ROLES = (Role.SPECIALIST.value, Role.RESTRICTED_SPECIALIST.value)


class OncallError(TranslatableError):
    """A rota change or an acknowledgement that cannot be done; the message says why."""


class LinkRefused(OncallError):
    """An acknowledgement link that cannot be used; ``reason`` says which way it failed:
    ``invalid``, ``someone-else``, ``used``, ``answered`` or ``expired``."""

    def __init__(self, reason: str, message: str, **variables: str) -> None:
        super().__init__(message, **variables)
        self.reason = reason


# --- time zones ------------------------------------------------------------------


def is_timezone(name: str) -> bool:
    return name in _timezones()


def _timezones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def timezone_names() -> list[str]:
    return sorted(_timezones())


def local_time(moment: datetime, zone: str) -> datetime:
    """``moment`` in the IANA time zone ``zone`` (UTC when the name is unknown)."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(UTC)


# --- the rota --------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """One person on duty for one period: an occurrence of a weekly shift, or a one-off."""

    user: User
    starts_at: datetime
    ends_at: datetime
    override: bool = False


@dataclass(frozen=True)
class Segment:
    """A stretch of time with the same people on duty (none: a gap in coverage)."""

    starts_at: datetime
    ends_at: datetime
    people: tuple[User, ...]

    @property
    def names(self) -> list[str]:
        return [user.username for user in self.people]


def _weekly_occurrences(shift: WeeklyShift, start: datetime, end: datetime) -> Iterable[Duty]:
    day = start.date() - timedelta(days=7 + shift.duration_minutes // 1440)
    while day <= end.date():
        if day.weekday() == shift.weekday and _valid_on(shift, day):
            begins = datetime.combine(day, time(0), UTC) + timedelta(minutes=shift.start_minute)
            ends = begins + timedelta(minutes=shift.duration_minutes)
            if begins < end and ends > start:
                yield Duty(shift.user, begins, ends)
        day += timedelta(days=1)


def _valid_on(shift: WeeklyShift, day: date) -> bool:
    return shift.valid_from <= day and (shift.valid_until is None or day <= shift.valid_until)


def duties(session: Session, start: datetime, end: datetime) -> list[Duty]:
    """Every period someone is on the rota that overlaps ``[start, end)``."""
    found: list[Duty] = []
    for weekly in session.scalars(select(WeeklyShift)):
        found.extend(_weekly_occurrences(weekly, start, end))
    one_offs = session.scalars(select(Shift).where(Shift.starts_at < end, Shift.ends_at > start))
    for shift in one_offs:
        found.append(
            Duty(shift.user, shift.starts_at, shift.ends_at, shift.kind == ShiftKind.OVERRIDE)
        )
    return found


def _people_at(found: Sequence[Duty], moment: datetime) -> tuple[User, ...]:
    active = [duty for duty in found if duty.starts_at <= moment < duty.ends_at]
    overrides = [duty for duty in active if duty.override]
    chosen = overrides or active
    people = {duty.user.id: duty.user for duty in chosen}
    return tuple(sorted(people.values(), key=lambda user: user.username))


def coverage(session: Session, start: datetime, end: datetime) -> list[Segment]:
    """Who is on duty from ``start`` to ``end``, as consecutive segments (overrides win)."""
    found = duties(session, start, end)
    edges = {start, end}
    for duty in found:
        edges |= {moment for moment in (duty.starts_at, duty.ends_at) if start < moment < end}
    points = sorted(edges)
    segments: list[Segment] = []
    for begins, ends in pairwise(points):
        people = _people_at(found, begins)
        if segments and segments[-1].people == people:
            segments[-1] = Segment(segments[-1].starts_at, ends, people)
        else:
            segments.append(Segment(begins, ends, people))
    return segments


def on_duty(session: Session, at: datetime) -> list[User]:
    """The people on duty at ``at``."""
    return list(_people_at(duties(session, at, at + timedelta(seconds=1)), at))


def next_on_rota(session: Session, at: datetime, days: int = 7) -> Segment | None:
    """The next people to come on duty after those of ``at`` (only the newcomers), or None."""
    segments = coverage(session, at, at + timedelta(days=days))
    current = {user.id for user in segments[0].people} if segments else set()
    for segment in segments[1:]:
        newcomers = tuple(user for user in segment.people if user.id not in current)
        if newcomers:
            return Segment(segment.starts_at, segment.ends_at, newcomers)
    return None


def gaps(session: Session, start: datetime, end: datetime) -> list[Segment]:
    """Stretches from ``start`` to ``end`` with nobody on duty: reported before they come."""
    return [segment for segment in coverage(session, start, end) if not segment.people]


def upcoming_gaps(session: Session, settings: Settings, at: datetime) -> list[Segment]:
    return gaps(session, at, at + timedelta(days=settings.oncall_lookahead_days))


# --- editing the rota ---------------------------------------------------------------


def _rota_user(session: Session, name: str) -> User:
    """The account named (created if it never signed in, as role grants do)."""
    try:
        username = canonical_username(name)
    except RoleGrantError as err:
        raise OncallError(N_("%(name)s is not a user name."), name=name) from err
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username)
        session.add(user)
        session.flush()
    return user


def _admin_event(session: Session, actor_id: int, action: str, user: User, **data: Any) -> None:
    session.add(AdminEvent(actor_id=actor_id, action=action, subject_user=user, data=data))


def add_weekly_shift(
    session: Session,
    actor_id: int,
    username: str,
    weekday: int,
    start_minute: int,
    duration_minutes: int,
    valid_from: date,
    valid_until: date | None = None,
) -> WeeklyShift:
    """A recurring slot: every ``weekday`` from ``start_minute`` (UTC) for a duration."""
    if not 0 <= weekday <= 6 or not 0 <= start_minute < 1440:
        raise OncallError(N_("The day or the time of the shift is not valid."))
    if not 0 < duration_minutes <= 7 * 1440:
        raise OncallError(N_("A shift lasts between one minute and seven days."))
    if valid_until is not None and valid_until < valid_from:
        raise OncallError(N_("The shift ends before it starts."))
    user = _rota_user(session, username)
    shift = WeeklyShift(
        user=user,
        weekday=weekday,
        start_minute=start_minute,
        duration_minutes=duration_minutes,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    session.add(shift)
    _admin_event(session, actor_id, "rota-weekly-added", user, weekday=weekday)
    session.flush()
    return shift


def add_shift(
    session: Session,
    actor_id: int,
    username: str,
    starts_at: datetime,
    ends_at: datetime,
    kind: ShiftKind = ShiftKind.OVERRIDE,
    note: str = "",
) -> Shift:
    """A one-off slot: an override (swap, holiday cover) wins over the weekly pattern."""
    if ends_at <= starts_at:
        raise OncallError(N_("The shift ends before it starts."))
    user = _rota_user(session, username)
    shift = Shift(
        user=user,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip()[:255] or None,
        created_by_id=actor_id,
        created_at=clock.now(),
    )
    session.add(shift)
    _admin_event(session, actor_id, "rota-shift-added", user, starts_at=starts_at.isoformat())
    session.flush()
    return shift


def remove_weekly_shift(session: Session, actor_id: int, shift_id: int) -> None:
    shift = session.get(WeeklyShift, shift_id)
    if shift is None:
        raise OncallError(N_("That shift no longer exists."))
    _admin_event(session, actor_id, "rota-weekly-removed", shift.user, weekday=shift.weekday)
    session.delete(shift)
    session.flush()


def remove_shift(session: Session, actor_id: int, shift_id: int) -> None:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise OncallError(N_("That shift no longer exists."))
    _admin_event(
        session, actor_id, "rota-shift-removed", shift.user, starts_at=shift.starts_at.isoformat()
    )
    session.delete(shift)
    session.flush()


def weekly_shifts(session: Session) -> list[WeeklyShift]:
    return list(
        session.scalars(select(WeeklyShift).order_by(WeeklyShift.weekday, WeeklyShift.start_minute))
    )


def one_off_shifts(session: Session, since: datetime) -> list[Shift]:
    """One-off shifts not yet over, soonest first."""
    return list(
        session.scalars(select(Shift).where(Shift.ends_at > since).order_by(Shift.starts_at))
    )


def set_preferences(user: User, timezone: str, email: str) -> None:
    """The person's IANA time zone (the rota shows their hours in it) and callout address."""
    if not is_timezone(timezone):
        raise OncallError(N_("%(zone)s is not a time zone name."), zone=timezone)
    user.timezone = timezone
    user.email = email.strip() or None


# --- who is called out ---------------------------------------------------------------


def team(session: Session, settings: Settings) -> list[User]:
    """Every specialist: granted in the tool, or named in the bootstrap settings."""
    granted = select(RoleGrant.user_id).where(RoleGrant.role.in_(TEAM_ROLES))
    named = set(settings.bootstrap_specialists) | set(settings.bootstrap_restricted_specialists)
    query = select(User).where(or_(User.id.in_(granted), User.username.in_(named)))
    return list(session.scalars(query.order_by(User.username)))


def may_open(session: Session, user: User, case: Case, settings: Settings) -> bool:
    """A restricted case reaches only restricted specialists, even in an emergency."""
    if not case.restricted:
        return True
    roles = set(granted_roles(session, user.id)) | set(bootstrap_roles(user.username, settings))
    return Role.RESTRICTED_SPECIALIST.value in roles


def targets_for(
    session: Session, step: EscalationStep, case: Case, settings: Settings, at: datetime
) -> list[User]:
    """The people a policy step calls out for this case at ``at``, each once."""
    people: list[User] = []
    for target in step.targets:
        if target == "on_duty":
            people.extend(on_duty(session, at))
        elif target == "next":
            upcoming = next_on_rota(session, at, settings.oncall_lookahead_days)
            people.extend(upcoming.people if upcoming else ())
        elif target == "team":
            people.extend(team(session, settings))
        else:
            name = target.removeprefix("user:").strip()
            user = session.scalars(select(User).where(User.username == name)).first()
            if user is not None:
                people.append(user)
    unique = {user.id: user for user in people}
    return [user for user in unique.values() if may_open(session, user, case, settings)]


# --- calling out ----------------------------------------------------------------------


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
    _begin_step(session, chain, case, settings, at)
    return chain


def _begin_step(
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
    _timeline(session, case, "called_out", at, data)
    if not people:  # nobody to wait for: the next step goes out on the worker's next pass
        chain.next_step_at = at
        session.flush()
    return callouts


def _timeline(
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


# --- the worker ------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one pass of the worker did."""

    advanced: list[str] = field(default_factory=list)  # references moved to their next step
    exhausted: list[str] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # callout ids
    failed: list[int] = field(default_factory=list)  # tried and not delivered (retried later)


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
    _heartbeat(factory, now, report)
    return report


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
            _timeline(session, case, "callouts_stopped", now, {"status": case.status.value})
            return
        if chain.status == ChainStatus.EXHAUSTED:
            data = {"rounds": settings.oncall_policy_repeat + 1}
            _timeline(session, case, "callouts_exhausted", now, data)
            report.exhausted.append(case.reference or "")
            log.warning("emergency %s: nobody acknowledged any callout", case.reference)
            return
        _begin_step(session, chain, case, settings, now)
        report.advanced.append(case.reference or "")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
                token_hash=_hash(token),
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
        subject, body = callout_mail(callout, token, settings, now)
        address = callout.user.email if callout.user else None
        reference, attempts = callout.case.reference, callout.attempts
    error: str | None = None
    if not settings.smtp_host:
        error = "no mail server is configured (SAFETYDESK_SMTP_HOST)"
    elif not address:
        error = "no e-mail address"
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


def callout_mail(
    callout: Callout, token: str, settings: Settings, now: datetime
) -> tuple[str, str]:
    """Subject and body of a callout: reference, category, links; never the case's content."""
    case = callout.case
    category = case.category.value.replace("_", " ")
    link = f"{settings.public_url}/oncall/ack/{token}"
    expires = now + timedelta(hours=settings.oncall_ack_link_hours)
    zone = callout.user.timezone if callout.user else "UTC"
    filed_local = local_time(case.created_at, zone)
    steps = len(settings.oncall_policy)
    body = (
        f"Emergency callout for case {case.reference}\n\n"
        f"Category: {category}\n"
        f"Severity: {case.severity.value}\n"
        f"Filed: {case.created_at:%Y-%m-%d %H:%M} UTC ({filed_local:%H:%M} {zone})\n"
        f"Callout: step {callout.step + 1} of {steps}, round {callout.round + 1} of "
        f"{settings.oncall_policy_repeat + 1}\n\n"
        "Acknowledge it (you take the case; sign-in needed):\n"
        f"{link}\n"
        f"The link works once, until {expires:%Y-%m-%d %H:%M} UTC.\n\n"
        "Nobody acknowledging means the next people are called out.\n"
        f"The case: {settings.public_url}/queue/{case.reference}\n\n"
        "— Safety Desk\n"
    )
    return f"[{case.reference}] Emergency callout ({category})", body


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


# --- acknowledging -----------------------------------------------------------------------


def callout_by_token(session: Session, token: str) -> Callout | None:
    """The callout whose link carries ``token`` (only its hash is stored)."""
    if not token or len(token) > 128:
        return None
    digest = _hash(token)
    callout = session.scalars(select(Callout).where(Callout.token_hash == digest)).first()
    if callout is None or not hmac.compare_digest(callout.token_hash or "", digest):
        return None
    return callout


def check_link(
    session: Session, callout: Callout | None, user: User, settings: Settings, at: datetime
) -> Callout:
    """Refuse a link that is unknown, used, expired, for someone else, or already answered."""
    if callout is None:
        raise LinkRefused("invalid", N_("This acknowledgement link is not valid."))
    if callout.user_id != user.id:
        name = callout.user.username if callout.user else "?"
        raise LinkRefused(
            "someone-else",
            N_("This callout was sent to %(name)s. Sign in as %(name)s to acknowledge it."),
            name=name,
        )
    if callout.status == CalloutStatus.ACKNOWLEDGED:
        raise LinkRefused("used", N_("This link was already used."))
    chain = chain_of(session, callout.case)
    if chain is not None and chain.status == ChainStatus.ACKNOWLEDGED:
        by = chain.acknowledged_by.username if chain.acknowledged_by else "?"
        raise LinkRefused(
            "answered", N_("This emergency was already acknowledged by %(name)s."), name=by
        )
    sent = callout.sent_at or callout.created_at
    if at > sent + timedelta(hours=settings.oncall_ack_link_hours):
        raise LinkRefused(
            "expired",
            N_("This acknowledgement link has expired. Open the case to acknowledge it."),
        )
    return callout


def acknowledge(
    session: Session, case: Case, user: User, settings: Settings, via: str = "case page"
) -> CalloutChain:
    """Stop the chain, mark the person's callouts acknowledged, the rest cancelled, and
    give them the case (through :mod:`tools.cases`, so the timeline says so)."""
    from tools import cases

    chain = chain_of(session, case)
    if chain is None:
        raise OncallError(N_("This case has no callout to acknowledge."))
    if not may_open(session, user, case, settings):
        raise OncallError(N_("Only restricted specialists may take a restricted case."))
    at = clock.now()
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
        session.refresh(chain, with_for_update=True)
        by = chain.acknowledged_by.username if chain.acknowledged_by else "?"
        raise OncallError(N_("This emergency was already acknowledged by %(name)s."), name=by)
    session.refresh(chain)
    for callout in session.scalars(select(Callout).where(Callout.case_id == case.id)):
        if callout.user_id == user.id:
            callout.status, callout.acknowledged_at = CalloutStatus.ACKNOWLEDGED, at
        elif callout.status == CalloutStatus.PENDING:  # not sent yet: no need any more
            callout.status = CalloutStatus.CANCELLED
    _timeline(session, case, "acknowledged", at, {"via": via}, actor=user)
    if case.assignee_id != user.id:
        cases.take_over(session, case, user, case.assignee_id)
    return chain


def acknowledge_link(
    session: Session, token: str, user: User, settings: Settings, at: datetime
) -> Case:
    """Acknowledge through a callout mail's link: only its addressee, once, before it expires."""
    callout = check_link(session, callout_by_token(session, token), user, settings, at)
    acknowledge(session, callout.case, user, settings, via="link")
    return callout.case


# --- what the specialists' pages show ---------------------------------------------------


@dataclass(frozen=True)
class OpenEmergency:
    """An emergency nobody has acknowledged yet, as the banner shows it."""

    reference: str
    category: str
    restricted: bool  # only restricted specialists see its category
    filed_at: datetime
    exhausted: bool
    called: list[str]
    undelivered: list[tuple[str, str]]  # (person, why)


def open_emergencies(session: Session) -> list[OpenEmergency]:
    """Unacknowledged emergencies, oldest first, with whom they called out and what failed."""
    chains = session.scalars(
        select(CalloutChain)
        .where(CalloutChain.status.in_([ChainStatus.ACTIVE, ChainStatus.EXHAUSTED]))
        .order_by(CalloutChain.created_at)
    ).all()
    result = []
    for chain in chains:
        callouts = session.scalars(
            select(Callout).where(Callout.case_id == chain.case_id).order_by(Callout.id)
        ).all()
        called = list(dict.fromkeys(c.user.username for c in callouts if c.user))
        undelivered = [
            (c.user.username if c.user else "?", c.last_error or "")
            for c in callouts
            if c.status == CalloutStatus.FAILED
            or (c.status == CalloutStatus.PENDING and c.last_error)
        ]
        case = chain.case
        result.append(
            OpenEmergency(
                reference=case.reference or "",
                category=case.category.value,
                restricted=case.restricted,
                filed_at=case.created_at,
                exhausted=chain.status == ChainStatus.EXHAUSTED,
                called=called,
                undelivered=undelivered,
            )
        )
    return result


@dataclass(frozen=True)
class Overview:
    """The rota as its page shows it: now, next, the days ahead and their gaps."""

    at: datetime
    on_duty: list[User]
    next: Segment | None
    segments: list[Segment]
    gaps: list[Segment]
    weekly: list[WeeklyShift]
    one_offs: list[Shift]


def overview(session: Session, settings: Settings, at: datetime) -> Overview:
    segments = coverage(session, at, at + timedelta(days=settings.oncall_lookahead_days))
    return Overview(
        at=at,
        on_duty=list(segments[0].people) if segments else [],
        next=next_on_rota(session, at, settings.oncall_lookahead_days),
        segments=segments,
        gaps=[segment for segment in segments if not segment.people],
        weekly=weekly_shifts(session),
        one_offs=one_off_shifts(session, at),
    )


@dataclass(frozen=True)
class Status:
    """What the specialists' pages warn about: open emergencies, rota gaps, a silent worker."""

    emergencies: list[OpenEmergency]
    gaps: list[Segment]
    worker_seen_at: datetime | None
    worker_silent: bool


#: The worker polls every few seconds; silent longer than this, the banner says so.
WORKER_SILENCE = timedelta(minutes=5)


def status(session: Session, settings: Settings, at: datetime) -> Status:
    seen = last_heartbeat(session)
    emergencies = open_emergencies(session)
    return Status(
        emergencies=emergencies,
        gaps=upcoming_gaps(session, settings, at),
        worker_seen_at=seen,
        worker_silent=bool(emergencies) and (seen is None or at - seen > WORKER_SILENCE),
    )
