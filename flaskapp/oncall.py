"""On call in the web tool: the rota, its management, acknowledging a callout.

The acknowledgement link of a callout mail opens a confirmation page (a GET changes
nothing: mail scanners follow links); its button POSTs with the CSRF token, and only the
person the callout was sent to may use it. The case page's "Acknowledge" button does the
same for any specialist who may open the case. The queue shows the open emergencies and
the gaps ahead through the ``oncall_status()`` template helper.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from babel.dates import format_datetime, format_timedelta
from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, DateTimeLocalField, Field, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Email, Length, Optional

from flaskapp.access import current_user, current_user_row, requires
from flaskapp.choices import options
from flaskapp.context import committed, db, settings
from flaskapp.queue.blueprint import case_or_404
from flaskapp.requests import CATEGORY_LABELS
from tools import cases, oncall
from tools.base import clock
from tools.base.messages import TranslatableError
from tools.models import Case, Category, Severity, ShiftKind, User
from tools.oncall.errors import DELIVERY_REASONS
from tools.people.roles import Permission

bp = Blueprint("oncall", __name__, url_prefix="/oncall")

MONDAY = datetime(2024, 1, 1, tzinfo=UTC)  # any Monday: weekday names come from Babel


class PreferencesForm(FlaskForm):
    timezone = StringField(
        lazy_gettext("Your time zone"),
        [DataRequired(), Length(max=64)],
        description=lazy_gettext("An IANA name such as Europe/Paris or America/Sao_Paulo."),
    )
    email = StringField(
        lazy_gettext("E-mail address for callouts"), [Optional(), Email(), Length(max=255)]
    )


class WeeklyForm(FlaskForm):
    username = StringField(lazy_gettext("User name"), [DataRequired(), Length(max=255)])
    weekday = SelectField(lazy_gettext("Day"), coerce=int, choices=[])
    starts = TimeField(lazy_gettext("From (UTC)"), [DataRequired()])
    ends = TimeField(
        lazy_gettext("To (UTC)"),
        [DataRequired()],
        description=lazy_gettext("Earlier than the start: the shift ends the next day."),
    )
    valid_from = DateField(lazy_gettext("First day"), [DataRequired()])
    valid_until = DateField(lazy_gettext("Last day"), [Optional()])


class ShiftForm(FlaskForm):
    username = StringField(lazy_gettext("User name"), [DataRequired(), Length(max=255)])
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=options(
            [
                (ShiftKind.OVERRIDE.value, lazy_gettext("Override (swap, holiday cover)")),
                (ShiftKind.REGULAR.value, lazy_gettext("Extra person on duty")),
            ]
        ),
    )
    starts_at = DateTimeLocalField(lazy_gettext("From (UTC)"), [DataRequired()])
    ends_at = DateTimeLocalField(lazy_gettext("To (UTC)"), [DataRequired()])
    note = StringField(lazy_gettext("Note"), [Optional(), Length(max=255)])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        oncall_status=_status,
        oncall_chain=_chain,
        oncall_time=_time_label,
        oncall_local=_local_label,
        oncall_weekday=_weekday_name,
        oncall_gap=_gap_label,
        oncall_restricted_gap=_restricted_gap_label,
        oncall_ago=_ago,
        oncall_category=_category_label,
        oncall_targets=_targets_label,
        oncall_reason=_delivery_reason,
    )


# --- template helpers -------------------------------------------------------------------


def _delivery_reason(why: str) -> str:
    """Why a callout was not delivered, translated when the desk wrote it."""
    return gettext(why) if why in DELIVERY_REASONS else why


def _status() -> oncall.Status | None:
    """The banner's content for specialists; None for anyone else."""
    user = current_user()
    if user is None or not user.can(Permission.VIEW_QUEUE):
        return None
    return oncall.status(db(), settings(), clock.now())


def _chain(case: Case) -> object:
    return oncall.chain_of(db(), case)


def _time_label(at: datetime, pattern: str = "EEE d MMM HH:mm") -> str:
    """A UTC moment in the page's language, e.g. "Tue 3 Mar 03:00"."""
    return format_datetime(at.astimezone(UTC), pattern, tzinfo=UTC, locale=get_locale())


def _local_label(at: datetime, user: User) -> str:
    """The same moment in the person's own time zone, e.g. "04:00 Europe/Paris"."""
    local = oncall.local_time(at, user.timezone)
    label = format_datetime(local, "EEE HH:mm", tzinfo=local.tzinfo, locale=get_locale())
    return f"{label} {user.timezone}"


def _weekday_name(weekday: int) -> str:
    day = MONDAY + timedelta(days=weekday)
    return format_datetime(day, "EEEE", tzinfo=UTC, locale=get_locale())


