"""The local OAuth 2.0 provider: Meta-Wiki's protocol, driven by the client code Safety Desk uses.

The flow runs with ``requests`` and ``requests_oauthlib.OAuth2Session`` against the
provider that ``devwiki`` starts, signing in with the wiki's real passwords.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from click.testing import CliRunner
from oauth_pages import FormParser, browser, read_form
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session
from werkzeug.test import Client

from devwiki import (
    BLOCK_REASON,
    Account,
    Credentials,
    DevWiki,
    GlobalAccount,
    GlobalUsers,
    OAuthConsumer,
    free_ports,
)
from devwiki.cli import devwiki as devwiki_cli
from devwiki.oauth import OAuthProvider
from devwiki.oauth_central import wiki_url
from devwiki.oauth_server import redirect_uri_matches
from devwiki.oauth_store import OAuthStore
from tools.base import clock

CALLBACK = "http://127.0.0.1:5000/oauth-callback"


@pytest.fixture(autouse=True)
def _plain_http_to_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """oauthlib's client refuses http:// unless told that this is a local test."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@dataclass
class Flow:
    """One sign-in under way: the client's session and the browser's."""

    oauth: OAuth2Session
    browser: requests.Session
    state: str
    page: requests.Response

    def submit(self, account: Account, approval: str = "allow", **extra: str) -> requests.Response:
        """Fill in the form as a person would and press the button; do not follow the redirect."""
        form = read_form(self.page)
        data = {
            "csrf_token": form.fields["csrf_token"],
            "username": account.name,
            "password": account.password,
            "approval": approval,
            **extra,
        }
        return self.browser.post(
            urljoin(self.page.url, form.action), data=data, allow_redirects=False
        )


def begin(
    wiki: DevWiki,
    consumer: OAuthConsumer,
    redirect_uri: str = CALLBACK,
    pkce: str | None = "S256",
    scope: list[str] | None = None,
    **params: str,
) -> Flow:
    """What Safety Desk's /login does, then the browser opening the authorization page."""
    oauth = OAuth2Session(consumer.client_id, redirect_uri=redirect_uri, pkce=pkce, scope=scope)
    oauth.trust_env = False
    url, state = oauth.authorization_url(f"{wiki.oauth_base_url}/oauth2/authorize", **params)
    session = browser()
    return Flow(oauth, session, state, session.get(url, allow_redirects=False))


def pkce_pair() -> tuple[str, dict[str, str]]:
    """A verifier and the authorization parameters of its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, {"code_challenge": challenge, "code_challenge_method": "S256"}


def exchange(
    wiki: DevWiki, consumer: OAuthConsumer, code: str, secret: str | None = None, **extra: str
) -> requests.Response:
    """POST a code to the token endpoint by hand, the secret by HTTP Basic."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **extra}
    auth = (consumer.client_id, consumer.client_secret if secret is None else secret)
    return browser().post(token_url(wiki), data=data, auth=auth)


def callback_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {
        name: values[0]
        for name, values in parse_qs(urlsplit(response.headers["Location"]).query).items()
    }


def token_url(wiki: DevWiki) -> str:
    return f"{wiki.oauth_base_url}/oauth2/access_token"


def profile_url(wiki: DevWiki) -> str:
    return f"{wiki.oauth_base_url}/oauth2/resource/profile"


def sign_in(
    wiki: DevWiki, account: Account, consumer: OAuthConsumer | None = None
) -> tuple[OAuth2Session, dict[str, Any]]:
    """The whole flow: form, code, token (the secret by HTTP Basic, requests-oauthlib's way)."""
    consumer = consumer or wiki.default_consumer
    flow = begin(wiki, consumer)
    location = flow.submit(account).headers["Location"]
    token = flow.oauth.fetch_token(
        token_url(wiki), authorization_response=location, client_secret=consumer.client_secret
    )
    return flow.oauth, token


def central(wiki: DevWiki, **params: str) -> dict[str, Any]:
    """GET the provider's api.php (Meta-Wiki's, with CentralAuth) in JSON."""
    response = browser().get(wiki.central_api_url, params={"format": "json", **params}, timeout=30)
    response.raise_for_status()
    return response.json()


def globaluserinfo(wiki: DevWiki, user: str, formatversion: str = "2") -> dict[str, Any]:
    answer = central(
        wiki,
        action="query",
        meta="globaluserinfo",
        guiuser=user,
        guiprop="groups|merged",
        formatversion=formatversion,
    )
    assert "error" not in answer, answer
    return answer["query"]["globaluserinfo"]


