"""Specialists review the noticeboard patrol's alerts: dismiss one, or turn it into a case.

The list shows the newest first, the highest score first among those raised together.
An alert's page shows the comment in its thread with the phrases that made the
classifier fire marked (the text is escaped; only the marks are markup), and a link to
the diff on the wiki. Turning it into a case opens the request form filled in with
the alert's data, to be edited before filing; an emergency category files an
emergency, which calls out the person on duty. Alerts of child-safety comments open
only for restricted specialists, as their cases do.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from flaskapp import hash_matches
from flaskapp.access import current_user_row, may_see_restricted, requires
from flaskapp.choices import options
from flaskapp.context import committed, db, settings
from flaskapp.errors import refuse
from flaskapp.requests import CATEGORY_LABELS, SEVERITY_LABELS, RequestForm
from tools import cases
from tools.models import Alert, AlertStatus
from tools.patrol import account_alerts, alerts, pattern_store
from tools.patrol.upload_matches import is_match_alert
from tools.people.roles import Permission

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

#: The classifier's categories (tools.triage.CATEGORIES), as specialists read them.
ALERT_CATEGORY_LABELS = {
    "violence": lazy_gettext("Violence"),
    "self_harm": lazy_gettext("Self-harm"),
    "terrorism": lazy_gettext("Terrorism"),
    "doxxing": lazy_gettext("Doxxing"),
    "child_safety": lazy_gettext("Child safety"),
    "harassment": lazy_gettext("Harassment"),
    "legal_threat": lazy_gettext("Legal threat"),
    # Not the classifier's: the steward requests watcher (tools.patrol.request_watch).
    "steward_request": lazy_gettext("Steward request open too long"),
    # Not the classifier's: the new-account watcher (tools.patrol.account_watch).
    "account_lookalike": lazy_gettext("New account imitating a protected name"),
    "account_pattern": lazy_gettext("New account matching a pattern"),
    "account_name": lazy_gettext("New account name with a threat or personal data"),
    # Uploads matching a hash bank (tools.patrol.upload_matches), by the bank's category.
    "hash_child_safety": lazy_gettext("Hash match: child safety"),
    "hash_intimate_image": lazy_gettext("Hash match: intimate image"),
    "hash_doxxing": lazy_gettext("Hash match: doxxing"),
    "hash_other": lazy_gettext("Hash match"),
}
ALERT_STATUS_LABELS = {
    AlertStatus.NEW: lazy_gettext("New"),
    AlertStatus.DISMISSED: lazy_gettext("Dismissed"),
    AlertStatus.CASE: lazy_gettext("Turned into a case"),
}
PAGE_SIZE = 50


def _any(labels: dict) -> list[SelectChoice]:
    return options(
        [("", lazy_gettext("Any"))] + [(str(key), label) for key, label in labels.items()]
    )


class FilterForm(Form):
    """The list's filters, from the query string (a GET form: no CSRF needed)."""

    category = SelectField(
        lazy_gettext("Category"), choices=_any(ALERT_CATEGORY_LABELS), default=""
    )
    status = SelectField(
        lazy_gettext("Status"), choices=_any(ALERT_STATUS_LABELS), default=AlertStatus.NEW.value
    )
    wiki = StringField(lazy_gettext("Wiki"), validators=[Optional(), Length(max=64)])
    pattern = SelectField(
        lazy_gettext("Pattern"), choices=options([("", lazy_gettext("Any"))]), default=""
    )


class DismissForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Why is it not a case?"),
        validators=[DataRequired(), Length(max=alerts.REASON_MAX)],
    )


class AlertCaseForm(RequestForm):
    """The request form, filled in from the alert; the specialist edits it before filing."""


def _labels() -> dict[str, dict[str, str]]:
    return {
        "alert_categories": {key: str(label) for key, label in ALERT_CATEGORY_LABELS.items()},
        "alert_statuses": {key.value: str(label) for key, label in ALERT_STATUS_LABELS.items()},
    }


def _alert(alert_id: int) -> Alert:
    """The alert, or 404; a child-safety one is a 403 that says why for those who may not."""
    alert = alerts.get_alert(db(), alert_id)
    if alert is None:
        abort(404)
    if alerts.is_restricted(alert) and not may_see_restricted():
        reason = gettext(
            "This alert is about child safety. Only restricted specialists may open it. "
            "Ask one of them if you think you should be involved."
        )
        refuse(gettext("Restricted alert"), reason)
    return alert


