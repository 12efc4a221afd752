"""The checks of the development OAuth provider, done by oauthlib's server side.

:class:`DevWikiRequestValidator` answers oauthlib's questions from the
:class:`~tools.devwiki.oauth_store.OAuthStore` the way Extension:OAuth (which
uses league/oauth2-server) answers them on Meta-Wiki: client secret in the body or
by HTTP Basic, redirect URI exact or by prefix, codes that live 10 minutes and
work once, PKCE (``S256`` or ``plain``) whenever the client sent a challenge and
always for public clients, scopes trimmed to the consumer's grants, bearer tokens
that expire. :func:`make_server` wires it into ``WebApplicationServer``;
:func:`oauth_error_body` dresses oauthlib's errors as league's JSON.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator, WebApplicationServer
from oauthlib.oauth2.rfc6749 import errors

from devwiki.oauth_store import (
    REFRESH_TOKEN_LIFETIME,
    AuthCode,
    IssuedToken,
    OAuthStore,
    StoredConsumer,
    WikiUser,
    now,
)

#: Grants of MediaWiki 1.39 core ($wgGrantPermissions) plus Extension:OAuth's own.
KNOWN_SCOPES = frozenset(
    {
        "#default",
        "mwoauth-authonly",
        "mwoauth-authonlyprivate",
        "basic",
        "highvolume",
        "import",
        "editpage",
        "editprotected",
        "editmycssjs",
        "editmyoptions",
        "editinterface",
        "editsiteconfig",
        "createeditmovepage",
        "uploadfile",
        "uploadeditmovefile",
        "patrol",
        "rollback",
        "blockusers",
        "viewdeleted",
        "viewrestrictedlogs",
        "delete",
        "oversight",
        "protect",
        "viewmywatchlist",
        "editmywatchlist",
        "sendemail",
        "createaccount",
        "privateinfo",
        "mergehistory",
    }
)

#: RFC 7636 §4.1 and §4.2: what a code verifier and a code challenge look like.
PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")

#: league/oauth2-server's messages (Meta-Wiki's error_description) by error code.
LEAGUE_MESSAGES = {
    "invalid_request": (
        "The request is missing a required parameter, includes an invalid parameter value, "
        "includes a parameter more than once, or is otherwise malformed."
    ),
    "invalid_client": "Client authentication failed",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed",
    "invalid_grant": (
        "The provided authorization grant (e.g., authorization code, resource owner "
        "credentials) or refresh token is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
    "unsupported_grant_type": (
        "The authorization grant type is not supported by the authorization server."
    ),
    "access_denied": "The resource owner or authorization server denied the request.",
    "unauthorized_client": "The client is not authorized to request an authorization code.",
    "unsupported_response_type": (
        "The authorization server does not support obtaining an authorization code "
        "using this method."
    ),
}


def oauth_error_body(
    error: str, hint: str | None = None, description: str | None = None
) -> dict[str, str]:
    """An error as league/oauth2-server writes it: error, error_description, hint, message."""
    message = LEAGUE_MESSAGES.get(error) or description or error
    body = {"error": error, "error_description": message}
    if hint is None and description and description != message:
        hint = description
    if hint:
        body["hint"] = hint
    body["message"] = message  # league keeps the old name too
    return body


def redirect_uri_matches(registered: str, given: str, *, is_prefix: bool) -> bool:
    """Whether a consumer registered with ``registered`` may send its users to ``given``.

    Exact: the same string, except that a loopback URI (``http`` to ``127.0.0.1`` or
    ``[::1]``) may name any port (RFC 8252 §7.3), as league/oauth2-server allows.
    Prefix ("callback is prefix", MWOAuthServer::checkCallback): http may become
    https; the host must be the same; the port the same unless the registered port is 1
    ("any port") or the URI is a loopback one; the registered path, if any, must begin
    the given path (equal it when the registered URI has a query); the registered
    query, if any, must begin the given query. User info or a fragment never matches.
    """
    try:
        want, got = urlsplit(registered), urlsplit(given)
        want_port, got_port = want.port, got.port
    except ValueError:
        return False
    if got.username is not None or got.password is not None or got.fragment:
        return False
    loopback = _is_loopback(want) and _is_loopback(got)
    if not is_prefix:
        if loopback:
            return want._replace(netloc=want.hostname or "") == got._replace(
                netloc=got.hostname or ""
            )
        return registered == given
    scheme = want.scheme == got.scheme or (want.scheme, got.scheme) == ("http", "https")
    port = loopback or want_port == 1 or want_port == got_port
    # With a query the path must be whole; without, the registered path is a prefix.
    path = got.path == want.path if want.query else got.path.startswith(want.path)
    query = got.query.startswith(want.query)
    return (
        bool(want.hostname) and scheme and want.hostname == got.hostname and port and path and query
    )


def _is_loopback(uri: Any) -> bool:
    return uri.scheme == "http" and uri.hostname in ("127.0.0.1", "::1")


def client_credentials(request: Request) -> tuple[str | None, str | None] | None:
    """The client ID and secret of a token request: HTTP Basic, else the body.

    Returns None when both are present and name different clients.
    """
    body_id = request.client_id
    body_secret = request.client_secret
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return body_id, body_secret
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:
        return None
    # RFC 6749 §2.3.1: both halves are form-encoded before the Basic encoding.
    basic_id, _, basic_secret = (unquote(part.replace("+", " ")) for part in decoded.partition(":"))
    if body_id and body_id != basic_id:
        return None
    return basic_id, basic_secret


class DevWikiRequestValidator(RequestValidator):
    """oauthlib's questions, answered from the provider's SQLite file."""

    def __init__(self, store: OAuthStore) -> None:
        super().__init__()
        self.store = store

    # Clients

    def _consumer(self, client_id: str | None) -> StoredConsumer | None:
        return self.store.consumer(client_id) if client_id else None

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """Confidential clients must authenticate; a public one only names itself."""
        credentials = client_credentials(request)
        if credentials is None:
            return True
        client_id, secret = credentials
        consumer = self._consumer(client_id)
        return consumer is None or consumer.confidential or secret is not None

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        credentials = client_credentials(request)
        if credentials is None:
            return False
        client_id, secret = credentials
        consumer = self._consumer(client_id)
        if consumer is None or secret is None or not consumer.secret_matches(secret):
            return False
        request.client = consumer
        request.client_id = consumer.client_id
        return True

    def authenticate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        consumer = self._consumer(client_id)
        if consumer is None or consumer.confidential:
            return False
        request.client = consumer
        return True

    def validate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        consumer = self._consumer(client_id)
        if consumer is None:
            return False
        request.client = consumer
        return True

    def validate_grant_type(
        self,
        client_id: str,
        grant_type: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        return response_type == "code"

    # Redirect URIs

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        # OAuth 2.0 consumers match exactly (league/oauth2-server); the "callback is
        # prefix" matching of MWOAuthServer::checkCallback is OAuth 1.0a's only.
        consumer = self._consumer(client_id)
        return consumer is not None and redirect_uri_matches(
            consumer.callback_url, redirect_uri, is_prefix=False
        )

    def get_default_redirect_uri(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> str | None:
        """The registered URI, unless it is only a prefix: then the request must name one."""
        consumer = self._consumer(client_id)
        if consumer is None or consumer.callback_is_prefix:
            return None
        return consumer.callback_url

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """The token request names the same URI as the authorization request, or both none."""
        stored: AuthCode = request.devwiki_code
        if stored.redirect_uri is None:
            return bool(request.using_default_redirect_uri)
        return not request.using_default_redirect_uri and redirect_uri == stored.redirect_uri

    # Scopes

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        return ["#default"]

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Unknown scopes are an error; known ones the consumer lacks are dropped (as MW does)."""
        if any(scope not in KNOWN_SCOPES for scope in scopes):
            return False
        consumer: StoredConsumer = request.client
        if "#default" in scopes:
            request.scopes = list(consumer.grants)
        else:
            request.scopes = [scope for scope in scopes if scope in consumer.grants]
        return True

    # Authorization codes

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        """$wgOAuth2RequireCodeChallengeForPublicClients, on by default."""
        consumer = self._consumer(client_id)
        return consumer is not None and not consumer.confidential

    def save_authorization_code(
        self, client_id: str, code: Mapping[str, str], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        self.store.save_code(
            code["code"],
            client_id,
            request.user,
            None if request.using_default_redirect_uri else request.redirect_uri,
            request.scopes or [],
            request.code_challenge,
            request.code_challenge_method,
        )

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """A code this client got, unexpired and unused; a used one revokes its tokens."""
        stored = self.store.code(code)
        if stored is None:
            raise errors.InvalidGrantError(description="Cannot decrypt the authorization code")
        if stored.used is not None:
            self.store.revoke_tokens_of_code(stored.code_hash)
            raise errors.InvalidGrantError(description="Authorization code has been revoked")
        if stored.expires <= now():
            raise errors.InvalidGrantError(description="Authorization code has expired")
        if stored.client_id != client.client_id:
            raise errors.InvalidGrantError(
                description="Authorization code was not issued to this client"
            )
        request.devwiki_code = stored
        request.user = stored.user
        request.scopes = list(stored.scopes)
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        return request.devwiki_code.challenge

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        return request.devwiki_code.challenge_method

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Nothing left to do: :func:`claim_code` marked the code used before the token."""

    # Tokens

    def save_bearer_token(
        self, token: Mapping[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> str | None:
        user: WikiUser = request.user
        scopes = request.scopes or []
        code: AuthCode | None = getattr(request, "devwiki_code", None)
        code_hash = code.code_hash if code else None
        traded: IssuedToken | None = getattr(request, "devwiki_refresh", None)
        if traded is not None:  # rotation: the refresh token traded in is spent
            self.store.revoke_token(traded.token_hash)
            code_hash = traded.code_hash
        client_id = request.client.client_id
        self.store.save_token(
            token["access_token"], "access", client_id, user, scopes, token["expires_in"], code_hash
        )
        if "refresh_token" in token:
            self.store.save_token(
                token["refresh_token"],
                "refresh",
                client_id,
                user,
                scopes,
                REFRESH_TOKEN_LIFETIME,
                code_hash,
            )
        return None

    def validate_bearer_token(self, token: str | None, scopes: Any, request: Request) -> bool:
        issued = self.store.token(token, "access") if token else None
        if issued is None or not issued.usable:
            return False
        request.devwiki_token = issued
        request.user = issued.user
        request.client_id = issued.client_id
        request.scopes = list(issued.scopes)
        return True

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        issued = self.store.token(refresh_token, "refresh")
        if issued is None:
            raise errors.InvalidGrantError(description="Cannot decrypt the refresh token")
        if issued.revoked:
            raise errors.InvalidGrantError(description="Token has been revoked")
        if not issued.usable:
            raise errors.InvalidGrantError(description="Token has expired")
        if issued.client_id != client.client_id:
            raise errors.InvalidGrantError(description="Token is not linked to client")
        request.devwiki_refresh = issued
        request.user = issued.user
        return True

    def get_original_scopes(
        self, refresh_token: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(request.devwiki_refresh.scopes)

    def rotate_refresh_token(self, request: Request) -> bool:
        return True


def make_server(store: OAuthStore) -> WebApplicationServer:
    """oauthlib's authorization code + refresh token server, with Meta-Wiki's extra checks."""
    validator = DevWikiRequestValidator(store)
    server = WebApplicationServer(validator, token_expires_in=_token_lifetime)
    server.auth_grant.validate_code_challenge = _explained(
        server.auth_grant.validate_code_challenge
    )
    server.auth_grant.custom_validators.pre_auth.append(_check_code_challenge)
    server.auth_grant.custom_validators.pre_token.append(_check_code_verifier)
    server.auth_grant.custom_validators.post_token.append(_claim_code(store))
    for grant in (server.auth_grant, server.refresh_grant):
        grant.register_token_modifier(_league_token_shape)
    return server


def _explained(verify: Callable[[str, str, str], bool]) -> Callable[[str, str, str], bool]:
    """A failed PKCE check says so, as league/oauth2-server's does."""

    def checked(challenge: str, method: str, verifier: str) -> bool:
        if not verify(challenge, method, verifier):
            raise errors.InvalidGrantError(description="Failed to verify `code_verifier`.")
        return True

    return checked


def _token_lifetime(request: Request) -> int:
    consumer: StoredConsumer = request.client
    return consumer.token_lifetime


def _check_code_challenge(request: Request) -> dict[str, Any]:
    challenge = request.code_challenge
    if challenge is not None and not PKCE_VALUE.match(challenge):
        raise errors.InvalidRequestError(
            description="Code challenge must follow the specifications of RFC-7636.",
            request=request,
        )
    return {}


def _check_code_verifier(request: Request) -> None:
    verifier = request.code_verifier
    if verifier is not None and not PKCE_VALUE.match(verifier):
        raise errors.InvalidRequestError(
            description="Code Verifier must follow the specifications of RFC-7636.",
            request=request,
        )


def _claim_code(store: OAuthStore) -> Callable[[Request], None]:
    """After every other check: refuse a PKCE downgrade, then use the code up, atomically."""

    def claim(request: Request) -> None:
        if request.devwiki_code.challenge is None and request.code_verifier is not None:
            raise errors.InvalidRequestError(
                description="code_verifier received when no code_challenge is present",
                request=request,
            )
        if not store.claim_code(request.code):
            raise errors.InvalidGrantError(
                description="Authorization code has been revoked", request=request
            )

    return claim


def _league_token_shape(token: Mapping[str, Any], handler: Any, request: Request) -> dict[str, Any]:
    """league/oauth2-server's key order, without the ``scope`` member it never sends."""
    shaped = {
        "token_type": "Bearer",
        "expires_in": token["expires_in"],
        "access_token": token["access_token"],
    }
    if "refresh_token" in token:
        shaped["refresh_token"] = token["refresh_token"]
    return shaped
