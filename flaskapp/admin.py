"""Administration of the tool: who holds which role, and the canned responses (later: rota)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from flaskapp.access import current_user, requires
from flaskapp.choices import options
from flaskapp.context import committed, db, settings
from tools.base import clock
from tools.cases import canned, emergency_watch
from tools.cases.emergency_watch import frequent_emergency_filers
from tools.people.accounts import RoleGrantError, grant_role, list_grants, revoke_role
from tools.people.roles import GRANTABLE_ROLES, Permission, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


class GrantForm(FlaskForm):
    username = StringField(lazy_gettext("User name"), [DataRequired(), Length(max=255)])
    role = SelectField(
        lazy_gettext("Role"),
        choices=options((role.value, lazy_gettext(role.label)) for role in GRANTABLE_ROLES),
    )


class RevokeForm(FlaskForm):
    grant_id = HiddenField(validators=[DataRequired()])


def _actor_id() -> int:
    user = current_user()
    assert user is not None
    return user.id


@bp.get("/roles")
@requires(Permission.MANAGE_ROLES)
def roles(form: GrantForm | None = None) -> str:
    config = settings()
    bootstrap = {
        Role.SPECIALIST: config.bootstrap_specialists,
        Role.RESTRICTED_SPECIALIST: config.bootstrap_restricted_specialists,
        Role.ADMIN: config.bootstrap_admins,
    }
    return render_template(
        "admin/roles.html",
        grants=list_grants(db()),
        bootstrap=bootstrap,
        form=form or GrantForm(formdata=None),
        revoke_form=RevokeForm(formdata=None),
        frequent_filers=frequent_emergency_filers(db(), clock.now()),
        unusual=emergency_watch.UNUSUAL,
        role_label=role_label,
    )


def role_label(key: str) -> str:
    """A role's name in the reader's language (the key itself if it is not one of ours)."""
    return gettext(Role(key).label) if key in Role.__members__.values() else key


@bp.post("/roles/grant")
@requires(Permission.MANAGE_ROLES)
def grant() -> Response | tuple[str, int]:
    form = GrantForm()
    if form.validate_on_submit():
        with committed(RoleGrantError) as change:
            given = grant_role(db(), _actor_id(), form.username.data or "", form.role.data or "")
        if change.refused is None:
            flash(
                gettext(
                    "%(name)s is now %(role)s.",
                    name=given.user.username,
                    role=role_label(given.role),
                ),
                "success",
            )
            return redirect(url_for("admin.roles"))
        form.username.errors.append(str(change.refused))
    return roles(form), 400


@bp.post("/roles/revoke")
@requires(Permission.MANAGE_ROLES)
def revoke() -> Response:
    form = RevokeForm()
    if form.validate_on_submit() and (form.grant_id.data or "").isdigit():
        with committed(RoleGrantError, refuse=lambda err: flash(str(err), "error")) as change:
            revoke_role(db(), _actor_id(), int(form.grant_id.data or 0))
        if change.refused is None:
            flash(gettext("The role was taken back."), "success")
    return redirect(url_for("admin.roles"))


# --- canned responses ---------------------------------------------------------------


class CannedForm(FlaskForm):
    """One canned response: its key, a title for the picker, one text per language."""

    key = StringField(
        lazy_gettext("Key"),
        [DataRequired(), Length(max=64)],
        description=lazy_gettext("Lower-case letters, digits and hyphens, e.g. need-diffs."),
    )
    title = StringField(lazy_gettext("Title"), [DataRequired(), Length(max=canned.TITLE_MAX)])
    en = TextAreaField(
        lazy_gettext("English text"),
        [DataRequired(), Length(max=canned.BODY_MAX)],
        description=lazy_gettext(
            "Placeholders: {requester}, {reference}, {wiki}. English is used when a "
            "language has no text."
        ),
    )
    fr = TextAreaField(lazy_gettext("French text"), [Optional(), Length(max=canned.BODY_MAX)])
    ar = TextAreaField(lazy_gettext("Arabic text"), [Optional(), Length(max=canned.BODY_MAX)])
    pt = TextAreaField(lazy_gettext("Portuguese text"), [Optional(), Length(max=canned.BODY_MAX)])

    def texts(self) -> dict[str, str]:
        return {language: self[language].data or "" for language in canned.LANGUAGES}


@bp.get("/canned")
@requires(Permission.MANAGE_CANNED_RESPONSES)
def canned_list() -> str:
    return render_template(
        "admin/canned.html", responses=canned.all_sets(db()), languages=canned.LANGUAGES
    )


@bp.route("/canned/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CANNED_RESPONSES)
def canned_new() -> str | Response | tuple[str, int]:
    return _canned_form(CannedForm(), creating=True)


@bp.route("/canned/<key>", methods=["GET", "POST"])
@requires(Permission.MANAGE_CANNED_RESPONSES)
def canned_edit(key: str) -> str | Response | tuple[str, int]:
    entry = canned.get_set(db(), key)
    if entry is None:
        abort(404)
    form = CannedForm(data={"title": entry.title, **entry.texts})
    form.key.data = entry.key  # the address names the response, whatever the form says
    return _canned_form(form, creating=False)


def _canned_form(form: CannedForm, creating: bool) -> str | Response | tuple[str, int]:
    """Show the form, or save it; a refusal is shown beside the field it is about."""
    if not form.is_submitted():
        return render_template("admin/canned_edit.html", form=form, creating=creating)
    if form.validate():
        with committed(canned.CannedError) as change:
            key, title = form.key.data or "", form.title.data or ""
            saved = canned.save(db(), _actor_id(), key, title, form.texts(), creating)
        if change.refused is None:
            flash(gettext("The canned response %(key)s was saved.", key=saved.key), "success")
            return redirect(url_for("admin.canned_list"))
        err = change.refused
        field = getattr(form, err.field, None) or form.key
        field.errors = [*field.errors, gettext(err.message, **err.variables)]
    return render_template("admin/canned_edit.html", form=form, creating=creating), 400
