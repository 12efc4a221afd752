"""The API's document is made from its code and cannot drift from it.

Every route of the API blueprint is in ``openapi.json`` with its method and path
parameters, and each documented request body is the very pydantic model its view
validates with (the view reads it with ``request_body(Model)``, which refuses any
other model than the one documented).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

import pytest
from flask import Flask
from helpers import bearer, make_token

from flaskapp.api import bodies
from flaskapp.api.common import request_body
from flaskapp.api.errors import ApiError
from flaskapp.api.openapi import REF, _Generator, openapi_path
from flaskapp.api.spec import Operation, operation_of


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def _spec(app: Flask) -> dict:
    return app.test_client().get("/api/v1/openapi.json").json


def _api_routes(app: Flask) -> list[tuple[str, str, Callable[..., object]]]:
    return [
        (rule.rule, method.lower(), app.view_functions[rule.endpoint])
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in sorted(rule.methods or ())
        if method not in ("HEAD", "OPTIONS")
    ]


def test_every_route_of_the_api_is_in_the_document(app: Flask) -> None:
    spec = _spec(app)
    routes = _api_routes(app)
    assert len(routes) >= 17
    for rule, method, view in routes:
        path = openapi_path(next(r for r in app.url_map.iter_rules() if r.rule == rule))
        assert isinstance(operation_of(view), Operation), f"{rule} declares no operation"
        described = spec["paths"][path][method]
        in_path = {p["name"] for p in described.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(p.strip("{}") for p in path.split("/") if p.startswith("{"))
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert len(documented) == len(routes)


def _body_read_by(view: Callable[..., object]) -> set[object]:
    """The models a view's own code passes to ``request_body``."""
    function = inspect.unwrap(view)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    read = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "request_body"
        ):
            first, *rest = ast.unparse(node.args[0]).split(".")
            model = function.__globals__[first]
            for name in rest:
                model = getattr(model, name)
            read.add(model)
    return read


def test_each_documented_body_is_the_model_its_view_validates_with(app: Flask) -> None:
    spec = _spec(app)
    schemas = spec["components"]["schemas"]
    bodies_seen = 0
    for rule, method, view in _api_routes(app):
        operation = operation_of(view)
        assert operation is not None
        path = openapi_path(next(r for r in app.url_map.iter_rules() if r.rule == rule))
        described = spec["paths"][path][method]
        if operation.body is None:
            assert "requestBody" not in described
            assert _body_read_by(view) == set(), f"{rule} reads a body it does not document"
            continue
        bodies_seen += 1
        ref = described["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == REF.format(model=operation.body.__name__)
        assert _body_read_by(view) == {operation.body}
        generated = operation.body.model_json_schema(ref_template=REF, schema_generator=_Generator)
        generated.pop("$defs", None)
        assert schemas[operation.body.__name__] == generated
    assert bodies_seen == 6


def test_a_view_cannot_read_another_body_than_it_documents(app: Flask) -> None:
    url = "/api/v1/cases/TS-2026-00001/move"
    with (
        app.test_request_context(url, method="POST", json={"body": "A note"}),
        pytest.raises(TypeError),
    ):
        request_body(bodies.Message)
    with (
        app.test_request_context(url, method="POST", json={"status": "nowhere"}),
        pytest.raises(ApiError) as refused,
    ):
        request_body(bodies.Move)
    assert refused.value.status == 422 and "'status' must be one of" in refused.value.message


def test_the_document_and_its_page_are_cached_and_not_counted_against_the_api_limit(
    make_app: Callable[..., Flask],
) -> None:
    """Scripts behind one proxy share an address: reading the docs must not lock them out."""
    app = make_app(api_requests_per_minute=3)
    client = app.test_client()
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        answers = [client.get(path) for _ in range(10)]
        assert [answer.status_code for answer in answers] == [200] * 10
        cache = answers[0].headers["Cache-Control"]
        assert "max-age=" in cache
        etag = answers[0].headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
    # The API itself still counts: its limit is untouched.
    headers = bearer(make_token(app, "Script Owner"))
    assert [client.get("/api/v1/me", headers=headers).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
