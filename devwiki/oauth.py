"""A local OAuth 2.0 provider that speaks MediaWiki's protocol, beside the development wiki.

Safety Desk signs people in against Meta-Wiki (Extension:OAuth, OAuth 2.0
authorization code grant with PKCE) and reads CentralAuth's ``globaluserinfo``.
Neither extension is packaged, so this provider stands in for Meta-Wiki and the
tool's client code runs unchanged against it::

    /w/rest.php/oauth2/authorize          sign in (username, password, "Allow"), then
                                          back to the client with ``code`` and ``state``
    /w/rest.php/oauth2/access_token       code (or refresh token) -> bearer token
    /w/rest.php/oauth2/resource/profile   the token's user, read from the wiki now
    /w/rest.php/oauth2/resource/scopes    the consumer's grants
    /w/api.php                            ``meta=globaluserinfo`` and ``list=globalblocks``
                                          from globalusers.json; every other module
                                          passed on to the wiki

Where Meta-Wiki differs from a plain wiki, it does as Meta-Wiki does: the profile's
``sub`` is the central ID; a hidden account's profile is only ``sub`` and
``blocked: true``, and it is ``missing`` in ``list=users``; ``blocked`` counts global
blocks; OAuth 2.0 redirect URIs match exactly; "Cancel" answers
``error=unauthorized_client`` without ``state``.

The checks are oauthlib's (:mod:`~tools.devwiki.oauth_server`), the state a SQLite
file (:mod:`~tools.devwiki.oauth_store`), global accounts a JSON file
(:mod:`~tools.devwiki.oauth_central`), all in the development wiki's folder.
:class:`~tools.devwiki.DevWiki` starts it; alone::

    python -m tools.devwiki.oauth --dir instance/devwiki --port 8182 \\
        --wiki-api http://127.0.0.1:8181/api.php
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749 import errors
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import run_simple
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from devwiki.oauth_central import (
    GLOBAL_USERS_FILE,
    GUIPROPS,
    ApiError,
    GlobalAccount,
    GlobalUsers,
    LocalWiki,
    canonical_username,
    central_id,
    global_blocks,
    global_user_info,
)
from devwiki.oauth_server import make_server, oauth_error_body
from devwiki.oauth_store import DATABASE_FILE, IssuedToken, OAuthStore, WikiUser, now
from devwiki.oauth_wiki import WikiClient, WikiUnavailable

log = logging.getLogger(__name__)

REST_PATH = "/w/rest.php"
AUTHORIZE_PATH = f"{REST_PATH}/oauth2/authorize"
API_PATH = "/w/api.php"
SITE_NAME = "Safety Desk Dev Wiki"
FORM_COOKIE = "safetydesk_devwiki_oauth_form"
FORM_LIFETIME = 3600  # seconds a sign-in form may wait for its "Allow"
NONCE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
#: What the approval page says each grant lets the consumer do.
GRANT_DESCRIPTIONS = {
    "mwoauth-authonly": "know who you are (no access to pages, no actions on your behalf)",
    "mwoauth-authonlyprivate": "know who you are, with your real name and email address",
    "basic": "basic rights",
}
#: Parameters of an api.php query that ask the wiki for more than globaluserinfo.
QUERY_MODULES = ("list", "prop", "meta", "generator", "titles", "pageids", "revids", "export")
DOCREF = (
    "See {api} for API usage. Subscribe to the mediawiki-api-announce mailing list at "
    "&lt;https://lists.wikimedia.org/postorius/lists/"
    "mediawiki-api-announce.lists.wikimedia.org/&gt; "
    "for notice of API deprecations and breaking changes."
)
PAGE_HEADERS = {
    # No script, style, frame or third-party resource: the page needs none.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class OAuthProvider:
    """The WSGI application; one instance serves every thread of the server."""

    def __init__(
        self,
        workdir: Path | str,
        wiki_api: str,
        *,
        wiki_id: str = "devwiki",
        site_name: str = SITE_NAME,
    ) -> None:
        workdir = Path(workdir)
        self.store = OAuthStore(workdir / DATABASE_FILE)
        self.server = make_server(self.store)
        self.accounts = GlobalUsers(workdir / GLOBAL_USERS_FILE)
        self.wiki = LocalWiki(wiki_id, wiki_api.removesuffix("/api.php"), WikiClient(wiki_api))
        self.site_name = site_name
        self._form_key = self.store.secret_key("authorize-form")
        self.routes: dict[str, Callable[[Request], Response]] = {
            "/": self.index,
            AUTHORIZE_PATH: self.authorize,
            f"{REST_PATH}/oauth2/access_token": self.access_token,
            f"{REST_PATH}/oauth2/resource/profile": partial(self.resource, "profile"),
            f"{REST_PATH}/oauth2/resource/scopes": partial(self.resource, "scopes"),
            API_PATH: self.api,
        }

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route by path; a wiki that does not answer is the server's error, not the client's."""
        handler = self.routes.get(request.path)
        if handler is None:
            relative = request.path.removeprefix(REST_PATH)
            message = f"The requested relative path ({relative}) did not match any known handler"
            return rest_error(404, "rest-no-match", message)
        try:
            return handler(request)
        except WikiUnavailable as error:
            log.error("%s", error)
            if request.path == API_PATH:
                return api_error(
                    ApiError("internal_api_error_WikiUnavailable", str(error)), request
                )
            body = oauth_error_body("server_error", description=str(error))
            return json_response(body, 503)

    # Pages

    def index(self, request: Request) -> Response:
        """What this is, for someone who opens the provider's address in a browser."""
        text = (
            f"Development OAuth 2.0 provider of {self.site_name} (a stand-in for Meta-Wiki).\n"
            f"Authorize: {request.host_url.rstrip('/')}{AUTHORIZE_PATH}\n"
            f"Central API: {request.host_url.rstrip('/')}{API_PATH}\n"
            f"Wiki: {self.wiki.url}\n"
        )
        return Response(text, mimetype="text/plain")

    # Authorization

    def authorize(self, request: Request) -> Response:
        """GET: the sign-in form; POST: check it, then back to the client with a code."""
        if request.method not in ("GET", "POST"):
            return rest_error(405, "rest-wrong-method", f"Method {request.method} not allowed")
        # Only the query string carries OAuth parameters; the form's fields are ours.
        try:
            scopes, info = self.server.validate_authorization_request(request.url, "GET", None, {})
        except errors.FatalClientError as error:
            return self._error_page(error)
        except errors.OAuth2Error as error:
            if not error.redirect_uri:
                return self._error_page(error)
            return redirect(error.in_uri(error.redirect_uri), 302)
        consumer = info["request"].client
        if request.method == "GET":
            return self._form(request, consumer.name, scopes)
        return self._allow(request, consumer.name, scopes, info)

    def _allow(
        self, request: Request, consumer_name: str, scopes: list[str], info: Mapping[str, Any]
    ) -> Response:
        form = partial(self._form, request, consumer_name, scopes)
        if not self._form_token_valid(request):
            return form(
                error="This form has expired or did not come from this page. Please try again.",
                status=400,
            )
        if request.form.get("approval") == "cancel":
            # Extension:OAuth's answer to "Cancel": unauthorized_client, and no state.
            cancelled = add_params_to_uri(info["redirect_uri"], [("error", "unauthorized_client")])
            return redirect(cancelled, 302)
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            return form(error="Enter your username and your password.", username=username)
        login = self.wiki.client.check_password(username, password, self.wiki.url)
        account = self.wiki.client.user(name=login.username) if login.ok else None
        if account is None:
            return form(error=login.message or "Login failed.", username=username)
        user = WikiUser(account["userid"], account["name"])
        log.info("%s allowed %s", user.name, info["client_id"])
        headers, _, status = self.server.create_authorization_response(
            request.url, "GET", None, {}, scopes=scopes, credentials={"user": user}
        )
        return redirect(headers["Location"], status)

    def _form(
        self,
        request: Request,
        consumer_name: str,
        scopes: Sequence[str],
        *,
        error: str = "",
        username: str = "",
        status: int = 200,
    ) -> Response:
        nonce = _form_nonce(request)
        fresh = nonce is None
        if nonce is None:
            nonce = secrets.token_urlsafe(32)
        body = authorize_form(
            site=self.site_name,
            consumer=consumer_name,
            grants=scopes,
            action=f"{AUTHORIZE_PATH}?{request.query_string.decode('ascii', 'replace')}",
            token=self._form_token(nonce, request.query_string),
            username=username,
            error=error,
        )
        response = html_response(page(f"Sign in to {self.site_name}", body), status)
        if fresh:
            response.set_cookie(
                FORM_COOKIE, nonce, path=AUTHORIZE_PATH, httponly=True, samesite="Strict"
            )
        return response

    def _form_token(self, nonce: str, query: bytes, issued: int | None = None) -> str:
        """A per-form token: this browser's cookie, this request's query, when it was shown."""
        issued = int(now()) if issued is None else issued
        message = b"|".join((nonce.encode("ascii"), str(issued).encode("ascii"), query))
        mac = hmac.new(self._form_key, message, hashlib.sha256).hexdigest()
        return f"{issued}.{mac}"

    def _form_token_valid(self, request: Request) -> bool:
        """Double-submit check: a page on another site can neither read nor set the cookie."""
        nonce = _form_nonce(request)
        token = request.form.get("csrf_token", "")
        issued = token.partition(".")[0]
        if nonce is None or not issued.isdigit() or now() - int(issued) > FORM_LIFETIME:
            return False
        expected = self._form_token(nonce, request.query_string, int(issued))
        return hmac.compare_digest(expected, token)

    def _error_page(self, error: errors.OAuth2Error) -> Response:
        """A request that cannot be sent back to its client: explain it here, never redirect."""
        fallback = (400, error.error, error.description or error.error)
        status, code, text = FATAL_ERRORS.get(type(error), fallback)
        body = (
            f"<p>{html.escape(text)}</p>\n"
            f"<p>Error code: <code>{html.escape(code)}</code></p>\n"
            "<p>Go back to the application you came from and try again; "
            "if this happens again, tell its maintainers.</p>"
        )
        return html_response(page("OAuth error", body), status)

    # Tokens and resources

    def access_token(self, request: Request) -> Response:
        """Trade a code or refresh token for a bearer token (RFC 6749 §4.1.3, §6)."""
        if request.method != "POST":
            return rest_error(405, "rest-wrong-method", f"Method {request.method} not allowed")
        if request.mimetype != "application/x-www-form-urlencoded":
            message = f"Unsupported Content-Type: {request.mimetype or '(none)'}"
            return rest_error(415, "rest-unsupported-content-type", message)
        headers, body, status = self.server.create_token_response(
            request.url, "POST", request.get_data(as_text=True), dict(request.headers)
        )
        if status < 400:
            return Response(body, status, headers)
        answer = json.loads(body)
        headers = {
            name: value for name, value in headers.items() if name.lower() != "www-authenticate"
        }
        if answer["error"] == "invalid_client" and "Authorization" in request.headers:
            headers["WWW-Authenticate"] = 'Basic realm="OAuth"'
        description = answer.get("error_description")
        error_body = oauth_error_body(
            answer["error"], hint=OAUTHLIB_HINTS.get(description or ""), description=description
        )
        return Response(json.dumps(error_body), status, headers)

    def resource(self, kind: str, request: Request) -> Response:
        """``resource/profile`` and ``resource/scopes``: what a valid bearer token may read."""
        if request.method not in ("GET", "POST"):
            return rest_error(405, "rest-wrong-method", f"Method {request.method} not allowed")
        token = self._bearer_token(request)
        if token is None:
            hint = (
                "Access token could not be verified"
                if request.headers.get("Authorization")
                else 'Missing "Authorization" header'
            )
            return json_response(oauth_error_body("access_denied", hint=hint), 401)
        if kind == "scopes":
            consumer = self.store.consumer(token.client_id)
            return json_response({"scopes": list(consumer.grants) if consumer else []})
        account = self.wiki.client.user(user_id=token.user.id)
        if account is None:
            return rest_error(403, "mwoauth-invalid-user", "The token's user no longer exists")
        entry = self.accounts.get(account["name"])
        return json_response(profile(account, token.scopes, entry))

    def _bearer_token(self, request: Request) -> IssuedToken | None:
        """The usable access token of an ``Authorization: Bearer`` header, or None."""
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        valid, checked = self.server.verify_request(
            request.base_url, "GET", None, {"Authorization": header}
        )
        return checked.devwiki_token if valid else None

    # api.php

    def api(self, request: Request) -> Response:
        """CentralAuth's ``meta=globaluserinfo`` here; the rest of the query from the wiki."""
        params = {**request.args.to_dict(), **request.form.to_dict()}
        query = params.get("action") == "query"
        asks_gui = query and "globaluserinfo" in _split(params, "meta")
        asks_gui = asks_gui or (query and "globalblocks" in _split(params, "list"))
        central_ids = "centralids" in _split(params, "usprop")
        try:
            token_user = self._api_token_user(request)
            if asks_gui:
                answer = self._query_with_globaluserinfo(request, params, token_user)
            elif central_ids and params.get("format") == "json":
                cookie = request.headers.get("Cookie")
                answer = self.wiki.client.forward_json(request.method, params, cookie)
            else:
                return self._pass_through(request, params)
        except ApiError as error:
            return api_error(error, request)
        _hide_suppressed(answer, self.accounts.load())
        _add_central_ids(answer)
        error = answer.get("error", {}).get("code")
        return json_response(answer, headers={"MediaWiki-API-Error": error} if error else None)

    def _api_token_user(self, request: Request) -> str | None:
        """The user of a bearer token sent to api.php; a bad token is an error, as on Meta."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        token = self._bearer_token(request)
        if token is None:
            raise ApiError(
                "mwoauth-invalid-authorization",
                "The authorization headers in your request are not valid: "
                "the access token is invalid or has expired.",
            )
        return token.user.name

    def _query_with_globaluserinfo(
        self, request: Request, params: Mapping[str, str], token_user: str | None
    ) -> dict[str, Any]:
        formatversion2 = params.get("formatversion") in ("2", "latest")
        if params.get("format") != "json":
            raise ApiError(
                "badvalue", "This development Meta-Wiki answers globaluserinfo in JSON only."
            )
        asks_gui = "globaluserinfo" in _split(params, "meta")
        name = self._gui_name(params, token_user) if asks_gui else None
        props = _split(params, "guiprop")
        unknown = [prop for prop in props if prop not in GUIPROPS]
        info = (
            global_user_info(name, props, self.accounts, self.wiki) if name else {"missing": True}
        )
        blocks = [canonical_username(target) for target in _split(params, "bgtargets")]
        rest = _without_globaluserinfo(params)
        if any(rest.get(module) for module in QUERY_MODULES):
            cookie = request.headers.get("Cookie")
            answer = self.wiki.client.forward_json(request.method, rest, cookie)
            if "error" in answer:
                return answer
        else:
            answer = {"batchcomplete": True if formatversion2 else ""}
        if unknown:
            text = f'Unrecognized value for parameter "guiprop": {", ".join(unknown)}.'
            key = "warnings" if formatversion2 else "*"
            answer.setdefault("warnings", {})["globaluserinfo"] = {key: text}
        if asks_gui:
            answer.setdefault("query", {})["globaluserinfo"] = (
                info if formatversion2 else _formatversion1(info)
            )
        if "globalblocks" in _split(params, "list"):
            answer.setdefault("query", {})["globalblocks"] = global_blocks(blocks, self.accounts)
        return answer

    def _gui_name(self, params: Mapping[str, str], token_user: str | None) -> str | None:
        """Whom the query is about: guiuser, guiid, else the token's user (else anonymous)."""
        if params.get("guiuser"):
            return canonical_username(params["guiuser"])
        if params.get("guiid"):
            user_id = params["guiid"]
            account = self.wiki.client.user(user_id=int(user_id)) if user_id.isdigit() else None
            if account is None:
                raise ApiError("invaliduserid", f'There is no user with ID "{user_id}".')
            return account["name"]
        return token_user

    def _pass_through(self, request: Request, params: Mapping[str, str]) -> Response:
        """The wiki's answer as it is: whatever the stand-in does not answer itself."""
        upstream = self.wiki.client.forward(request.method, params, request.headers.get("Cookie"))
        response = Response(upstream.content, upstream.status_code)
        for name in ("Content-Type", "MediaWiki-API-Error", "Cache-Control"):
            if name in upstream.headers:
                response.headers[name] = upstream.headers[name]
        for cookie in upstream.raw.headers.getlist("Set-Cookie"):
            response.headers.add("Set-Cookie", cookie)
        return response


