"""Error pages that say what happened and what to do, in the tool's own layout.

Under ``/api/`` the same errors are JSON (:mod:`flaskapp.api.errors`), unknown routes too.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import Flask, abort, g, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from flaskapp.access import is_api_request
from flaskapp.api import errors as api_errors

log = logging.getLogger(__name__)

#: Seconds a client should wait before trying again when the database did not answer.
RETRY_AFTER = "30"

# Lazy: the module is read once, each page is shown in its own reader's language.
MESSAGES: dict[int, tuple[LazyString, LazyString]] = {
    403: (
        lazy_gettext("Not allowed"),
        lazy_gettext("Your account does not have the role this page needs."),
    ),
    404: (lazy_gettext("Not found"), lazy_gettext("There is nothing at this address.")),
    405: (
        lazy_gettext("Not allowed"),
        lazy_gettext("This address does not accept that kind of request."),
    ),
    413: (
        lazy_gettext("Too large"),
        lazy_gettext("What was sent is larger than this tool accepts."),
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeoutError, _database_unavailable)


def _csrf_error(error: CSRFError) -> tuple[str, int] | Response:
    if is_api_request():
        return api_errors.from_http_exception(error)
    reason = gettext(
        "This form has expired or did not come from this tool. Reload the page and try again."
    )
    return render_template("error.html", title=gettext("Form expired"), reason=reason), 400


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException | Response:
    if is_api_request():
        return api_errors.from_http_exception(error)
    code = error.code or 500
    if code not in MESSAGES:
        return error
    title, reason = MESSAGES[code]
    return render_template("error.html", title=str(title), reason=str(reason)), code


def refuse(title: str, reason: str, status: int = 403) -> NoReturn:
    """Stop the request with the error page saying why (a restricted case, a restricted alert)."""
    abort(make_response(render_template("error.html", title=title, reason=reason), status))


def _database_unavailable(error: Exception) -> Response:
    """The database refused, timed out or is gone: a fast 503 that says so, never a 500.

    The driver's timeouts (``SAFETYDESK_DATABASE_*_TIMEOUT``) and the pool's turn a silent
    database into this error within seconds. Only the error's type is logged: its text
    may hold a statement.
    """
    log.warning("database unavailable (%s): answered 503", type(error).__name__)
    g.database_unavailable = True  # the page says so without asking it again (devmode)
    headers = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}
    message = "The database does not answer. Try again in a minute."
    if request.path.startswith("/intake/"):  # the ReportIncident extension reads Zendesk's shape
        response = make_response(
            {"error": "ServiceUnavailable", "description": message}, 503, headers
        )
        return response
    if is_api_request():
        return api_errors.error_response(503, message, headers=headers)
    try:
        page = render_template(
            "error.html",
            title=gettext("Database unavailable"),
            reason=gettext("The database does not answer. Try again in a minute."),
        )
    except Exception:  # the page itself needed the database: say it in plain text
        return make_response(message, 503, headers | {"Content-Type": "text/plain"})
    return make_response(page, 503, headers)
