"""The queue's forms, and the label tables its pages translate once per page."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from flaskapp.choices import options
from flaskapp.clocks import ClockWords
from flaskapp.i18n import LANGUAGES
from flaskapp.requests import CATEGORY_LABELS, SEVERITY_LABELS
from tools import cases
from tools.cases import canned as canned_responses
from tools.cases.queue import QueueFilters
from tools.models import CaseSource, CaseStatus, Category, Severity

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
    CaseSource.MAIL: lazy_gettext("E-mail"),
}
ESCALATION_TARGETS = {
    "security": lazy_gettext("Security"),
    "engineering": lazy_gettext("Engineering"),
}


def _any(labels: dict) -> list[SelectChoice]:
    return options(
        [("", lazy_gettext("Any"))] + [(key.value, label) for key, label in labels.items()]
    )


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
        lazy_gettext("New status"),
        choices=options((s.value, label) for s, label in STATUS_LABELS.items()),
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
        lazy_gettext("Escalate to"), choices=options(ESCALATION_TARGETS.items()), default="security"
    )


class CannedPickForm(Form):
    """Which canned response to put in the reply box: a GET form, the page reloads with it."""

    canned = SelectField(lazy_gettext("Canned response"), choices=[], default="")
    language = SelectField(
        lazy_gettext("Language of the reply"),
        choices=options((code, LANGUAGES[code]) for code in canned_responses.LANGUAGES),
        default=canned_responses.FALLBACK_LANGUAGE,
    )


#: What each kind of timeline event is, for the export packet's timeline.
EVENT_KINDS = {
    "filed": lazy_gettext("Request filed"),
    "viewed": lazy_gettext("Case viewed"),
    "noted": lazy_gettext("Internal note"),
    "replied": lazy_gettext("Reply to the requester"),
    "answered": lazy_gettext("Answer from the requester"),
    "moved": lazy_gettext("Status changed"),
    "severity_changed": lazy_gettext("Severity changed"),
    "assigned": lazy_gettext("Assigned"),
    "released": lazy_gettext("Released"),
    "escalated": lazy_gettext("Escalated"),
    "exported": lazy_gettext("Export packet downloaded"),
    "linked": lazy_gettext("Linked to another case"),
    "merged": lazy_gettext("Another case merged into this one"),
    "merged_into": lazy_gettext("Merged into another case"),
    "called_out": lazy_gettext("Callout"),
    "callouts_exhausted": lazy_gettext("Callouts exhausted"),
    "callouts_stopped": lazy_gettext("Callouts stopped"),
    "acknowledged": lazy_gettext("Emergency acknowledged"),
    "purged": lazy_gettext("Personal data removed"),
}


def labels() -> dict[str, object]:
    """The label tables, translated once per page rather than once per row (lazy strings
    look the language up again at each use, which dominated the queue's render time)."""
    tables = {
        "statuses": STATUS_LABELS,
        "categories": CATEGORY_LABELS,
        "severities": SEVERITY_LABELS,
        "escalation_targets": ESCALATION_TARGETS,
        "sources": SOURCE_LABELS,
        "event_kinds": EVENT_KINDS,
    }
    labels: dict[str, object] = {
        name: {key: str(label) for key, label in table.items()} for name, table in tables.items()
    }
    return labels | {"clock_words": ClockWords(), "nobody": gettext("nobody")}
