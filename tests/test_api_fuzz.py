"""Schemathesis fuzzes the API against its own OpenAPI document, as each kind of person.

Hypothesis makes requests from the document (query, path, headers and bodies) and the
Flask app answers them in-process (WSGI). Every answer must be a non-5xx response with
a status code, media type and body that the document allows. A bounded number of
examples per call and person keeps the run CI-sized; calls that take a case reference
or an alert id are tried with made-up ones and with real ones (plain and restricted).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from helpers import PEOPLE, bearer, file_case, make_token, raise_alert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# --- ReportIncident and the web forms, from documents made here -----------------------

SECRET = "enwiki-secret-0123456789abcdefghijklmnop"
ANY_JSON: dict[str, object] = {}  # any JSON value at all: nesting, surrogates, odd types
REPORT = {
    "type": "object",
    "properties": {
        "request": {
            "type": "object",
            "properties": {
                "requester": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                },
                "subject": {"type": "string"},
                "comment": {"type": "object", "properties": {"body": {"type": "string"}}},
            },
            "required": ["comment"],
        }
    },
    "required": ["request"],
}


@pytest.fixture(scope="module")
def form_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The tool without CSRF checks, so that fuzzed form bodies reach the forms' validators."""
    folder: Path = tmp_path_factory.mktemp("fuzz-forms")
    config = load_settings(
        database_url=f"sqlite:///{folder / 'fuzz.sqlite3'}",
        secret_key="fuzz-test-key",
        instance_path=folder,
        api_requests_per_minute=100_000,
        requests_per_hour=100_000,
        reportincident_secrets={"enwiki": [SECRET]},
    )
    engine = make_engine(config.database)
    upgrade(engine)
    engine.dispose()
    app = create_app(config)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app


def _document(paths: dict[str, object]) -> dict[str, object]:
    info = {"title": "fuzzed here", "version": "1"}
    return {"openapi": "3.0.3", "info": info, "paths": paths}


def _operation(parameters: list[str], media_type: str, body: object) -> dict[str, object]:
    return {
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in parameters
        ],
        "requestBody": {"required": True, "content": {media_type: {"schema": body}}},
        "responses": {"default": {"description": "anything but a server error"}},
    }


def _fuzz_document(
    app: Flask, document: dict[str, object], headers: dict[str, str], fixed: dict[str, str]
) -> int:
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        values = {name: value for name, value in fixed.items() if name in names} or None
        _fuzz_server_errors(operation.as_strategy(headers=headers, path_parameters=values))
    return len(operations)


def _fuzz_server_errors(strategy: object) -> None:
    @settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)

    run()


def test_reportincident_never_answers_a_server_error_under_fuzzing(form_app: Flask) -> None:
    path = "/intake/reportincident/{secret}/api/v2/requests.json"
    document = _document(
        {
            path: {"post": _operation(["secret"], "application/json", REPORT)},
            path.replace("{secret}", SECRET): {
                "post": _operation([], "application/json", ANY_JSON),
                "put": _operation([], "text/plain", {"type": "string"}),
            },
        }
    )
    assert _fuzz_document(form_app, document, {}, {"secret": SECRET}) == 3


def _form_fields(app: Flask) -> dict[str, object]:
    """Every field name of every form of the tool, with and without the pages' prefixes."""
    import re

    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    def forms(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    names = {
        name
        for form in forms(FlaskForm)
        for name, value in vars(form).items()
        if isinstance(value, UnboundField)
    }
    sources = Path(__file__).parent.parent.joinpath("flaskapp").rglob("*.py")
    prefixes = {p for source in sources for p in re.findall(r'prefix="(\w+)"', source.read_text())}
    fields = names | {f"{prefix}-{name}" for prefix in prefixes for name in names}
    return {name: {"type": "string"} for name in sorted(fields)}


def _web_posts(app: Flask, fields: dict[str, object]) -> dict[str, object]:
    """Every POST route of the web tool (not the API), as an operation of a form body."""
    import re

    body = {"type": "object", "properties": fields, "additionalProperties": False}
    paths: dict[str, object] = {}
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/intake/")):
            continue
        if rule.endpoint == "auth.logout":
            continue  # it would end the fuzzing person's session (it is fuzzed anonymously)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        parameters = list(rule.arguments)
        form = "application/x-www-form-urlencoded"
        paths[path] = {"post": _operation(parameters, form, body)}
    return paths


def test_the_web_forms_never_answer_a_server_error_under_fuzzing(form_app: Flask) -> None:
    from conftest import signed_in_client

    reference = file_case(form_app, "Spam wave", Category.TECHNICAL)
    everyone = ["user", "functionary"]
    grants = ["specialist", "restricted-specialist", "admin"]
    client = signed_in_client(form_app, "Fuzz Everyone", everyone, grants)
    cookie = client.get_cookie("safetydesk_session")
    assert cookie is not None
    document = _document(_web_posts(form_app, _form_fields(form_app)))
    fixed = {"reference": reference, "alert_id": str(raise_alert(form_app))}
    headers = {"Cookie": f"safetydesk_session={cookie.value}"}
    assert _fuzz_document(form_app, document, headers, fixed) >= 15
    logout = _document(
        {"/logout": {"post": _operation([], "application/x-www-form-urlencoded", {})}}
    )
    assert _fuzz_document(form_app, logout, {}, {}) == 1


# --- raw JSON bodies: nesting, lone surrogates and odd types, which documents never make --

_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=())
TEXT = st.one_of(st.text(max_size=20), st.text(_SURROGATES, min_size=1, max_size=3))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
DEEP = st.integers(100, 3000).map(lambda depth: "[" * depth + "]" * depth)


def _envelope(name: object, email: object, body: object, category: object) -> str:
    """A value in each place the endpoints read (every body is sent to every endpoint)."""
    requester = {"name": name, "email": email}
    return json.dumps(
        {
            "request": {"requester": requester, "comment": {"body": body}},
            "category": category,
            "title": name,
            "description": body,
            "subjects": [email],
            "body": body,
        }
    )


RAW_BODIES = st.one_of(
    DEEP,
    DEEP.map(lambda deep: '{"request": {"comment": {"body": ' + deep + "}}}"),
    st.builds(_envelope, JSON_VALUES, JSON_VALUES, JSON_VALUES, JSON_VALUES),
    JSON_VALUES.map(json.dumps),
)


def test_raw_json_bodies_never_make_a_server_error(form_app: Flask) -> None:
    reference = file_case(form_app, "Spam wave", Category.TECHNICAL)
    everyone, grants = ["user", "functionary"], ["specialist", "restricted-specialist"]
    token = bearer(make_token(form_app, "Fuzz Raw", everyone, grants))
    targets = [
        (f"/intake/reportincident/{SECRET}/api/v2/requests.json", {}),
        ("/api/v1/requests", token),
        (f"/api/v1/cases/{reference}/notes", token),
        (f"/api/v1/cases/{reference}/replies", token),
    ]
    client = form_app.test_client()

    @settings(
        max_examples=EXAMPLES * 10,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=RAW_BODIES)
    def run(text: str) -> None:
        for path, headers in targets:
            answer = client.post(path, data=text, headers=headers, content_type="application/json")
            assert answer.status_code < 500 and answer.is_json, (path, text[:200], answer.text)

    run()
