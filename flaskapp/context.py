"""The request's view of the app: its settings, a database session that ends with it, and
:func:`committed`, the one way a view commits a change the core may refuse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session, sessionmaker

from tools.base.config import Settings
from tools.base.db import WRITING, engine_from_settings, session_factory

_SESSIONS = "safetydesk.sessions"

E = TypeVar("E", bound=Exception)


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
        # A request that may write takes SQLite's write lock when it begins (tools.base.db).
        writes = not has_request_context() or request.method not in {"GET", "HEAD", "OPTIONS"}
        g.db = sessions()(execution_options=WRITING) if writes else sessions()()
    return g.db


def _close_db(_error: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


@dataclass
class Change(Generic[E]):
    """What :func:`committed` did: ``refused`` holds the refusal when it rolled back."""

    refused: E | None = None


@contextmanager
def committed(
    *refusals: type[E], refuse: Callable[[E], object] | None = None
) -> Iterator[Change[E]]:
    """Commit what the block changed in this request's session, or roll it all back.

    One of ``refusals`` (the core saying no: a case error, a stale form) is rolled back
    and kept in the yielded :class:`Change`, then handed to ``refuse``, which may raise
    (the API's JSON error) or tell the person (a flash). Anything else rolls back and
    propagates, so a half-done change is never committed by a later request step.
    """
    change: Change[E] = Change()
    session = db()
    try:
        yield change
        session.commit()
    except refusals as err:
        session.rollback()
        change.refused = err
        if refuse is not None:
            refuse(err)
    except BaseException:
        session.rollback()
        raise