def _ago(at: datetime) -> str:
    return format_timedelta(clock.now() - at, locale=get_locale())


def _restricted_gap_label(gap: oncall.Segment) -> str:
    """ "From Tue 3 Mar 03:00 to 07:00 UTC: Name, Name." (who is on duty, none restricted)."""
    end_pattern = "HH:mm" if gap.ends_at.date() == gap.starts_at.date() else "EEE d MMM HH:mm"
    return gettext(
        "From %(start)s to %(end)s UTC: %(names)s.",
        start=_time_label(gap.starts_at),
        end=_time_label(gap.ends_at, end_pattern),
        names=", ".join(gap.names),
    )


def _gap_label(gap: oncall.Segment) -> str:
    """ "No one on duty from Tue 3 Mar 03:00 to 07:00 UTC." (the day again if it changes)."""
    end_pattern = "HH:mm" if gap.ends_at.date() == gap.starts_at.date() else "EEE d MMM HH:mm"
    return gettext(
        "No one on duty from %(start)s to %(end)s UTC.",
        start=_time_label(gap.starts_at),
        end=_time_label(gap.ends_at, end_pattern),
    )


def _category_label(value: str) -> str:
    return str(CATEGORY_LABELS[Category(value)])


TARGET_LABELS = {
    "on_duty": lazy_gettext("the person on duty"),
    "next": lazy_gettext("the next on the rota"),
    "team": lazy_gettext("the whole team"),
}


def _targets_label(targets: tuple[str, ...]) -> str:
    return ", ".join(
        str(TARGET_LABELS[target]) if target in TARGET_LABELS else target.removeprefix("user:")
        for target in targets
    )


# --- the rota ------------------------------------------------------------------------------


def _field_error(field: Field) -> Callable[[TranslatableError], None]:
    """A refusal shown beside the form field it is about, in the reader's language."""

    def show(err: TranslatableError) -> None:
        field.errors = [gettext(err.message, **err.variables)]

    return show


def _flash_error(err: TranslatableError) -> None:
    flash(gettext(err.message, **err.variables), "error")


def _render_rota(manage: bool, **forms: FlaskForm) -> str:
    me = current_user_row()
    weekly = forms.get("weekly_form") or WeeklyForm(formdata=None, prefix="weekly")
    weekly.weekday.choices = options((day, _weekday_name(day)) for day in range(7))
    return render_template(
        "oncall/rota.html",
        manage=manage,
        rota=oncall.overview(db(), settings(), clock.now()),
        policy=settings().oncall_policy,
        repeat=settings().oncall_policy_repeat,
        lookahead=settings().oncall_lookahead_days,
        preferences_form=forms.get("preferences_form")
        or PreferencesForm(formdata=None, data={"timezone": me.timezone, "email": me.email}),
        weekly_form=weekly,
        shift_form=forms.get("shift_form") or ShiftForm(formdata=None, prefix="shift"),
        delete_form=FlaskForm(formdata=None),
        timezones=oncall.timezone_names(),
    )


@bp.get("")
@requires(Permission.VIEW_QUEUE)
def rota() -> str:
    return _render_rota(manage=False)


@bp.post("/preferences")
@requires(Permission.VIEW_QUEUE)
def preferences() -> Response | tuple[str, int]:
    form = PreferencesForm()
    if form.validate_on_submit():
        with committed(oncall.OncallError, refuse=_field_error(form.timezone)) as change:
            oncall.set_preferences(
                current_user_row(), form.timezone.data or "", form.email.data or ""
            )
        if change.refused is None:
            flash(gettext("Your on-call settings were saved."), "success")
            return redirect(url_for("oncall.rota"))
    return _render_rota(manage=False, preferences_form=form), 400


@bp.get("/manage")
@requires(Permission.MANAGE_ROTA)
def manage() -> str:
    return _render_rota(manage=True)


@bp.post("/manage/weekly")
@requires(Permission.MANAGE_ROTA)
def add_weekly() -> Response | tuple[str, int]:
    form = WeeklyForm(prefix="weekly")
    form.weekday.choices = options((day, _weekday_name(day)) for day in range(7))
    if form.validate_on_submit():
        starts, ends = form.starts.data or time(0), form.ends.data or time(0)
        start_minute = starts.hour * 60 + starts.minute
        duration = (ends.hour * 60 + ends.minute - start_minute) % 1440 or 1440
        with committed(oncall.OncallError, refuse=_field_error(form.username)) as change:
            oncall.add_weekly_shift(
                db(),
                current_user_row().id,
                form.username.data or "",
                int(form.weekday.data),
                start_minute,
                duration,
                form.valid_from.data,  # type: ignore[arg-type]
                form.valid_until.data,
            )
        if change.refused is None:
            flash(gettext("The rota was changed."), "success")
            return redirect(url_for("oncall.manage"))
    return _render_rota(manage=True, weekly_form=form), 400


