"""Filing an emergency calls out in the same transaction, through the hook of tools.cases.

The cases domain announces emergencies (:mod:`tools.cases.emergency`); on call listens.
Every entry point wires it, a failing listener rolls the filing back, and an emergency
announced while nobody listens is refused: it never reaches nobody silently.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flaskapp.cli import cli
from flaskapp.context import sessions
from tools import cases, oncall
from tools.base.config import Settings
from tools.cases import emergency
from tools.models import CalloutChain, Case, Category

STEWARD = ("Steward One", ("user", "functionary"))


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def steward(app: Flask) -> FlaskClient:
    return signed_in_client(app, *STEWARD)


def _file_threat(client: FlaskClient) -> object:
    page = client.get("/requests/new?category=threat")
    parser = FormParser()
    parser.feed(page.text)
    data = {
        "csrf_token": parser.fields["csrf_token"],
        "submission_key": parser.fields["submission_key"],
        "category": "threat",
        "severity": "",
        "title": "A threat on a talk page",
        "description": "Someone says they will hurt an editor.",
        "wikis": "enwiki",
        "subjects": "",
        "evidence": "",
        "email": "",
    }
    return client.post("/requests/new", data=data)


def _stored(app: Flask) -> tuple[int, int]:
    with sessions(app)() as session:
        return (
            session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(select(func.count()).select_from(CalloutChain)) or 0,
        )


def test_filing_an_emergency_through_the_app_calls_out_before_the_case_is_committed(
    app: Flask, steward: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, bool]] = []

    def after_on_call(session: Session, case: Case, _settings: Settings) -> None:
        with sessions(app)() as elsewhere:  # another connection sees only what is committed
            committed = elsewhere.scalar(select(Case.id).where(Case.id == case.id)) is not None
        seen.append((oncall.chain_of(session, case) is not None, committed))

    monkeypatch.setattr(emergency, "_listeners", [*emergency.listeners(), after_on_call])

    assert _file_threat(steward).status_code == 302

    assert seen == [(True, False)]  # the chain is there, in a transaction not yet committed
    assert _stored(app) == (1, 1)


def test_a_failing_listener_rolls_the_filing_back(
    app: Flask, steward: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: Session, _case: Case, _settings: Settings) -> None:
        raise RuntimeError("the listener failed")

    monkeypatch.setattr(emergency, "_listeners", [*emergency.listeners(), broken])

    with pytest.raises(RuntimeError, match="the listener failed"):
        _file_threat(steward)

    assert _stored(app) == (0, 0)  # neither the case nor its callout


def test_an_emergency_nobody_listens_to_is_refused_and_not_stored(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emergency, "_listeners", [])
    request = cases.NewRequest(category=Category.THREAT, title="Private", description="Private")

    with sessions(app)() as session, pytest.raises(cases.NobodyListening), session.begin():
        cases.file_request(session, None, request, app.config["SETTINGS"])

    assert _stored(app) == (0, 0)


def test_the_app_and_the_command_wire_on_call_to_emergencies(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emergency, "_listeners", [])
    make_app()
    assert emergency.listeners() == (oncall.call_out,)

    monkeypatch.setattr(emergency, "_listeners", [])
    assert CliRunner().invoke(cli, ["db", "--help"]).exit_code == 0
    assert emergency.listeners() == (oncall.call_out,)
