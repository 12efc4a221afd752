"""What a specialist does on a case: POST forms, each one function of :mod:`tools.cases`,
committed whole or refused with a flash that says why; and the case's export."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import abort, flash, make_response, render_template
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from flaskapp.access import current_user_row, may_see_restricted, requires
from flaskapp.context import committed, db, settings
from flaskapp.queue.blueprint import back, bp, case_or_404
from flaskapp.queue.forms import (
    ESCALATION_TARGETS,
    STATUS_LABELS,
    STATUS_VALUES,
    AssignForm,
    EscalateForm,
    HandOverForm,
    JoinForm,
    MoveForm,
    NoteForm,
    ReplyForm,
    labels,
)
from flaskapp.queue.pages import render_case
from tools import cases
from tools.base import clock
from tools.cases import export, related
from tools.cases.escalation import escalate_to_phabricator
from tools.cases.phabricator import PhabricatorError
from tools.mail.replies import tell_requester
from tools.models import Case, CaseStatus
from tools.people.roles import Permission


def _refused(err: cases.CaseError) -> None:
    """Flash a refusal in the reader's language, states by their names."""
    variables = {
        key: str(STATUS_LABELS[CaseStatus(value)]) if value in STATUS_VALUES else value
        for key, value in err.variables.items()
    }
    flash(gettext(err.message, **variables), "error")


def _escalation_refused(err: cases.CaseError | PhabricatorError) -> None:
    if isinstance(err, cases.CaseError):
        _refused(err)
    else:  # no API token: the client refuses before any call
        flash(gettext("Phabricator is not configured: no API token is set."), "error")


@bp.post("/<reference>/assign")
@requires(Permission.ACT_ON_CASES)
def assign(reference: str) -> Response:
    """Claim a free case, or take over from the specialist the page showed."""
    case = case_or_404(reference)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    expected = int(form.expected.data) if (form.expected.data or "").isdigit() else None
    with committed(cases.CaseError, refuse=_refused):
        cases.take_over(db(), case, current_user_row(), expected)
    return back(reference)


@bp.post("/<reference>/hand-over")
@requires(Permission.ACT_ON_CASES)
def hand_over(reference: str) -> Response:
    case = case_or_404(reference)
    form = HandOverForm(prefix="handover")
    if not form.validate_on_submit():
        abort(400)
    expected = int(form.expected.data) if (form.expected.data or "").isdigit() else None
    with committed(cases.CaseError, refuse=_refused):
        cases.hand_over(
            db(), case, current_user_row(), form.username.data or "", expected, settings()
        )
    return back(reference)


@bp.post("/<reference>/release")
@requires(Permission.ACT_ON_CASES)
def release(reference: str) -> Response:
    case = case_or_404(reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with committed(cases.CaseError, refuse=_refused):
        cases.release(db(), case, current_user_row())
    return back(reference)


@bp.post("/<reference>/move")
@requires(Permission.ACT_ON_CASES)
def move(reference: str) -> Response:
    case = case_or_404(reference)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    with committed(cases.CaseError, refuse=_refused):
        cases.move(db(), case, current_user_row(), CaseStatus(form.status.data))
    return back(reference)


@bp.post("/<reference>/note")
@requires(Permission.ACT_ON_CASES)
def note(reference: str) -> str | Response | tuple[str, int]:
    case = case_or_404(reference)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return render_case(case, current_user_row(), note_form=form), 400
    cases.note(db(), case, current_user_row(), form.body.data or "")
    db().commit()
    flash(gettext("Your note was added to the timeline."), "success")
    return back(reference, "#timeline")


@bp.post("/<reference>/reply")
@requires(Permission.ACT_ON_CASES)
def reply(reference: str) -> str | Response | tuple[str, int]:
    case = case_or_404(reference)
    form = ReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return render_case(case, current_user_row(), reply_form=form), 400
    event = cases.reply(db(), case, current_user_row(), form.body.data or "")
    # Queued with the reply, sent by the worker: a mail failure never fails the reply.
    tell_requester(db(), settings(), case, event.body or "")
    db().commit()
    flash(gettext("Your reply was sent to the requester."), "success")
    return back(reference, "#timeline")


@bp.post("/<reference>/escalate")
@requires(Permission.ACT_ON_CASES)
def escalate(reference: str) -> Response:
    """To Security or Engineering: a Phabricator task that points back to the case."""
    case = case_or_404(reference)
    form = EscalateForm(prefix="escalate")
    if not form.validate_on_submit():
        abort(400)
    target = form.target.data
    with committed(cases.CaseError, PhabricatorError, refuse=_escalation_refused) as change:
        escalate_to_phabricator(db(), case, current_user_row(), target, settings())
    if change.refused is None:
        team = ESCALATION_TARGETS[target]
        flash(gettext("The case was escalated to %(team)s.", team=team), "success")
    return back(reference, "#escalate")


@bp.post("/<reference>/link")
@requires(Permission.ACT_ON_CASES)
def link(reference: str) -> Response:
    """Link two cases by hand; both timelines say so."""
    return _join(reference, related.link, gettext("The cases are linked."), go_to_other=False)


@bp.post("/<reference>/merge")
@requires(Permission.ACT_ON_CASES)
def merge(reference: str) -> Response:
    """Merge this case into another, which goes on; this one closes and points to it."""
    return _join(reference, related.merge, gettext("The case was merged."), go_to_other=True)


def _join(reference: str, join: Callable[..., Case], done: str, go_to_other: bool) -> Response:
    case = case_or_404(reference)
    form = JoinForm(prefix="join")
    if not form.validate_on_submit():
        flash(gettext("Give the reference of the other case."), "error")
        return back(reference, "#related")
    other = cases.find_by_reference(db(), (form.other.data or "").strip().upper())
    with committed(cases.CaseError, refuse=_refused) as change:
        kept = join(db(), case, other, current_user_row(), may_see_restricted())
    if change.refused is not None:
        return back(reference, "#related")
    flash(done, "success")
    return back((kept.reference if go_to_other else None) or reference, "#related")


def _export(reference: str, fmt: str) -> tuple[Case, dict]:
    """The packet of a case; making it is an internal event on the timeline."""
    case = case_or_404(reference)
    me = current_user_row()
    export.record_export(db(), case, me, fmt)
    db().commit()
    return case, export.packet(case, me, clock.now())


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<reference>/export.json")
@requires(Permission.ACT_ON_CASES)
def export_json(reference: str) -> Response:
    case, packet = _export(reference, "json")
    body = json.dumps(packet, ensure_ascii=False, indent=2)
    return _download(body, "application/json", f"{case.reference}.json")


@bp.get("/<reference>/export.html")
@requires(Permission.ACT_ON_CASES)
def export_html(reference: str) -> Response:
    case, packet = _export(reference, "html")
    body = render_template("queue/export.html", case=case, packet=packet, **labels())
    return _download(body, "text/html", f"{case.reference}.html")