#: Fatal authorization errors: HTTP status, league's error code, what the page says.
FATAL_ERRORS: dict[type[errors.OAuth2Error], tuple[int, str, str]] = {
    errors.MissingClientIdError: (
        400,
        "invalid_request",
        "The request does not say which application it is for.",
    ),
    errors.InvalidClientIdError: (
        401,
        "invalid_client",
        "No application is registered with this client ID, so it cannot be allowed.",
    ),
    errors.MismatchingRedirectURIError: (
        401,
        "invalid_client",
        "The address to return to (redirect_uri) is not one registered for this application.",
    ),
    errors.MissingRedirectURIError: (
        401,
        "invalid_client",
        "The application is registered with a callback prefix, so the request must name "
        "the address to return to (redirect_uri).",
    ),
    errors.InvalidRedirectURIError: (
        400,
        "invalid_request",
        "The address to return to (redirect_uri) is not an absolute URI.",
    ),
}

#: oauthlib's descriptions -> league/oauth2-server's hints, where they differ.
OAUTHLIB_HINTS = {
    "Mismatching redirect URI.": "Invalid redirect URI",
    "Code verifier required.": "Check the `code_verifier` parameter",
    "Missing code parameter.": "Check the `code` parameter",
    "Missing refresh token parameter.": "Check the `refresh_token` parameter",
    "Missing redirect URI.": "Check the `redirect_uri` parameter",
}


