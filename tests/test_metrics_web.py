"""The metrics dashboard shows tools.metrics' numbers, as charts and tables, to specialists only."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import signed_in_client
from flask import Flask

from flaskapp.context import sessions
from flaskapp.metrics import hours, minutes, percent
from tools.base import clock
from tools.cases import metrics
from tools.models import Alert, AlertStatus, Case, CaseStatus, Category, Severity

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with clock.frozen_at(NOW), sessions(app)() as session, session.begin():
        m = timedelta(minutes=1)
        for filed, severity, first, resolved, category in [
            (NOW - 20 * 24 * H, Severity.EMERGENCY, 10 * m, 2 * H, Category.THREAT),
            (NOW - 19 * 24 * H, Severity.EMERGENCY, 20 * m, 30 * H, Category.THREAT),
            (NOW - 10 * 24 * H, Severity.EMERGENCY, 90 * m, None, Category.HARASSMENT),
            (NOW - 5 * 24 * H, Severity.HIGH, None, None, Category.CHILD_PROTECTION),
            (NOW - 60 * 24 * H, Severity.LOW, 2 * H, None, Category.OTHER),  # only in 90 days
        ]:
            due = {Severity.EMERGENCY: (H, 24 * H), Severity.HIGH: (4 * H, 72 * H)}
            first_due, resolution_due = due.get(severity, (24 * H, 168 * H))
            session.add(
                Case(
                    category=category,
                    severity=severity,
                    status=CaseStatus.RESOLVED if resolved else CaseStatus.IN_PROGRESS,
                    restricted=category == Category.CHILD_PROTECTION,
                    title="Private title of a case",
                    description="private",
                    created_at=filed,
                    updated_at=filed,
                    first_response_due_at=filed + first_due,
                    resolution_due_at=filed + resolution_due,
                    first_response_at=filed + first if first else None,
                    resolved_at=filed + resolved if resolved else None,
                )
            )
        for n, status in enumerate([AlertStatus.CASE, AlertStatus.CASE, AlertStatus.DISMISSED]):
            session.add(
                Alert(
                    wiki="enwiki",
                    page_title="Talk:X",
                    rev_id=n,
                    comment_key=f"k{n}",
                    category="threat",
                    language="en",
                    score=0.9,
                    excerpt="private excerpt",
                    status=status,
                    reviewed_at=NOW - 3 * 24 * H,
                    created_at=NOW - 3 * 24 * H,
                )
            )
    with clock.frozen_at(NOW):
        yield app


def _cell(page: str, metric: str, row: str, value: str) -> str:
    table = re.search(rf'<table[^>]*data-metric="{metric}".*?</table>', page, re.S)
    assert table, metric
    found = re.search(rf'{row}[^>]*>.*?data-value="{value}">([^<]*)<', table.group(0), re.S)
    assert found, (metric, row, value)
    return found.group(1)


def _shown(value: float | int | None, suffix: str = "") -> str:
    return "\u2013" if value is None else f"{value}{suffix}"


@pytest.mark.parametrize("days", [30, 90])
def test_dashboard_numbers_match_tools_metrics(app: Flask, days: int) -> None:
    client = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    response = client.get(f"/metrics?days={days}")
    assert response.status_code == 200
    page = response.text
    since, config = NOW - timedelta(days=days), app.config["SETTINGS"]
    with sessions(app)() as session:
        backlog = metrics.open_backlog(session)
        first = metrics.first_response_times(session, since, NOW, config)
        resolution = metrics.resolution_times(session, since, NOW, config)
        broken = metrics.breaches(session, since, NOW, NOW)
        weekly = metrics.weekly_volume(session, since, NOW)
        alerts = metrics.alert_precision(session, since, NOW)
    for cell in backlog:
        row = f'data-category="{cell.category.value}" data-severity="{cell.severity.value}"'
        assert _cell(page, "backlog", row, "count") == str(cell.count)
    for kind, stats, unit in (
        ("first-response", first, minutes),
        ("resolution", resolution, hours),
    ):
        for s in stats:
            row = f'data-severity="{s.severity.value}"'
            assert _cell(page, kind, row, "count") == str(s.count)
            assert _cell(page, kind, row, "median") == _shown(unit(s.median))
            assert _cell(page, kind, row, "p90") == _shown(unit(s.p90))
            assert _cell(page, kind, row, "target") == _shown(unit(s.target))
            assert _cell(page, kind, row, "within") == _shown(percent(s.within_target), "%")
    for b in broken:
        row = f'data-severity="{b.severity.value}"'
        assert _cell(page, "breaches", row, "first") == str(b.first_response)
        assert _cell(page, "breaches", row, "resolution") == str(b.resolution)
    assert weekly and sum(n for _, n in weekly) == (4 if days == 30 else 5)
    for week, count in weekly:
        assert _cell(page, "volume", f'data-week="{week.isoformat()}"', "count") == str(count)
    for a in alerts:
        row = f'data-alert-category="{a.category}"'
        assert _cell(page, "alerts", row, "to_case") == str(a.to_case)
        assert _cell(page, "alerts", row, "precision") == _shown(percent(a.precision), "%")
    # Known values, so a bug shared by tools.metrics and the page would show as well.
    emergency = 'data-severity="emergency"'
    assert _cell(page, "first-response", emergency, "median") == "20.0"
    assert _cell(page, "first-response", emergency, "count") == "3"
    assert _cell(page, "alerts", 'data-alert-category="all"', "precision") == "67%"
    # Charts beside the numbers, the period selected, no personal data, no inline code.
    assert page.count("<svg") >= 6
    assert f'<option value="{days}" selected>' in page
    assert "Private title" not in page and "private excerpt" not in page
    assert "<script" not in page and "style=" not in page


def test_functionary_and_plain_user_are_refused(app: Flask) -> None:
    steward = signed_in_client(app, "Steward One", ("user", "functionary"))
    assert steward.get("/metrics").status_code == 403
    assert signed_in_client(app, "Plain", ("user",)).get("/metrics").status_code == 403


def test_unknown_period_falls_back_to_thirty_days(app: Flask) -> None:
    client = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = client.get("/metrics?days=7").text
    assert '<option value="30" selected>' in page
