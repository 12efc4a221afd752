"""The lock log in the tool (flaskapp/locks.py): search, account history, charts, CSV export.

Flask's test client on a SQLite database filled by tools.locks.store_page, as the bot
fills it. Charts are SVG drawn by the tool: no script, no style attribute (the CSP).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from lock_samples import SAMPLE, api_entry

from flaskapp import charts
from flaskapp.context import sessions
from tools import locks
from tools.base import clock
from tools.base.db import transaction


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    recent = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = [*SAMPLE, api_entry(8, "globalauth", "lock", "User:Recent@global", timestamp=recent)]
    with transaction(sessions(app)) as session:
        locks.store_page(session, "metawiki", "metawiki:globalauth", entries)
    return app


@pytest.fixture
def user(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Plain User", ["user"])


@pytest.fixture
def specialist(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Specialist", ["user"], ["specialist"])


def log_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-log-id="(\d+)"', html)]


def test_search_by_account_shows_its_entries_and_charts(user: FlaskClient) -> None:
    page = user.get("/locks/?target=Vandal")
    assert page.status_code == 200
    html = page.text
    assert log_ids(html) == [4, 3]
    assert 'href="/locks/account/Vandal"' in html
    for chart in ("timeline", "by-action", "performers", "categories"):
        assert f'data-chart="{chart}"' in html
    assert "<script" not in html and "style=" not in html


def test_prefix_performer_reason_action_and_dates(user: FlaskClient) -> None:
    assert log_ids(user.get("/locks/?target=spambot&prefix=1").text) == [2, 1]
    assert log_ids(user.get("/locks/?performer=Steward+Two").text) == [2]
    assert log_ids(user.get("/locks/?reason=proxy").text) == [5]
    assert log_ids(user.get("/locks/?action=unlock").text) == [4]
    assert log_ids(user.get("/locks/?since=2024-05-03&until=2024-05-03").text) == [5, 4]


def test_a_bad_field_is_named_and_nothing_breaks(user: FlaskClient) -> None:
    page = user.get("/locks/?since=tomorrow")
    assert page.status_code == 200
    assert "This search cannot be run: since: &#39;tomorrow&#39; is not a date" in page.text


def test_hidden_accounts_only_for_those_who_may_see_them(
    user: FlaskClient, specialist: FlaskClient
) -> None:
    assert "Doxxer" not in user.get("/locks/?since=2024-01-01").text
    hidden = user.get("/locks/account/Doxxer").text
    assert log_ids(hidden) == []
    assert "The global lock log has nothing about <bdi>Doxxer</bdi>." in hidden
    assert 6 in log_ids(specialist.get("/locks/?since=2024-01-01").text)
    page = specialist.get("/locks/account/Doxxer").text
    assert 'data-status="hidden"' in page and "Suppressed" in page


def test_without_filters_the_charts_cover_the_last_days(user: FlaskClient) -> None:
    html = user.get("/locks/").text
    assert "The last 90 days." in html
    assert "1 log entry, 0 of them not fully understood." in html  # only the recent lock
    assert log_ids(html)[0] == 8  # the results are not limited to those days


def test_charts_per_week(user: FlaskClient) -> None:
    html = user.get("/locks/?since=2024-01-01&until=2024-06-01&per=week").text
    assert "Log entries per week" in html and "Show per day" in html


def test_account_history_status_and_chart(user: FlaskClient) -> None:
    html = user.get("/locks/account/User:Vandal@global").text
    assert "<h1><bdi>Vandal</bdi></h1>" in html
    assert "Not locked" in html
    assert log_ids(html) == [3, 4]  # oldest first
    assert 'data-chart="account-actions"' in html
    proxy = user.get("/locks/account/192.0.2.7").text
    assert "Globally blocked until 2030-01-01 00:00" in proxy
    nobody = user.get("/locks/account/Nobody").text
    assert "The global lock log has nothing about <bdi>Nobody</bdi>." in nobody


def test_csv_export_of_a_search(user: FlaskClient) -> None:
    response = user.get("/locks/export.csv?target=spambot&prefix=1")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="lock-log-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["target"] for row in rows] == ["Spambot 2", "Spambot 1"]
    assert rows[0]["reason_category"] == "spam"


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask) -> None:
    response = app.test_client().get("/locks/?target=Vandal")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- chart geometry ----------------------------------------------------------------


def test_timeline_fills_empty_days_and_scales_to_a_round_top() -> None:
    start = date(2024, 5, 1)
    chart = charts.timeline([(start, 3), (start + timedelta(days=2), 7)])
    assert [column.value for column in chart.columns] == [3, 0, 7]
    assert chart.bucket == "day" and chart.y_ticks[-1].text == "10"
    top = min(column.y for column in chart.columns)
    assert top == pytest.approx(chart.plot_bottom - (chart.plot_bottom - chart.plot_top) * 0.7)


def test_long_timelines_become_weeks_then_months() -> None:
    start = date(2020, 1, 1)
    days = [(start + timedelta(days=offset), 1) for offset in range(0, 400, 3)]
    assert charts.timeline(days).bucket == "week"
    years = [(start + timedelta(days=offset), 1) for offset in range(0, 3000, 7)]
    monthly = charts.timeline(years)
    assert monthly.bucket == "month" and monthly.columns[1].start == date(2020, 2, 1)
    assert charts.timeline([]).empty


def test_bars_are_scaled_to_the_largest() -> None:
    chart = charts.bars([("lock", "Lock", 10), ("block", "Global block", 5)], width=300)
    assert [row.width for row in chart.rows] == [112.0, 56.0]
    assert charts.bars([]).empty
