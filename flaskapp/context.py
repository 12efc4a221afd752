"""The request's view of the app: its settings and a database session that ends with it."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from tools.base.config import Settings
from tools.base.db import engine_from_settings, session_factory

_SESSIONS = "safetydesk.sessions"


def init_app(app: Flask, app_settings: Settings) -> None:
    app.config["SETTINGS"] = app_settings
    app.extensions[_SESSIONS] = session_factory(engine_from_settings(app_settings))
    app.teardown_appcontext(_close_db)


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def sessions(app: Flask | None = None) -> sessionmaker[Session]:
    """The app's session factory (one engine per app, shared by its threads)."""
    return (app or current_app).extensions[_SESSIONS]


def db() -> Session:
    """This request's database session, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = sessions()()
    return g.db


def _close_db(_error: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
