"""Hostile input never makes a 500: odd query strings, deep JSON, lone surrogates, odd types.

Each case here answered 500 once (issue #17); each now gets a clear 4xx and stores nothing.
Flask's test client against the whole app on SQLite and MariaDB.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from helpers import bearer, file_queue_case, file_request_form, make_token
from sqlalchemy import func, select

from flaskapp.context import sessions
from tools.models import Case, CaseEvent

SECRET = "enwiki-secret-0123456789abcdefghijklmnop"
INCIDENT_URL = f"/intake/reportincident/{SECRET}/api/v2/requests.json"
DEEP = "[" * 1100 + "]" * 1100
LONE = "x\ud800"
REQUEST = {
    "category": "harassment",
    "title": "Harassment of a new editor",
    "description": "Three accounts follow a newcomer across talk pages.",
    "wikis": ["enwiki"],
    "subjects": ["Example vandal"],
    "evidence": ["https://en.wikipedia.org/w/index.php?diff=123456"],
}
INCIDENT_BODY = (
    "Reporting user: Concerned Editor\nReported user: Troubled User\n"
    "Link to page: https://en.wikipedia.org/w/index.php?oldid=123456\n\n"
    "Threat type: Threats of physical harm\nDetails: They will hurt someone."
)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(
        database_url=database_url,
        api_requests_per_minute=1000,
        reportincident_secrets={"enwiki": [SECRET]},
    )


def _count(app: Flask, model: type) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _post_json(client, url: str, text: str, token: str):  # type: ignore[no-untyped-def]
    headers = bearer(token) | {"Content-Type": "application/json"}
    return client.post(url, data=text, headers=headers)


# --- 1. the category step -------------------------------------------------------------


@pytest.mark.parametrize("query", ["category=", "category=nonsense", "category=&wiki=enwiki"])
def test_an_empty_or_unknown_category_shows_the_category_choice(app: Flask, query: str) -> None:
    client = signed_in_client(app, "Steward One", ["user", "functionary"])
    page = client.get(f"/requests/new?{query}")
    assert page.status_code == 200
    assert "What is it about?" in page.text
    assert 'href="/requests/new?category=harassment' in page.text


# --- 2, 3. JSON nested deeper than Python recurses -------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/requests", "/api/v1/cases/{reference}/notes"])
def test_deeply_nested_json_is_a_400_json_error(app: Flask, path: str) -> None:
    reference = file_queue_case(app)
    token = make_token(app, "Specialist One", ["user", "functionary"], ["specialist"])
    events = _count(app, CaseEvent)
    for text in (DEEP, '{"category": ' + DEEP + "}"):
        answer = _post_json(app.test_client(), path.format(reference=reference), text, token)
        assert answer.status_code == 400, answer.data[:200]
        assert answer.json["error"]["code"] == "invalid_json"
    assert _count(app, Case) == 1 and _count(app, CaseEvent) == events


def test_deeply_nested_json_to_reportincident_is_a_zendesk_error(app: Flask) -> None:
    answer = app.test_client().post(
        INCIDENT_URL, data=DEEP, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422 and answer.is_json
    assert answer.json["error"] == "RecordInvalid" and "nested" in answer.json["description"]
    assert _count(app, Case) == 0


# --- 4. lone surrogates ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "description", "subjects", "evidence", "wikis"])
def test_a_lone_surrogate_in_a_filed_request_is_refused(app: Flask, field: str) -> None:
    token = make_token(app, "Steward One", ["user", "functionary"])
    value = [LONE] if isinstance(REQUEST[field], list) else LONE
    text = json.dumps(REQUEST | {field: value})  # ensure_ascii: the body says \ud800
    answer = _post_json(app.test_client(), "/api/v1/requests", text, token)
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_json"
    assert "surrogate" in answer.json["error"]["message"]
    assert _count(app, Case) == 0


@pytest.mark.parametrize("action", ["notes", "replies"])
def test_a_lone_surrogate_in_a_note_or_reply_is_refused(app: Flask, action: str) -> None:
    reference = file_queue_case(app)
    token = make_token(app, "Specialist One", ["user"], ["specialist"])
    events = _count(app, CaseEvent)
    text = json.dumps({"body": "Reply " + LONE})
    answer = _post_json(app.test_client(), f"/api/v1/cases/{reference}/{action}", text, token)
    assert answer.status_code == 400 and "surrogate" in answer.json["error"]["message"]
    assert _count(app, CaseEvent) == events


@pytest.mark.parametrize("where", ["body", "name"])
def test_a_lone_surrogate_in_a_reportincident_report_is_a_zendesk_error(
    app: Flask, where: str
) -> None:
    requester = {"name": LONE if where == "name" else "Concerned Editor"}
    body = INCIDENT_BODY + (LONE if where == "body" else "")
    payload = {"request": {"requester": requester, "subject": "Report", "comment": {"body": body}}}
    answer = app.test_client().post(
        INCIDENT_URL, data=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422 and answer.json["error"] == "RecordInvalid"
    assert "surrogate" in answer.json["description"]
    assert _count(app, Case) == 0


# --- 5. a category that is not a string ------------------------------------------------


@pytest.mark.parametrize("category", [[], {}, ["threat"], 7, None])
def test_a_category_of_the_wrong_type_is_a_422(app: Flask, category: object) -> None:
    token = make_token(app, "Steward One", ["user", "functionary"])
    text = json.dumps(REQUEST | {"category": category})
    answer = _post_json(app.test_client(), "/api/v1/requests", text, token)
    assert answer.status_code == 422
    assert "'category' must be one of" in answer.json["error"]["message"]
    assert _count(app, Case) == 0


# --- 6. a requester e-mail with header characters -------------------------------------


@pytest.mark.parametrize(
    "email", ["a@example.org\r\nBcc: b@evil.example", "a@example.org, b@evil.example", "a@b"]
)
def test_a_form_e_mail_that_is_not_one_address_is_refused(app: Flask, email: str) -> None:
    client = signed_in_client(app, "Steward One", ["user", "functionary"])
    answer = file_request_form(client, email=email)
    assert answer.status_code == 400
    assert "Harassment on a talk page" in answer.text  # nothing typed is lost
    assert _count(app, Case) == 0


@pytest.mark.parametrize("number", [2**63, 10**30])
def test_an_id_too_large_for_the_database_is_a_404_not_a_500(app: Flask, number: int) -> None:
    client = app.test_client()
    specialist = bearer(make_token(app, "Spec One", grants=["specialist"]))
    for method, path in [
        ("get", f"/api/v1/alerts/{number}"),
        ("post", f"/api/v1/alerts/{number}/dismiss"),
    ]:
        answer = getattr(client, method)(path, json={"reason": "0"}, headers=specialist)
        assert answer.status_code == 404 and answer.is_json, (path, answer.status_code)
    page = signed_in_client(app, "Spec One").get(f"/alerts/{number}")
    assert page.status_code == 404
