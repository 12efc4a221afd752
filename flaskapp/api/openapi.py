"""The OpenAPI 3.1 document of ``/api/v1/``, generated from the code it describes.

Paths and methods come from the API blueprint's routes, what each call is for from the
:class:`~flaskapp.api.spec.Operation` its view declares, and every body schema from the
pydantic models of :mod:`.bodies` (which also validate what the views read) and
:mod:`.schemas` (what they answer). ``tests/test_api_fuzz.py`` runs schemathesis
against the document; ``tests/test_api_document.py`` checks that every route is in it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from werkzeug.routing import Rule

from flaskapp.api import schemas
from flaskapp.api.spec import ALWAYS, Operation, operation_of
from tools.people.api_tokens import SCOPE_LABELS

VERSION = "1.0.0"
TAGS = ("account", "requests", "cases", "alerts", "locks", "statistics")
BLUEPRINT = "api"
PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
METHODS = ("get", "post")

ERRORS = {
    400: "The query or a header is wrong (a bad cursor, an unknown filter value), or the "
    "body is not JSON, or the CSRF token of a session call is missing.",
    401: "No token or session, or the token is unknown, expired or revoked.",
    403: "The token's scopes, or its owner's roles, do not allow this; or the case is restricted.",
    404: "No such request, case or route.",
    409: "The case changed meanwhile, or the move is not allowed from its status.",
    413: "The body is larger than 256 KiB.",
    415: "The body is not application/json.",
    422: "The JSON is well-formed but a field is missing or wrong (details says which).",
    429: "Too many calls: see Retry-After.",
}


class _Generator(GenerateJsonSchema):
    """Pydantic's JSON Schema without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def openapi_path(rule: Rule) -> str:
    """``/cases/<reference>`` as ``/cases/{reference}``, relative to the API's prefix."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))


def calls() -> list[tuple[str, str, Operation]]:
    """Each (path, method, operation) of the API blueprint, by tag, then in the order of its routes.

    A route whose view declares no operation is an error: the document would be wrong.
    """
    found = []
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] != BLUEPRINT:
            continue
        operation = operation_of(current_app.view_functions[rule.endpoint])
        if operation is None:
            raise LookupError(f"{rule.endpoint} is not documented (flaskapp.api.spec)")
        for method in METHODS:
            if method.upper() in (rule.methods or ()):
                found.append((openapi_path(rule), method, operation))
    return sorted(found, key=lambda call: TAGS.index(call[2].tag))


def _operation(operation: Operation, refs: dict[type[BaseModel], Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(operation.status): {
            "description": operation.answer_description,
            "content": {"application/json": {"schema": refs[operation.answer]}},
        }
    }
    errors = (429,) if operation.public else ALWAYS
    for code in sorted({*errors, *operation.errors}):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    described: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "operationId": operation.summary.lower().replace(" ", "_").replace("'", ""),
        "responses": responses,
    }
    scope = operation.scope
    needs = f"Scope: `{scope.value}` ({SCOPE_LABELS[scope]})." if scope else ""
    if operation.description or needs:
        described["description"] = " ".join(p for p in (operation.description, needs) if p)
    if operation.public:
        described["security"] = []
    if operation.parameters:
        described["parameters"] = operation.parameters
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[operation.body]}},
        }
    return described


def document(server_url: str = PREFIX) -> dict[str, Any]:
    """The whole document; ``server_url`` is where the paths start."""
    found = calls()
    models = {schemas.Error}
    for _path, _method, operation in found:
        models.update(m for m in (operation.answer, operation.body) if m is not None)
    ordered = sorted(models, key=lambda model: model.__name__)
    generated, top = models_json_schema(
        [(model, "validation") for model in ordered],
        ref_template=REF,
        schema_generator=_Generator,
    )
    refs = {model: generated[(model, "validation")] for model in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for path, method, operation in found:
        paths.setdefault(path, {})[method] = _operation(operation, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Safety Desk API",
            "version": VERSION,
            "description": "File and follow requests, work cases, search the global lock log "
            "and read statistics from scripts. Make a personal token at /account/tokens and "
            "send it as `Authorization: Bearer sdk_…`; it can do what its scopes allow and "
            "its owner may do at the time of the call. Every error is "
            '`{"error": {"code": …, "message": …}}`.',
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in TAGS],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "responses": {
                f"E{code}": {
                    "description": text,
                    "content": {"application/json": {"schema": refs[schemas.Error]}},
                    **(
                        {"headers": {"Retry-After": {"schema": {"type": "string"}}}}
                        if code == 429
                        else {}
                    ),
                }
                for code, text in ERRORS.items()
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (sdk_…) made at /account/tokens.",
                }
            },
        },
    }
