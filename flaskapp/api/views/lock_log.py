"""The global lock log, and the statistics of the log and of the queue."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request
from werkzeug.wrappers import Response

from flaskapp.access import requires
from flaskapp.api import schemas, serialise
from flaskapp.api.common import PAGE_SIZE, bp, listing, may, page
from flaskapp.api.errors import ApiError
from flaskapp.api.spec import CURSOR, LOCK_FILTERS, Operation, documented, path, query
from flaskapp.context import db, settings
from tools import locks
from tools.base import clock
from tools.cases import metrics
from tools.locks import LockQuery, LockQueryError
from tools.people.api_tokens import Scope
from tools.people.roles import Permission

STAT_PERIODS = (30, 90, 365)


def _lock_query() -> LockQuery:
    params = {key: value for key, value in request.args.items() if key != "cursor"}
    try:
        return LockQuery.from_params(
            params, include_suppressed=may(Permission.VIEW_SUPPRESSED_LOCKS)
        )
    except LockQueryError as err:
        raise ApiError(400, str(err)) from err


@bp.get("/locks")
@requires(Permission.VIEW_LOCK_LOG)
@documented(
    Operation(
        "Search the lock log",
        Scope.READ_LOCKS,
        200,
        schemas.LockEventList,
        "Matching events, newest first.",
        tag="locks",
        errors=(400,),
        description="Entries of the suppress log only for those who may see them.",
        parameters=[*LOCK_FILTERS, CURSOR],
    )
)
def search_locks() -> Response:
    query_, number = _lock_query(), page()
    result = locks.search(db(), query_, page=number, per_page=PAGE_SIZE)
    return listing([serialise.lock_row(row) for row in result.rows], number, result.has_next)


@bp.get("/locks/accounts/<path:name>")
@requires(Permission.VIEW_LOCK_LOG)
@documented(
    Operation(
        "Lock history of an account",
        Scope.READ_LOCKS,
        200,
        schemas.LockStatus,
        "Current status and whole history.",
        tag="locks",
        errors=(404,),
        parameters=[path("name", "An account, IP address or range.")],
    )
)
def lock_history(name: str) -> Response:
    """Where an account, IP or range stands, with its whole history (as /locks/account/…)."""
    found = locks.lock_statuses(
        db(), [name], include_suppressed=may(Permission.VIEW_SUPPRESSED_LOCKS)
    )
    return jsonify(serialise.lock_status(found[name]))


@bp.get("/stats/locks")
@requires(Permission.VIEW_LOCK_LOG)
@documented(
    Operation(
        "Lock log statistics",
        Scope.READ_LOCKS,
        200,
        schemas.LockStatistics,
        "Totals per day, action, performer.",
        tag="statistics",
        errors=(400,),
        parameters=LOCK_FILTERS,
    )
)
def lock_stats() -> Response:
    return jsonify(serialise.lock_statistics(locks.statistics(db(), _lock_query())))


@bp.get("/stats/queue")
@requires(Permission.VIEW_QUEUE)
@documented(
    Operation(
        "Queue statistics",
        Scope.READ_CASES,
        200,
        schemas.QueueStatistics,
        "The team dashboard's numbers.",
        tag="statistics",
        errors=(400,),
        parameters=[query("days", {"type": "integer", "enum": list(STAT_PERIODS)})],
    )
)
def queue_stats() -> Response:
    """The team dashboard's numbers (/metrics) for the last 30, 90 or 365 days."""
    days = request.args.get("days", "30")
    if not days.isdigit() or int(days) not in STAT_PERIODS:
        raise ApiError(400, "'days' is one of 30, 90, 365.")
    session, config = db(), settings()
    until = clock.now()
    since = until - timedelta(days=int(days))
    return jsonify(
        days=int(days),
        since=serialise.when(since),
        until=serialise.when(until),
        backlog=[
            {"category": c.category.value, "severity": c.severity.value, "count": c.count}
            for c in metrics.open_backlog(session)
        ],
        first_response=serialise.durations(
            metrics.first_response_times(session, since, until, config)
        ),
        resolution=serialise.durations(metrics.resolution_times(session, since, until, config)),
        breaches=[
            {
                "severity": row.severity.value,
                "first_response": row.first_response,
                "resolution": row.resolution,
            }
            for row in metrics.breaches(session, since, until, until)
        ],
        weekly=[
            {"week": week.isoformat(), "count": count}
            for week, count in metrics.weekly_volume(session, since, until)
        ],
    )
