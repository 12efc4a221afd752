"""Specialists work the queue: the list of open cases, a case's page and its actions.

Every action is a POST form with its CSRF token, parsed here and done by one
function of :mod:`tools.cases`. Restricted cases open only for restricted
specialists; everyone else gets a 403 that says why (the queue shows them that
such a case exists, never its content). Every look at a case page is an event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from flaskapp.access import current_user, current_user_row, may_see_restricted, requires
from flaskapp.clocks import ClockWords
from flaskapp.context import db, settings
from flaskapp.errors import refuse
from flaskapp.i18n import LANGUAGES
from flaskapp.requests import CATEGORY_LABELS, SEVERITY_LABELS
from tools import cases
from tools.base import clock
from tools.base.notify import notify_requester_of_reply
from tools.cases import canned as canned_responses
from tools.cases import export, related
from tools.cases.escalation import escalate_to_phabricator
from tools.cases.phabricator import PhabricatorError
from tools.cases.queue import QueueFilters, queue
from tools.locks import LockStatus, lock_statuses
from tools.models import Case, CaseSource, CaseStatus, Category, Severity, User
from tools.people.roles import Permission

bp = Blueprint("queue", __name__, url_prefix="/queue")

#: "Also open by": views of the last few minutes by other people.
ALSO_OPEN_WINDOW = timedelta(minutes=5)

STATUS_LABELS = {
    CaseStatus.NEW: lazy_gettext("New"),
    CaseStatus.TRIAGED: lazy_gettext("Triaged"),
    CaseStatus.IN_PROGRESS: lazy_gettext("In progress"),
    CaseStatus.WAITING: lazy_gettext("Waiting on requester"),
    CaseStatus.ESCALATED: lazy_gettext("Escalated"),
    CaseStatus.RESOLVED: lazy_gettext("Resolved"),
    CaseStatus.CLOSED: lazy_gettext("Closed"),
}
STATUS_VALUES = frozenset(status.value for status in CaseStatus)
SOURCE_LABELS = {
    CaseSource.FORM: lazy_gettext("Request form"),
    CaseSource.API: lazy_gettext("API"),
    CaseSource.ALERT: lazy_gettext("Patrol alert"),
    CaseSource.REPORTINCIDENT: lazy_gettext("Incident Reporting System (ReportIncident)"),
}
ESCALATION_TARGETS = {
    "security": lazy_gettext("Security"),
    "engineering": lazy_gettext("Engineering"),
}


def _any(labels: dict) -> list[tuple[str, object]]:
    return [("", lazy_gettext("Any"))] + [(key.value, label) for key, label in labels.items()]


class FilterForm(Form):
    """The queue's filters, read from the query string (a GET form: no CSRF needed)."""

    q = StringField(lazy_gettext("Search"), validators=[Optional(), Length(max=255)])
    category = SelectField(lazy_gettext("Category"), choices=_any(CATEGORY_LABELS), default="")
    severity = SelectField(lazy_gettext("Severity"), choices=_any(SEVERITY_LABELS), default="")
    status = SelectField(lazy_gettext("Status"), choices=_any(STATUS_LABELS), default="")
    assignee = StringField(lazy_gettext("Assignee"), validators=[Optional(), Length(max=255)])
    wiki = StringField(lazy_gettext("Wiki"), validators=[Optional(), Length(max=64)])
    mine = BooleanField(lazy_gettext("Mine"))
    unassigned = BooleanField(lazy_gettext("Unassigned"))
    breaching = BooleanField(lazy_gettext("SLA breached"))
    page = IntegerField(default=1, validators=[Optional()])

    def to_filters(self) -> QueueFilters:
        return QueueFilters(
            statuses=[CaseStatus(self.status.data)] if self.status.data else [],
            category=Category(self.category.data) if self.category.data else None,
            severity=Severity(self.severity.data) if self.severity.data else None,
            assignee=(self.assignee.data or "").strip() or None,
            wiki=(self.wiki.data or "").strip() or None,
            mine=bool(self.mine.data),
            unassigned=bool(self.unassigned.data),
            breaching=bool(self.breaching.data),
            text=self.q.data or "",
            page=self.page.data if isinstance(self.page.data, int) else 1,
        )


class NoteForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("Internal note"), validators=[DataRequired(), Length(max=cases.MESSAGE_MAX)]
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("Reply to the requester"),
        validators=[DataRequired(), Length(max=cases.MESSAGE_MAX)],
    )


