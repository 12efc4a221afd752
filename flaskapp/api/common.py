"""The API's blueprint and what its views share: cursors, queries, bodies, limits.

The views are in :mod:`flaskapp.api.views`, one module per part of the API, each adding
its routes to :data:`bp`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel
from werkzeug.wrappers import Response

from flaskapp.access import current_user
from flaskapp.api import bodies
from flaskapp.api.auth import TOKEN_ID
from flaskapp.api.errors import ApiError
from flaskapp.api.spec import operation_of
from flaskapp.context import settings
from tools import cases
from tools.base import jsontext
from tools.people.roles import Permission

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PAGE_SIZE = 50

Model = TypeVar("Model", bound=BaseModel)


def may(permission: Permission) -> bool:
    user = current_user()
    return user is not None and user.can(permission)


def cursors() -> URLSafeSerializer:
    """Cursors are signed with the app's key: a client can hold them, not make them up."""
    return URLSafeSerializer(current_app.secret_key, salt="api-cursor")


def cursor_value() -> dict[str, Any] | None:
    """What the request's ``cursor`` holds (None without one); 400 for a forged or foreign one."""
    cursor = request.args.get("cursor", "")
    if not cursor:
        return None
    try:
        value = cursors().loads(cursor)
    except BadSignature:
        raise ApiError(400, "The cursor is not one this API gave out.", "bad_cursor") from None
    if not (isinstance(value, dict) and value.get("e") == request.endpoint):
        raise ApiError(400, "The cursor belongs to another list.", "bad_cursor")
    return value


def page() -> int:
    """The page an opaque ``cursor`` points to (1 without one)."""
    value = cursor_value()
    return 1 if value is None else int(value.get("p", 1))


def listing(items: list[Any], page: int, has_next: bool) -> Response:
    cursor = cursors().dumps({"e": request.endpoint, "p": page + 1}) if has_next else None
    return jsonify(items=items, next_cursor=cursor)


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 for another media type, 400 unreadable, 422 not an object."""
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.")
    try:
        body = jsontext.loads(request.get_data(cache=True))
    except jsontext.UnreadableJson as err:
        raise ApiError(400, f"The body is not valid JSON: {err}.", "invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(422, "The body must be a JSON object.")
    return body


def request_body(model: type[Model]) -> Model:
    """The body, validated with ``model``, which must be the one the view documents."""
    operation = operation_of(current_app.view_functions[request.endpoint or ""])
    if operation is None or operation.body is not model:
        raise TypeError(f"{request.endpoint} reads {model.__name__}, not its documented body")
    return bodies.validate(model, json_body())


def arg_choice(name: str, allowed: type[Any]) -> Any:
    value = request.args.get(name, "")
    if not value:
        return None
    if value not in {member.value for member in allowed}:
        raise ApiError(400, f"'{name}' must be one of: " + ", ".join(m.value for m in allowed))
    return allowed(value)


def flag(name: str) -> bool:
    value = request.args.get(name, "false")
    if value not in ("true", "false"):
        raise ApiError(400, f"'{name}' is true or false.")
    return value == "true"


def refused(err: cases.CaseError) -> None:
    """A refusal of the core as the API's 409."""
    raise ApiError(409, str(err), "refused") from err


def per_minute() -> str:
    return f"{settings().api_requests_per_minute} per minute"


def caller() -> str:
    """Rate limits count per token, else per signed-in person, else per address."""
    if g.get(TOKEN_ID) is not None:
        return f"api-token:{g.get(TOKEN_ID)}"
    user = current_user()
    return f"user:{user.id}" if user else request.remote_addr or "anonymous"


def base_path() -> str:
    """Where the API's paths start on this server (``/api/v1``, under any script root)."""
    return url_for("api.me").removesuffix("/me")
