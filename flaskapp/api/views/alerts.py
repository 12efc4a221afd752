"""Specialists read and dismiss the noticeboard patrol's alerts."""

from __future__ import annotations

from flask import abort, jsonify, request
from werkzeug.wrappers import Response

from flaskapp.access import current_user_row, requires
from flaskapp.api import bodies, schemas, serialise
from flaskapp.api.common import PAGE_SIZE, arg_choice, bp, cursor_value, cursors, may, request_body
from flaskapp.api.errors import ApiError
from flaskapp.api.spec import ALERT_FILTERS, ALERT_ID, CURSOR, WRITE, Operation, documented
from flaskapp.context import committed, db
from tools.models import Alert, AlertStatus
from tools.patrol import alerts
from tools.people.api_tokens import Scope
from tools.people.roles import Permission


def _alert(alert_id: int) -> Alert:
    """The alert, 404 if there is none, 403 if it is about child safety and the reader may not."""
    found = alerts.get_alert(db(), alert_id)
    if found is None:
        abort(404)
    if alerts.is_restricted(found) and not may(Permission.VIEW_RESTRICTED_CASES):
        raise ApiError(
            403,
            "This alert is about child safety: only restricted specialists may open it.",
            "restricted_alert",
        )
    return found


def _after() -> int | None:
    """The alert id a keyset ``cursor`` continues after (None: from the newest)."""
    value = cursor_value()
    return None if value is None else int(value.get("a", 0))


def _refused(err: alerts.AlertError) -> None:
    raise ApiError(409, str(err), "refused") from err


@bp.get("/alerts")
@requires(Permission.VIEW_ALERTS)
@documented(
    Operation(
        "List alerts",
        Scope.READ_CASES,
        200,
        schemas.AlertList,
        "Alerts newest first.",
        tag="alerts",
        errors=(400,),
        description="The noticeboard patrol's alerts. Alerts about child safety only "
        "for restricted specialists.",
        parameters=[*ALERT_FILTERS, CURSOR],
    )
)
def list_alerts() -> Response:
    """Newest first; alerts about child safety only for restricted specialists, as in the UI."""
    status = arg_choice("status", AlertStatus)
    found = alerts.list_alerts(
        db(),
        status=status,
        category=request.args.get("category", "").strip()[:32] or None,
        wiki=request.args.get("wiki", "").strip()[:64] or None,
        limit=PAGE_SIZE + 1,
        after=_after(),
        include_restricted=may(Permission.VIEW_RESTRICTED_CASES),
    )
    page = found[:PAGE_SIZE]
    cursor = (
        cursors().dumps({"e": request.endpoint, "a": page[-1].id})
        if len(found) > PAGE_SIZE
        else None
    )
    return jsonify(items=[serialise.alert(item) for item in page], next_cursor=cursor)


@bp.get("/alerts/<int:alert_id>")
@requires(Permission.VIEW_ALERTS)
@documented(
    Operation(
        "Read an alert",
        Scope.READ_CASES,
        200,
        schemas.Alert,
        "The alert.",
        tag="alerts",
        errors=(404,),
        parameters=[ALERT_ID],
    )
)
def show_alert(alert_id: int) -> Response:
    return jsonify(serialise.alert(_alert(alert_id)))


@bp.post("/alerts/<int:alert_id>/dismiss")
@requires(Permission.ACT_ON_ALERTS)
@documented(
    Operation(
        "Dismiss an alert",
        Scope.ACT_CASES,
        200,
        schemas.Alert,
        "Dismissed; the reason is kept.",
        tag="alerts",
        errors=WRITE,
        description="Refused (409) when someone reviewed it first.",
        parameters=[ALERT_ID],
        body=bodies.Dismiss,
    )
)
def dismiss_alert(alert_id: int) -> Response:
    found = _alert(alert_id)
    reason = request_body(bodies.Dismiss).reason
    with committed(alerts.AlertError, refuse=_refused):
        alerts.dismiss(db(), found, current_user_row(), reason)
    return jsonify(serialise.alert(found))
