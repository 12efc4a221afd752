"""The queue's blueprint, and the case lookup its pages and the on-call pages share."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from flaskapp.access import may_see_restricted
from flaskapp.context import db
from flaskapp.errors import refuse
from tools import cases
from tools.models import Case

bp = Blueprint("queue", __name__, url_prefix="/queue")


def case_or_404(reference: str) -> Case:
    """The case, or 404; a restricted one is a 403 that says why for those who may not see it."""
    case = cases.find_by_reference(db(), reference)
    if case is None:
        abort(404)
    if case.restricted and not may_see_restricted():
        reason = gettext(
            "This is a restricted case (child protection). Only restricted specialists may "
            "open it. Ask one of them if you think you should be involved."
        )
        refuse(gettext("Restricted case"), reason)
    return case


def back(reference: str, anchor: str = "") -> Response:
    """To the case's page (at ``anchor``), where the outcome of an action is flashed."""
    return redirect(url_for("queue.show", reference=reference) + anchor)
