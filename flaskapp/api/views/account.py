"""Who am I, and the document itself."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import jsonify, request
from werkzeug.wrappers import Response

from flaskapp.access import current_user, public, signed_in
from flaskapp.api import schemas
from flaskapp.api.common import base_path, bp
from flaskapp.api.openapi import document
from flaskapp.api.spec import Operation, documented

#: The document changes only with a deployment: caches and scripts may keep it an hour.
DOCUMENT_CACHE = "public, max-age=3600"


@bp.get("/me")
@signed_in
@documented(
    Operation(
        "Who am I",
        None,
        200,
        schemas.Me,
        "The token's owner and what the token may do.",
        tag="account",
        description="Any valid token: its owner, roles, and the permissions it carries.",
    )
)
def me() -> Response:
    user = current_user()
    assert user is not None
    return jsonify(
        username=user.username,
        roles=sorted(role.value for role in user.roles),
        permissions=sorted(permission.value for permission in user.permissions),
    )


@bp.get("/openapi.json")
@public
@documented(
    Operation(
        "The OpenAPI document",
        None,
        200,
        schemas.Document,
        "This document (OpenAPI 3.1).",
        tag="account",
        description="Needs no token; also shown as a page at /api/v1/docs.",
        public=True,
    )
)
def openapi_document() -> Response:
    response = Response(_document_json(base_path()), mimetype="application/json")
    response.headers["Cache-Control"] = DOCUMENT_CACHE
    response.add_etag()
    return response.make_conditional(request)


@lru_cache(maxsize=8)
def _document_json(server_url: str) -> str:
    """Made once per process (and per path the tool is served under)."""
    return json.dumps(document(server_url), ensure_ascii=False)
