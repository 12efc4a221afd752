"""Logs hold no credential and no case content, even when filing fails (#26).

The database is made to refuse every new case (a trigger, on SQLite and on MariaDB), so
the ReportIncident intake, the API and the form each fail while storing what was sent.
The log is captured as production writes it (``tools.base.logs.configure``); neither the
ReportIncident secret, nor the API token, nor any of the submitted text may be in it, nor
in the pages answered.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from conftest import signed_in_client
from flask import Flask
from helpers import bearer, make_token, request_form_fields
from sqlalchemy import text
from test_reportincident import SECRET, URL, extension_body

from flaskapp.context import sessions
from tools.base import logs

PRIVATE = {
    "intake details": "Private details of the intake Xq7",
    "intake reporter": "Reporter Person Zk4",
    "intake email": "reporter.zk4@example.org",
    "api title": "Private API title Wm2",
    "api description": "Private API description Jd9",
    "form title": "Private form title Rb5",
    "form description": "Private form description Hs3",
}

REFUSE = {
    "sqlite": "CREATE TRIGGER refuse_cases BEFORE INSERT ON cases "
    "BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
    "mysql": "CREATE TRIGGER refuse_cases BEFORE INSERT ON cases FOR EACH ROW "
    "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'forced failure'",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure(structured=True, stream=stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


@pytest.fixture
def failing_app(make_app: Callable[..., Flask], database_url: str, captured: io.StringIO) -> Flask:
    app = make_app(
        database_url=database_url,
        reportincident_secrets={"enwiki": [SECRET]},
        api_requests_per_minute=1000,
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 and log, as in production
    engine = sessions(app).kw["bind"]
    with engine.begin() as connection:
        connection.execute(text(REFUSE[engine.dialect.name]))
    return app


def test_failed_filings_log_neither_secrets_nor_what_was_sent(
    failing_app: Flask, captured: io.StringIO
) -> None:
    answers = []
    body = extension_body(
        reporter=PRIVATE["intake reporter"],
        email=PRIVATE["intake email"],
        details=PRIVATE["intake details"],
    )
    client = failing_app.test_client()
    answers.append(
        client.post(URL, data=json.dumps(body), headers={"Content-Type": "application/json"})
    )

    token = make_token(failing_app, "Script Owner", ("user", "functionary"))
    api_body = {
        "category": "harassment",
        "title": PRIVATE["api title"],
        "description": PRIVATE["api description"],
    }
    answers.append(client.post("/api/v1/requests", json=api_body, headers=bearer(token)))

    browser = signed_in_client(failing_app, "Steward One", ("user", "functionary"))
    hidden = request_form_fields(browser)
    form = {
        "csrf_token": hidden["csrf_token"],
        "submission_key": hidden["submission_key"],
        "category": "harassment",
        "title": PRIVATE["form title"],
        "description": PRIVATE["form description"],
        "wikis": "enwiki",
    }
    answers.append(browser.post("/requests/new", data=form))

    assert all(answer.status_code >= 500 or answer.status_code == 201 for answer in answers)
    log = captured.getvalue()
    assert "forced failure" in log or "unavailable" in log  # the failures were logged
    assert SECRET not in log
    assert token not in log
    assert [name for name, value in PRIVATE.items() if value in log] == []
    for answer in answers:
        assert SECRET not in answer.text and token not in answer.text


def test_credentials_in_paths_and_headers_are_masked_in_every_line(
    captured: io.StringIO,
) -> None:
    logger = logging.getLogger("safetydesk.test")
    logger.warning("Exception on %s [POST]", URL)
    try:
        raise RuntimeError("Authorization: Bearer sdk_abcdefghijklmnop from /oncall/ack/t0k3n")
    except RuntimeError:
        logger.exception("failed")
    log = captured.getvalue()
    assert SECRET not in log
    assert "sdk_abcdefghijklmnop" not in log and "t0k3n" not in log
    assert "/intake/reportincident/***/api/v2/requests.json" in log
