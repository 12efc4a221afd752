"""Health endpoints: ``/healthz`` for monitoring, ``/healthz/web`` for the platform's probe.

``/healthz`` answers 503 when anything the tool needs is wrong, a stopped job
included: that is what an operator wants to be paged about. Toolforge's health check
of the webservice uses ``/healthz/web`` instead, which asks only what the web process
needs (its database and schema): a stopped bot must not get the webservice restarted.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from flaskapp.access import public
from flaskapp.context import db, settings
from tools.base import clock, health

bp = Blueprint("health", __name__, url_prefix="/healthz")


def _answer(report: health.HealthReport, healthy: bool) -> tuple[Response, int]:
    response = jsonify(report.as_dict() | {"status": "ok" if healthy else "unhealthy"})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


@bp.get("")
@public
def full() -> tuple[Response, int]:
    """Database, migrations and every job's heartbeat."""
    session = db()
    report = health.check(session.get_bind(), session, settings().health_jobs, clock.now())
    return _answer(report, report.healthy)


@bp.get("/web")
@public
def web() -> tuple[Response, int]:
    """Database and migrations only."""
    session = db()
    report = health.check(session.get_bind(), session, {}, clock.now(), with_jobs=False)
    return _answer(report, report.web_healthy)
