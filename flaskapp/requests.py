"""Functionaries file requests and follow them: the intake form, "my requests", the thread.

Filing is two steps without any script: choose a category (emergencies show their
guidance first), then fill in the form. Links from the wikis (the "Report to Trust
& Safety" user script) arrive with ``wiki``, ``page``, ``oldid``, ``diff``, ``user``
and ``category`` already given, so the form opens filled in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, gettext, lazy_gettext, ngettext
from flask_limiter import RateLimitExceeded
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from flaskapp.access import current_user_row, requires
from flaskapp.choices import options
from flaskapp.context import committed, db, settings
from flaskapp.extensions import FILING_SCOPE, limiter, person_key
from tools import cases
from tools.models import Case, Category, Severity
from tools.people.accounts import set_notification_address
from tools.people.roles import Permission
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects
from tools.wiki.wikis import UnknownWiki, parse_wiki, wiki_by_dbname

bp = Blueprint("requests", __name__, url_prefix="/requests")

CATEGORY_LABELS = {
    Category.THREAT: lazy_gettext("Threat of harm (violence, self-harm, terrorism)"),
    Category.CHILD_PROTECTION: lazy_gettext("Child protection"),
    Category.HARASSMENT: lazy_gettext("Harassment"),
    Category.EVENT_SAFETY: lazy_gettext("Event safety"),
    Category.TECHNICAL: lazy_gettext("Technical threat (spam, long-term abuse, security hole)"),
    Category.PRIVACY: lazy_gettext("Privacy (doxxing, oversight escalation)"),
    Category.ENGINEERING: lazy_gettext("Engineering help from the Foundation"),
    Category.OTHER: lazy_gettext("Other"),
}
SEVERITY_LABELS = {
    Severity.EMERGENCY: lazy_gettext("Emergency"),
    Severity.HIGH: lazy_gettext("High"),
    Severity.NORMAL: lazy_gettext("Normal"),
    Severity.LOW: lazy_gettext("Low"),
}
STATUS_LABELS = {
    "new": lazy_gettext("Received"),
    "triaged": lazy_gettext("Triaged"),
    "in_progress": lazy_gettext("In progress"),
    "waiting": lazy_gettext("Waiting for your answer"),
    "escalated": lazy_gettext("Escalated"),
    "resolved": lazy_gettext("Resolved"),
    "closed": lazy_gettext("Closed"),
}


CATEGORY_VALUES = frozenset(c.value for c in Category)


def init_app(app: Flask) -> None:
    app.register_error_handler(RateLimitExceeded, _limit_reached)
    app.add_template_filter(_duration, "duration")


def _duration(value: timedelta) -> str:
    """ "1 hour", "3 days", "2 weeks", in the page's language."""
    return format_timedelta(value, threshold=1.1)


def _is_emergency_filing() -> bool:
    """Emergencies are never held back by the hourly limit."""
    category = request.form.get("category", "")
    severity = request.form.get("severity", "")
    return severity == Severity.EMERGENCY.value or category in {
        c.value for c in cases.EMERGENCY_CATEGORIES
    }


def _hourly_limit() -> str:
    return f"{settings().requests_per_hour} per hour"