def profile(
    account: Mapping[str, Any], grants: Sequence[str], entry: GlobalAccount | None = None
) -> dict[str, Any]:
    """Extension:OAuth's UserStatementProvider::getUserProfile, from ``list=users``.

    ``sub`` is the central (CentralAuth) ID. ``blocked`` is ``User::getBlock()``: any
    local block, partial ones too, and a global block (GlobalBlocking's GetUserBlock
    hook). A hidden account's profile is only ``sub`` and ``blocked: true``. The
    development wiki sends no mail, so no address is ever confirmed.
    """
    sub = str(central_id(account["userid"]))
    if entry is not None and entry.hidden:
        return {"sub": sub, "blocked": True}
    data: dict[str, Any] = {
        "sub": sub,
        "username": account["name"],
        "editcount": int(account.get("editcount", 0)),
        "confirmed_email": False,
        "email_verified": False,
        "blocked": "blockid" in account or (entry is not None and entry.global_block is not None),
        "registered": mw_timestamp(account.get("registration")),
        "groups": list(account.get("groups", [])),
        "rights": list(dict.fromkeys(account.get("rights", []))),
        "grants": list(grants),
    }
    if "mwoauth-authonlyprivate" in grants:
        data |= {"realname": "", "email": ""}
    return data


def mw_timestamp(iso: str | None) -> str | None:
    """``2024-05-01T10:00:00Z`` -> ``20240501100000`` (TS_MW), as User::getRegistration."""
    if not iso:
        return None
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%d%H%M%S")


