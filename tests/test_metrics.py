"""Team metrics (tools.metrics) on known data, on SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools.base.config import load_settings
from tools.base.db import session_factory
from tools.cases import metrics
from tools.models import Alert, AlertStatus, Case, CaseStatus, Category, Severity

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
SINCE, UNTIL = MONDAY - timedelta(days=1), MONDAY + timedelta(days=30)
AT = MONDAY + timedelta(days=20)
H = timedelta(hours=1)


@pytest.fixture
def session(migrated: Engine) -> Iterator[Session]:
    with session_factory(migrated)() as session:
        yield session


def _case(
    session: Session,
    severity: Severity,
    filed: datetime,
    first_response: timedelta | None = None,
    resolved: timedelta | None = None,
    category: Category = Category.HARASSMENT,
    status: CaseStatus | None = None,
) -> Case:
    promise = {Severity.EMERGENCY: (1 * H, 24 * H), Severity.HIGH: (4 * H, 72 * H)}
    first_due, resolution_due = promise.get(severity, (24 * H, 168 * H))
    case = Case(
        category=category,
        severity=severity,
        status=status or (CaseStatus.RESOLVED if resolved else CaseStatus.IN_PROGRESS),
        title="private title",
        description="private",
        created_at=filed,
        updated_at=filed,
        first_response_due_at=filed + first_due,
        resolution_due_at=filed + resolution_due,
        first_response_at=filed + first_response if first_response is not None else None,
        resolved_at=filed + resolved if resolved is not None else None,
    )
    session.add(case)
    session.flush()
    return case


@pytest.fixture
def known(session: Session) -> Session:
    """Four emergencies answered in 10, 20, 30, 90 minutes; resolved in 2, 30 hours; others."""
    minutes = timedelta(minutes=1)
    _case(session, Severity.EMERGENCY, MONDAY, 10 * minutes, 2 * H)
    _case(session, Severity.EMERGENCY, MONDAY + H, 20 * minutes, 30 * H)
    _case(session, Severity.EMERGENCY, MONDAY + timedelta(days=7), 30 * minutes)
    _case(session, Severity.EMERGENCY, MONDAY + timedelta(days=8), 90 * minutes)
    _case(session, Severity.HIGH, MONDAY + timedelta(days=9), category=Category.THREAT)
    _case(session, Severity.HIGH, MONDAY + timedelta(days=30))  # outside the period
    _case(session, Severity.LOW, MONDAY, status=CaseStatus.CLOSED, category=Category.OTHER)
    return session


def test_open_backlog_counts_open_cases_by_category_and_severity(known: Session) -> None:
    cells = {(c.category, c.severity): c.count for c in metrics.open_backlog(known)}
    assert cells == {
        (Category.HARASSMENT, Severity.EMERGENCY): 2,
        (Category.HARASSMENT, Severity.HIGH): 1,
        (Category.THREAT, Severity.HIGH): 1,
    }


def test_first_response_median_p90_and_share_within_target(known: Session) -> None:
    settings = load_settings()
    stats = {s.severity: s for s in metrics.first_response_times(known, SINCE, UNTIL, settings)}
    emergency = stats[Severity.EMERGENCY]
    assert emergency.count == 4
    assert emergency.median == timedelta(minutes=25)
    # Ranks 0..3, 90%: position 2.7 between 30 and 90 minutes -> 30 + 0.7 * 60 = 72.
    assert emergency.p90 == timedelta(minutes=72)
    assert emergency.within_target == 0.75
    assert emergency.target == timedelta(minutes=60)
    assert stats[Severity.HIGH].count == 0 and stats[Severity.HIGH].median is None
    assert stats[Severity.HIGH].within_target is None


def test_resolution_times_judge_each_case_by_its_own_due_time(known: Session) -> None:
    stats = {s.severity: s for s in metrics.resolution_times(known, SINCE, UNTIL, load_settings())}
    emergency = stats[Severity.EMERGENCY]
    assert (emergency.count, emergency.median, emergency.within_target) == (2, 16 * H, 0.5)
    assert emergency.p90 == 2 * H + (28 * H) * 0.9


def test_breaches_count_late_stops_and_overdue_running_clocks(known: Session) -> None:
    found = {b.severity: b for b in metrics.breaches(known, SINCE, UNTIL, AT)}
    # First response: one answered late (90 min). Resolution: one late (30 h), two unresolved
    # emergencies overdue on AT.
    assert found[Severity.EMERGENCY] == metrics.Breaches(Severity.EMERGENCY, 1, 3)
    # The high case filed on day 9 was never answered: both clocks overdue on day 20.
    assert found[Severity.HIGH] == metrics.Breaches(Severity.HIGH, 1, 1)
    assert found[Severity.LOW] == metrics.Breaches(Severity.LOW, 1, 1)


def test_weekly_volume_groups_by_monday(known: Session) -> None:
    assert metrics.weekly_volume(known, SINCE, UNTIL) == [
        (date(2026, 3, 2), 3),
        (date(2026, 3, 9), 3),
    ]
    sunday = MONDAY - timedelta(hours=10)  # Sunday 23:00 belongs to the week before
    _case(known, Severity.LOW, sunday)
    assert metrics.weekly_volume(known, SINCE - timedelta(days=1), MONDAY) == [
        (date(2026, 2, 23), 1)
    ]


def test_alert_precision_per_category_and_overall(session: Session) -> None:
    def alert(n: int, category: str, status: AlertStatus, reviewed: datetime | None) -> Alert:
        return Alert(
            wiki="enwiki",
            page_title="Talk:X",
            rev_id=n,
            comment_key=f"k{n}",
            category=category,
            language="en",
            score=0.9,
            excerpt="private excerpt",
            status=status,
            reviewed_at=reviewed,
            created_at=MONDAY,
        )

    session.add_all(
        [
            alert(1, "threat", AlertStatus.CASE, MONDAY),
            alert(2, "threat", AlertStatus.DISMISSED, MONDAY),
            alert(3, "threat", AlertStatus.CASE, MONDAY),
            alert(4, "harassment", AlertStatus.DISMISSED, MONDAY),
            alert(5, "harassment", AlertStatus.NEW, None),  # not reviewed yet
            alert(6, "threat", AlertStatus.CASE, MONDAY + timedelta(days=60)),  # outside
        ]
    )
    session.flush()
    rows = {row.category: row for row in metrics.alert_precision(session, SINCE, UNTIL)}
    assert (rows["threat"].to_case, rows["threat"].dismissed) == (2, 1)
    assert rows["harassment"].precision == 0.0
    assert rows["all"].precision == 0.5
    assert metrics.alert_precision(session, UNTIL, UNTIL + H)[-1].precision is None
