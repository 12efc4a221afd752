"""Personal API tokens at the door: who a Bearer token stands for, and what it may do.

Registered with :mod:`flaskapp.access` by :func:`flaskapp.api.init_app`, for requests
under ``/api/`` that carry an ``Authorization`` header. The user's tool roles are read
from the database at every call (a revoked role is gone at once); their wiki roles
(functionary) are those the token was made with, asked again from the wiki every
``roles_refresh_minutes`` as a session's are, and a blocked or locked account is refused.
"""

from __future__ import annotations

import logging

from flask import abort, g, request

from flaskapp.access import CurrentUser, load_user
from flaskapp.context import db, settings
from tools.base import clock
from tools.models import ApiToken
from tools.people import api_tokens
from tools.people.roles import wiki_roles
from tools.wiki.wikiapi import AccountNotFound, WikiApiError, api_session, lookup_account

log = logging.getLogger(__name__)

#: ``g`` key: the id of the token this request came with (rate limits count per token).
TOKEN_ID = "api_token_id"


def user_from_token() -> CurrentUser:
    """The token's owner with the token's share of their permissions; 401 for a bad token."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, "Send the token as 'Authorization: Bearer sdk_…'.")
    at = clock.now()
    token = api_tokens.find_usable(db(), secret.strip(), at)
    if token is None:
        abort(401, "This token is unknown, expired or revoked.")
    _refresh_wiki_roles(token)
    api_tokens.record_use(token, at, request.remote_addr)
    db().commit()
    g.setdefault(TOKEN_ID, token.id)
    owner = load_user(token.user_id, token.user.username, token.wiki_roles)
    scoped = api_tokens.token_permissions(token, owner.permissions)
    return CurrentUser(owner.id, owner.username, owner.roles, scoped)


def _refresh_wiki_roles(token: ApiToken) -> None:
    """Ask the wiki again when the token's wiki roles are older than the refresh period."""
    config = settings()
    age = clock.now() - token.roles_checked_at
    if age.total_seconds() <= config.roles_refresh_minutes * 60:
        return
    try:
        account = lookup_account(api_session(config), config.central_api_url, token.user.username)
    except AccountNotFound:
        abort(401, "This account is hidden or no longer exists on the wikis.")
    except WikiApiError as err:
        log.warning("could not refresh the roles of a token's owner: %s", err)
        return  # as for sessions: keep the roles checked last time, try again next call
    if account.refusal():
        abort(401, "This account is blocked or locked on the wikis.")
    token.wiki_roles = sorted(wiki_roles(account, config.functionary_groups))
    token.roles_checked_at = clock.now()


def authenticated_by_token() -> bool:
    return g.get(TOKEN_ID) is not None
