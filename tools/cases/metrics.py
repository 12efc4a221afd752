"""Team metrics for the dashboard: counts and durations, never a person.

Nothing here names a requester, a specialist or an involved account, and no
case content leaves the database: the dashboard may be shown to people who
may not open cases. Counts and "within target" shares are aggregated in SQL
and work alike on SQLite and MariaDB. Medians and 90th percentiles are not
portable SQL (MariaDB's ``PERCENTILE_CONT`` is a window function, SQLite has
none), so they are computed in Python from the durations of the period asked,
one number per case, with linear interpolation between the closest ranks (as
``statistics.quantiles(method="inclusive")``).

A period is ``[since, until)`` on the cases' filing time (alerts: their review time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from tools.base.config import Settings
from tools.cases.lifecycle import OPEN_STATUSES
from tools.cases.sla import sla_promise
from tools.models import Alert, AlertStatus, Case, Category, Severity


@dataclass(frozen=True)
class BacklogCell:
    category: Category
    severity: Severity
    count: int


@dataclass(frozen=True)
class DurationStats:
    """One SLA promise for one severity over a period."""

    severity: Severity
    target: timedelta  # as promised by today's settings
    count: int  # cases whose clock stopped
    median: timedelta | None
    p90: timedelta | None
    within_target: float | None  # share of stopped clocks stopped by their own due time


@dataclass(frozen=True)
class Breaches:
    """Cases of a severity whose promise was broken: stopped late, or running past due."""

    severity: Severity
    first_response: int
    resolution: int


@dataclass(frozen=True)
class AlertPrecision:
    category: str
    to_case: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        """Share of reviewed alerts that were worth a case."""
        reviewed = self.to_case + self.dismissed
        return self.to_case / reviewed if reviewed else None


def open_backlog(session: Session) -> list[BacklogCell]:
    """Open cases counted by category and severity (restricted ones included: counts only)."""
    rows = session.execute(
        select(Case.category, Case.severity, func.count())
        .where(Case.status.in_(OPEN_STATUSES))
        .group_by(Case.category, Case.severity)
        .order_by(Case.category, Case.severity)
    )
    return [BacklogCell(category, severity, count) for category, severity, count in rows]


def first_response_times(
    session: Session, since: datetime, until: datetime, settings: Settings
) -> list[DurationStats]:
    """Filing to first reply, per severity, of the cases filed in the period."""
    return _durations(
        session, since, until, settings, Case.first_response_at, Case.first_response_due_at
    )


def resolution_times(
    session: Session, since: datetime, until: datetime, settings: Settings
) -> list[DurationStats]:
    """Filing to resolution, per severity, of the cases filed in the period."""
    return _durations(session, since, until, settings, Case.resolved_at, Case.resolution_due_at)


def _durations(
    session: Session,
    since: datetime,
    until: datetime,
    settings: Settings,
    stopped: object,
    due: object,
) -> list[DurationStats]:
    in_period = and_(Case.created_at >= since, Case.created_at < until, stopped.isnot(None))  # type: ignore[attr-defined]
    # Each case is judged by its own due time, fixed when it was filed.
    counts = {
        severity: (total, within)
        for severity, total, within in session.execute(
            select(
                Case.severity,
                func.count(),
                func.sum(case((stopped <= due, 1), else_=0)),  # type: ignore[operator]
            )
            .where(in_period)
            .group_by(Case.severity)
        )
    }
    spans: dict[Severity, list[timedelta]] = defaultdict(list)
    for severity, created, end in session.execute(
        select(Case.severity, Case.created_at, stopped).where(in_period)
    ):
        spans[severity].append(end - created)
    stats = []
    for severity in Severity:
        total, within = counts.get(severity, (0, 0))
        ordered = sorted(spans[severity])
        stats.append(
            DurationStats(
                severity=severity,
                target=_target(severity, settings, stopped is Case.first_response_at),
                count=total,
                median=percentile(ordered, 0.5),
                p90=percentile(ordered, 0.9),
                within_target=int(within or 0) / total if total else None,
            )
        )
    return stats


def _target(severity: Severity, settings: Settings, first_response: bool) -> timedelta:
    promise = sla_promise(severity, settings)
    return promise.first_response if first_response else promise.resolution


def percentile(ordered: Sequence[timedelta], share: float) -> timedelta | None:
    """The ``share`` quantile of sorted durations, interpolated between the closest ranks."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def breaches(session: Session, since: datetime, until: datetime, at: datetime) -> list[Breaches]:
    """Per severity, cases filed in the period whose promise is broken as of ``at``."""

    def broken(stopped: object, due: object) -> object:
        return or_(
            and_(stopped.isnot(None), stopped > due),  # type: ignore[attr-defined,operator]
            and_(stopped.is_(None), due <= at),  # type: ignore[attr-defined,operator]
        )

    first = broken(Case.first_response_at, Case.first_response_due_at)
    # A closed case without a resolution time stopped its clock when closed.
    resolution = broken(func.coalesce(Case.resolved_at, Case.closed_at), Case.resolution_due_at)
    rows = session.execute(
        select(
            Case.severity,
            func.sum(case((first, 1), else_=0)),  # type: ignore[arg-type]
            func.sum(case((resolution, 1), else_=0)),  # type: ignore[arg-type]
        )
        .where(Case.created_at >= since, Case.created_at < until)
        .group_by(Case.severity)
    )
    found = {severity: (int(a or 0), int(b or 0)) for severity, a, b in rows}
    return [Breaches(s, *found.get(s, (0, 0))) for s in Severity]


def weekly_volume(session: Session, since: datetime, until: datetime) -> list[tuple[date, int]]:
    """Cases filed per week (weeks start on Monday, UTC), weeks without a case left out."""
    if session.get_bind().dialect.name == "sqlite":
        # 'weekday 0' goes forward to Sunday (or stays on it); six days back is its Monday.
        monday = func.date(Case.created_at, "weekday 0", "-6 days")
    else:
        # MariaDB: SUBDATE(d, n) is n days before d; WEEKDAY() is 0 on Monday.
        monday = func.subdate(func.date(Case.created_at), func.weekday(Case.created_at))
    rows = session.execute(
        select(monday, func.count())
        .where(Case.created_at >= since, Case.created_at < until)
        .group_by(monday)
        .order_by(monday)
    )
    return [(_as_date(week), count) for week, count in rows]


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def alert_precision(session: Session, since: datetime, until: datetime) -> list[AlertPrecision]:
    """Reviewed alerts per category: turned into a case vs dismissed; last row is all of them."""
    rows = session.execute(
        select(
            Alert.category,
            func.sum(case((Alert.status == AlertStatus.CASE, 1), else_=0)),
            func.sum(case((Alert.status == AlertStatus.DISMISSED, 1), else_=0)),
        )
        .where(
            Alert.status.in_([AlertStatus.CASE, AlertStatus.DISMISSED]),
            Alert.reviewed_at >= since,
            Alert.reviewed_at < until,
        )
        .group_by(Alert.category)
        .order_by(Alert.category)
    )
    found = [AlertPrecision(category, int(a or 0), int(b or 0)) for category, a, b in rows]
    total = AlertPrecision(
        "all", sum(row.to_case for row in found), sum(row.dismissed for row in found)
    )
    return [*found, total]
