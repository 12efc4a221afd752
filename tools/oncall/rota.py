"""The rota as it stands: who is on duty when, the next newcomers, the gaps.

The rota is a weekly pattern (:class:`~tools.models.WeeklyShift`, UTC) plus one-off
shifts (:class:`~tools.models.Shift`): an override (a swap, a holiday cover) replaces
everyone the pattern has on duty while it lasts; a regular one-off shift adds a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base.config import Settings
from tools.models import Shift, ShiftKind, User, WeeklyShift


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
