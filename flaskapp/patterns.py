"""Specialists manage the new-account watcher's name patterns (tools.patrol.pattern_store).

The page lists every pattern with who added it and when, its hits (dead and noisy
patterns show), and a link to its alerts. The form tries a pattern on the newest
stored account names before it is saved ("Try"), and saves it only once it is valid
and never slow on pathological names; each change is an admin event. The watcher reads
the patterns again at each poll, so a saved pattern applies within a minute.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from flaskapp.access import current_user_row, requires
from flaskapp.choices import options
from flaskapp.context import db, settings
from tools.models import NamePattern
from tools.models.accounts import PATTERN_MAX
from tools.patrol import pattern_store
from tools.patrol.patterns import PatternError, check_rule
from tools.people.roles import Permission

bp = Blueprint("patterns", __name__, url_prefix="/alerts/patterns")

CATEGORY_LABELS = {
    "impersonation": lazy_gettext("Impersonation"),
    "threat": lazy_gettext("Threat"),
    "personal_data": lazy_gettext("Personal data"),
    "known_abuser": lazy_gettext("Known abuser"),
    "other": lazy_gettext("Other"),
}
KIND_LABELS = {
    "word": lazy_gettext("Plain word (anywhere in the name, look-alike letters too)"),
    "regex": lazy_gettext("Regular expression"),
}


class PatternForm(FlaskForm):
    pattern = StringField(lazy_gettext("Pattern"), [DataRequired(), Length(max=PATTERN_MAX)])
    kind = SelectField(lazy_gettext("Kind"), choices=options(KIND_LABELS.items()), default="word")
    category = SelectField(
        lazy_gettext("Category"), choices=options(CATEGORY_LABELS.items()), default="impersonation"
    )
    note = TextAreaField(
        lazy_gettext("Note"),
        [Optional(), Length(max=pattern_store.NOTE_MAX)],
        description=lazy_gettext("Why this pattern: the abuser, the case, the wiki."),
    )
    action = HiddenField(default="try")


class ToggleForm(FlaskForm):
    """Switch a pattern off or on again (its hits are kept)."""


def _error(err: PatternError) -> str:
    return gettext(err.message, **err.variables)


@bp.get("")
@requires(Permission.VIEW_ALERTS)
def index(form: PatternForm | None = None, trial: pattern_store.Trial | None = None) -> str:
    return render_template(
        "alerts/patterns.html",
        patterns=pattern_store.list_patterns(db()),
        form=form or PatternForm(formdata=None),
        toggle_form=ToggleForm(formdata=None),
        trial=trial,
        trial_size=settings().account_trial_names,
        categories=CATEGORY_LABELS,
    )


@bp.post("")
@requires(Permission.ACT_ON_ALERTS)
def submit() -> str | Response | tuple[str, int]:
    """Try the pattern on the newest names, or save it (both check it first)."""
    form = PatternForm()
    if not form.validate_on_submit():
        return index(form), 400
    text = form.pattern.data or ""
    is_regex = form.kind.data == "regex"
    category = form.category.data or "other"
    try:
        rule = check_rule(text, is_regex, category)
        if request.form.get("save"):
            pattern = pattern_store.add_pattern(
                db(), current_user_row().id, text, is_regex, category, form.note.data or ""
            )
            db().commit()
            flash(gettext("The pattern %(pattern)s was saved.", pattern=pattern.pattern), "success")
            return redirect(url_for("patterns.index"))
    except PatternError as err:
        db().rollback()
        form.pattern.errors = [_error(err)]
        return index(form), 400
    trial = pattern_store.try_on_recent(db(), rule, settings().account_trial_names)
    return index(form, trial)


@bp.post("/<int:pattern_id>/toggle")
@requires(Permission.ACT_ON_ALERTS)
def toggle(pattern_id: int) -> Response:
    pattern = db().get(NamePattern, pattern_id)
    if pattern is None:
        abort(404)
    if ToggleForm().validate_on_submit():
        pattern_store.set_active(db(), current_user_row().id, pattern, not pattern.active)
        db().commit()
        message = (
            gettext("The pattern is on.") if pattern.active else gettext("The pattern is off.")
        )
        flash(message, "success")
    return redirect(url_for("patterns.index"))
