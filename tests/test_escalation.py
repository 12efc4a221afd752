"""Escalation to Phabricator: the Conduit client against a local server that checks calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conduit_server import ConduitServer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools import cases
from tools.base.config import Settings, load_settings
from tools.base.db import session_factory
from tools.cases.escalation import escalate_to_phabricator
from tools.cases.phabricator import Conduit, ConduitError, PhabricatorError
from tools.models import Audience, Case, CaseStatus, Category, User
from tools.wiki.subjects import parse_subjects

SECURITY = "PHID-PROJ-security0000000000"
ENGINEERING = "PHID-PROJ-engineering000000000"
POLICY = "PHID-PROJ-acl0000000000000000"
PRIVATE = ("Threats against Jane Doe", "Jane lives at 12 Secret Street", "Example vandal")


@pytest.fixture
def session(migrated: Engine) -> Iterator[Session]:
    with session_factory(migrated)() as session:
        yield session


def _settings(server: ConduitServer, token: str | None = None) -> Settings:
    return load_settings(
        phabricator_url=server.url,
        phabricator_api_token=token or server.token,
        phabricator_security_project=SECURITY,
        phabricator_engineering_project=ENGINEERING,
        phabricator_view_policy=POLICY,
        public_url="https://safetydesk.example.org",
    )


def _case_in_progress(session: Session, settings: Settings) -> tuple[Case, User]:
    specialist = User(username="Specialist One")
    request = cases.NewRequest(
        category=Category.THREAT,
        title=PRIVATE[0],
        description=PRIVATE[1],
        subjects=parse_subjects(PRIVATE[2])[0],
    )
    case = cases.file_request(session, User(username="Steward One"), request, settings)
    cases.move(session, case, specialist, CaseStatus.TRIAGED)
    cases.move(session, case, specialist, CaseStatus.IN_PROGRESS)
    return case, specialist


def _client(server: ConduitServer, token: str | None = None) -> Conduit:
    return Conduit(server.url, token or server.token, sleep=lambda _seconds: None)


def test_escalation_creates_a_task_with_project_and_policy_and_no_private_content(
    session: Session, conduit_server: ConduitServer
) -> None:
    settings = _settings(conduit_server)
    case, specialist = _case_in_progress(session, settings)

    url = escalate_to_phabricator(session, case, specialist, "security", settings)

    assert url == f"{conduit_server.url}/T1"
    [task] = conduit_server.tasks
    assert task.projects == [SECURITY]
    assert task.fields["view"] == POLICY and task.fields["edit"] == POLICY
    assert case.reference in task.fields["title"] and "Security" in task.fields["title"]
    assert f"https://safetydesk.example.org/queue/{case.reference}" in task.fields["description"]
    sent = json.dumps(task.fields)
    for private in (*PRIVATE, "Jane", "threat"):
        assert private.lower() not in sent.lower()
    assert case.status == CaseStatus.ESCALATED
    escalated = [event for event in case.events if event.kind == "escalated"]
    assert [(e.audience, e.data, e.actor) for e in escalated] == [
        (Audience.INTERNAL, {"target": "security", "task": "T1", "url": url}, specialist)
    ]


def test_escalating_an_escalated_case_to_engineering_adds_a_task_and_keeps_the_status(
    session: Session, conduit_server: ConduitServer
) -> None:
    settings = _settings(conduit_server)
    case, specialist = _case_in_progress(session, settings)
    escalate_to_phabricator(session, case, specialist, "security", settings)
    escalate_to_phabricator(session, case, specialist, "engineering", settings)
    assert [task.projects for task in conduit_server.tasks] == [[SECURITY], [ENGINEERING]]
    assert case.status == CaseStatus.ESCALATED


def test_a_new_case_cannot_be_escalated_and_no_task_is_left_behind(
    session: Session, conduit_server: ConduitServer
) -> None:
    settings = _settings(conduit_server)
    request = cases.NewRequest(category=Category.OTHER, title="t", description="d")
    case = cases.file_request(session, User(username="Steward One"), request, settings)
    with pytest.raises(cases.CaseError, match="cannot be escalated while it is new"):
        escalate_to_phabricator(session, case, User(username="S"), "security", settings)
    assert conduit_server.calls == []


def test_a_bad_token_is_a_readable_error_and_nothing_is_recorded(
    session: Session, conduit_server: ConduitServer
) -> None:
    settings = _settings(conduit_server, token="api-wrongwrongwrongwrongwrongwr")
    case, specialist = _case_in_progress(session, settings)
    with pytest.raises(cases.CaseError, match="ERR-INVALID-AUTH: API token does not exist"):
        escalate_to_phabricator(session, case, specialist, "security", settings)
    assert conduit_server.tasks == []
    assert case.status == CaseStatus.IN_PROGRESS
    assert not [event for event in case.events if event.kind == "escalated"]


def test_client_raises_conduit_error_with_code_and_info(conduit_server: ConduitServer) -> None:
    with pytest.raises(ConduitError) as refused:
        _client(conduit_server, token="api-nope").create_task("t", "d")
    assert refused.value.code == "ERR-INVALID-AUTH"
    assert str(refused.value) == (
        "Phabricator refused maniphest.edit: ERR-INVALID-AUTH: API token does not exist."
    )


def test_bad_parameters_are_refused_as_phabricator_would(conduit_server: ConduitServer) -> None:
    client = _client(conduit_server)
    with pytest.raises(ConduitError, match='invalid type "colour"'):
        client.call("maniphest.edit", {"transactions": [{"type": "colour", "value": "red"}]})
    with pytest.raises(ConduitError, match="must have a title"):
        client.call("maniphest.edit", {"transactions": [{"type": "description", "value": "x"}]})
    with pytest.raises(ConduitError, match="ERR-CONDUIT-CALL"):
        client.call("maniphest.create", {})
    assert conduit_server.tasks == []


def test_a_5xx_answer_is_retried_once_after_a_pause(conduit_server: ConduitServer) -> None:
    pauses: list[float] = []
    client = Conduit(conduit_server.url, conduit_server.token, backoff=0.5, sleep=pauses.append)
    conduit_server.fail_next(503, times=1)
    task = client.create_task("Escalation", "See the tool")
    assert task.id == 1 and task.phid.startswith("PHID-TASK-")
    assert conduit_server.calls == ["maniphest.edit", "maniphest.edit"]
    assert pauses == [0.5]
    assert len(conduit_server.tasks) == 1


def test_persistent_5xx_gives_up_with_a_readable_error(conduit_server: ConduitServer) -> None:
    client = Conduit(conduit_server.url, conduit_server.token, retries=2, sleep=lambda _s: None)
    conduit_server.fail_next(502, times=3)
    with pytest.raises(PhabricatorError, match=r"HTTP 502 \(3 attempts at maniphest.edit\)"):
        client.create_task("t", "d")
    assert conduit_server.tasks == []


def test_the_server_reads_curls_flattened_form_too(conduit_server: ConduitServer) -> None:
    """``curl … -d api.token=… -d transactions[0][type]=title``, as Conduit's console shows."""
    form: dict[str, Any] = {
        "api.token": conduit_server.token,
        "transactions[0][type]": "title",
        "transactions[0][value]": "From curl",
        "transactions[1][type]": "projects.add",
        "transactions[1][value][0]": SECURITY,
    }
    answer = requests.post(f"{conduit_server.url}/api/maniphest.edit", data=form, timeout=10)
    body = answer.json()
    assert body["error_code"] is None and body["result"]["object"]["id"] == 1
    assert conduit_server.tasks[0].fields["title"] == "From curl"
    assert conduit_server.tasks[0].projects == [SECURITY]
