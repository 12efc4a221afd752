"""Health and production behaviour: /healthz names a stopped job; proxies and HSTS."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from devwiki import free_port
from flaskapp.context import sessions
from tools.base import clock
from tools.models import BotCheckpoint

REPOSITORY = Path(__file__).resolve().parents[1]

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
JOBS = {"lock_logger": 900, "noticeboard_patrol": 900, "oncall": 180}


def _beat(app: Flask, bot: str, at: datetime, stream: str = "main") -> None:
    with sessions(app)() as session, session.begin():
        row = session.query(BotCheckpoint).filter_by(bot=bot, stream=stream).one_or_none()
        if row is None:
            row = BotCheckpoint(bot=bot, stream=stream, position={})
            session.add(row)
        row.heartbeat_at = at


#: Monitoring is production's: there a stopped job is a 503 (development: see below).
PRODUCTION = {
    "environment": "production",
    "secret_key": "x" * 40,
    "oauth_client_id": "consumer",
    "oauth_client_secret": "secret",
}


def test_healthz_is_healthy_only_while_every_job_beats(make_app: Callable[..., Flask]) -> None:
    app = make_app(health_jobs=JOBS, **PRODUCTION)
    client = app.test_client()
    with clock.frozen_at(NOW):
        never = client.get("/healthz")
        assert never.status_code == 503 and never.json["status"] == "unhealthy"
        assert never.json["jobs"]["oncall"]["last_heartbeat"] is None
        for bot in JOBS:
            _beat(app, bot, NOW - timedelta(seconds=30))
        _beat(app, "lock_logger", NOW - timedelta(days=2), stream="old")  # the newest counts
        healthy = client.get("/healthz")
        assert healthy.status_code == 200, healthy.json
        assert healthy.json == {
            "status": "ok",
            "database": "ok",
            "migrations": "current",
            "jobs": {
                bot: {
                    "healthy": True,
                    "last_heartbeat": (NOW - timedelta(seconds=30)).isoformat(),
                    "age_seconds": 30,
                    "allowed_seconds": allowed,
                }
                for bot, allowed in JOBS.items()
            },
        }
        assert healthy.headers["Cache-Control"] == "no-store"
    with clock.frozen_at(NOW + timedelta(minutes=5)):  # the on-call worker stopped
        stopped = client.get("/healthz")
        assert stopped.status_code == 503
        assert stopped.json["jobs"]["oncall"]["healthy"] is False
        assert stopped.json["jobs"]["lock_logger"]["healthy"] is True
        # The platform's probe of the webservice does not care about the bots.
        assert client.get("/healthz/web").status_code == 200


def test_healthz_at_home_names_the_jobs_that_never_ran_and_how_to_start_them(
    make_app: Callable[..., Flask],
) -> None:
    """A developer who never meant to run the bots gets a 200 that says what is off."""
    app = make_app(health_jobs=JOBS)
    client = app.test_client()
    with clock.frozen_at(NOW):
        _beat(app, "lock_logger", NOW - timedelta(seconds=30))
        answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json["status"] == "ok"
    assert set(answer.json["not_running"]) == {"noticeboard_patrol", "oncall"}
    assert "safetydesk oncall run" in answer.json["not_running"]["oncall"]
    assert "bots.noticeboard_patrol" in answer.json["not_running"]["noticeboard_patrol"]
    assert answer.json["jobs"]["lock_logger"]["healthy"] is True
    with clock.frozen_at(NOW + timedelta(hours=1)):  # the lock logger ran, then stopped
        stopped = client.get("/healthz")
    assert stopped.status_code == 503 and stopped.json["jobs"]["lock_logger"]["healthy"] is False
    with sessions(app)() as session, session.begin():
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert client.get("/healthz").status_code == 503  # the database still fails it


def test_healthz_reports_a_database_behind_the_code(make_app: Callable[..., Flask]) -> None:
    app = make_app(health_jobs={})
    with sessions(app)() as session, session.begin():
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    answer = app.test_client().get("/healthz/web")
    assert answer.status_code == 503
    assert answer.json["migrations"].startswith("at 0001, code expects ")


def test_production_sends_hsts_and_trusts_the_proxy_it_is_told_of(
    make_app: Callable[..., Flask],
) -> None:
    production = make_app(
        environment="production",
        secret_key="x" * 40,
        oauth_client_id="client",
        oauth_client_secret="secret",
        proxy_hops=1,
    )
    client = production.test_client()
    answer = client.get(
        "/login",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "safetydesk.toolforge.org"},
    )
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    # The redirect back from the wiki is built for the address the browser used.
    assert "redirect_uri=https%3A%2F%2Fsafetydesk.toolforge.org%2Foauth-callback" in answer.location
    development = make_app(instance_path=production.instance_path + "/dev")
    assert "Strict-Transport-Security" not in development.test_client().get("/").headers


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({}, "bad setting SAFETYDESK_SECRET_KEY: production needs a random key"),  # missing
        ({"SAFETYDESK_SECRET_KEY": "change-me"}, "bad setting SAFETYDESK_SECRET_KEY"),
        (
            {"SAFETYDESK_SECRET_KEY": "k" * 40, "SAFETYDESK_DEV_LOGIN": "true"},
            "bad setting SAFETYDESK_DEV_LOGIN: development sign-in cannot be enabled",
        ),
    ],
)
def test_the_web_command_refuses_unsafe_production_settings_at_once(
    tmp_path: Path, change: dict[str, str], line: str
) -> None:
    """The Procfile's web command (gunicorn) stops before serving, with one clear line."""
    procfile = (REPOSITORY / "Procfile").read_text().splitlines()
    (command,) = [entry.split(":", 1)[1].strip() for entry in procfile if entry.startswith("web:")]
    environment = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PORT": str(free_port()),
        "SAFETYDESK_ENVIRONMENT": "production",
        "SAFETYDESK_OAUTH_CLIENT_ID": "client",
        "SAFETYDESK_OAUTH_CLIENT_SECRET": "secret",
        "SAFETYDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
    } | change
    done = subprocess.run(
        command,
        shell=True,
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert line in done.stderr
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stderr  # it never started serving
