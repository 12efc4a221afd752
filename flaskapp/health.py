"""Health endpoints: ``/healthz`` for monitoring, ``/healthz/web`` for the platform's probe.

``/healthz`` answers 503 when anything the tool needs is wrong, a stopped job
included: that is what an operator wants to be paged about. Toolforge's health check
of the webservice uses ``/healthz/web`` instead, which asks only what the web process
needs (its database and schema): a stopped bot must not get the webservice restarted.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Late

from flask import Blueprint, jsonify
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from flaskapp.access import public
from flaskapp.context import sessions, settings
from tools.base import clock, health
from tools.mail.fetch import BOT as MAIL_FETCH
from tools.mail.fetch import HEALTH_SECONDS as MAIL_FETCH_SECONDS

#: A probe is answered within this many seconds, whatever the database does: a silent
#: database is reported as such instead of holding the probe (and then the platform's).
DEADLINE_SECONDS = 0.8
#: Checks run here, so a check stuck on the database never holds a web thread; two
#: threads bound what stuck checks can hold until the driver's timeouts end them.
_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")

bp = Blueprint("health", __name__, url_prefix="/healthz")


def _answer(report: health.HealthReport, healthy: bool) -> tuple[Response, int]:
    response = jsonify(report.as_dict() | {"status": "ok" if healthy else "unhealthy"})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


#: How to start each job on a developer's machine (the Procfile's lines, run by hand).
START_COMMANDS = {
    "lock_logger": "python -m bots.lock_logger -stream",
    "noticeboard_patrol": "python -m bots.noticeboard_patrol -stream",
    "account_watcher": "python -m bots.account_watcher -stream",
    "upload_watcher": "python -m bots.upload_watcher -stream",
    "oncall": "safetydesk oncall run",
    "mail_fetch": "safetydesk mail fetch",
}


@bp.get("")
@public
def full() -> tuple[Response, int]:
    """Database, migrations and every job's heartbeat.

    On a development machine a job that never ran is said plainly, with the command that
    starts it, and is no reason for a 503: nobody there meant to run the bots. A job that
    ran and stopped fails the check everywhere.
    """
    jobs = settings().health_jobs
    if settings().mail_intake_configured:  # a mailbox is read: its fetcher must be alive
        jobs = {MAIL_FETCH: MAIL_FETCH_SECONDS} | jobs
    report = _within_deadline(
        lambda session: health.check(session.get_bind(), session, jobs, clock.now())
    )
    if settings().environment != "development" or not report.web_healthy:
        return _answer(report, report.healthy)
    never = [job.name for job in report.jobs if job.last_heartbeat is None]
    ran = [job for job in report.jobs if job.last_heartbeat is not None]
    response, status = _answer(report, all(job.healthy for job in ran))
    if never:
        body = response.get_json() | {
            "not_running": {
                name: "never ran on this machine; start it with: "
                + START_COMMANDS.get(name, "its Procfile line")
                for name in never
            },
            "note": "development: a job that never ran does not fail this check; "
            "in production it does (503).",
        }
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/web")
@public
def web() -> tuple[Response, int]:
    """Database and migrations only."""
    report = _within_deadline(
        lambda session: health.check(session.get_bind(), session, {}, clock.now(), with_jobs=False)
    )
    return _answer(report, report.web_healthy)


def _within_deadline(check: Callable[[Session], health.HealthReport]) -> health.HealthReport:
    """``check`` run in a session of its own, or "no answer" once the deadline has passed."""
    factory = sessions()

    def run() -> health.HealthReport:
        with factory() as session:
            return check(session)

    try:
        return _checks.submit(run).result(timeout=DEADLINE_SECONDS)
    except Late:
        return health.HealthReport(
            database=f"no answer within {DEADLINE_SECONDS} s", migrations="unknown"
        )
