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

import os
from typing import Any

from tools.base import db, logs
from tools.base.config import SettingsError, load_settings

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
    logs.configure(structured=settings.environment == "production")
    if not db.is_current(db.engine_from_settings(settings)):
        raise SystemExit(
            "the database is not at the latest migration: run `safetydesk db upgrade` first"
        )