def _split(params: Mapping[str, str], name: str) -> list[str]:
    """The values of a multi-value api.php parameter (``a|b|c``)."""
    return [part for part in params.get(name, "").split("|") if part]


def _form_nonce(request: Request) -> str | None:
    """This browser's form cookie, if it holds what :meth:`OAuthProvider._form` sets."""
    nonce = request.cookies.get(FORM_COOKIE, "")
    return nonce if NONCE.fullmatch(nonce) else None


def _without_globaluserinfo(params: Mapping[str, str]) -> dict[str, str]:
    """The query the wiki can answer: without globaluserinfo, globalblocks and their
    ``gui``/``bg`` parameters (CentralAuth and GlobalBlocking are not installed)."""
    rest = {name: value for name, value in params.items() if not name.startswith(("gui", "bg"))}
    for parameter, module in (("meta", "globaluserinfo"), ("list", "globalblocks")):
        kept = [value for value in _split(rest, parameter) if value != module]
        if kept:
            rest[parameter] = "|".join(kept)
        else:
            rest.pop(parameter, None)
    return rest


def _hide_suppressed(answer: dict[str, Any], accounts: Mapping[str, GlobalAccount]) -> None:
    """``list=users`` as anyone without ``hideuser`` sees it: a hidden account is missing."""
    users = answer.get("query", {}).get("users", [])
    for index, user in enumerate(users):
        entry = accounts.get(user.get("name", ""))
        if entry is not None and entry.hidden and "userid" in user:
            users[index] = {"name": user["name"], "missing": True}


