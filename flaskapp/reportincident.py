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

import logging

from flask import Blueprint, Flask, jsonify, request
from werkzeug.wrappers import Response

from flaskapp.access import public
from flaskapp.context import db, settings
from flaskapp.extensions import csrf
from tools.intake import reportincident

log = logging.getLogger(__name__)

bp = Blueprint("reportincident", __name__, url_prefix="/intake/reportincident")

#: A report is a few lines of text; anything much larger is not one.
BODY_MAX = 64 * 1024


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
    if (request.content_length or 0) > BODY_MAX:
        return _error(413, "PayloadTooLarge", f"The body is larger than {BODY_MAX} bytes.")
    if request.mimetype != "application/json":
        return _error(415, "UnsupportedMediaType", "Send JSON (Content-Type: application/json).")
    try:
        payload = reportincident.read_payload(request.get_data(cache=False)[:BODY_MAX])
    except reportincident.InvalidReport as err:
        return _error(422, "RecordInvalid", str(err))
    case = reportincident.file_report(db(), settings(), wiki, payload)
    db().commit()
    log.info("ReportIncident report from %s is case %s", wiki, case.reference)
    created = case.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = {"id": case.id, "status": "new", "created_at": created}
    return jsonify({"request": answer}), 201
