"""gunicorn's settings for Toolforge: ``gunicorn -c python:flaskapp.gunicorn_conf``.

Toolforge gives a webservice 512 MiB by default; two worker processes of four
threads each fit in that (about 90 MiB a process) and serve a team's load. Both are
set from the environment where a tool needs otherwise: ``WEB_CONCURRENCY`` (processes)
and ``SAFETYDESK_WEB_THREADS``. gunicorn binds to ``$PORT`` (8000 on Toolforge) itself.
The app holds nothing in process memory that another process would need (sessions
are signed cookies, rate limits may live in Redis), so any number of processes or
replicas answer alike.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from tools.base import db, logs
from tools.base.config import Settings, SettingsError, load_settings

wsgi_app = "flaskapp:create_app()"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("SAFETYDESK_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
max_requests = 2000  # recycle a process now and then: memory stays flat for months
max_requests_jitter = 200
accesslog = None  # the front proxy logs requests; ours would add IP addresses to keep
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: Any) -> None:
    """Refuse to start on bad settings or an unmigrated database, with one clear line."""
    try:
        settings = load_settings()
    except SettingsError as err:
        raise SystemExit(str(err)) from None
    logs.configure(
        structured=settings.environment == "production", secrets=settings.secret_values()
    )
    # gunicorn's own error log masks credentials too (a request line names the path).
    for handler in logging.getLogger("gunicorn.error").handlers:
        handler.addFilter(logs.Redact(settings.secret_values()))
    engine = db.engine_from_settings(settings)
    try:
        current = db.is_current(engine)
    except SQLAlchemyError as err:
        raise SystemExit(unusable_database(settings, err)) from None
    finally:
        engine.dispose()
    if not current:
        raise SystemExit(
            "the database is not at the latest migration: run `safetydesk db upgrade` first"
        )


def unusable_database(settings: Settings, err: SQLAlchemyError) -> str:
    """One line naming the setting, its URL with the password masked, and the driver's error."""
    url = settings.database.render_as_string(hide_password=True)
    return f"cannot use the database SAFETYDESK_DATABASE_URL={url}: {getattr(err, 'orig', err)}"
