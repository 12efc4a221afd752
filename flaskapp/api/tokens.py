"""``/account/tokens``: a signed-in person makes, reads and revokes their personal API tokens.

The secret is shown once, in the answer to the form that made it (never put in the
session or a flash message), with ``Cache-Control: no-store``; afterwards only its
first characters identify it. Scopes offered are those that would lend the person
something they may do now.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from flaskapp.access import WIKI_ROLES, current_user, signed_in
from flaskapp.choices import options
from flaskapp.context import committed, db
from flaskapp.i18n import error_text
from tools.base import clock
from tools.people import api_tokens
from tools.people.accounts import user_by_id

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")

DEFAULT_LIFETIME = timedelta(days=90)


class TokenForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name of the token"),
        description=lazy_gettext("What it is for, e.g. the script that uses it."),
        validators=[DataRequired(), Length(max=api_tokens.NAME_MAX)],
    )
    scopes = SelectMultipleField(
        lazy_gettext("Scopes"),
        choices=[],
        validators=[DataRequired()],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    expires = DateField(
        lazy_gettext("Expires on"),
        description=lazy_gettext("At most one year from today."),
        validators=[DataRequired()],
    )


class RevokeForm(FlaskForm):
    pass


def _form(from_request: bool = True) -> TokenForm:
    user = current_user()
    assert user is not None
    form = TokenForm() if from_request else TokenForm(formdata=None)
    form.scopes.choices = options(
        (scope.value, gettext(api_tokens.SCOPE_LABELS[scope]))
        for scope in api_tokens.usable_scopes(user.permissions)
    )
    if form.expires.data is None:
        form.expires.data = (clock.now() + DEFAULT_LIFETIME).date()
    return form


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> Response:
    user = current_user()
    assert user is not None
    response = make_response(
        render_template(
            "account/tokens.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=api_tokens.tokens_of(db(), user.id),
            secret=secret,
            now=clock.now(),
            labels={
                scope.value: gettext(label) for scope, label in api_tokens.SCOPE_LABELS.items()
            },
            latest=(clock.now() + api_tokens.MAX_LIFETIME).date(),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@signed_in
def index() -> Response:
    return _page(_form(from_request=False))


@bp.post("")
@signed_in
def create() -> Response:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    user = current_user()
    assert user is not None
    # The end of the chosen day, UTC ("expires on 1 March" works all of 1 March), and on
    # the last day allowed, no later than a year from now.
    end_of_day = datetime.combine(form.expires.data, time.max, UTC)
    latest = clock.now() + api_tokens.MAX_LIFETIME
    expires_at = end_of_day if form.expires.data > latest.date() else min(end_of_day, latest)
    with committed(api_tokens.TokenError) as change:
        made = api_tokens.create_token(
            db(),
            user_by_id(db(), user.id),
            form.name.data or "",
            form.scopes.data or [],
            expires_at,
            session.get(WIKI_ROLES, ()),
        )
    if (err := change.refused) is not None:
        form.expires.errors = [error_text(err)]
        return _page(form, status=400)
    return _page(_form(from_request=False), secret=made.secret, status=201)


@bp.post("/<int:token_id>/revoke")
@signed_in
def revoke(token_id: int) -> Response:
    if not RevokeForm().validate_on_submit():
        abort(400)
    user = current_user()
    assert user is not None
    with committed(api_tokens.TokenError, refuse=lambda _: abort(404)):
        api_tokens.revoke(db(), user.id, token_id)
    flash(gettext("The token was revoked; it no longer works."), "success")
    return redirect(url_for("tokens.index"))
