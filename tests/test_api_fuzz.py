"""Schemathesis fuzzes the API against its own OpenAPI document, as each kind of person.

Hypothesis makes requests from the document (query, path, headers and bodies) and the
Flask app answers them in-process (WSGI). Every answer must be a non-5xx response with
a status code, media type and body that the document allows. A bounded number of
examples per call and person keeps the run CI-sized; calls that take a case reference
or an alert id are tried with made-up ones and with real ones (plain and restricted).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from helpers import PEOPLE, bearer, file_case, make_token, raise_alert
from hypothesis import HealthCheck, given, settings
from lock_samples import SAMPLE
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from flaskapp import create_app
from flaskapp.context import sessions
from tools import locks
from tools.base.config import load_settings
from tools.base.db import make_engine, transaction, upgrade
from tools.models import Category

EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    config = load_settings(
        database_url=f"sqlite:///{folder / 'fuzz.sqlite3'}",
        secret_key="fuzz-test-key",
        instance_path=folder,
        api_requests_per_minute=100_000,
    )
    engine = make_engine(config.database)
    upgrade(engine)
    engine.dispose()
    app = create_app(config)
    app.config.update(TESTING=True)
    with transaction(sessions(app)) as session:
        locks.store_page(session, "metawiki", "metawiki:globalauth", SAMPLE)
    yield app


@pytest.fixture(scope="module")
def references(app: Flask) -> list[str]:
    return [
        file_case(app, "Spam wave", Category.TECHNICAL),
        file_case(app, "Child safety", Category.CHILD_PROTECTION),
    ]


@pytest.fixture(scope="module")
def alert_ids(app: Flask) -> list[int]:
    return [raise_alert(app), raise_alert(app, "child_safety", "A child in danger")]


@pytest.mark.parametrize("person", list(PEOPLE))
def test_the_api_keeps_to_its_document_under_fuzzing(
    app: Flask, references: list[str], alert_ids: list[int], person: str
) -> None:
    wiki_roles, grants = PEOPLE[person]
    headers = bearer(make_token(app, f"Fuzz {person}", wiki_roles, grants))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    for operation in operations:
        fixed: list[dict[str, object] | None] = [None]
        if "{reference}" in operation.path:
            fixed += [{"reference": reference} for reference in references]
        if "{alert_id}" in operation.path:
            fixed += [{"alert_id": alert_id} for alert_id in alert_ids]
        for path_parameters in fixed:
            _fuzz(operation.as_strategy(headers=headers, path_parameters=path_parameters))


def _fuzz(strategy: object) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)

    run()