# Without MediaWiki


@pytest.mark.parametrize(
    ("registered", "given", "expected"),
    [
        ("https://tool.example/cb", "https://tool.example/cb", True),
        ("https://tool.example/cb", "https://tool.example/cb/", False),
        ("https://tool.example/cb", "https://tool.example/cb?x=1", False),
        ("https://tool.example/cb", "https://evil.example/cb", False),
        # RFC 8252 §7.3, as league/oauth2-server: a loopback URI may name any port.
        ("http://127.0.0.1/cb", "http://127.0.0.1:8000/cb", True),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:9000/cb", True),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:9000/other", False),
        ("http://localhost:8000/cb", "http://localhost:9000/cb", False),
    ],
)
def test_an_exact_callback_matches_only_itself(registered: str, given: str, expected: bool) -> None:
    assert redirect_uri_matches(registered, given, is_prefix=False) is expected


@pytest.mark.parametrize(
    ("registered", "given", "expected"),
    [
        ("https://tool.example/app", "https://tool.example/app/oauth-callback", True),
        ("https://tool.example/app", "https://tool.example/other", False),
        ("https://tool.example", "https://tool.example/anything?at=all", True),
        ("http://tool.example/app", "https://tool.example/app/cb", True),  # upgrade to https
        ("https://tool.example/app", "http://tool.example/app/cb", False),  # never downgrade
        ("https://tool.example/app", "https://tool.example.evil/app", False),
        ("https://tool.example/app", "https://user@tool.example/app", False),
        ("https://tool.example:8443/app", "https://tool.example/app", False),
        ("https://tool.example:1/app", "https://tool.example:8443/app", True),  # port 1: any
        ("https://tool.example/app?a=1", "https://tool.example/app?a=1&b=2", True),
        ("https://tool.example/app?a=1", "https://tool.example/app/x?a=1", False),
        ("http://127.0.0.1", "http://127.0.0.1:8000/oauth-callback", True),
        ("http://127.0.0.1", "http://localhost:8000/oauth-callback", False),
    ],
)
def test_a_callback_prefix_matches_as_mediawiki_matches_it(
    registered: str, given: str, expected: bool
) -> None:
    assert redirect_uri_matches(registered, given, is_prefix=True) is expected


