"""A case's mail on its page: attachments, downloaded one at a time, never run by a browser."""

from __future__ import annotations

from urllib.parse import quote

from flask import abort
from werkzeug.wrappers import Response

from flaskapp.access import current_user_row, requires
from flaskapp.context import db
from flaskapp.queue.blueprint import bp, case_or_404
from tools.cases.timeline import add_event
from tools.mail.view import served_type
from tools.models import Audience, MailAttachment
from tools.people.roles import Permission


@bp.get("/<reference>/attachments/<int:attachment_id>")
@requires(Permission.VIEW_QUEUE)
def attachment(reference: str, attachment_id: int) -> Response:
    """One attachment, as a download (an image page shows it with ``<img>``, blurred)."""
    case = case_or_404(reference)
    item = db().get(MailAttachment, attachment_id)
    if item is None or item.case_id != case.id or item.data is None:
        abort(404)
    data = {"attachment": item.id, "filename": item.filename}
    add_event(db(), case, "attachment_viewed", current_user_row(), Audience.INTERNAL, data=data)
    db().commit()
    response = Response(item.data, mimetype=None, content_type=served_type(item))
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"attachment\"; filename*=UTF-8''{quote(item.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