class RequestForm(FlaskForm):
    """The intake form; each field's errors are shown beside it and nothing typed is lost."""

    category = SelectField(
        lazy_gettext("Category"),
        choices=options((c.value, label) for c, label in CATEGORY_LABELS.items()),
        validators=[DataRequired()],
    )
    severity = SelectField(
        lazy_gettext("Severity"),
        choices=options(
            [("", lazy_gettext("The category's usual severity"))]
            + [(s.value, label) for s, label in SEVERITY_LABELS.items()]
        ),
        validators=[Optional()],
    )
    title = StringField(
        lazy_gettext("Title"), validators=[DataRequired(), Length(max=cases.TITLE_MAX)]
    )
    description = TextAreaField(
        lazy_gettext("What happened"),
        validators=[DataRequired(), Length(max=cases.DESCRIPTION_MAX)],
    )
    wikis = StringField(
        lazy_gettext("Affected wikis"),
        description=lazy_gettext(
            "Database names or addresses, separated by commas: enwiki, fr.wikipedia.org"
        ),
        validators=[Length(max=2000)],
    )
    subjects = TextAreaField(
        lazy_gettext("Involved accounts or IP addresses"),
        description=lazy_gettext("One per line: a user name, an IP address or a range."),
        validators=[Length(max=10_000)],
    )
    evidence = TextAreaField(
        lazy_gettext("Evidence links"),
        description=lazy_gettext("One per line: diffs, permanent links or log entries."),
        validators=[Length(max=20_000)],
    )
    email = EmailField(
        lazy_gettext("E-mail for updates"),
        validators=[Optional(), Email(), Length(max=255)],
    )
    submission_key = HiddenField()

    def validate_wikis(self, field: StringField) -> None:
        names, errors = [], []
        for part in (field.data or "").replace("\n", ",").split(","):
            if part.strip():
                try:
                    names.append(parse_wiki(part.strip()).dbname)
                except UnknownWiki as err:
                    errors.append(str(err))
        self.parsed_wikis = names
        if errors:
            raise ValidationError("; ".join(errors))

    def validate_subjects(self, field: TextAreaField) -> None:
        self.parsed_subjects, errors = parse_subjects(field.data or "")
        if errors:
            raise ValidationError("; ".join(errors))

    def validate_evidence(self, field: TextAreaField) -> None:
        self.parsed_evidence, errors = parse_evidence_links(field.data or "")
        if errors:
            raise ValidationError("; ".join(errors))

    def to_request(self) -> cases.NewRequest:
        return cases.NewRequest(
            category=Category(self.category.data),
            severity=Severity(self.severity.data) if self.severity.data else None,
            title=self.title.data or "",
            description=self.description.data or "",
            wikis=self.parsed_wikis,
            subjects=self.parsed_subjects,
            evidence=self.parsed_evidence,
            submission_key=self.submission_key.data or None,
        )


def prefill(form: RequestForm, args: Any) -> None:
    """Fill the form from a link of the wikis: ?wiki=&page=&oldid=&diff=&user=&category=."""
    wiki_name = args.get("wiki", "").strip()
    if wiki_name:
        form.wikis.data = wiki_name  # an unknown wiki is shown as wrong when the form is sent
        try:
            wiki = wiki_by_dbname(wiki_name)
        except UnknownWiki:
            wiki = None
        if wiki is not None:
            form.wikis.data = wiki.dbname
            form.evidence.data = _evidence_link(wiki.index_url, args)
    user = args.get("user", "").strip()
    if user:
        form.subjects.data = user
    page = args.get("page", "").strip()
    if page and not form.title.data:
        form.title.data = page


def _evidence_link(index_url: str, args: Any) -> str | None:
    diff, oldid, page = args.get("diff", ""), args.get("oldid", ""), args.get("page", "")
    if diff.isdigit() or (diff in ("prev", "next") and oldid.isdigit()):
        return f"{index_url}?diff={diff}" + (f"&oldid={oldid}" if oldid.isdigit() else "")
    if oldid.isdigit():
        return f"{index_url}?oldid={oldid}"
    if page:
        return f"{index_url}?title={quote(page.replace(' ', '_'))}"
    return None


@bp.get("/new")
@requires(Permission.FILE_REQUEST)
def choose_category() -> str | Response:
    """Step one: what kind of request. A link that names the category skips this step."""
    category = request.args.get("category", "")
    if category in CATEGORY_VALUES:
        return new_request()
    # The cards name their own category: the link's other parameters go with it.
    args = {name: value for name, value in request.args.items() if name != "category"}
    return render_template("requests/choose.html", categories=CATEGORY_LABELS, args=args)