def _formatversion1(value: Any) -> Any:
    """MediaWiki's formatversion=1 booleans: true is ``""``, false is left out."""
    if value is True:
        return ""
    if isinstance(value, dict):
        return {key: _formatversion1(item) for key, item in value.items() if item is not False}
    if isinstance(value, list):
        return [_formatversion1(item) for item in value]
    return value


def _add_central_ids(answer: dict[str, Any]) -> None:
    """``usprop=centralids`` as on Meta-Wiki: a CentralAuth ID beside the local one."""
    for user in answer.get("query", {}).get("users", []):
        if "userid" not in user:
            continue
        if "centralids" in user:
            user["centralids"] = {"CentralAuth": central_id(user["userid"]), **user["centralids"]}
        if "attachedlocal" in user:
            attached = user["attachedlocal"].get("local", True)
            user["attachedlocal"] = {"CentralAuth": attached, **user["attachedlocal"]}


# Responses


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(json.dumps(data), status, dict(headers or {}), mimetype="application/json")


def rest_error(status: int, key: str, message: str) -> Response:
    """An error of MediaWiki's REST framework (rest.php)."""
    body = {
        "errorKey": key,
        "messageTranslations": {"en": message},
        "httpCode": status,
        "httpReason": HTTP_STATUS_CODES.get(status, ""),
    }
    return json_response(body, status)


