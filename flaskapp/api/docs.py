"""The API's documentation as a page of the tool, drawn from the OpenAPI document.

Our own template rather than Swagger UI or ReDoc: no script at all (the CSP allows only
our own files, and these bundles are large and change often), the tool's layout and
languages, and nothing to vendor and keep up to date. Scripts read ``openapi.json``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify, make_response, render_template, request, url_for
from werkzeug.wrappers import Response

from flaskapp.access import public
from flaskapp.api.common import base_path
from flaskapp.api.openapi import document

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post")


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each call as the page lists it: method, path, what it needs, parameters, answers."""
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": spec["servers"][0]["url"] + path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "body": _schema_name(body and body["schema"]),
                    "responses": [
                        (code, _response_schema(spec, answer))
                        for code, answer in operation["responses"].items()
                    ],
                }
            )
    return found


def _response_schema(spec: dict[str, Any], answer: dict[str, Any]) -> str | None:
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    return _schema_name(answer.get("content", {}).get("application/json", {}).get("schema"))


@bp.get("/")
@public
def index() -> Response:
    """``/api/v1/`` itself: where the documentation is, rather than a bare 404."""
    response = jsonify(
        name="Safety Desk API",
        version="v1",
        documentation=url_for("api_docs.page", _external=True),
        openapi=url_for("api.openapi_document", _external=True),
        message="The API's operations are described at documentation (a page) and openapi.",
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/docs")
@public
def page() -> Response:
    """Private caching: the page carries the reader's language, name and form token."""
    spec = document(base_path())
    response = make_response(_page(spec))
    response.headers["Cache-Control"] = "private, max-age=600"
    response.vary.update({"Cookie", "Accept-Language"})
    response.add_etag()
    return response.make_conditional(request)


def _page(spec: dict[str, Any]) -> str:
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas={
            name: json.dumps(schema, indent=2, ensure_ascii=False)
            for name, schema in spec["components"]["schemas"].items()
        },
    )
