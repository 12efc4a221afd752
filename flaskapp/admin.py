"""Administration of the tool: who holds which role (later: rota, canned responses, retention)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from flaskapp.access import current_user, requires
from flaskapp.context import db, settings
from tools.accounts import RoleGrantError, grant_role, list_grants, revoke_role
from tools.roles import GRANTABLE_ROLES, Permission, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


class GrantForm(FlaskForm):
    username = StringField(lazy_gettext("User name"), [DataRequired(), Length(max=255)])
    role = SelectField(
        lazy_gettext("Role"), choices=[(role.value, role.value) for role in GRANTABLE_ROLES]
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
    )


@bp.post("/roles/grant")
@requires(Permission.MANAGE_ROLES)
def grant() -> Response | tuple[str, int]:
    form = GrantForm()
    if form.validate_on_submit():
        try:
            given = grant_role(db(), _actor_id(), form.username.data or "", form.role.data or "")
            db().commit()
        except RoleGrantError as err:
            db().rollback()
            form.username.errors.append(str(err))
        else:
            flash(
                gettext("%(name)s is now %(role)s.", name=given.user.username, role=given.role),
                "success",
            )
            return redirect(url_for("admin.roles"))
    return roles(form), 400


@bp.post("/roles/revoke")
@requires(Permission.MANAGE_ROLES)
def revoke() -> Response:
    form = RevokeForm()
    if form.validate_on_submit() and (form.grant_id.data or "").isdigit():
        try:
            revoke_role(db(), _actor_id(), int(form.grant_id.data or 0))
            db().commit()
            flash(gettext("The role was taken back."), "success")
        except RoleGrantError as err:
            db().rollback()
            flash(str(err), "error")
    return redirect(url_for("admin.roles"))
