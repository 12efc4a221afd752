"""Editing the rota: weekly and one-off shifts, each change in the admin log; preferences."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.messages import N_
from tools.models import AdminEvent, Shift, ShiftKind, User, WeeklyShift
from tools.oncall.errors import OncallError
from tools.oncall.rota import is_timezone
from tools.people.accounts import RoleGrantError, canonical_username


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
