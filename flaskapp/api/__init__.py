"""The JSON API for scripts and other tools (``/api/v1/``) and the page where people make tokens.

- :mod:`.views`: the endpoints, added to the blueprint of :mod:`.common`, each with its
  description (:mod:`.spec`);
- :mod:`.bodies` and :mod:`.schemas`: what the API reads and answers, as pydantic models;
- :mod:`.openapi`: the OpenAPI 3.1 document generated from all of these, served at
  ``/api/v1/openapi.json`` and as a page at ``/api/v1/docs``;
- :mod:`.auth`: personal tokens at the door (registered with :mod:`flaskapp.access`);
- :mod:`.errors`: JSON errors for everything under ``/api/``;
- :mod:`.tokens`: ``/account/tokens``, where a signed-in person makes and revokes tokens.

A call with a token needs no CSRF token (a browser never sends one by itself); a call
made with the session cookie, from the tool's own pages, must send ``X-CSRFToken``.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter import RateLimitExceeded
from werkzeug.wrappers import Response

from flaskapp import access
from flaskapp.api import auth, docs, errors, tokens, views
from flaskapp.api.auth import TOKEN_ID
from flaskapp.api.common import bp, caller, per_minute
from flaskapp.extensions import csrf, limiter

#: Largest body the API reads: a request's description and lists fit well within it.
MAX_BODY_BYTES = 256 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Static and cached: not counted against a caller's limit, or scripts behind one proxy
#: (one address) would lock each other out of the documentation.
UNLIMITED_ENDPOINTS = frozenset({"api.openapi_document"})


__all__ = ["init_app", "views"]  # importing views adds the API's routes to its blueprint


def init_app(app: Flask) -> None:
    access.accept_tokens(app, auth.user_from_token)
    app.register_error_handler(errors.ApiError, errors.from_api_error)
    app.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens.bp)


def _check_request() -> None:
    """Body size first (413), then CSRF for calls that came with the session cookie."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise errors.ApiError(413, errors.MESSAGES[413])
    request.max_content_length = MAX_BODY_BYTES  # a chunked body without a length, too
    if request.method in SAFE_METHODS or g.get(TOKEN_ID) is not None:
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _rate_limited(error: RateLimitExceeded) -> Response:
    return errors.error_response(429, errors.MESSAGES[429] + f" (limit: {error.description})")


# Blueprints are set up once, at import: an app made later registers them as they are.
csrf.exempt(bp)  # checked in _check_request for session calls only
bp.before_request(_check_request)
bp.register_error_handler(RateLimitExceeded, _rate_limited)
limiter.limit(
    per_minute, key_func=caller, exempt_when=lambda: request.endpoint in UNLIMITED_ENDPOINTS
)(bp)
