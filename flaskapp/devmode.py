"""What every page says about a development desk: which sign-in is on, and demo data.

The footer names the sign-in mode (Wikimedia OAuth, the local wiki, the development
sign-in, the demo people), and a banner says when the database holds the demo data
(:mod:`tools.demo`), so nobody takes a demo case for a real one. Production asks the
database nothing for this: it never holds demo data.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext
from sqlalchemy.exc import SQLAlchemyError

from flaskapp.context import db, settings
from tools import demo

SIGN_IN_MODES = {
    "oauth": lazy_gettext("Sign-in: Wikimedia OAuth."),
    "local-wiki": lazy_gettext("Sign-in: the local development wiki (OAuth)."),
    "dev-login": lazy_gettext("Sign-in: any account of the local wiki, without a password."),
    "demo": lazy_gettext("Sign-in: the demo people (development, no wiki needed)."),
    "none": lazy_gettext("Sign-in is not configured."),
}


def init_app(app: Flask) -> None:
    app.context_processor(_page_context)


def _page_context() -> dict[str, object]:
    config = settings()
    development = config.environment == "development"
    return {
        "sign_in_mode": SIGN_IN_MODES[config.sign_in_mode],
        "demo_data": development and _demo_data(),
    }


def _demo_data() -> bool:
    """Whether the database holds the demo data, asked once per request."""
    if g.get("database_unavailable"):
        return False
    if "demo_data" not in g:
        try:
            g.demo_data = demo.is_loaded(db())
        except SQLAlchemyError:
            g.demo_data = False  # the page reports the database itself
    return bool(g.demo_data)