@bp.post("/new")
@requires(Permission.FILE_REQUEST)
@limiter.shared_limit(  # one allowance per person, shared with the API (issue #17)
    _hourly_limit,
    scope=FILING_SCOPE,
    key_func=person_key,
    exempt_when=_is_emergency_filing,
    deduct_when=lambda response: response.status_code == 302,
)
def file() -> str | Response | tuple[str, int]:
    form = RequestForm()
    if not form.validate_on_submit():
        return _render_form(form), 400
    user = current_user_row()
    with committed(cases.CaseError, refuse=_flash_refusal) as change:
        case = cases.file_request(db(), user, form.to_request(), settings())
        if form.email.data:
            set_notification_address(user, form.email.data)
    if change.refused is not None:
        return _render_form(form), 400
    flash(gettext("Your request %(reference)s was received.", reference=case.reference), "success")
    return redirect(url_for("requests.show", reference=case.reference))


def _flash_refusal(err: cases.CaseError) -> None:
    flash(str(err), "error")


def new_request() -> str:
    """Step two: the form, with the emergency guidance first where it applies."""
    form = RequestForm(formdata=None)
    form.category.data = request.args.get("category")
    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    prefill(form, request.args)
    return _render_form(form)


def _render_form(form: RequestForm) -> str:
    category = form.category.data or ""
    return render_template(
        "requests/new.html",
        form=form,
        emergency=category in {c.value for c in cases.EMERGENCY_CATEGORIES},
        category_label=CATEGORY_LABELS.get(Category(category))
        if category in CATEGORY_VALUES
        else "",
    )


def _limit_reached(error: RateLimitExceeded) -> tuple[str, int] | RateLimitExceeded:
    """Over the hourly limit: the form comes back with everything typed and the reason."""
    if request.endpoint != "requests.file":
        return error
    form = RequestForm()
    flash(
        ngettext(
            "You have filed %(num)d request in the last hour. Please wait before filing "
            "another, or file it as an emergency if a life may be at stake.",
            "You have filed %(num)d requests in the last hour. Please wait before filing "
            "another, or file it as an emergency if a life may be at stake.",
            settings().requests_per_hour,
        ),
        "error",
    )
    return _render_form(form), 429


@bp.get("")
@requires(Permission.VIEW_OWN_REQUESTS)
def mine() -> str:
    return render_template(
        "requests/mine.html",
        requests=cases.requests_of(db(), current_user_row()),
        statuses=STATUS_LABELS,
        categories=CATEGORY_LABELS,
        severities=SEVERITY_LABELS,
    )


class AnswerForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("Your answer"), validators=[DataRequired(), Length(max=cases.MESSAGE_MAX)]
    )


def _own_case(reference: str) -> Case:
    """The requester's own case, or 404: someone else's request does not exist for them."""
    case = cases.find_by_reference(db(), reference)
    if case is None or case.requester_id != current_user_row().id:
        abort(404)
    return case


@bp.get("/<reference>")
@requires(Permission.VIEW_OWN_REQUESTS)
def show(reference: str) -> str:
    case = _own_case(reference)
    with committed():
        cases.record_view(db(), case, current_user_row())
    return _render_case(case, AnswerForm(formdata=None))


@bp.post("/<reference>/answer")
@requires(Permission.VIEW_OWN_REQUESTS)
def answer(reference: str) -> str | Response | tuple[str, int]:
    case = _own_case(reference)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_case(case, form), 400
    with committed(cases.CaseError, refuse=_flash_refusal) as change:
        cases.answer(db(), case, current_user_row(), form.body.data or "")
    if change.refused is not None:
        return _render_case(case, form), 400
    flash(gettext("Your answer was added to the thread."), "success")
    return redirect(url_for("requests.show", reference=reference) + "#thread")


def _render_case(case: Case, form: AnswerForm) -> str:
    return render_template(
        "requests/show.html",
        case=case,
        thread=cases.requester_thread(case),
        promise=cases.sla_promise(case.severity, settings()),
        form=form,
        statuses=STATUS_LABELS,
        categories=CATEGORY_LABELS,
        severities=SEVERITY_LABELS,
    )
