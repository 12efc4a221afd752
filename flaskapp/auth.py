"""Sign-in with Wikimedia OAuth 2.0 (authorization code + PKCE), sign-out, and who am I.

The flow is MediaWiki's: ``/login`` -> ``rest.php/oauth2/authorize`` on the wiki ->
``/oauth-callback`` -> ``oauth2/access_token`` -> ``oauth2/resource/profile``. The
access token is used once, to learn who signed in, and then dropped: the session
cookie holds the identity and the roles, never a token. Groups, blocks and locks
come from ``api.php`` (``list=users|globalblocks`` + ``meta=globaluserinfo``), which is also
how they are refreshed during a session without any token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from oauthlib.oauth2 import OAuth2Error
from requests import RequestException
from requests_oauthlib import OAuth2Session
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from flaskapp import access
from flaskapp.access import public, signed_in
from flaskapp.context import db, settings
from flaskapp.i18n import clear_session_keeping_language
from tools.base import clock
from tools.people import demo
from tools.people.accounts import end_sessions, record_sign_in
from tools.people.roles import (
    HIDDEN_ACCOUNT,
    ROLE_LABELS,
    Refusal,
    Role,
    WikiAccount,
    permissions_for,
    wiki_roles,
)
from tools.wiki.wikiapi import (
    AccountNotFound,
    WikiApiError,
    api_session,
    lookup_account,
    on_this_machine,
)

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

PENDING = "oauth"  # session key of a sign-in under way: state, PKCE verifier, next


class SignInError(Exception):
    """A sign-in that cannot go on; the message (translated) is shown to the person."""


def init_app(app: Flask) -> None:
    """Allow plain http to an OAuth server on this machine (the development wiki) only."""
    config = app.config["SETTINGS"]
    if config.oauth_base_url.startswith("http://") and on_this_machine(config.oauth_base_url):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


# --- where to go after signing in --------------------------------------------


def safe_next(target: str | None) -> str:
    """A path on this tool to return to; anything pointing elsewhere becomes the front page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return url_for("home.index")
    return target


# --- OAuth 2.0 ------------------------------------------------------------------


def _client() -> OAuth2Session:
    return OAuth2Session(
        client_id=settings().oauth_client_id,
        redirect_uri=url_for("auth.callback", _external=True),
    )


