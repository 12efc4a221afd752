"""Everyone signed in: search the global lock and global block log, see an account's history.

The log itself comes from the lock logger bot (``bots/lock_logger.py``); these views only
read it through :mod:`tools.locks`. Entries from the suppress log (hidden accounts) are
shown only to those who may see them, as on the wikis.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext, lazy_gettext

from flaskapp import charts
from flaskapp.access import current_user, requires
from flaskapp.context import db, settings
from tools import locks
from tools.base import clock
from tools.locks import Action, LockQuery, LockQueryError
from tools.patrol import request_watch
from tools.people.roles import Permission
from tools.wiki.wikis import UnknownWiki, wiki_by_dbname

bp = Blueprint("locks", __name__, url_prefix="/locks")

#: Charts of a search without any filter cover this many days, so the page stays quick.
DEFAULT_CHART_DAYS = 90
PER_PAGE = 50

ACTION_LABELS: dict[str, Any] = {
    Action.LOCK: lazy_gettext("Lock"),
    Action.UNLOCK: lazy_gettext("Unlock"),
    Action.HIDE: lazy_gettext("Hide"),
    Action.UNHIDE: lazy_gettext("Unhide"),
    Action.SUPPRESS: lazy_gettext("Suppress"),
    Action.UNSUPPRESS: lazy_gettext("Unsuppress"),
    Action.DELETE: lazy_gettext("Delete"),
    Action.BLOCK: lazy_gettext("Global block"),
    Action.MODIFY: lazy_gettext("Block changed"),
    Action.UNBLOCK: lazy_gettext("Global unblock"),
    Action.LOCAL_DISABLE: lazy_gettext("Block disabled on one wiki"),
    Action.LOCAL_ENABLE: lazy_gettext("Block enabled again on one wiki"),
    Action.UNKNOWN: lazy_gettext("Not understood"),
}


def _may_see_suppressed() -> bool:
    user = current_user()
    return user is not None and user.can(Permission.VIEW_SUPPRESSED_LOCKS)


def _query() -> tuple[LockQuery, str | None]:
    """The search form's query, or an empty one and the reason the form was refused."""
    try:
        return LockQuery.from_params(request.args, include_suppressed=_may_see_suppressed()), None
    except LockQueryError as err:
        return LockQuery(include_suppressed=_may_see_suppressed()), str(err)


@bp.get("/")
@requires(Permission.VIEW_LOCK_LOG)
def search() -> str:
    query, error = _query()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    result = locks.search(db(), query, page=page, per_page=PER_PAGE)
    chart_query = query
    if query.is_empty:
        chart_query = replace(query, since=clock.now().date() - timedelta(days=DEFAULT_CHART_DAYS))
    stats = locks.statistics(db(), chart_query)
    return render_template(
        "locks/search.html",
        args=request.args,
        query=query,
        error=error,
        result=result,
        stats=stats,
        recent_only=query.is_empty,
        chart_days=DEFAULT_CHART_DAYS,
        timeline=charts.timeline(stats.per_day, bucket=_bucket()),
        by_action=charts.bars([(a, _action_label(a), n) for a, n in stats.by_action]),
        performers=charts.bars([(name, name, n) for name, n in stats.top_performers]),
        categories=charts.bars([(k, _category_label(k), n) for k, n in stats.top_categories]),
        actions=ACTION_LABELS,
        category_labels={key: _category_label(key) for key in locks.category_labels()},
        page_url=_page_url,
    )


@bp.get("/account/<path:name>")
@requires(Permission.VIEW_LOCK_LOG)
def account(name: str) -> str:
    status = locks.lock_statuses(db(), [name], include_suppressed=_may_see_suppressed())[name]
    return render_template(
        "locks/account.html",
        name=name,
        status=status,
        by_action=charts.bars([(a, _action_label(a), n) for a, n in status.action_counts()]),
        actions=ACTION_LABELS,
        category_labels={key: _category_label(key) for key in locks.category_labels()},
    )


@bp.get("/export.csv")
@requires(Permission.VIEW_LOCK_LOG)
def export() -> Response:
    query, _error = _query()
    session = db()
    lines = locks.csv_lines(locks.iter_events(session, query))
    filename = f"lock-log-{clock.now():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _bucket() -> str:
    return "week" if request.args.get("per") == "week" else "day"


def _page_url(**changes: Any) -> str:
    """This search's URL with some arguments changed (page, per)."""
    args = request.args.to_dict() | {key: value for key, value in changes.items()}
    return url_for("locks.search", **{key: value for key, value in args.items() if value})


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _category_label(key: str) -> str:
    label = locks.category_labels().get(key, key)
    return gettext(label)  # the rules file's labels, translated where a catalogue has them


@bp.get("/requests")
@requires(Permission.VIEW_LOCK_LOG)
def requests() -> str:
    """The open steward requests, each target's status from the log (the page is never edited)."""
    hours = settings().patrol_request_overdue_hours
    found = request_watch.open_requests(db(), hours)
    return render_template(
        "locks/requests.html", requests=found, hours=hours, request_url=_request_url
    )


def _request_url(row: Any) -> str | None:
    """The request's section on its wiki; None for a wiki this process does not know."""
    try:
        index_url = wiki_by_dbname(row.wiki).index_url
    except UnknownWiki:  # a wiki not Wikimedia's: the patrol's api.php of it
        api_url = settings().patrol_api_urls.get(row.wiki, "")
        if not api_url.endswith("api.php"):
            return None
        index_url = api_url.removesuffix("api.php") + "index.php"
    title = quote(row.page_title.replace(" ", "_"), safe="/:")
    return f"{index_url}?title={title}#{quote(row.heading.replace(' ', '_'), safe='')}"
