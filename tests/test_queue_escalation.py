"""Escalating from the case page: Phabricator tasks, the export packet and its checklist."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser

from flaskapp.context import sessions
from tools import cases
from tools.models import CaseStatus, Category, User
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects


def _file(app: Flask, category: Category = Category.HARASSMENT, title: str = "A case") -> str:
    evidence, _ = parse_evidence_links("https://en.wikipedia.org/w/index.php?diff=123456")
    request = cases.NewRequest(
        category=category,
        title=title,
        description=f"Details of {title}",
        wikis=("enwiki",),
        subjects=parse_subjects("Example vandal")[0],
        evidence=evidence,
    )
    with sessions(app)() as session, session.begin():
        user = session.query(User).filter_by(username="Steward One").one_or_none()
        user = user or User(username="Steward One")
        case = cases.file_request(session, user, request, app.config["SETTINGS"])
        return case.reference or ""


def _to_in_progress(app: Flask, reference: str) -> None:
    with sessions(app)() as session, session.begin():
        case = cases.find_by_reference(session, reference)
        actor = session.query(User).filter_by(username="Steward One").one()
        for status in (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS):
            cases.move(session, case, actor, status)


def _escalate(client: FlaskClient, reference: str, target: str) -> str:
    parser = FormParser()
    parser.feed(client.get(f"/queue/{reference}").text)
    response = client.post(
        f"/queue/{reference}/escalate",
        data={"csrf_token": parser.fields["csrf_token"], "escalate-target": target},
    )
    assert response.status_code == 302, response.status_code
    return client.get(response.location).text


def _kinds(app: Flask, reference: str) -> list[str]:
    with sessions(app)() as session:
        return [event.kind for event in cases.find_by_reference(session, reference).events]


@pytest.fixture
def phabricator(make_app: Callable[..., Flask], conduit_server: Any) -> tuple[Flask, Any]:
    app = make_app(
        phabricator_url=conduit_server.url,
        phabricator_api_token=conduit_server.token,
        phabricator_security_project="PHID-PROJ-security",
    )
    return app, conduit_server


def test_escalating_to_security_opens_a_task_and_shows_its_link(
    phabricator: tuple[Flask, Any],
) -> None:
    app, conduit = phabricator
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    reference = _file(app)
    _to_in_progress(app, reference)
    page = _escalate(specialist, reference, "security")
    (task,) = conduit.tasks
    assert task.projects == ["PHID-PROJ-security"]
    assert f'href="{conduit.url}/T{task.id}"' in page
    assert "escalated the case to Security" in page
    assert "escalated" in _kinds(app, reference)


def test_escalation_says_clearly_when_no_phabricator_project_is_configured(
    make_app: Callable[..., Flask],
) -> None:
    bare = make_app()
    specialist = signed_in_client(bare, "Specialist One", ("user",), ("specialist",))
    reference = _file(bare)
    _to_in_progress(bare, reference)
    page = _escalate(specialist, reference, "security")
    assert "No Phabricator project is configured for Security." in page
    assert "escalated" not in _kinds(bare, reference)


def test_escalation_without_a_token_or_with_a_refused_one_says_so(
    make_app: Callable[..., Flask], conduit_server: Any
) -> None:
    app = make_app(
        phabricator_url=conduit_server.url, phabricator_security_project="PHID-PROJ-security"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    reference = _file(app)
    _to_in_progress(app, reference)
    assert "Phabricator is not configured: no API token is set." in _escalate(
        specialist, reference, "security"
    )
    app.config["SETTINGS"] = app.config["SETTINGS"].model_copy(
        update={"phabricator_api_token": type(app.config["SETTINGS"].phabricator_api_token)("x")}
    )
    page = _escalate(specialist, reference, "security")
    assert "The Phabricator task could not be created" in page
    assert conduit_server.tasks == []


def test_export_packet_in_json_and_html_is_recorded_on_the_timeline(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    reference = _file(app)
    response = specialist.get(f"/queue/{reference}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    packet = json.loads(response.data)
    assert packet["reference"] == reference
    assert packet["involved_accounts"][0]["value"] == "Example vandal"
    assert packet["evidence_links"][0]["rev_id"] == 123456
    assert [event["kind"] for event in packet["timeline"]] == ["filed", "exported"]
    html = specialist.get(f"/queue/{reference}/export.html").text
    assert "Example vandal" in html and "https://en.wikipedia.org/w/index.php?diff=123456" in html
    assert _kinds(app, reference).count("exported") == 2
    page = specialist.get(f"/queue/{reference}").text
    assert "downloaded the export packet (JSON)" in page
    assert 'class="sd-checklist"' in page and "sd-reporting-steps" not in page


def test_the_export_packet_speaks_the_readers_language(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    reference = _file(app)
    html = specialist.get(f"/queue/{reference}/export.html?uselang=fr").text
    assert f"Paquet d\u2019export de {reference}" in html
    assert ": Demande déposée</p>" in html and ": filed</p>" not in html


def test_restricted_cases_export_only_for_restricted_specialists(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    reference = _file(app, Category.CHILD_PROTECTION, "Restricted matter")
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    for fmt in ("json", "html"):
        response = specialist.get(f"/queue/{reference}/export.{fmt}")
        assert response.status_code == 403
        assert b"Example vandal" not in response.data
    assert "exported" not in _kinds(app, reference)
    restricted = signed_in_client(app, "Restricted One", ("user",), ("restricted-specialist",))
    assert restricted.get(f"/queue/{reference}/export.json").status_code == 200
    page = restricted.get(f"/queue/{reference}").text
    assert '<ol class="sd-reporting-steps">' in page and "NCMEC" in page