def test_secrets_are_stored_only_as_hashes(tmp_path: Path) -> None:
    store = OAuthStore(tmp_path / "oauth.sqlite3")
    consumer = store.register("https://tool.example/cb")
    assert len(consumer.client_id) == 32 and len(consumer.client_secret) == 40
    with sqlite3.connect(tmp_path / "oauth.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert consumer.client_id in dump
    assert consumer.client_secret not in dump
    stored = store.consumer(consumer.client_id)
    assert stored is not None
    assert stored.secret_matches(consumer.client_secret)
    assert not stored.secret_matches(consumer.client_secret + "x")
    assert (tmp_path / "oauth.sqlite3").stat().st_mode & 0o077 == 0


def test_a_global_account_changed_for_a_while_comes_back(tmp_path: Path) -> None:
    accounts = GlobalUsers(tmp_path / "globalusers.json")
    accounts.add_missing({"Plain User": GlobalAccount(merged={"devwiki": ()})})
    with accounts.changed("Plain User", locked=True, groups=["ombuds"]) as changed:
        assert changed.locked and changed.groups == ("ombuds",)
        assert accounts.get("Plain User") == changed
    assert accounts.get("Plain User") == GlobalAccount(merged={"devwiki": ()})
    accounts.add_missing({"Plain User": GlobalAccount(locked=True)})
    assert accounts.get("Plain User") == GlobalAccount(merged={"devwiki": ()})


def test_wikis_are_found_by_database_name() -> None:
    assert wiki_url("enwiki") == "https://en.wikipedia.org"
    assert wiki_url("metawiki") == "https://meta.wikimedia.org"
    assert wiki_url("dewiktionary") == "https://de.wiktionary.org"
    assert wiki_url("zh_min_nanwiki") == "https://zh-min-nan.wikipedia.org"


def test_credentials_name_a_blocked_and_a_locked_account() -> None:
    credentials = Credentials.generate()
    assert credentials.blocked.name == "Blocked User"
    assert credentials.locked.name == "Locked User"
    assert Credentials.from_json(credentials.to_json()) == credentials
    assert list(credentials.accounts())[-1] == credentials.bot


@pytest.mark.parametrize("folder", ["unrelated", "another folder's provider"])
def test_stop_kills_no_provider_but_this_folders(tmp_path: Path, folder: str) -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    if folder != "unrelated":  # what /proc shows of a provider serving another folder
        sleeper += ["-m", "devwiki.oauth", "--dir", str(tmp_path / "other"), "--port", "1"]
    process = subprocess.Popen(sleeper)
    try:
        wiki = DevWiki(tmp_path, *free_ports(1))
        wiki.oauth_pid_file.write_text(f"{process.pid}\n")
        assert wiki.stop() is False
        assert process.poll() is None
        assert not wiki.oauth_pid_file.exists()
    finally:
        process.kill()
        process.wait()


# Against the session's wiki and provider


@pytest.mark.integration
def test_steward_signs_in_and_the_profile_tells_their_groups(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    flow = begin(devwiki, consumer)
    assert flow.page.status_code == 200
    assert 'name="username"' in flow.page.text and 'name="password"' in flow.page.text
    assert ">Allow</button>" in flow.page.text
    params = callback_params(flow.submit(devwiki.credentials.steward))
    assert params["state"] == flow.state
    token = flow.oauth.fetch_token(
        token_url(devwiki),
        code=params["code"],
        client_secret=consumer.client_secret,
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 4 * 3600
    assert token["refresh_token"]
    response = flow.oauth.get(profile_url(devwiki))
    assert response.status_code == 200
    profile = response.json()
    steward = central(devwiki, action="query", list="users", ususers="Steward One")
    local_id = steward["query"]["users"][0]["userid"]
    # As on Meta-Wiki, sub is the central (CentralAuth) ID, not the local one.
    assert profile["sub"] == str(globaluserinfo(devwiki, "Steward One")["id"])
    assert profile["sub"] != str(local_id)
    assert profile["username"] == "Steward One"
    assert {"steward", "*", "user", "autoconfirmed"} <= set(profile["groups"])
    assert "centralauth-lock" in profile["rights"]
    assert profile["blocked"] is False
    assert profile["confirmed_email"] is False
    assert len(profile["registered"]) == 14 and profile["registered"].isdigit()
    assert profile["grants"] == ["mwoauth-authonly"]
    assert isinstance(profile["editcount"], int)


@pytest.mark.integration
def test_the_client_secret_may_come_in_the_body(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    flow = begin(devwiki, consumer)
    location = flow.submit(devwiki.credentials.plain).headers["Location"]
    token = flow.oauth.fetch_token(
        token_url(devwiki),
        authorization_response=location,
        client_secret=consumer.client_secret,
        include_client_id=True,
    )
    assert flow.oauth.get(profile_url(devwiki)).json()["username"] == "Plain User"
    assert token["access_token"]


@pytest.mark.integration
def test_a_wrong_client_secret_is_refused(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    verifier, challenge = pkce_pair()
    flow = begin(devwiki, consumer, pkce=None, **challenge)
    code = callback_params(flow.submit(devwiki.credentials.plain))["code"]
    basic = exchange(devwiki, consumer, code, secret="wrong", code_verifier=verifier)
    assert basic.status_code == 401
    assert basic.json()["error"] == "invalid_client"
    assert basic.json()["error_description"] == "Client authentication failed"
    assert basic.headers["WWW-Authenticate"] == 'Basic realm="OAuth"'
    in_body = browser().post(
        token_url(devwiki),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            "client_id": consumer.client_id,
            "client_secret": "wrong",
        },
    )
    assert in_body.status_code == 401
    assert in_body.json()["error"] == "invalid_client"
    with pytest.raises(OAuth2Error) as refused:
        flow.oauth.fetch_token(
            token_url(devwiki), code=code, client_secret="wrong", code_verifier=verifier
        )
    assert refused.value.error == "invalid_client"
    # None of that spent the code.
    assert exchange(devwiki, consumer, code, code_verifier=verifier).status_code == 200


@pytest.mark.integration
def test_a_code_works_once_and_its_replay_revokes_the_token(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    flow = begin(devwiki, consumer)
    code = callback_params(flow.submit(devwiki.credentials.checkuser))["code"]
    flow.oauth.fetch_token(token_url(devwiki), code=code, client_secret=consumer.client_secret)
    assert flow.oauth.get(profile_url(devwiki)).status_code == 200
    replay = exchange(devwiki, consumer, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert replay.json()["hint"] == "Authorization code has been revoked"
    # RFC 6749 §4.1.2: the tokens issued from a replayed code are revoked.
    assert flow.oauth.get(profile_url(devwiki)).status_code == 401


@pytest.mark.integration
def test_a_wrong_or_missing_pkce_verifier_is_refused(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    verifier, challenge = pkce_pair()
    flow = begin(devwiki, consumer, pkce=None, **challenge)
    code = callback_params(flow.submit(devwiki.credentials.plain))["code"]
    wrong = exchange(devwiki, consumer, code, code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["hint"] == "Failed to verify `code_verifier`."
    missing = exchange(devwiki, consumer, code)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    # A refused attempt does not spend the code: the right verifier still works.
    right = exchange(devwiki, consumer, code, code_verifier=verifier)
    assert right.status_code == 200, right.text


@pytest.mark.integration
def test_plain_pkce_is_accepted_too(devwiki: DevWiki) -> None:
    # By hand: oauthlib 4.0.1's client sends no challenge at all for pkce="plain".
    consumer = devwiki.default_consumer
    verifier = secrets.token_urlsafe(48)
    challenge = {"code_challenge": verifier, "code_challenge_method": "plain"}
    flow = begin(devwiki, consumer, pkce=None, **challenge)
    code = callback_params(flow.submit(devwiki.credentials.plain))["code"]
    assert exchange(devwiki, consumer, code, code_verifier=verifier + "x").status_code == 400
    assert exchange(devwiki, consumer, code, code_verifier=verifier).status_code == 200


@pytest.mark.integration
def test_a_verifier_without_a_challenge_is_refused_as_a_downgrade(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    flow = begin(devwiki, consumer, pkce=None)
    code = callback_params(flow.submit(devwiki.credentials.plain))["code"]
    downgrade = exchange(devwiki, consumer, code, code_verifier=pkce_pair()[0])
    assert downgrade.status_code == 400
    assert downgrade.json()["error"] == "invalid_request"
    assert exchange(devwiki, consumer, code).status_code == 200  # confidential: PKCE optional


@pytest.mark.integration
def test_a_redirect_uri_not_registered_gets_an_error_page_not_a_redirect(devwiki: DevWiki) -> None:
    consumer = devwiki.register_consumer("https://tool.example/oauth-callback")
    for uri in ("https://evil.example/oauth-callback", "https://tool.example/oauth-callback/x"):
        flow = begin(devwiki, consumer, redirect_uri=uri)
        assert flow.page.status_code == 401
        assert "Location" not in flow.page.headers
        assert "redirect_uri" in flow.page.text
        assert flow.page.headers["Content-Type"].startswith("text/html")


@pytest.mark.integration
def test_a_redirect_uri_changed_between_authorize_and_token_is_refused(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    verifier, challenge = pkce_pair()
    flow = begin(devwiki, consumer, pkce=None, **challenge)
    code = callback_params(flow.submit(devwiki.credentials.plain))["code"]
    elsewhere = "http://127.0.0.1:5000/elsewhere"
    tampered = exchange(devwiki, consumer, code, code_verifier=verifier, redirect_uri=elsewhere)
    assert tampered.status_code == 400
    assert tampered.json()["error"] == "invalid_request"
    assert tampered.json()["hint"] == "Invalid redirect URI"


@pytest.mark.integration
def test_an_unknown_client_gets_an_error_page(devwiki: DevWiki) -> None:
    unknown = OAuthConsumer("0" * 32, "secret", CALLBACK)
    flow = begin(devwiki, unknown)
    assert flow.page.status_code == 401
    assert "Location" not in flow.page.headers
    assert "<h1>OAuth error</h1>" in flow.page.text
    assert "<code>invalid_client</code>" in flow.page.text


@pytest.mark.integration
def test_other_authorization_errors_go_back_to_the_client(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    scope = callback_params(begin(devwiki, consumer, scope=["no-such-grant"]).page)
    assert scope["error"] == "invalid_scope"
    assert scope["state"]
    method = begin(
        devwiki, consumer, pkce=None, code_challenge="a" * 43, code_challenge_method="S512"
    )
    assert callback_params(method.page)["error"] == "invalid_request"
    assert callback_params(method.page)["state"] == method.state


@pytest.mark.integration
def test_scopes_the_consumer_lacks_are_dropped_as_on_meta(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    flow = begin(devwiki, consumer, scope=["mwoauth-authonly", "editpage"])
    location = flow.submit(devwiki.credentials.plain).headers["Location"]
    flow.oauth.fetch_token(
        token_url(devwiki), authorization_response=location, client_secret=consumer.client_secret
    )
    assert flow.oauth.get(profile_url(devwiki)).json()["grants"] == ["mwoauth-authonly"]
    scopes = flow.oauth.get(f"{devwiki.oauth_base_url}/oauth2/resource/scopes").json()
    assert scopes == {"scopes": ["mwoauth-authonly"]}


@pytest.mark.integration
def test_a_wrong_password_shows_the_form_again_with_the_reason(devwiki: DevWiki) -> None:
    flow = begin(devwiki, devwiki.default_consumer)
    steward = devwiki.credentials.steward
    response = flow.submit(Account(steward.name, "not the password"))
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert 'role="alert"' in response.text
    assert "Incorrect username or password" in response.text
    assert 'value="Steward One"' in response.text
    flow.page = response  # a new form, with its own token, for the second try
    assert callback_params(flow.submit(steward))["state"] == flow.state


@pytest.mark.integration
def test_the_form_refuses_a_post_that_did_not_come_from_it(devwiki: DevWiki) -> None:
    flow = begin(devwiki, devwiki.default_consumer)
    forged = flow.submit(devwiki.credentials.steward, csrf_token="1.forged")
    assert forged.status_code == 400
    assert "Location" not in forged.headers
    # Another browser (without this one's cookie) cannot reuse the page's token.
    form = read_form(flow.page)
    stranger = browser().post(
        urljoin(flow.page.url, form.action),
        data=form.fields | {"username": "Steward One", "password": "x", "approval": "allow"},
        allow_redirects=False,
    )
    assert stranger.status_code == 400


@pytest.mark.integration
def test_cancel_sends_unauthorized_client_back_without_state(devwiki: DevWiki) -> None:
    flow = begin(devwiki, devwiki.default_consumer)
    params = callback_params(flow.submit(Account("", ""), approval="cancel"))
    assert params == {"error": "unauthorized_client"}  # Extension:OAuth's answer: no state


@pytest.mark.integration
def test_an_oauth2_consumer_with_a_callback_prefix_still_matches_exactly(
    devwiki: DevWiki,
) -> None:
    consumer = devwiki.register_consumer(
        "https://tool.example/oauth-callback", callback_is_prefix=True
    )
    beyond = begin(devwiki, consumer, redirect_uri="https://tool.example/oauth-callback/more")
    assert beyond.page.status_code == 401 and "Location" not in beyond.page.headers
    exact = begin(devwiki, consumer, redirect_uri="https://tool.example/oauth-callback")
    assert exact.page.status_code == 200


@pytest.mark.integration
def test_a_hidden_account_profile_is_only_sub_and_blocked(devwiki: DevWiki) -> None:
    with devwiki.global_users.changed("Plain User", hidden=True):
        oauth, _ = sign_in(devwiki, devwiki.credentials.plain)
        profile = oauth.get(profile_url(devwiki)).json()
        users = central(
            devwiki,
            action="query",
            list="users",
            ususers="Plain User",
            usprop="centralids",
            formatversion="2",
        )["query"]["users"]
    assert set(profile) == {"sub", "blocked"} and profile["blocked"] is True
    assert users == [{"name": "Plain User", "missing": True}]


@pytest.mark.integration
def test_a_global_block_shows_in_the_profile_and_in_list_globalblocks(devwiki: DevWiki) -> None:
    with devwiki.global_users.changed("Plain User", global_block="Cross-wiki spam"):
        oauth, _ = sign_in(devwiki, devwiki.credentials.plain)
        profile = oauth.get(profile_url(devwiki)).json()
        answer = central(
            devwiki,
            action="query",
            list="users|globalblocks",
            ususers="Plain User",
            usprop="blockinfo",
            bgtargets="Plain User",
            bgprop="target|expiry|reason",
            formatversion="2",
        )
    assert profile["blocked"] is True
    assert "blockid" not in answer["query"]["users"][0]  # not blocked on the wiki itself
    [block] = answer["query"]["globalblocks"]
    assert (block["target"], block["reason"]) == ("Plain User", "Cross-wiki spam")


@pytest.mark.integration
def test_an_expired_token_gets_401_from_the_profile(devwiki: DevWiki) -> None:
    consumer = devwiki.register_consumer(CALLBACK, token_lifetime=1)
    _, token = sign_in(devwiki, devwiki.credentials.plain, consumer)
    assert token["expires_in"] == 1
    # By hand: OAuth2Session itself refuses to send a token it knows has expired.
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert browser().get(profile_url(devwiki), headers=bearer).status_code == 200
    time.sleep(1.2)
    expired = browser().get(profile_url(devwiki), headers=bearer)
    assert expired.status_code == 401
    assert expired.json()["error"] == "access_denied"
    assert expired.json()["hint"] == "Access token could not be verified"


@pytest.mark.integration
def test_a_missing_or_unknown_token_gets_401(devwiki: DevWiki) -> None:
    missing = browser().get(profile_url(devwiki))
    assert missing.status_code == 401
    assert missing.json() == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request.",
        "hint": 'Missing "Authorization" header',
        "message": "The resource owner or authorization server denied the request.",
    }
    unknown = browser().get(profile_url(devwiki), headers={"Authorization": "Bearer nonsense"})
    assert unknown.status_code == 401


@pytest.mark.integration
def test_a_refresh_token_gives_a_new_token_once(devwiki: DevWiki) -> None:
    consumer = devwiki.default_consumer
    oauth, token = sign_in(devwiki, devwiki.credentials.oversighter)
    refreshed = oauth.refresh_token(
        token_url(devwiki),
        refresh_token=token["refresh_token"],
        auth=(consumer.client_id, consumer.client_secret),
    )
    assert refreshed["access_token"] != token["access_token"]
    assert oauth.get(profile_url(devwiki)).json()["username"] == "Oversighter One"
    again = browser().post(
        token_url(devwiki),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(consumer.client_id, consumer.client_secret),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.integration
def test_a_public_consumer_must_use_pkce(devwiki: DevWiki) -> None:
    public = devwiki.register_consumer(CALLBACK, confidential=False)
    without = begin(devwiki, public, pkce=None)
    assert callback_params(without.page)["error"] == "invalid_request"
    flow = begin(devwiki, public)
    location = flow.submit(devwiki.credentials.plain).headers["Location"]
    flow.oauth.fetch_token(
        token_url(devwiki), authorization_response=location, include_client_id=True
    )
    assert flow.oauth.get(profile_url(devwiki)).json()["username"] == "Plain User"


@pytest.mark.integration
def test_blocked_user_signs_in_and_the_profile_says_blocked(devwiki: DevWiki) -> None:
    oauth, _ = sign_in(devwiki, devwiki.credentials.blocked)
    profile = oauth.get(profile_url(devwiki)).json()
    assert profile["username"] == "Blocked User"
    assert profile["blocked"] is True
    account = globaluserinfo(devwiki, "Blocked User")["merged"][0]
    assert account["blocked"] == {"expiry": "infinite", "reason": BLOCK_REASON}


@pytest.mark.integration
def test_globaluserinfo_of_steward_has_the_global_group_and_the_local_accounts(
    devwiki: DevWiki,
) -> None:
    info = globaluserinfo(devwiki, "Steward One")
    assert info["name"] == "Steward One"
    assert info["groups"] == ["steward"]
    assert "locked" not in info
    merged = {account["wiki"]: account for account in info["merged"]}
    assert set(merged) == {"devwiki", "enwiki", "metawiki"}
    assert merged["devwiki"]["url"] == devwiki.url
    assert merged["devwiki"]["groups"] == ["steward"]
    assert merged["devwiki"]["method"] == "new"
    assert merged["enwiki"]["url"] == "https://en.wikipedia.org"
    assert "groups" not in merged["enwiki"]
    checkuser = globaluserinfo(devwiki, "checkuser_One")  # names are canonicalised
    groups = {account["wiki"]: account.get("groups") for account in checkuser["merged"]}
    assert groups == {"devwiki": ["checkuser"], "enwiki": ["checkuser", "sysop"]}


@pytest.mark.integration
def test_globaluserinfo_of_locked_user_says_locked_in_both_formatversions(devwiki: DevWiki) -> None:
    assert globaluserinfo(devwiki, "Locked User")["locked"] is True
    assert globaluserinfo(devwiki, "Locked User", formatversion="1")["locked"] == ""
    assert "locked" not in globaluserinfo(devwiki, "Plain User", formatversion="1")


@pytest.mark.integration
def test_globaluserinfo_of_an_account_nowhere_is_missing(devwiki: DevWiki) -> None:
    assert globaluserinfo(devwiki, "Nobody Anywhere") == {"missing": True}
    answer = central(
        devwiki, action="query", meta="globaluserinfo", guiuser="Nobody Anywhere", formatversion="1"
    )
    assert answer == {"batchcomplete": "", "query": {"globaluserinfo": {"missing": ""}}}


@pytest.mark.integration
def test_globaluserinfo_refuses_an_invalid_name_as_mediawiki_does(devwiki: DevWiki) -> None:
    response = browser().get(
        devwiki.central_api_url,
        params={"action": "query", "meta": "globaluserinfo", "guiuser": "A|B", "format": "json"},
    )
    assert response.headers["MediaWiki-API-Error"] == "baduser"
    assert response.json()["error"]["code"] == "baduser"


@pytest.mark.integration
def test_a_lock_set_from_python_shows_at_once(devwiki: DevWiki) -> None:
    with devwiki.global_users.changed("Plain User", locked=True):
        assert globaluserinfo(devwiki, "Plain User")["locked"] is True
    assert "locked" not in globaluserinfo(devwiki, "Plain User")


@pytest.mark.integration
def test_an_account_only_the_wiki_knows_is_attached_there_alone(devwiki: DevWiki) -> None:
    admin = devwiki.credentials.admin.name
    previous = devwiki.global_users.get(admin)
    devwiki.global_users.put(admin, None)
    try:
        info = globaluserinfo(devwiki, admin)
    finally:
        devwiki.global_users.put(admin, previous)
    assert info["groups"] == []
    assert [account["wiki"] for account in info["merged"]] == ["devwiki"]
    assert set(info["merged"][0]["groups"]) == {"sysop", "bureaucrat", "interface-admin"}


@pytest.mark.integration
def test_the_central_api_answers_the_tools_one_query(devwiki: DevWiki) -> None:
    """tools/wikiapi.py asks list=users and meta=globaluserinfo together, as of Meta-Wiki."""
    answer = central(
        devwiki,
        action="query",
        formatversion="2",
        list="users",
        ususers="Locked User",
        usprop="groups|blockinfo|centralids|gender",
        meta="globaluserinfo",
        guiuser="Locked User",
        guiprop="groups|merged",
    )
    user = answer["query"]["users"][0]
    assert user["name"] == "Locked User"
    assert user["centralids"]["CentralAuth"] == answer["query"]["globaluserinfo"]["id"]
    assert user["centralids"]["CentralAuth"] != user["userid"]
    assert answer["query"]["globaluserinfo"]["locked"] is True
    assert user["gender"] == "unknown"  # MediaWiki's own answer: no preference set
    stewards = central(
        devwiki,
        action="query",
        formatversion="2",
        list="users",
        ususers="Steward One",
        usprop="gender",
    )
    assert stewards["query"]["users"][0]["gender"] == "female"  # set at installation
    assert answer["batchcomplete"] is True


@pytest.mark.integration
def test_the_central_api_passes_other_modules_on_to_the_wiki(devwiki: DevWiki) -> None:
    general = central(devwiki, action="query", meta="siteinfo")["query"]["general"]
    assert general["server"] == devwiki.url
    both = central(devwiki, action="query", meta="siteinfo|globaluserinfo", guiuser="Plain User")
    assert both["query"]["general"]["server"] == devwiki.url
    assert both["query"]["globaluserinfo"]["name"] == "Plain User"


@pytest.mark.integration
def test_a_bearer_token_names_the_user_of_globaluserinfo(devwiki: DevWiki) -> None:
    oauth, _ = sign_in(devwiki, devwiki.credentials.steward)
    params = {"action": "query", "meta": "globaluserinfo", "format": "json", "formatversion": "2"}
    answer = oauth.get(devwiki.central_api_url, params=params).json()
    assert answer["query"]["globaluserinfo"]["name"] == "Steward One"
    bad = browser().get(
        devwiki.central_api_url, params=params, headers={"Authorization": "Bearer nonsense"}
    )
    assert bad.json()["error"]["code"] == "mwoauth-invalid-authorization"


@pytest.mark.integration
def test_a_code_expires_after_ten_minutes(devwiki: DevWiki, tmp_path: Path) -> None:
    """The provider in this process, so that the clock can move; the wiki is the real one."""
    provider = OAuthProvider(tmp_path, devwiki.api_url)
    consumer = provider.store.register(CALLBACK)
    client = Client(provider)
    query = f"response_type=code&client_id={consumer.client_id}&redirect_uri={CALLBACK}&state=s"
    page = client.get(f"/w/rest.php/oauth2/authorize?{query}")
    form = FormParser()
    form.feed(page.get_data(as_text=True))
    steward = devwiki.credentials.steward
    answer = client.post(
        form.action.replace("&amp;", "&"),
        data={
            "csrf_token": form.fields["csrf_token"],
            "username": steward.name,
            "password": steward.password,
            "approval": "allow",
        },
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": consumer.client_id,
        "client_secret": consumer.client_secret,
    }
    with clock.frozen_at(clock.now() + timedelta(minutes=10, seconds=1)):
        late = client.post("/w/rest.php/oauth2/access_token", data=body)
    assert late.status_code == 400
    assert late.json["error"] == "invalid_grant"
    assert late.json["hint"] == "Authorization code has expired"
    in_time = client.post("/w/rest.php/oauth2/access_token", data=body)
    assert in_time.status_code == 200
    assert list(in_time.json) == ["token_type", "expires_in", "access_token", "refresh_token"]


@pytest.mark.integration
def test_cli_start_on_a_running_wiki_prints_the_settings_for_safety_desk(devwiki: DevWiki) -> None:
    args = ["start", "--dir", str(devwiki.workdir), "--port", str(devwiki.port)]
    result = CliRunner().invoke(devwiki_cli, args)
    assert result.exit_code == 0, result.output
    assert "Already running" in result.output
    consumer = devwiki.default_consumer
    assert f"export SAFETYDESK_OAUTH_CLIENT_ID={consumer.client_id}" in result.output
    assert f"export SAFETYDESK_OAUTH_CLIENT_SECRET={consumer.client_secret}" in result.output
    assert f"export SAFETYDESK_OAUTH_BASE_URL={devwiki.oauth_base_url}" in result.output
    assert f"export SAFETYDESK_CENTRAL_API_URL={devwiki.central_api_url}" in result.output
    status = CliRunner().invoke(devwiki_cli, ["status", "--dir", str(devwiki.workdir)])
    assert f"OAuth provider at {devwiki.oauth_url}" in status.output


@pytest.fixture
def second_wiki(tmp_path: Path, devwiki: DevWiki) -> Iterator[DevWiki]:
    """A wiki of its own (the session's must keep running), stopped after the test."""
    port, oauth_port = free_ports(2)
    wiki = DevWiki(tmp_path / "wiki", port, oauth_port=oauth_port)
    try:
        yield wiki
    finally:
        wiki.stop()


@pytest.mark.integration
def test_stop_stops_the_provider_too_and_start_keeps_the_consumers(second_wiki: DevWiki) -> None:
    first = second_wiki.start()
    assert first.oauth_running and first.oauth_port == second_wiki.oauth_port
    default = second_wiki.default_consumer
    registered = second_wiki.register_consumer(CALLBACK)
    # As `devwiki stop` does: another object (another process) reads the PID files.
    assert DevWiki(second_wiki.workdir, second_wiki.port).stop() is True
    assert not second_wiki.status().oauth_running
    assert not second_wiki.oauth_pid_file.exists()
    with pytest.raises(requests.ConnectionError):
        browser().get(second_wiki.oauth_url, timeout=5)
    second = second_wiki.start()
    assert second.oauth_pid != first.oauth_pid
    assert second_wiki.default_consumer == default
    oauth, _ = sign_in(second_wiki, second_wiki.credentials.steward, registered)
    assert oauth.get(profile_url(second_wiki)).json()["username"] == "Steward One"


@pytest.mark.integration
def test_a_wiki_installed_before_the_new_accounts_gets_them_at_start(second_wiki: DevWiki) -> None:
    second_wiki.start()
    second_wiki.stop()
    data = json.loads(second_wiki.credentials_file.read_text())
    del data["users"]["blocked"], data["users"]["locked"], data["oauth"]
    second_wiki.credentials_file.write_text(json.dumps(data))
    second_wiki.start()
    credentials = second_wiki.credentials
    oauth, _ = sign_in(second_wiki, credentials.blocked)
    assert oauth.get(profile_url(second_wiki)).json()["blocked"] is True