@bp.post("/manage/shifts")
@requires(Permission.MANAGE_ROTA)
def add_shift() -> Response | tuple[str, int]:
    form = ShiftForm(prefix="shift")
    if form.validate_on_submit():
        starts = (form.starts_at.data or datetime.min).replace(tzinfo=UTC)
        ends = (form.ends_at.data or datetime.min).replace(tzinfo=UTC)
        with committed(oncall.OncallError, refuse=_field_error(form.username)) as change:
            oncall.add_shift(
                db(),
                current_user_row().id,
                form.username.data or "",
                starts,
                ends,
                ShiftKind(form.kind.data),
                form.note.data or "",
            )
        if change.refused is None:
            flash(gettext("The rota was changed."), "success")
            return redirect(url_for("oncall.manage"))
    return _render_rota(manage=True, shift_form=form), 400


def _remove(remove: object, shift_id: int) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    with committed(oncall.OncallError, refuse=_flash_error) as change:
        remove(db(), current_user_row().id, shift_id)  # type: ignore[operator]
    if change.refused is None:
        flash(gettext("The rota was changed."), "success")
    return redirect(url_for("oncall.manage"))


@bp.post("/manage/weekly/<int:shift_id>/delete")
@requires(Permission.MANAGE_ROTA)
def remove_weekly(shift_id: int) -> Response:
    return _remove(oncall.remove_weekly_shift, shift_id)


@bp.post("/manage/shifts/<int:shift_id>/delete")
@requires(Permission.MANAGE_ROTA)
def remove_shift(shift_id: int) -> Response:
    return _remove(oncall.remove_shift, shift_id)


# --- acknowledging ----------------------------------------------------------------------------

LINK_STATUS = {"invalid": 404, "someone-else": 403, "used": 409, "answered": 409, "expired": 410}


def _refusal(err: oncall.OncallError) -> tuple[str, int]:
    status = LINK_STATUS.get(getattr(err, "reason", ""), 409)
    page = render_template(
        "oncall/ack.html", callout=None, refusal=gettext(err.message, **err.variables)
    )
    return page, status


@bp.get("/ack/<token>")
@requires(Permission.ACT_ON_CASES)
def confirm(token: str) -> str | tuple[str, int]:
    """What the mail links to: says what will happen; changes nothing."""
    callout = oncall.callout_by_token(db(), token)
    try:
        oncall.check_link(db(), callout, current_user_row(), settings(), clock.now())
    except oncall.OncallError as err:
        return _refusal(err)
    return render_template("oncall/ack.html", callout=callout, token=token, form=FlaskForm())


@bp.post("/ack/<token>")
@requires(Permission.ACT_ON_CASES)
def acknowledge(token: str) -> Response | tuple[str, int]:
    if not FlaskForm().validate_on_submit():
        abort(400)
    with committed(oncall.OncallError, cases.CaseError) as change:
        case = oncall.acknowledge_link(db(), token, current_user_row(), settings(), clock.now())
    if change.refused is not None:
        return _refusal(change.refused)
    return _acknowledged(case.reference or "")


def _acknowledged(reference: str) -> Response:
    """Back to the case, now the acknowledger's, saying so."""
    flash(
        gettext("You acknowledged %(reference)s: the case is yours.", reference=reference),
        "success",
    )
    return redirect(url_for("queue.show", reference=reference))


@bp.post("/cases/<reference>/acknowledge")
@requires(Permission.ACT_ON_CASES)
def acknowledge_case(reference: str) -> Response:
    """The case page's button: any specialist who may open the case takes the emergency."""
    case = case_or_404(reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with committed(oncall.OncallError, cases.CaseError, refuse=_flash_error) as change:
        oncall.acknowledge(db(), case, current_user_row(), settings(), via="case page")
    if change.refused is not None:
        return redirect(url_for("queue.show", reference=reference))
    return _acknowledged(reference)


@bp.post("/cases/<reference>/emergency")
@requires(Permission.ACT_ON_CASES)
def raise_to_emergency(reference: str) -> Response:
    """Raise a case to emergency: the person on duty is called out, as for a new one."""
    case = case_or_404(reference)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with committed(cases.CaseError, refuse=_flash_error) as change:
        cases.set_severity(db(), case, current_user_row(), Severity.EMERGENCY, settings())
    if change.refused is None:
        flash(gettext("The case is now an emergency: the person on duty is called out."), "success")
    return redirect(url_for("queue.show", reference=reference))
