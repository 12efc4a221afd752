"""The demo desk (issue #18): the demo people's one-click sign-in and the demo week.

One app on one database with the demo data, for the module: every test reads it, and the
sign-ins only add sessions and role grants.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from devwiki import DevWiki
from flaskapp import create_app
from flaskapp.context import sessions
from tools import demo
from tools.base import clock
from tools.base.config import load_settings
from tools.base.db import make_engine, transaction, upgrade
from tools.models import (
    Alert,
    CalloutChain,
    CannedResponse,
    Case,
    CaseEvent,
    CaseLink,
    CaseStatus,
    Category,
    LockEvent,
    Severity,
    User,
)
from tools.people import demo as demo_people

PEOPLE = [person.username for person in demo_people.people()]


def _app(folder: Path, **overrides: object) -> Flask:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{folder / 'demo.sqlite3'}",
        "secret_key": "demo-test-key",
        "instance_path": folder,
    }
    settings = load_settings(**(values | overrides))
    engine = make_engine(settings.database)
    upgrade(engine)
    engine.dispose()
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    app = _app(tmp_path_factory.mktemp("demo"))
    with transaction(sessions(app)) as session:
        demo.load(session, app.config["SETTINGS"], clock.now())
    return app


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
    assert found, "no form token on the page"
    return found.group(1)


def _sign_in(client: FlaskClient, name: str, next_path: str = "/") -> tuple[int, str]:
    page = client.get("/login", query_string={"next": next_path}).text
    answer = client.post(
        f"/demo-login?next={next_path}", data={"csrf_token": _token(page), "username": name}
    )
    return answer.status_code, answer.location or answer.text


def test_login_lists_every_demo_person_with_groups_and_roles(app: Flask) -> None:
    page = app.test_client().get("/login")
    assert page.status_code == 200
    for name in PEOPLE:
        assert f'data-username="{name}"' in page.text
    assert "steward" in page.text and "checkuser" in page.text
    assert "This account is globally locked." in page.text  # shown before anyone tries
    assert "Sign-in: the demo people" in page.text  # the footer names the mode


@pytest.mark.parametrize(
    ("name", "queue", "file_request", "admin"),
    [
        ("Amira Steward", 403, 200, 403),
        ("Claire Oversight", 403, 200, 403),
        ("Dana Specialist", 200, 200, 403),
        ("Farid Admin", 200, 200, 200),
    ],
)
def test_roles_follow_from_the_groups_and_grants(
    app: Flask, name: str, queue: int, file_request: int, admin: int
) -> None:
    client = app.test_client()
    status, where = _sign_in(client, name, "/queue")
    assert (status, where) == (302, "/queue")
    assert client.get("/queue").status_code == queue
    assert client.get("/requests/new").status_code == file_request
    assert client.get("/admin/roles").status_code == admin


def test_only_the_restricted_specialist_opens_the_restricted_case(app: Flask) -> None:
    with sessions(app)() as session:
        reference = session.scalar(select(Case.reference).where(Case.restricted))
    restricted, plain = app.test_client(), app.test_client()
    _sign_in(restricted, "Efua Restricted")
    _sign_in(plain, "Dana Specialist")
    assert restricted.get(f"/queue/{reference}").status_code == 200
    assert plain.get(f"/queue/{reference}").status_code in (403, 404)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Gus Blocked", "blocked on the central wiki. The reason given: Harassment"),
        ("Hal Locked", "This account is globally locked."),
    ],
)
def test_blocked_and_locked_people_are_refused_as_on_the_real_path(
    app: Flask, name: str, reason: str
) -> None:
    client = app.test_client()
    status, page = _sign_in(client, name)
    assert status == 403 and reason in page
    assert client.get("/me").status_code == 302  # no session was made


def test_sessions_keep_the_real_paths_generation_and_refresh(app: Flask) -> None:
    client = app.test_client()
    _sign_in(client, "Dana Specialist")
    copy = app.test_client()
    copy.set_cookie("safetydesk_session", client.get_cookie("safetydesk_session").value)
    # A refresh of the roles (every 15 minutes) asks the demo file, not Meta-Wiki.
    with clock.frozen_at(clock.now() + timedelta(minutes=30)):
        assert client.get("/queue").status_code == 200
    page = client.get("/").text
    client.post("/logout", data={"csrf_token": _token(page)})
    assert copy.get("/queue").status_code == 302  # the copy of the cookie ended too


def test_signing_in_keeps_the_gender_the_wiki_shares(app: Flask) -> None:
    """``usprop=gender``, as the file imitates it: the callout mails' words follow it."""
    people = ("Claire Oversight", "Bruno Checkuser", "Dana Specialist")
    for name in people:
        _sign_in(app.test_client(), name)
    with sessions(app)() as session:
        stored = dict(session.execute(select(User.username, User.gender)).all())
    assert {name: stored[name] for name in people} == {
        "Claire Oversight": "female",
        "Bruno Checkuser": "male",
        "Dana Specialist": "unknown",
    }


def test_someone_not_in_the_file_is_refused(app: Flask) -> None:
    status, page = _sign_in(app.test_client(), "Mallory Impostor")
    assert status == 403 and "hidden or no longer exists" in page