def _pkce_pair() -> tuple[str, str]:
    """A fresh PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@bp.get("/login")
@public
def login() -> Response | tuple[str, int]:
    config = settings()
    next_path = safe_next(request.args.get("next"))
    if not config.oauth_configured:
        if config.development_sign_in:
            return redirect(url_for("auth.dev_login", next=next_path))
        if config.demo_sign_in:
            return _demo_people_page(next_path)
        reason = gettext(
            "Sign-in is not configured: set SAFETYDESK_OAUTH_CLIENT_ID and "
            "SAFETYDESK_OAUTH_CLIENT_SECRET (README: Sign-in and roles)."
        )
        return render_template("error.html", reason=reason), 503
    verifier, challenge = _pkce_pair()
    url, state = _client().authorization_url(
        f"{config.oauth_base_url}/oauth2/authorize",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    session[PENDING] = {"state": state, "verifier": verifier, "next": next_path}
    return redirect(url)


@bp.get("/oauth-callback")
@public
def callback() -> Response | tuple[str, int]:
    pending = session.pop(PENDING, None)
    try:
        if "error" in request.args:
            # Cancel on the wiki answers error=unauthorized_client and no state: say what
            # happened before judging the state.
            raise SignInError(
                gettext(
                    "The wiki did not sign you in: %(error)s.", error=request.args["error"][:100]
                )
            )
        if not pending or not secrets.compare_digest(
            request.args.get("state", ""), pending["state"]
        ):
            raise SignInError(
                gettext(
                    "This sign-in link is stale or was altered (its state does not match). "
                    "Please sign in again."
                )
            )
        username = _identify(pending["verifier"])
        if username is None:
            return _refuse(None, Refusal(HIDDEN_ACCOUNT))
        account = _look_up(username)
    except SignInError as err:
        title = gettext("Sign-in failed")
        return render_template("error.html", title=title, reason=str(err)), 400
    except AccountNotFound:
        return _refuse(None, Refusal(HIDDEN_ACCOUNT))
    # The profile's "blocked" also counts partial blocks: the API's answer judges, with
    # the same rule as every refresh (tools.people.roles.account_from_api).
    return _finish_sign_in(account, pending["next"])


def _identify(verifier: str) -> str | None:
    """Trade the code for a token, read the profile with it, and forget the token.

    The username, or None for a hidden (suppressed) account, whose profile is only
    ``sub`` and ``blocked: true``.
    """
    config = settings()
    client = _client()
    try:
        client.fetch_token(
            f"{config.oauth_base_url}/oauth2/access_token",
            code=request.args.get("code", ""),
            client_secret=config.oauth_client_secret.get_secret_value(),
            code_verifier=verifier,
            timeout=10,
        )
        response = client.get(f"{config.oauth_base_url}/oauth2/resource/profile", timeout=10)
        if response.status_code == 401:
            raise SignInError(
                gettext("The wiki did not accept its own token (expired or revoked).")
            )
        response.raise_for_status()
        profile = response.json()
    except OAuth2Error as err:
        log.info("OAuth token request refused: %s", err.error)
        raise SignInError(
            gettext(
                "The wiki refused the sign-in (%(error)s). Please sign in again.", error=err.error
            )
        ) from err
    except (RequestException, ValueError) as err:
        log.warning("OAuth exchange with %s failed: %s", config.oauth_base_url, err)
        raise SignInError(
            gettext("The wiki could not be reached to sign you in. Try again.")
        ) from err
    if not isinstance(profile, dict):
        raise SignInError(gettext("The wiki could not be reached to sign you in. Try again."))
    username = profile.get("username")
    return str(username) if username else None


def _look_up(username: str) -> WikiAccount:
    config = settings()
    try:
        return lookup_account(api_session(config), config.central_api_url, username)
    except WikiApiError as err:
        log.warning("account lookup failed: %s", err)
        raise SignInError(gettext("The wiki could not tell your groups. Try again.")) from err


def _finish_sign_in(account: WikiAccount, next_path: str) -> Response | tuple[str, int]:
    """Refuse a blocked or locked account; otherwise start a fresh session for it."""
    refusal = account.refusal()
    if refusal:
        return _refuse(account.username, refusal)
    with db().begin():
        user = record_sign_in(db(), account)
    clear_session_keeping_language()  # nothing from before the sign-in carries over but that
    session.permanent = True
    now = clock.now().timestamp()
    session.update(
        {
            access.USER_ID: user.id,
            access.USERNAME: user.username,
            access.WIKI_ROLES: sorted(wiki_roles(account, settings().functionary_groups)),
            access.CHECKED_AT: now,
            access.SIGNED_IN_AT: now,
            access.GENERATION: user.session_generation,
        }
    )
    return redirect(safe_next(next_path))


def _refuse(username: str | None, refusal: Refusal) -> tuple[str, int]:
    """The "blocked" page: no session is made."""
    clear_session_keeping_language()
    return render_template("auth/refused.html", username=username, reason=refusal), 403


# --- development sign-in -----------------------------------------------------


class DevLoginForm(FlaskForm):
    username = StringField(
        lazy_gettext("Account on the development wiki"), [DataRequired(), Length(max=255)]
    )


@bp.route("/dev-login", methods=["GET", "POST"])
@public
def dev_login() -> Response | str | tuple[str, int]:
    """Sign in as any account of the local wiki, for development; never in production."""
    if not settings().development_sign_in:
        abort(404)
    form = DevLoginForm()
    if form.validate_on_submit():
        try:
            account = _look_up(form.username.data or "")
        except SignInError as err:
            form.username.errors.append(str(err))
        except AccountNotFound:
            name = form.username.data or ""
            form.username.errors.append(
                gettext("The wiki knows no account named %(name)s.", name=name)
            )
        else:
            return _finish_sign_in(account, safe_next(request.args.get("next")))
    return render_template("auth/dev_login.html", form=form)


# --- the demo people ------------------------------------------------------------


class DemoLoginForm(FlaskForm):
    username = HiddenField(validators=[DataRequired(), Length(max=255)])


def _demo_people_page(next_path: str) -> str:
    """``/login`` on a development desk without OAuth: one button per demo person."""
    groups = settings().functionary_groups
    people = [
        {
            "person": person,
            "groups": sorted(person.account.all_groups() - {"*", "user", "autoconfirmed"}),
            "roles": sorted(
                {Role(name) for name in (*wiki_roles(person.account, groups), *person.tool_roles)}
            ),
            "refusal": person.account.refusal(),
        }
        for person in demo.people()
    ]
    return render_template(
        "auth/demo_login.html",
        people=people,
        form=DemoLoginForm(),
        next_path=next_path,
        role_labels=ROLE_LABELS,
    )


@bp.post("/demo-login")
@public
def demo_login() -> Response | tuple[str, int]:
    """Sign in as a demo person, through the real path's refusals and session; never in
    production, nor beside OAuth or the development wiki's sign-in."""
    if not settings().demo_sign_in:
        abort(404)
    form = DemoLoginForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        person = demo.person(form.username.data or "")
    except demo.NotADemoPerson:
        return _refuse(None, Refusal(HIDDEN_ACCOUNT))
    if person.account.refusal() is None:
        db().rollback()  # end the read of this request's visitor before writing
        with db().begin():
            demo.grant_tool_roles(db(), person)
    return _finish_sign_in(person.account, safe_next(request.args.get("next")))


# --- signed in ---------------------------------------------------------------


@bp.post("/logout")
@public
def logout() -> Response:
    """Sign out: a POST, checked for its CSRF token, so no other site can sign anyone out.

    Every session of the person ends, not only this cookie: a copy taken before (another
    device, a stolen cookie) no longer works either.
    """
    user = access.current_user()
    if user is not None:
        end_sessions(db(), user.id)
        db().commit()
    clear_session_keeping_language()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("home.index"))


@bp.get("/me")
@signed_in
def me() -> str:
    user = access.current_user()
    assert user is not None
    return render_template(
        "auth/me.html", user=user, permissions=sorted(permissions_for(user.roles))
    )
