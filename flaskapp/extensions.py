"""The Flask extensions the whole tool shares, made once here and bound to each app.

Blueprint modules import them from here rather than from the package: the package's
``create_app`` imports every blueprint, so importing back from it would make a cycle
(the layout of the Flask tutorial).
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_wtf import CSRFProtect

from flaskapp.access import current_user

csrf = CSRFProtect()


def _user_key() -> str:
    user = current_user()
    return f"user:{user.id}" if user else request.remote_addr or "anonymous"


def person_key() -> str:
    """The signed-in person, however they came (session or any of their API tokens)."""
    user = current_user()
    return f"person:{user.id}" if user else request.remote_addr or "anonymous"


#: The hourly limit of filings: one counter per person, shared by the form and the API.
FILING_SCOPE = "filing"

#: Limits count per signed-in person, else per address; each view or blueprint sets its own.
limiter = Limiter(key_func=_user_key, default_limits=[], headers_enabled=True)


def init_limiter(app: Flask) -> None:
    """After :func:`flaskapp.access.init_app`: the key needs the person, loaded before it."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config["SETTINGS"].ratelimit_storage_url
    limiter.init_app(app)
