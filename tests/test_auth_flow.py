"""Sign-in through the real OAuth 2.0 flow: the tool, the local provider and the local wiki.

The tool's side runs in Flask's test client; the person's side (the wiki's
authorization form) runs in a ``requests`` session. Between them, the tool's
own OAuth client talks over HTTP to the provider and to the wiki's API, exactly
as it talks to Meta-Wiki in production.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from conftest import oauth_settings
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import browser, read_form
from werkzeug.test import TestResponse

from devwiki import Account, DevWiki, OAuthConsumer
from flaskapp import create_app
from tools.base import clock
from tools.base.config import Settings, load_settings
from tools.base.db import make_engine, upgrade

pytestmark = pytest.mark.integration

CALLBACK = "http://localhost/oauth-callback"  # where Flask's test client says it lives


@pytest.fixture(scope="module")
def consumer(devwiki: DevWiki) -> OAuthConsumer:
    return devwiki.register_consumer(CALLBACK)


def _settings(folder: Path, wiki: DevWiki, consumer: OAuthConsumer, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{folder / 'auth.sqlite3'}",
        "secret_key": "auth-flow-test-key",
        "instance_path": folder,
        **oauth_settings(wiki, consumer),
        "bootstrap_specialists": "Plain User",
    }
    return load_settings(**(values | extra))


def _app(settings: Settings) -> Flask:
    upgrade(make_engine(settings.database))
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def app(tmp_path: Path, devwiki: DevWiki, consumer: OAuthConsumer) -> Flask:
    return _app(_settings(tmp_path, devwiki, consumer))


@dataclass
class Visit:
    """One person's browser: the tool (test client) and the wiki (requests)."""

    tool: FlaskClient

    def start(self, next_path: str | None = None) -> str:
        """Open /login; return the wiki's authorization URL it sends the browser to."""
        query = {"next": next_path} if next_path else {}
        response = self.tool.get("/login", query_string=query)
        assert response.status_code == 302, response.text
        return response.location

    def approve(self, authorize_url: str, account: Account) -> str:
        """Sign in on the wiki's form and press Allow; return the callback URL it sends back."""
        wiki = browser()
        page = wiki.get(authorize_url)
        form = read_form(page)
        answer = wiki.post(
            urljoin(page.url, form.action),
            data={
                "csrf_token": form.fields["csrf_token"],
                "username": account.name,
                "password": account.password,
                "approval": "allow",
            },
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def come_back(self, callback_url: str) -> TestResponse:
        parts = urlsplit(callback_url)
        return self.tool.get(f"{parts.path}?{parts.query}")

    def sign_in(self, account: Account, next_path: str | None = None) -> TestResponse:
        return self.come_back(self.approve(self.start(next_path), account))


@pytest.fixture
def visit(app: Flask) -> Iterator[Visit]:
    yield Visit(app.test_client())


def _roles_on_me_page(visit: Visit) -> set[str]:
    page = visit.tool.get("/me")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    return {
        role
        for role in ("user", "functionary", "specialist", "admin")
        if f'data-role="{role}"' in text
    }


def test_steward_signs_in_and_is_a_functionary(visit: Visit, devwiki: DevWiki) -> None:
    response = visit.sign_in(devwiki.credentials.steward, next_path="/me")
    assert response.status_code == 302 and response.location == "/me"
    assert _roles_on_me_page(visit) == {"user", "functionary"}
    assert "Steward One" in visit.tool.get("/me").get_data(as_text=True)


def test_checkuser_is_a_functionary_through_a_local_group(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.checkuser)
    assert _roles_on_me_page(visit) == {"user", "functionary"}


def test_specialist_role_comes_from_the_tool_not_the_wiki(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.plain)  # listed in bootstrap_specialists
    assert _roles_on_me_page(visit) == {"user", "specialist"}


def test_blocked_account_is_refused_with_the_reason(visit: Visit, devwiki: DevWiki) -> None:
    response = visit.sign_in(devwiki.credentials.blocked)
    assert response.status_code == 403
    assert "blocked" in response.text and "Vandalism" in response.text
    assert visit.tool.get("/me").status_code == 302  # no session was made


def test_locked_account_is_refused_with_the_reason(visit: Visit, devwiki: DevWiki) -> None:
    response = visit.sign_in(devwiki.credentials.locked)
    assert response.status_code == 403
    assert "globally locked" in response.text


def test_tampered_state_is_refused(visit: Visit, devwiki: DevWiki) -> None:
    callback = visit.approve(visit.start(), devwiki.credentials.steward)
    response = visit.come_back(callback.replace("state=", "state=x"))
    assert response.status_code == 400
    assert "state does not match" in response.text
    assert visit.tool.get("/me").status_code == 302


def test_replayed_code_is_refused_by_the_wiki(visit: Visit, devwiki: DevWiki) -> None:
    first = visit.approve(visit.start(), devwiki.credentials.steward)
    assert visit.come_back(first).status_code == 302
    # A second sign-in under way, answered with the first (already used) code.
    second = visit.approve(visit.start(), devwiki.credentials.steward)
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    new_state = parse_qs(urlsplit(second).query)["state"][0]
    response = visit.tool.get(
        "/oauth-callback", query_string={"code": old_code, "state": new_state}
    )
    assert response.status_code == 400
    assert "refused the sign-in (invalid_grant)" in response.text


def test_wrong_client_secret_is_refused(
    tmp_path: Path, devwiki: DevWiki, consumer: OAuthConsumer
) -> None:
    wrong = OAuthConsumer(**{**consumer.__dict__, "client_secret": "not-the-secret"})
    visit = Visit(_app(_settings(tmp_path, devwiki, wrong)).test_client())
    response = visit.sign_in(devwiki.credentials.steward)
    assert response.status_code == 400
    assert "refused the sign-in (invalid_client)" in response.text


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_off_site_next_is_replaced_by_the_front_page(
    visit: Visit, devwiki: DevWiki, target: str
) -> None:
    response = visit.sign_in(devwiki.credentials.steward, next_path=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_expired_session_asks_to_sign_in_again(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.steward)
    later = clock.now() + timedelta(hours=13)
    with clock.frozen_at(later):
        response = visit.tool.get("/me")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "Your session has ended" in visit.tool.get("/").get_data(as_text=True)


def test_lock_during_a_session_signs_out_at_the_next_role_check(
    visit: Visit, devwiki: DevWiki
) -> None:
    visit.sign_in(devwiki.credentials.checkuser)
    with devwiki.global_users.changed("Checkuser One", locked=True):
        with clock.frozen_at(clock.now() + timedelta(minutes=5)):
            assert visit.tool.get("/me").status_code == 200  # not yet time to ask again
        with clock.frozen_at(clock.now() + timedelta(minutes=16)):
            assert visit.tool.get("/me").status_code == 302
    assert "globally locked" in visit.tool.get("/").get_data(as_text=True)


def test_logout_needs_its_csrf_token_and_ends_the_session(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.steward)
    refused = visit.tool.post("/logout")
    assert refused.status_code == 400 and "Form expired" in refused.text
    assert visit.tool.get("/me").status_code == 200
    page = visit.tool.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert visit.tool.post("/logout", data={"csrf_token": token}).status_code == 302
    assert visit.tool.get("/me").status_code == 302


def _copy(visit: Visit, app: Flask) -> FlaskClient:
    """Another browser holding a copy of this one's session cookie (as a thief would)."""
    copy = app.test_client()
    cookie = visit.tool.get_cookie("safetydesk_session")
    assert cookie is not None
    copy.set_cookie("safetydesk_session", cookie.value)
    assert copy.get("/me").status_code == 200
    return copy


def _sign_out(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_works(
    visit: Visit, app: Flask, devwiki: DevWiki
) -> None:
    visit.sign_in(devwiki.credentials.steward)
    copy = _copy(visit, app)
    _sign_out(visit.tool)
    ended = copy.get("/me")
    assert ended.status_code == 302 and ended.location.startswith("/login")
    assert "Your session has ended" in copy.get("/").get_data(as_text=True)
    visit.sign_in(devwiki.credentials.steward)  # signing in again works
    assert visit.tool.get("/me").status_code == 200


def test_a_role_change_ends_every_earlier_session(
    visit: Visit, app: Flask, devwiki: DevWiki
) -> None:
    from flaskapp.context import sessions
    from tools.models import User
    from tools.people import accounts

    visit.sign_in(devwiki.credentials.plain)
    copy = _copy(visit, app)
    with sessions(app)() as session, session.begin():
        admin = User(username="Admin Person")
        session.add(admin)
        session.flush()
        accounts.grant_role(session, admin.id, "Plain User", "admin")
    assert visit.tool.get("/me").status_code == 302 and copy.get("/me").status_code == 302
    visit.sign_in(devwiki.credentials.plain)
    copy = _copy(visit, app)
    with sessions(app)() as session, session.begin():
        (grant,) = session.query(User).filter_by(username="Plain User").one().grants
        accounts.revoke_role(session, admin.id, grant.id)
    assert visit.tool.get("/me").status_code == 302 and copy.get("/me").status_code == 302


def test_a_lock_found_by_one_session_ends_the_others_at_once(
    visit: Visit, app: Flask, devwiki: DevWiki
) -> None:
    visit.sign_in(devwiki.credentials.checkuser)
    copy = _copy(visit, app)
    with devwiki.global_users.changed("Checkuser One", locked=True):
        with clock.frozen_at(clock.now() + timedelta(minutes=16)):
            assert visit.tool.get("/me").status_code == 302  # this one asks the wiki
        # The copy's own check is not due for another 15 minutes; it ends all the same.
        assert copy.get("/me").status_code == 302


def test_session_cookie_holds_no_token(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.steward)
    with visit.tool.session_transaction() as session:
        assert set(session) <= {
            "uid",
            "name",
            "wiki",
            "checked",
            "since",
            "gen",
            "_permanent",
            "_flashes",
        }


# --- development sign-in -----------------------------------------------------


def test_development_sign_in_uses_the_wiki_for_roles(tmp_path: Path, devwiki: DevWiki) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        secret_key="dev-login-test-key",
        central_api_url=devwiki.central_api_url,
        dev_login=True,
    )
    client = _app(settings).test_client()
    assert client.get("/login").location.startswith("/dev-login")
    page = client.get("/dev-login").get_data(as_text=True)
    assert "development sign-in" in page.lower()
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    unknown = client.post("/dev-login", data={"csrf_token": token, "username": "Nobody Here"})
    assert "no account named Nobody Here" in unknown.text
    assert 'value="Nobody Here"' in unknown.text  # what was typed is kept
    signed = client.post("/dev-login", data={"csrf_token": token, "username": "Steward One"})
    assert signed.status_code == 302
    assert "functionary" in client.get("/me").text


def test_development_sign_in_is_off_when_oauth_is_configured(app: Flask) -> None:
    assert app.test_client().get("/dev-login").status_code == 404


# --- what the real Meta-Wiki produces (issue #25) ------------------------------------


def _later(minutes: int) -> contextlib.AbstractContextManager[object]:
    return clock.frozen_at(clock.now() + timedelta(minutes=minutes))


@contextlib.contextmanager
def _partially_blocked(wiki: DevWiki, name: str) -> Iterator[None]:
    """Block ``name`` from editing one page only, by the wiki's admin, for a ``with`` block."""
    admin = requests.Session()
    admin.trust_env = False
    login_token = admin.get(
        wiki.api_url,
        params={"action": "query", "meta": "tokens", "type": "login", "format": "json"},
    ).json()["query"]["tokens"]["logintoken"]
    login = admin.post(
        wiki.api_url,
        data={
            "action": "clientlogin",
            "username": wiki.credentials.admin.name,
            "password": wiki.credentials.admin.password,
            "logintoken": login_token,
            "loginreturnurl": wiki.url,
            "format": "json",
        },
    ).json()
    assert login["clientlogin"]["status"] == "PASS", login
    csrf = admin.get(
        wiki.api_url, params={"action": "query", "meta": "tokens", "format": "json"}
    ).json()["query"]["tokens"]["csrftoken"]
    block = {"action": "block", "user": name, "expiry": "infinite", "format": "json"}
    extra = {"partial": "1", "namespacerestrictions": "10", "allowusertalk": "1", "token": csrf}
    answer = admin.post(wiki.api_url, data=block | extra).json()
    assert "block" in answer, answer
    try:
        yield
    finally:
        admin.post(
            wiki.api_url, data={"action": "unblock", "user": name, "token": csrf, "format": "json"}
        )


def test_hidden_account_is_refused_with_the_blocked_page(visit: Visit, devwiki: DevWiki) -> None:
    """Its profile is only ``sub`` and ``blocked: true``, without a username: no 500."""
    with devwiki.global_users.changed("Plain User", hidden=True):
        response = visit.sign_in(devwiki.credentials.plain)
    assert response.status_code == 403
    assert "Sign-in refused" in response.text and "hidden" in response.text
    assert visit.tool.get("/me").status_code == 302


def test_partial_block_neither_refuses_nor_signs_out(visit: Visit, devwiki: DevWiki) -> None:
    """One rule at sign-in and at refresh: a partial block leaves the person's standing."""
    with _partially_blocked(devwiki, "Oversighter One"):
        response = visit.sign_in(devwiki.credentials.oversighter)
        assert response.status_code == 302, response.text
        with _later(16):
            assert _roles_on_me_page(visit) == {"user", "functionary"}


def test_global_block_refuses_at_sign_in(visit: Visit, devwiki: DevWiki) -> None:
    with devwiki.global_users.changed("Checkuser One", global_block="Cross-wiki abuse"):
        response = visit.sign_in(devwiki.credentials.checkuser)
    assert response.status_code == 403
    assert "globally blocked" in response.text and "Cross-wiki abuse" in response.text


def test_global_block_during_a_session_signs_out(visit: Visit, devwiki: DevWiki) -> None:
    visit.sign_in(devwiki.credentials.checkuser)
    blocked = devwiki.global_users.changed("Checkuser One", global_block="Cross-wiki abuse")
    with blocked, _later(16):
        assert visit.tool.get("/me").status_code == 302
    assert "globally blocked" in visit.tool.get("/").get_data(as_text=True)


def test_account_hidden_during_a_session_is_signed_out(visit: Visit, devwiki: DevWiki) -> None:
    """list=users says missing, globaluserinfo {missing: true}: gone, not "unreachable"."""
    visit.sign_in(devwiki.credentials.checkuser)
    with devwiki.global_users.changed("Checkuser One", hidden=True), _later(16):
        assert visit.tool.get("/me").status_code == 302
    assert "hidden or no longer exists" in visit.tool.get("/").get_data(as_text=True)


def test_unreachable_wiki_keeps_the_session(
    tmp_path: Path, devwiki: DevWiki, consumer: OAuthConsumer
) -> None:
    """The other case: no answer at all keeps the roles checked last time."""
    visit = Visit(_app(_settings(tmp_path, devwiki, consumer)).test_client())
    visit.sign_in(devwiki.credentials.checkuser)
    app = visit.tool.application
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.model_copy(
        update={"central_api_url": "http://127.0.0.1:9/api.php"}
    )
    with _later(16):
        assert _roles_on_me_page(visit) == {"user", "functionary"}


@pytest.mark.parametrize("error", ["unauthorized_client", "access_denied", "server_error"])
def test_any_error_from_the_wiki_says_it_did_not_sign_you_in(
    visit: Visit, devwiki: DevWiki, error: str
) -> None:
    visit.start()
    response = visit.tool.get("/oauth-callback", query_string={"error": error})
    assert response.status_code == 400
    assert "The wiki did not sign you in" in response.text
    assert "state does not match" not in response.text


def test_cancel_on_the_wiki_comes_back_as_not_signed_in(visit: Visit, devwiki: DevWiki) -> None:
    authorize = visit.start()
    wiki = browser()
    page = wiki.get(authorize)
    form = read_form(page)
    cancelled = wiki.post(
        urljoin(page.url, form.action),
        data={"csrf_token": form.fields["csrf_token"], "approval": "cancel"},
        allow_redirects=False,
    )
    assert "state=" not in cancelled.headers["Location"]
    response = visit.come_back(cancelled.headers["Location"])
    assert response.status_code == 400
    assert "The wiki did not sign you in: unauthorized_client" in response.text
