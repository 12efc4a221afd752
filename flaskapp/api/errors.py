"""JSON errors for everything under ``/api/``: ``{"error": {"code", "message"}}``.

Scripts read ``code`` (stable, snake_case); ``message`` is for the person reading the
script's output, in English. Routing errors (unknown route, wrong method), CSRF
failures, rate limits and body size limits come through here too, so the API never
answers with an HTML page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

MESSAGES = {
    401: "Send a personal API token as 'Authorization: Bearer sdk_…', or sign in.",
    403: "Your token or account does not have the permission this needs.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is larger than this API accepts.",
    429: "Too many requests: wait as long as Retry-After says.",
}


class ApiError(Exception):
    """An error a view raises to answer with a status, a code and a message."""

    def __init__(
        self, status: int, message: str, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code or CODES.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def from_api_error(error: ApiError) -> Response:
    return error_response(error.status, error.message, error.code, error.details)


def from_http_exception(error: HTTPException) -> Response:
    """Any HTTP error (abort(), routing, Flask-WTF, Werkzeug's size limit) as JSON."""
    status = error.code or 500
    if isinstance(error, CSRFError):
        return error_response(
            400,
            "The CSRF token is missing or wrong: send the page's token as X-CSRFToken, "
            "or use a personal API token instead of the session.",
            "csrf_failed",
        )
    described = error.description if error.description != type(error).description else None
    message = described or MESSAGES.get(status) or (error.description or error.name)
    # Keep what the error says about itself (Allow for 405, WWW-Authenticate…), not its type.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="safetydesk"'
    return error_response(status, str(message), headers=headers)
