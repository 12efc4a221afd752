"""Access control of every route: who is signed in, and whether they may open this page.

Each view declares its rule with one decorator: :func:`public`, :func:`signed_in`
or :func:`requires`. A view without a rule is refused to everyone (deny by
default), so a new route cannot be opened by forgetting to protect it; the
route x role test in the suite fails for it as well.

Under ``/api/`` a request may bring a personal token (``Authorization: Bearer sdk_…``)
instead of the session cookie: the API registers its check with :func:`accept_tokens`
(this module does not import the API, which builds on it), and the same rules apply to
the user it stands for, limited to its scopes. Without either, the API answers 401
rather than sending a script to the sign-in page.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from flaskapp.context import db, settings
from flaskapp.i18n import clear_session_keeping_language
from tools.base import clock
from tools.models import User
from tools.people import demo
from tools.people.accounts import end_sessions, granted_roles, session_generation, user_by_id
from tools.people.roles import (
    HIDDEN_ACCOUNT,
    Permission,
    Refusal,
    Role,
    WikiAccount,
    bootstrap_roles,
    effective_roles,
    permissions_for,
    wiki_roles,
)
from tools.wiki.wikiapi import AccountNotFound, WikiApiError, api_session, lookup_account

log = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., Any])

# Keys of the signed session cookie. It holds who the person is and when the
# wikis were last asked about them, never a token.
USER_ID, USERNAME, WIKI_ROLES, CHECKED_AT, SIGNED_IN_AT = "uid", "name", "wiki", "checked", "since"
#: The user's session generation at sign-in: a session holding an older one has ended.
GENERATION = "gen"

API_PREFIX = "/api/"
_TOKEN_LOADER = "safetydesk.token_loader"


def is_api_request() -> bool:
    """A call to the JSON API: errors are JSON, tokens are accepted, no redirects to sign in."""
    return request.path.startswith(API_PREFIX)


@dataclass(frozen=True)
class AccessRule:
    """What a view asks of its visitor: nothing, a sign-in, or one permission."""

    sign_in: bool
    permission: Permission | None = None

    def describe(self) -> str:
        if not self.sign_in:
            return "public"
        return self.permission.value if self.permission else "signed-in"


PUBLIC = AccessRule(sign_in=False)
SIGNED_IN = AccessRule(sign_in=True)


def _declare(rule: AccessRule) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


public = _declare(PUBLIC)
signed_in = _declare(SIGNED_IN)


def requires(permission: Permission) -> Callable[[View], View]:
    return _declare(AccessRule(sign_in=True, permission=permission))


def rule_of(app: Flask, endpoint: str) -> AccessRule | None:
    """The rule declared by an endpoint's view (static files are public)."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    roles: frozenset[Role]
    permissions: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def current_user() -> CurrentUser | None:
    return g.get("user")


def current_user_row() -> User:
    """The signed-in person's row, for a view whose access rule already required a sign-in."""
    user = current_user()
    assert user is not None
    return user_by_id(db(), user.id)


def may_see_restricted() -> bool:
    """Whether the signed-in person may open restricted (child-protection) cases and alerts."""
    user = current_user()
    return user is not None and user.can(Permission.VIEW_RESTRICTED_CASES)


def init_app(app: Flask) -> None:
    app.before_request(_load_current_user)
    app.before_request(_enforce_rule)
    app.context_processor(lambda: {"current_user": current_user(), "Permission": Permission})


def accept_tokens(app: Flask, user_from_token: Callable[[], CurrentUser]) -> None:
    """Let API calls that carry an ``Authorization`` header sign in with ``user_from_token``."""
    app.extensions[_TOKEN_LOADER] = user_from_token


def _load_current_user() -> None:
    g.user = None
    if is_api_request() and "Authorization" in request.headers:
        # Only a token signs in such a call; without a registered check, nobody (401).
        loader = current_app.extensions.get(_TOKEN_LOADER)
        g.user = loader() if loader is not None else None
        return
    if USER_ID not in session:
        return
    now = clock.now().timestamp()
    if now - session.get(SIGNED_IN_AT, 0) > settings().session_hours * 3600:
        clear_session_keeping_language()
        flash(gettext("Your session has ended. Please sign in again."), "notice")
        return
    if session.get(GENERATION) != session_generation(db(), session[USER_ID]):
        # Signed out elsewhere, a role changed, or blocked or locked: every copy ends.
        clear_session_keeping_language()
        flash(gettext("Your session has ended. Please sign in again."), "notice")
        return
    if now - session.get(CHECKED_AT, 0) > settings().roles_refresh_minutes * 60:
        _refresh_wiki_roles(session[USERNAME])
        if USER_ID not in session:
            return
    g.user = load_user(session[USER_ID], session[USERNAME], session.get(WIKI_ROLES, ()))


def _refresh_wiki_roles(username: str) -> None:
    """Ask the wikis again; a block, a lock, hiding or a removed group takes effect here."""
    config = settings()
    try:
        account = _wiki_account(username)
    except AccountNotFound:
        # Hidden (suppressed) or gone: the wiki answered, so this is no outage.
        _sign_out(Refusal(HIDDEN_ACCOUNT))
        return
    except WikiApiError as err:
        # The wiki is unreachable: keep the roles checked last time, try again next request.
        log.warning("could not refresh roles: %s", err)
        return
    refusal = account.refusal()
    if refusal:
        _sign_out(refusal)
        return
    session[WIKI_ROLES] = sorted(wiki_roles(account, config.functionary_groups))
    session[CHECKED_AT] = clock.now().timestamp()


def _wiki_account(username: str) -> WikiAccount:
    """What the wikis say now; for a demo person on a demo desk, what their file says."""
    config = settings()
    if config.demo_sign_in:
        with contextlib.suppress(demo.NotADemoPerson):
            return demo.person(username).account
    return lookup_account(api_session(config), config.central_api_url, username)


def _sign_out(refusal: Refusal) -> None:
    """End every session of the account, not only this one, and say why."""
    end_sessions(db(), session[USER_ID])
    db().commit()
    clear_session_keeping_language()
    reason = gettext(refusal.message, **refusal.variables)
    flash(gettext("You have been signed out. %(reason)s", reason=reason), "error")


def load_user(user_id: int, username: str, wiki_roles: Any) -> CurrentUser:
    """Roles now: those from the wikis (checked at most every N minutes) and the tool's grants."""
    granted = granted_roles(db(), user_id)
    roles = effective_roles(
        (Role(name) for name in wiki_roles), granted, bootstrap_roles(username, settings())
    )
    return CurrentUser(user_id, username, roles, permissions_for(roles))


def _enforce_rule() -> Response | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such route: Flask answers 404
    rule = rule_of(current_app, endpoint)
    if rule is None:
        log.error("route %s declares no access rule: refused", endpoint)
        abort(403)
    if not rule.sign_in:
        return None
    user = current_user()
    if user is None:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if rule.permission is not None and not user.can(rule.permission):
        abort(403)
    return None