class MoveForm(FlaskForm):
    status = SelectField(
        lazy_gettext("New status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()]
    )


class AssignForm(FlaskForm):
    """Claim (nobody held it) or take over (from the one the page showed)."""

    expected = HiddenField()


class HandOverForm(FlaskForm):
    """Give the case to a named colleague (from whoever the page showed as holding it)."""

    username = StringField(lazy_gettext("Hand over to"), [DataRequired(), Length(max=255)])
    expected = HiddenField()


class JoinForm(FlaskForm):
    """Link this case to another, or merge it into another: the same form, two buttons."""

    other = StringField(lazy_gettext("Other case (reference)"), [DataRequired(), Length(max=20)])


class EscalateForm(FlaskForm):
    target = SelectField(
        lazy_gettext("Escalate to"), choices=list(ESCALATION_TARGETS.items()), default="security"
    )


class CannedPickForm(Form):
    """Which canned response to put in the reply box: a GET form, the page reloads with it."""

    canned = SelectField(lazy_gettext("Canned response"), choices=[], default="")
    language = SelectField(
        lazy_gettext("Language of the reply"),
        choices=[(code, LANGUAGES[code]) for code in canned_responses.LANGUAGES],
        default=canned_responses.FALLBACK_LANGUAGE,
    )


@bp.get("")
@requires(Permission.VIEW_QUEUE)
def index() -> str:
    form = FilterForm(request.args)
    filters = form.to_filters() if form.validate() else QueueFilters()
    me = current_user()
    assert me is not None
    result = queue(
        db(), filters, me.id, may_see_restricted(), clock.now(), settings().sla_warning_share
    )
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("queue/index.html", form=form, result=result, args=args, **_labels())


def _labels() -> dict[str, object]:
    """The label tables, translated once per page rather than once per row (lazy strings
    look the language up again at each use, which dominated the queue's render time)."""
    tables = {
        "statuses": STATUS_LABELS,
        "categories": CATEGORY_LABELS,
        "severities": SEVERITY_LABELS,
        "escalation_targets": ESCALATION_TARGETS,
        "sources": SOURCE_LABELS,
    }
    labels: dict[str, object] = {
        name: {key: str(label) for key, label in table.items()} for name, table in tables.items()
    }
    return labels | {"clock_words": ClockWords(), "nobody": gettext("nobody")}


def _case(reference: str) -> Case:
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


@bp.get("/<reference>")
@requires(Permission.VIEW_QUEUE)
def show(reference: str) -> str:
    case = _case(reference)
    me = current_user_row()
    also_open = cases.viewers_since(db(), case, me, clock.now() - ALSO_OPEN_WINDOW)
    cases.record_view(db(), case, me)
    db().commit()
    return _render_case(case, me, also_open, reply_form=_reply_with_canned(case))


def _reply_with_canned(case: Case) -> ReplyForm | None:
    """The reply box filled with the chosen canned response, ready to be edited, if one was."""
    key = request.args.get("canned", "")
    if not key:
        return None
    try:
        text = canned_responses.text_for(db(), key, request.args.get("language", ""), case)
    except canned_responses.CannedError as err:
        flash(gettext(err.message, **err.variables), "error")
        return None
    return ReplyForm(formdata=None, prefix="reply", data={"body": text})


def _render_case(
    case: Case,
    me: User,
    also_open: list[str] | None = None,
    note_form: NoteForm | None = None,
    reply_form: ReplyForm | None = None,
) -> str:
    pick_form = CannedPickForm(request.args)
    pick_form.canned.choices = [("", gettext("Choose…"))] + [
        (entry.key, entry.title) for entry in canned_responses.all_sets(db())
    ]
    move_form = MoveForm(formdata=None)
    move_form.status.choices = [
        (s.value, STATUS_LABELS[s]) for s in cases.allowed_moves(case.status)
    ]
    return render_template(
        "queue/show.html",
        case=case,
        me=me,
        also_open=also_open or [],
        clocks=cases.sla_clocks(case, clock.now(), settings().sla_warning_share),
        note_form=note_form or NoteForm(formdata=None, prefix="note"),
        reply_form=reply_form or ReplyForm(formdata=None, prefix="reply"),
        move_form=move_form,
        assign_form=AssignForm(formdata=None),
        hand_over_form=HandOverForm(formdata=None, prefix="handover"),
        escalate_form=EscalateForm(formdata=None, prefix="escalate"),
        pick_form=pick_form,
        related=related.related_cases(db(), case, may_see_restricted()),
        merged_from=related.merged_from(db(), case),
        join_form=JoinForm(formdata=None, prefix="join"),
        lock_status=_lock_statuses(case),
        **_labels(),
    )


def _lock_statuses(case: Case) -> dict[str, LockStatus]:
    """Each involved account's or IP's standing in the global lock and block log, now."""
    me = current_user()
    return lock_statuses(
        db(),
        [subject.value for subject in case.subjects],
        include_suppressed=me is not None and me.can(Permission.VIEW_SUPPRESSED_LOCKS),
    )


def _back(reference: str, anchor: str = "") -> Response:
    return redirect(url_for("queue.show", reference=reference) + anchor)


def _refused(err: cases.CaseError) -> None:
    """Flash a refusal in the reader's language, states by their names."""
    variables = {
        key: str(STATUS_LABELS[CaseStatus(value)]) if value in STATUS_VALUES else value
        for key, value in err.variables.items()
    }
    flash(gettext(err.message, **variables), "error")


@bp.post("/<reference>/assign")
@requires(Permission.ACT_ON_CASES)
def assign(reference: str) -> Response:
    """Claim a free case, or take over from the specialist the page showed."""
    case = _case(reference)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    expected = int(form.expected.data) if (form.expected.data or "").isdigit() else None
    try:
        cases.take_over(db(), case, current_user_row(), expected)
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
    return _back(reference)


@bp.post("/<reference>/hand-over")
@requires(Permission.ACT_ON_CASES)
def hand_over(reference: str) -> Response:
    case = _case(reference)
    form = HandOverForm(prefix="handover")
    if not form.validate_on_submit():
        abort(400)
    expected = int(form.expected.data) if (form.expected.data or "").isdigit() else None
    try:
        cases.hand_over(
            db(), case, current_user_row(), form.username.data or "", expected, settings()
        )
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
    return _back(reference)


@bp.post("/<reference>/release")
@requires(Permission.ACT_ON_CASES)
def release(reference: str) -> Response:
    case = _case(reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        cases.release(db(), case, current_user_row())
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
    return _back(reference)


@bp.post("/<reference>/move")
@requires(Permission.ACT_ON_CASES)
def move(reference: str) -> Response:
    case = _case(reference)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cases.move(db(), case, current_user_row(), CaseStatus(form.status.data))
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
    return _back(reference)


@bp.post("/<reference>/note")
@requires(Permission.ACT_ON_CASES)
def note(reference: str) -> str | Response | tuple[str, int]:
    case = _case(reference)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _render_case(case, current_user_row(), note_form=form), 400
    cases.note(db(), case, current_user_row(), form.body.data or "")
    db().commit()
    flash(gettext("Your note was added to the timeline."), "success")
    return _back(reference, "#timeline")


@bp.post("/<reference>/reply")
@requires(Permission.ACT_ON_CASES)
def reply(reference: str) -> str | Response | tuple[str, int]:
    case = _case(reference)
    form = ReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return _render_case(case, current_user_row(), reply_form=form), 400
    event = cases.reply(db(), case, current_user_row(), form.body.data or "")
    db().commit()
    # After the commit: the reply stands whether or not the mail goes out.
    notify_requester_of_reply(settings(), case, event.body or "")
    flash(gettext("Your reply was sent to the requester."), "success")
    return _back(reference, "#timeline")


@bp.post("/<reference>/escalate")
@requires(Permission.ACT_ON_CASES)
def escalate(reference: str) -> Response:
    """To Security or Engineering: a Phabricator task that points back to the case."""
    case = _case(reference)
    form = EscalateForm(prefix="escalate")
    if not form.validate_on_submit():
        abort(400)
    target = form.target.data
    try:
        escalate_to_phabricator(db(), case, current_user_row(), target, settings())
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
    except PhabricatorError:  # no API token: the client refuses before any call
        db().rollback()
        flash(gettext("Phabricator is not configured: no API token is set."), "error")
    else:
        team = ESCALATION_TARGETS[target]
        flash(gettext("The case was escalated to %(team)s.", team=team), "success")
    return _back(reference, "#escalate")


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
    case = _case(reference)
    form = JoinForm(prefix="join")
    if not form.validate_on_submit():
        flash(gettext("Give the reference of the other case."), "error")
        return _back(reference, "#related")
    other = cases.find_by_reference(db(), (form.other.data or "").strip().upper())
    try:
        kept = join(db(), case, other, current_user_row(), may_see_restricted())
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        _refused(err)
        return _back(reference, "#related")
    flash(done, "success")
    return _back((kept.reference if go_to_other else None) or reference, "#related")


def _export(reference: str, fmt: str) -> tuple[Case, dict]:
    """The packet of a case; making it is an internal event on the timeline."""
    case = _case(reference)
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
    body = render_template("queue/export.html", case=case, packet=packet, **_labels())
    return _download(body, "text/html", f"{case.reference}.html")
