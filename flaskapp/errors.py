"""Error pages that say what happened and what to do, in the tool's own layout."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    403: ("Not allowed", "Your account does not have the role this page needs."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What was sent is larger than this tool accepts."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    reason = "This form has expired or did not come from this tool. Reload the page and try again."
    return render_template("error.html", title="Form expired", reason=reason), 400


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    code = error.code or 500
    if code not in MESSAGES:
        return error
    title, reason = MESSAGES[code]
    return render_template("error.html", title=title, reason=reason), code
