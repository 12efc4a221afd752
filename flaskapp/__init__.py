"""The Safety Desk web tool: ``create_app()`` builds it, one blueprint per audience."""

from __future__ import annotations

import logging
import secrets

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tools.config import Settings, load_settings
from tools.db import engine_from_settings, session_factory

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from checked settings (read from the environment when none are given)."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["SETTINGS"] = settings
    app.config["SECRET_KEY"] = settings.secret_key.get_secret_value() or _development_key()
    app.extensions["safetydesk.sessions"] = session_factory(engine_from_settings(settings))

    from flaskapp import home

    app.register_blueprint(home.bp)
    return app


def _development_key() -> str:
    """A per-process key, so a missing SAFETYDESK_SECRET_KEY never means a guessable one."""
    log.warning("SAFETYDESK_SECRET_KEY is not set: sessions will not survive a restart")
    return secrets.token_hex(32)


def db_sessions(app: Flask) -> sessionmaker[Session]:
    """The app's session factory (one engine per app, shared by its threads)."""
    return app.extensions["safetydesk.sessions"]