def test_production_and_oauth_refuse_the_demo_sign_in(tmp_path: Path) -> None:
    production = _app(
        tmp_path,
        environment="production",
        secret_key="p" * 40,
        oauth_client_id="consumer",
        oauth_client_secret="secret",
    )
    production.config["WTF_CSRF_ENABLED"] = False  # the route itself must refuse
    client = production.test_client()
    assert client.post("/demo-login", data={"username": "Farid Admin"}).status_code == 404
    assert client.get("/login").location.startswith("https://meta.wikimedia.org/")
    home = client.get("/").text
    assert "Demo data" not in home and "Sign-in: Wikimedia OAuth." in home
    with transaction(sessions(production)) as session, pytest.raises(demo.DemoAlreadyLoaded):
        demo.load(session, production.config["SETTINGS"], clock.now())
    off = _app(tmp_path / "off", demo=False)
    assert off.test_client().get("/login").status_code == 503
    assert "SAFETYDESK_OAUTH_CLIENT_ID" in off.test_client().get("/login").text


def test_the_demo_week_covers_every_category_severity_state_and_language(app: Flask) -> None:
    with sessions(app)() as session:
        rows = session.execute(select(Case.category, Case.severity, Case.status)).all()
        languages = {
            event.data.get("language")
            for event in session.scalars(select(CaseEvent).where(CaseEvent.kind == "filed"))
        }
        kinds = Counter(session.scalars(select(CaseEvent.kind)))
        merged = session.scalar(select(func.count()).where(Case.merged_into_id.is_not(None)))
        links = session.scalar(select(func.count(CaseLink.id)))
        chains = Counter(chain.status.value for chain in session.scalars(select(CalloutChain)))
        titles = list(session.scalars(select(Case.title)))
    assert {row.category for row in rows} == set(Category)
    assert {row.severity for row in rows} == set(Severity)
    assert {row.status for row in rows} == set(CaseStatus)
    assert languages == {"en", "fr", "ar", "pt"}
    assert kinds["noted"] and kinds["replied"] and kinds["answered"]
    assert merged == 1 and links == 1
    assert chains["acknowledged"] >= 1 and chains["active"] == 1
    assert not any("test" in title.lower() for title in titles)


def test_the_queue_shows_the_sla_about_to_breach_and_the_demo_banner(app: Flask) -> None:
    client = app.test_client()
    _sign_in(client, "Dana Specialist")
    page = client.get("/queue").text
    assert "Hounding of a steward candidate" in page
    assert "Due soon" in page or "due soon" in page
    assert "Demo data:" in page


def test_alerts_canned_responses_and_a_year_of_lock_log(app: Flask) -> None:
    with sessions(app)() as session:
        alerts = list(session.scalars(select(Alert)))
        oldest, newest, count = session.execute(
            select(func.min(LockEvent.timestamp), func.max(LockEvent.timestamp), func.count())
        ).one()
        categories = set(session.scalars(select(LockEvent.reason_category)))
        canned = set(session.scalars(select(CannedResponse.language)))
    assert len(alerts) >= 5 and all(alert.phrases for alert in alerts)
    assert {alert.language for alert in alerts} == {"en", "fr", "ar", "pt"}
    assert any(alert.status.value == "dismissed" for alert in alerts)
    assert count == 3000 and (newest - oldest).days > 300
    assert len(categories) >= 5
    assert canned == {"en", "fr", "ar", "pt"}


def test_the_demo_loads_once(app: Flask) -> None:
    with transaction(sessions(app)) as session, pytest.raises(demo.DemoAlreadyLoaded):
        demo.load(session, app.config["SETTINGS"], clock.now())


@pytest.mark.integration
def test_serve_signs_in_through_the_local_wiki_when_it_runs(
    devwiki: DevWiki, tmp_path: Path
) -> None:
    """`safetydesk devwiki start` then `make run`: the real OAuth flow, no export needed."""
    from flaskapp.cli_demo import with_local_wiki

    (tmp_path / "devwiki").symlink_to(devwiki.workdir)  # the wiki of this instance folder
    plain = load_settings(instance_path=tmp_path / "elsewhere")
    assert with_local_wiki(plain).sign_in_mode == "demo"
    settings = with_local_wiki(load_settings(instance_path=tmp_path))
    assert settings.sign_in_mode == "local-wiki"
    assert settings.oauth_base_url == devwiki.oauth_base_url
    assert settings.central_api_url == devwiki.central_api_url
    app = _app(
        tmp_path,
        **settings.model_dump(include={"oauth_client_id", "oauth_base_url"}),
        oauth_client_secret=settings.oauth_client_secret.get_secret_value(),
        central_api_url=settings.central_api_url,
    )
    client = app.test_client()
    assert client.get("/login").location.startswith(devwiki.oauth_base_url + "/oauth2/authorize")
    assert client.post("/demo-login").status_code in (400, 404)
    assert "the local development wiki" in client.get("/").text
    dev_login = with_local_wiki(load_settings(instance_path=tmp_path, dev_login=True))
    assert dev_login.sign_in_mode == "dev-login"
    assert dev_login.central_api_url == devwiki.central_api_url
