"""The endpoint MediaWiki's ReportIncident extension sends its emergency reports to.

A wiki sets ``$wgReportIncidentZendeskUrl = 'https://<tool>/intake/reportincident/<secret>'``
and the extension POSTs each report to that URL plus ``/api/v2/requests.json``, as it
would to Zendesk. It sends no credentials of its own: the secret path segment is the
credential, and it also names the wiki. A POST with an unknown secret is a plain 404,
whatever its body; any other method is a 405 whether the secret is known or not, so the
endpoint never tells whether a secret exists.

Answers are Zendesk-shaped, as the extension expects: ``201 {"request": {"id": …}}`` on
success (a repeated report answers with the case it already made), ``{"error",
"description"}`` with a 4xx status otherwise, which the extension logs.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from flaskapp.access import public
from flaskapp.context import db, sessions, settings
from flaskapp.extensions import csrf
from tools.base import clock
from tools.intake import reportincident, spool
from tools.intake.spool_alerts import SpoolAlerts

log = logging.getLogger(__name__)

bp = Blueprint("reportincident", __name__, url_prefix="/intake/reportincident")

#: A report is a few lines of text; anything much larger is not one.
BODY_MAX = 64 * 1024
_ALERTS = "safetydesk.spool_alerts"


def init_app(app: Flask) -> None:
    csrf.exempt(bp)  # a server-to-server POST: the secret in the path is its credential
    app.register_blueprint(bp)


def _error(status: int, error: str, description: str) -> tuple[Response, int]:
    return jsonify({"error": error, "description": description}), status


@bp.post("/<secret>/api/v2/requests.json")
@public
def create_request(secret: str) -> tuple[Response, int]:
    """File one report as a case, once."""
    wiki = reportincident.wiki_for_secret(settings(), secret)
    if wiki is None:
        return _error(404, "RecordNotFound", "Not found")
    too_large = _error(413, "PayloadTooLarge", f"The body is larger than {BODY_MAX} bytes.")
    if (request.content_length or 0) > BODY_MAX:
        return too_large
    if request.mimetype != "application/json":
        return _error(415, "UnsupportedMediaType", "Send JSON (Content-Type: application/json).")
    request.max_content_length = BODY_MAX  # a chunked body is cut once it passes this
    try:
        payload = reportincident.read_payload(request.get_data(cache=False))
    except RequestEntityTooLarge:
        return too_large
    except reportincident.InvalidReport as err:
        return _error(422, "RecordInvalid", str(err))
    received_at = clock.now()
    try:
        case = reportincident.file_report(db(), settings(), wiki, payload)
        db().commit()
    except SQLAlchemyError as err:
        return _spooled(wiki, payload, received_at, err)
    log.info("ReportIncident report from %s is case %s", wiki, case.reference)
    _replay_waiting()
    answer = {"id": case.id, "status": "new", "created_at": _zendesk_time(case.created_at)}
    return jsonify({"request": answer}), 201


def _spooled(
    wiki: str, payload: dict[str, Any], received_at: datetime, err: SQLAlchemyError
) -> tuple[Response, int]:
    """The database could not store the report: keep it on disk, tell someone, answer 201.

    The extension never sends a report twice, so an error here would lose it; it is
    filed from the spool when the database answers again. The answer has no case id yet,
    and does not wait for the alert mail (:mod:`tools.intake.spool_alerts`).
    """
    with contextlib.suppress(SQLAlchemyError):
        db().rollback()
    try:
        waiting = spool.append(settings(), wiki, payload, received_at)
    except OSError:
        log.exception("ReportIncident report from %s neither stored nor spooled", wiki)
        return _error(503, "ServiceUnavailable", "The report could not be stored.")
    log.error(
        "ReportIncident report from %s spooled (%d waiting), the database failed: %s",
        wiki,
        waiting,
        type(err).__name__,
    )
    spool_alerts().request()
    answer = {"id": None, "status": "new", "created_at": _zendesk_time(received_at)}
    return jsonify({"request": answer}), 201


def spool_alerts() -> SpoolAlerts:
    """The app's sender of the spool's alert (its thread starts with the first alert)."""
    alerts = current_app.extensions.get(_ALERTS)
    if alerts is None:
        alerts = current_app.extensions.setdefault(_ALERTS, SpoolAlerts(settings()))
    return alerts


def _replay_waiting() -> None:
    """The database answers again: file what waits in the spool (the worker does it too)."""
    if not spool.waiting(settings()):
        return
    try:
        spool.replay(sessions(), settings())
    except Exception:  # the report at hand is stored; the worker replays on its next pass
        log.exception("spool replay after an intake failed")


def _zendesk_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