def api_error(error: ApiError, request: Request) -> Response:
    """An api.php error in the requested formatversion, with its header, as MediaWiki sends."""
    params = {**request.args.to_dict(), **request.form.to_dict()}
    docref = DOCREF.format(api=request.base_url)
    if params.get("formatversion") in ("2", "latest"):
        details = {"code": error.code, "info": error.info, "docref": docref}
    else:
        details = {"code": error.code, "info": error.info, "*": docref}
    body = {"error": details, "servedby": "devwiki-oauth"}
    return json_response(body, headers={"MediaWiki-API-Error": error.code})


def html_response(text: str, status: int = 200) -> Response:
    return Response(text, status, PAGE_HEADERS, mimetype="text/html")


def page(title: str, body: str) -> str:
    """A whole HTML page: no script, no style, landmarks and a heading for screen readers."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<main>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def authorize_form(
    *,
    site: str,
    consumer: str,
    grants: Sequence[str],
    action: str,
    token: str,
    username: str,
    error: str,
) -> str:
    """The sign-in and approval form: labelled fields, Enter submits "Allow"."""
    wants = "; ".join(GRANT_DESCRIPTIONS.get(grant, grant) for grant in grants) or "nothing more"
    invalid = ' aria-invalid="true" aria-describedby="form-error"' if error else ""
    alert = (
        f'<p id="form-error" role="alert"><strong>Error:</strong> {html.escape(error)}</p>\n'
        if error
        else ""
    )
    focus_password = " autofocus" if username else ""
    focus_username = "" if username else " autofocus"
    return (
        f"<p><strong>{html.escape(consumer)}</strong> would like to use your account on "
        f"{html.escape(site)} to {html.escape(wants)}.</p>\n"
        "<p>Sign in with your account of the development wiki and choose "
        "<strong>Allow</strong> to go on, or <strong>Cancel</strong> to go back.</p>\n"
        f"{alert}"
        f'<form method="post" action="{html.escape(action)}">\n'
        f'<input type="hidden" name="csrf_token" value="{html.escape(token)}">\n'
        '<p><label for="username">Username</label><br>\n'
        f'<input id="username" name="username" type="text" value="{html.escape(username)}" '
        f'autocomplete="username" autocapitalize="off" spellcheck="false" required'
        f"{invalid}{focus_username}></p>\n"
        '<p><label for="password">Password</label><br>\n'
        '<input id="password" name="password" type="password" autocomplete="current-password" '
        f"required{invalid}{focus_password}></p>\n"
        '<p><button type="submit" name="approval" value="allow">Allow</button>\n'
        '<button type="submit" name="approval" value="cancel" formnovalidate>Cancel</button></p>\n'
        "</form>"
    )


# Command line


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m tools.devwiki.oauth``: serve the provider until killed."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.devwiki.oauth",
        description="A local OAuth 2.0 provider speaking MediaWiki's protocol (Meta-Wiki's).",
    )
    parser.add_argument("--dir", required=True, type=Path, help="the development wiki's folder")
    parser.add_argument("--port", type=int, default=8182, help="port on 127.0.0.1 (8182)")
    parser.add_argument("--wiki-api", required=True, help="the local wiki's api.php URL")
    parser.add_argument("--wiki-id", default="devwiki", help="its database name (devwiki)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = OAuthProvider(args.dir, args.wiki_api, wiki_id=args.wiki_id)
    run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
