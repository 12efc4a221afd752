"""Alerts in the tool (flaskapp/alerts.py): list, the comment in context, dismiss, file a case."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import signed_in_client
from flask import Flask
from sqlalchemy import select

from flaskapp.context import sessions
from tools.models import Alert, AlertStatus, Case, CaseSource, Severity
from tools.patrol import alerts
from tools.patrol.wikitext import Comment
from tools.triage import Finding, Verdict

BOARD = "Wikipedia:Administrators' noticeboard/Incidents"
TEXT = "I know where you live <script>alert(1)</script> and I am going to kill you."


def _raise(app: Flask, category: str = "violence", key: str = "c-1", score: float = 0.9) -> int:
    comment = Comment(
        key=key,
        thread="Threats against an editor",
        author="Example",
        timestamp=datetime(2026, 11, 24, 21, 5, tzinfo=UTC),
        text=TEXT,
        wikitext=TEXT,
        signed=True,
    )
    verdict = Verdict("en", (Finding(category, score, ("going to kill you", "where you live")),))
    with sessions(app)() as session, session.begin():
        alert = alerts.raise_alert(
            session,
            wiki="enwiki",
            page_title=BOARD,
            rev_id=1_234_567,
            comment=comment,
            verdict=verdict,
            language="en",
        )
        assert alert is not None
        return alert.id


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    app.config.update(WTF_CSRF_ENABLED=False)
    return app


def _specialist(app: Flask, name: str = "Specialist One", role: str = "specialist"):  # type: ignore[no-untyped-def]
    return signed_in_client(app, name, ["user"], [role])


def test_specialists_see_alerts_newest_first_and_in_the_navigation(app: Flask) -> None:
    older = _raise(app, key="a", score=0.6)
    newer = _raise(app, "doxxing", key="b", score=0.8)
    page = _specialist(app).get("/alerts").get_data(as_text=True)
    assert 'href="/alerts"' in page  # the navigation
    assert re.findall(r'data-alert="(\d+)"', page) == [str(newer), str(older)]
    only = _specialist(app).get("/alerts?category=doxxing").get_data(as_text=True)
    assert re.findall(r'data-alert="(\d+)"', only) == [str(newer)]
    assert (
        "Alerts"
        not in signed_in_client(app, "Functionary", ["user", "functionary"])
        .get("/requests")
        .get_data(as_text=True)
        .split("<main")[0]
    )


def test_the_alert_page_marks_the_phrases_and_escapes_the_comment(app: Flask) -> None:
    alert_id = _raise(app)
    page = _specialist(app).get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "<mark>where you live</mark>" in page and "<mark>going to kill you</mark>" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://en.wikipedia.org/w/index.php?diff=1234567"' in page
    assert "Threats against an editor" in page and "Example" in page


def test_dismissing_needs_a_reason_and_keeps_it(app: Flask) -> None:
    alert_id = _raise(app)
    client = _specialist(app)
    assert (
        client.post(f"/alerts/{alert_id}/dismiss", data={"dismiss-reason": ""}).status_code == 400
    )
    response = client.post(f"/alerts/{alert_id}/dismiss", data={"dismiss-reason": "Film quote"})
    assert response.status_code == 302
    with sessions(app)() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert (alert.status, alert.dismiss_reason) == (AlertStatus.DISMISSED, "Film quote")
    page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Film quote" in page and "Dismiss</button>" not in page
    metrics = client.get("/metrics").get_data(as_text=True)  # precision counts it
    row = re.search(r'<tr data-alert-category="violence">.*?</tr>', metrics, re.S)
    assert row and "Violence" in row.group(0) and 'data-value="dismissed">1<' in row.group(0)


def test_an_alert_becomes_the_case_the_specialist_edited(app: Flask) -> None:
    alert_id = _raise(app)
    client = _specialist(app)
    form = client.get(f"/alerts/{alert_id}/case").get_data(as_text=True)
    assert 'value="violence"' not in form  # case categories, not the classifier's
    assert re.search(r'<option value="threat" selected>', form)
    assert re.search(r'<option value="emergency" selected>', form)
    assert "https://en.wikipedia.org/w/index.php?diff=1234567" in form
    response = client.post(
        f"/alerts/{alert_id}/case",
        data={
            "category": "threat",
            "severity": "emergency",
            "title": "Threat on ANI",
            "description": TEXT,
            "wikis": "enwiki",
            "subjects": "Example",
            "evidence": "https://en.wikipedia.org/w/index.php?diff=1234567",
            "submission_key": f"alert-{alert_id}",
        },
    )
    assert response.status_code == 302 and "/queue/TS-" in response.location
    with sessions(app)() as session:
        case = session.scalars(select(Case)).one()
        assert (case.title, case.source, case.severity) == (
            "Threat on ANI",
            CaseSource.ALERT,
            Severity.EMERGENCY,
        )
        alert = session.get(Alert, alert_id)
        assert alert is not None and (alert.status, alert.case_id) == (AlertStatus.CASE, case.id)


def test_child_safety_alerts_open_only_for_restricted_specialists(app: Flask) -> None:
    alert_id = _raise(app, "child_safety")
    assert _specialist(app).get(f"/alerts/{alert_id}").status_code == 403
    assert f'data-alert="{alert_id}"' not in _specialist(app).get("/alerts").get_data(as_text=True)
    restricted = _specialist(app, "Restricted One", "restricted-specialist")
    assert restricted.get(f"/alerts/{alert_id}").status_code == 200
