"""Identical submissions at the same moment: every one is answered with the one case (#26).

The ReportIncident extension, a double-clicked form and a script retrying with its
Idempotency-Key all send the same thing twice or more at once. Each copy must be told
it succeeded, with the same case, on SQLite and on MariaDB (whose REPEATABLE READ once
hid the winner's case from the losers, who then answered 500). Threads, each with its
own client, start together on a barrier. A filing that fails after its case was stored
must leave nothing behind (#17: SQLite committed at the savepoint).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from helpers import bearer, make_token, request_form_fields
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_reportincident import SECRET, URL, extension_body

from flaskapp.context import sessions
from tools import cases
from tools.base.db import transaction
from tools.models import Case, Category, User

COPIES = 16


def at_once(send: Callable[[FlaskClient], Any], clients: list[FlaskClient]) -> list[Any]:
    """Each client sends at the same moment (a barrier); the answers in client order."""
    barrier = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = send(clients[index])
        except Exception as err:
            answers[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def case_count(app: Flask) -> int:
    with sessions(app)() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app(
        database_url=database_url,
        reportincident_secrets={"enwiki": [SECRET]},
        requests_per_hour=1000,
        api_requests_per_minute=1000,
    )


def test_sixteen_identical_reportincident_reports_all_get_the_one_case(app: Flask) -> None:
    body = json.dumps(extension_body(details="Sent sixteen times at once."))
    answers = at_once(
        lambda client: client.post(URL, data=body, headers={"Content-Type": "application/json"}),
        [app.test_client() for _ in range(COPIES)],
    )
    statuses = [getattr(answer, "status_code", answer) for answer in answers]
    assert statuses == [201] * COPIES
    assert len({answer.json["request"]["id"] for answer in answers}) == 1
    assert case_count(app) == 1


def test_a_form_submitted_sixteen_times_at_once_files_one_request(app: Flask) -> None:
    client = signed_in_client(app, "Steward One", ("user", "functionary"))
    hidden = request_form_fields(client)
    form = {
        "csrf_token": hidden["csrf_token"],
        "submission_key": hidden["submission_key"],
        "category": "harassment",
        "title": "Harassment on a talk page",
        "description": "Submitted many times by an impatient browser.",
        "wikis": "enwiki",
    }
    cookie = client.get_cookie("safetydesk_session")
    assert cookie is not None
    clients = [app.test_client() for _ in range(COPIES)]
    for each in clients:
        each.set_cookie("safetydesk_session", cookie.value)
    answers = at_once(lambda each: each.post("/requests/new", data=form), clients)
    statuses = [getattr(answer, "status_code", answer) for answer in answers]
    assert statuses == [302] * COPIES
    assert len({answer.headers["Location"] for answer in answers}) == 1
    assert case_count(app) == 1


def test_an_idempotency_key_sent_sixteen_times_at_once_files_once(app: Flask) -> None:
    token = make_token(app, "Steward One", ("user", "functionary"))
    headers = bearer(token) | {"Idempotency-Key": "retry-storm-1"}
    body = {"category": "harassment", "title": "Retried", "description": "By a script."}
    answers = at_once(
        lambda client: client.post("/api/v1/requests", json=body, headers=headers),
        [app.test_client() for _ in range(COPIES)],
    )
    statuses = [getattr(answer, "status_code", answer) for answer in answers]
    assert statuses == [201] * COPIES
    assert len({answer.json["reference"] for answer in answers}) == 1
    assert case_count(app) == 1


def test_a_filing_that_fails_after_its_case_was_stored_leaves_nothing(app: Flask) -> None:
    """The caller's later step fails: the case, filed inside a savepoint, goes too."""
    factory = sessions(app)
    with transaction(factory) as session:
        session.add(User(username="Steward One"))
    request = cases.NewRequest(Category.HARASSMENT, "Left nothing", "Rolled back.")

    class LaterStepFailed(Exception):
        pass

    with pytest.raises(LaterStepFailed), transaction(factory) as session:
        requester = _user(session, "Steward One")
        cases.file_request(session, requester, request, app.config["SETTINGS"])
        raise LaterStepFailed

    session = factory()
    requester = _user(session, "Steward One")  # a read first: pysqlite sends no BEGIN for it
    cases.file_request(session, requester, request, app.config["SETTINGS"])
    session.rollback()
    session.close()
    assert case_count(app) == 0


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()