@bp.get("")
@requires(Permission.VIEW_ALERTS)
def index() -> str:
    form = FilterForm(request.args)
    form.pattern.choices = options(
        [("", gettext("Any"))]
        + [(str(row.id), row.pattern) for row in pattern_store.list_patterns(db())]
    )
    if not form.validate():
        form = FilterForm()
    after = request.args.get("after", "")
    rows = alerts.list_alerts(
        db(),
        status=form.status.data or None,
        category=form.category.data or None,
        wiki=(form.wiki.data or "").strip() or None,
        key=f"pattern:{form.pattern.data}" if form.pattern.data else None,
        limit=PAGE_SIZE + 1,
        after=int(after) if after.isdigit() else None,
        include_restricted=may_see_restricted(),
    )
    args = {key: value for key, value in request.args.items() if key != "after"}
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template(
        "alerts/index.html",
        form=form,
        rows=rows,
        next_after=rows[-1].id if more and rows else None,
        args=args,
        **_labels(),
    )


@bp.get("/<int:alert_id>")
@requires(Permission.VIEW_ALERTS)
def show(alert_id: int) -> str:
    return _render_alert(_alert(alert_id), DismissForm(formdata=None, prefix="dismiss"))


def _render_alert(alert: Alert, dismiss_form: DismissForm) -> str:
    if is_match_alert(alert):
        return hash_matches.render_match(
            alert, {"dismiss_form": dismiss_form, "categories": CATEGORY_LABELS, **_labels()}
        )
    return render_template(
        "alerts/show.html",
        alert=alert,
        pieces=alerts.highlight(alert.excerpt, alert.phrases),
        diff_url=alerts.diff_url(alert),
        account=account_alerts.account_view(db(), alert, settings().central_api_url)
        if account_alerts.is_account_alert(alert)
        else None,
        dismiss_form=dismiss_form,
        categories=CATEGORY_LABELS,
        **_labels(),
    )


def _flash_refusal(err: alerts.AlertError | cases.CaseError) -> None:
    flash(gettext(err.message, **err.variables), "error")


@bp.post("/<int:alert_id>/dismiss")
@requires(Permission.ACT_ON_ALERTS)
def dismiss(alert_id: int) -> str | Response | tuple[str, int]:
    alert = _alert(alert_id)
    form = DismissForm(prefix="dismiss")
    if not form.validate_on_submit():
        return _render_alert(alert, form), 400
    with committed(alerts.AlertError, refuse=_flash_refusal) as change:
        alerts.dismiss(db(), alert, current_user_row(), form.reason.data or "")
    if change.refused is not None:
        return redirect(url_for("alerts.show", alert_id=alert_id))
    flash(gettext("The alert was dismissed."), "success")
    return redirect(url_for("alerts.index"))


@bp.get("/<int:alert_id>/case")
@requires(Permission.ACT_ON_ALERTS)
def case_form(alert_id: int) -> str:
    alert = _alert(alert_id)
    draft = alerts.draft_request(alert)
    form = AlertCaseForm(
        formdata=None,
        data={
            "category": draft.category.value,
            "severity": draft.severity.value if draft.severity else "",
            "title": draft.title,
            "description": draft.description,
            "wikis": ", ".join(draft.wikis),
            "subjects": "\n".join(subject.value for subject in draft.subjects),
            "evidence": "\n".join(item.url for item in draft.evidence),
            "submission_key": draft.submission_key,
        },
    )
    return _render_case_form(alert, form)


def _render_case_form(alert: Alert, form: AlertCaseForm) -> str:
    return render_template(
        "alerts/case.html",
        alert=alert,
        form=form,
        emergency=alert.category in alerts.EMERGENCY_CATEGORIES,
        severities=SEVERITY_LABELS,
        **_labels(),
    )


@bp.post("/<int:alert_id>/case")
@requires(Permission.ACT_ON_ALERTS)
def file_case(alert_id: int) -> str | Response | tuple[str, int]:
    alert = _alert(alert_id)
    form = AlertCaseForm()
    if not form.validate_on_submit():
        return _render_case_form(alert, form), 400
    with committed(alerts.AlertError, cases.CaseError, refuse=_flash_refusal) as change:
        case = alerts.turn_into_case(db(), alert, current_user_row(), settings(), form.to_request())
    if change.refused is not None:
        return _render_case_form(alert, form), 400
    flash(gettext("The alert became case %(reference)s.", reference=case.reference), "success")
    return redirect(url_for("queue.show", reference=case.reference))
