"""Shared fixtures: one per real component (settings, databases, the local wiki).

A test that needs a component it cannot find calls :func:`unavailable`: it skips
with the reason on a developer's machine and fails in CI, where
``SAFETYDESK_REQUIRE_INTEGRATION=1`` says every component must be there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tools.base.db import make_engine, upgrade
from tools.oncall import listen_for_emergencies

if TYPE_CHECKING:
    from pywikibot.site import APISite

    from devwiki import DevWiki, OAuthConsumer


# As every entry point does (create_app, the safetydesk command), so that tests filing
# emergencies on a bare session call out too (tools.cases.emergency).
listen_for_emergencies()


def integration_required() -> bool:
    """CI sets this so that a missing component is an error, never a quiet skip."""
    return os.environ.get("SAFETYDESK_REQUIRE_INTEGRATION", "") not in ("", "0")


def unavailable(reason: str) -> None:
    """Skip (developer machine) or fail (CI) because a real component is missing."""
    if integration_required():
        pytest.fail(f"integration component missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# --- databases -----------------------------------------------------------------

MARIADB_URL_VARIABLE = "SAFETYDESK_TEST_MARIADB_URL"
DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"


def new_mariadb_database(label: str) -> tuple[str, Callable[[], None]]:
    """Create a database of its own on the MariaDB server; return its URL and how to drop it.

    The server comes from ``SAFETYDESK_TEST_MARIADB_URL`` (default: root on 127.0.0.1:3306).
    """
    server = make_url(os.environ.get(MARIADB_URL_VARIABLE, DEFAULT_MARIADB_URL))
    name = f"safetydesk_test_{label}_{os.getpid()}"
    admin = make_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except OperationalError as err:
        admin.dispose()
        unavailable(f"MariaDB at {server.render_as_string()} does not answer: {err.orig}")

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def mariadb_server_url() -> Iterator[str]:
    """A database of its own on the MariaDB server, created for this test run and dropped after."""
    url, drop = new_mariadb_database("run")
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend Safety Desk supports, emptied again after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'safetydesk.sqlite3'}"
        return
    url = request.getfixturevalue("mariadb_server_url")
    yield url
    _drop_all_tables(url)


def _drop_all_tables(url: str) -> None:
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    """An engine on a database with every migration applied."""
    upgrade(engine)
    return engine


# --- order ----------------------------------------------------------------------------

#: Files that each take a minute or more (bots run as processes, browsers, the bench):
#: run first, so that under pytest-xdist (``make test``) the short files fill the gaps
#: beside them instead of leaving one long file alone at the end.
SLOW_FIRST = (
    "test_e2e_smoke.py",
    "test_production_like.py",
    "test_account_watcher.py",
    "test_upload_watcher.py",
    "test_cli.py",
    "test_lock_logger_stream.py",
    "test_steward_requests_bot.py",
    "test_mail_intake.py",
    "test_patrol.py",
    "test_oncall_wake.py",
    "test_api_fuzz.py",
    "test_lock_logger.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files first, each file's tests kept in their order."""
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# --- the local wiki ------------------------------------------------------------


@pytest.fixture(scope="session")
def devwiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevWiki]:
    """A real MediaWiki for the whole session, with its OAuth provider, on free ports.

    Yields a started :class:`tools.devwiki.DevWiki`: ``devwiki.api_url``,
    ``devwiki.credentials`` (``.steward``, ``.checkuser``, ``.oversighter``,
    ``.admin``, ``.plain``, ``.blocked``, ``.locked``, ``.bot``),
    ``devwiki.write_log_entry(...)``; the OAuth 2.0 provider that stands in for
    Meta-Wiki: ``devwiki.oauth_base_url``, ``devwiki.central_api_url``,
    ``devwiki.default_consumer`` (or ``devwiki.oauth_environment()``),
    ``devwiki.register_consumer(...)``, ``devwiki.global_users`` (global groups and
    locks). Installing and starting it takes about two seconds; it is stopped at the end.
    """
    from devwiki import DevWiki, free_ports, missing_requirements

    problem = missing_requirements()
    if problem:
        unavailable(problem)
    port, oauth_port = free_ports(2)
    wiki = DevWiki(tmp_path_factory.mktemp("devwiki"), port=port, oauth_port=oauth_port)
    wiki.start()
    try:
        yield wiki
    finally:
        wiki.stop()


@pytest.fixture(scope="session")
def pywikibot_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pywikibot's folder (cookies, throttle, password file) for the whole session.

    Pywikibot has one such folder per process (see bots.site.use_workdir), so
    every test that logs a bot in uses this one.
    """
    return tmp_path_factory.mktemp("pywikibot")


@pytest.fixture(scope="session")
def devwiki_site(devwiki: DevWiki, pywikibot_workdir: Path) -> APISite:
    """A Pywikibot site logged in to the session's wiki as its bot, with its bot password."""
    from bots.site import BotPassword, connect

    bot = devwiki.credentials.bot
    return connect(
        devwiki.api_url,
        bot.name,
        BotPassword(bot.app_id, bot.bot_password),
        workdir=pywikibot_workdir,
    )


# --- the web tool and a browser ------------------------------------------------
# Imports stay inside the functions below so that this section only appends to the file.

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from playwright.sync_api import Browser, Page
    from werkzeug.serving import BaseWSGIServer

    from tools.base.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline, reproducible: no first-run page, no update checks, no QUIC, no sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """Safety Desk serving real HTTP in a background thread, on its own migrated database."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self.settings = settings
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"live-server {self.url}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


@pytest.fixture(scope="session")
def live_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """Start Safety Desks: ``live_server_factory(setup=None, **settings_overrides)``.

    Each call builds ``create_app()`` on a fresh migrated SQLite database in a folder of
    its own, with a random secret key; ``settings_overrides`` go to
    ``tools.config.load_settings`` (OAuth URLs, …) and win over those. ``setup(app)`` runs
    before the first request, e.g. to register a test blueprint. Returns a
    :class:`LiveServer` (``.url`` without trailing slash, ``.app``, ``.settings``,
    ``.stop()``); whatever is still running stops at the end of the session.
    """
    servers: list[LiveServer] = []

    def start(setup: Callable[[Flask], object] | None = None, **overrides: object) -> LiveServer:
        import secrets

        from flaskapp import create_app
        from tools.base.config import load_settings

        folder = tmp_path_factory.mktemp("live-server")
        values: dict[str, object] = {
            "database_url": f"sqlite:///{folder / 'safetydesk.sqlite3'}",
            "secret_key": secrets.token_hex(32),
            "instance_path": folder,
        }
        values.update(overrides)
        settings = load_settings(**values)
        engine = make_engine(settings.database)
        upgrade(engine)
        engine.dispose()
        app = create_app(settings)
        if setup is not None:
            setup(app)
        servers.append(LiveServer(app, settings))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(live_server_factory: Callable[..., LiveServer]) -> str:
    """Base URL (``http://127.0.0.1:PORT``) of a Safety Desk with default settings.

    One for the whole session: tests that change its data must not count on a fresh one.
    """
    return live_server_factory().url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright: one browser for the whole session.

    Playwright gives every launch a fresh temporary profile (user data dir) and removes it
    on close; each test gets its own context from :func:`page`.
    """
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


# Runs in every page before its own content: reports what the Content-Security-Policy refused.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__safetydeskCspViolation(
        `${event.effectiveDirective} refused ${event.blockedURI || "inline code"}`
        + ` on ${event.documentURI}`
    );
});
"""


class PageLog:
    """What went wrong in a test's pages: console errors, uncaught errors, CSP violations.

    Also every URL requested (``requests``) and any request that left 127.0.0.1
    (``foreign_requests``: the tool must load nothing from another host).
    """

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.requests: list[str] = []
        self.page: Page | None = None

    @property
    def foreign_requests(self) -> list[str]:
        from urllib.parse import urlsplit

        local = ("127.0.0.1", "localhost")
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname not in local
        ]

    def problems(self) -> list[str]:
        """Everything above that should not happen, after the page's pending events ran."""
        if self.page is not None and not self.page.is_closed():
            self.page.evaluate("() => new Promise((done) => setTimeout(done, 0))")
        return [
            *(f"console: {text}" for text in self.console_errors),
            *(f"uncaught: {text}" for text in self.page_errors),
            *(f"CSP: {text}" for text in self.csp_violations),
            *(f"foreign request: {url}" for url in self.foreign_requests),
        ]


@pytest.fixture
def page_log() -> PageLog:
    """The :class:`PageLog` of this test's :func:`page`: ``assert page_log.problems() == []``."""
    return PageLog()


@pytest.fixture
def page(chromium: Browser, page_log: PageLog) -> Iterator[Page]:
    """A Playwright page in a new browser context (own cookies and storage) for each test.

    Console errors, uncaught exceptions, CSP violations and requests go to :func:`page_log`.
    """
    context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    context.expose_binding(
        "__safetydeskCspViolation", lambda _source, text: page_log.csp_violations.append(text)
    )
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and page_log.console_errors.append(m.text))
    page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    page.on("request", lambda request: page_log.requests.append(request.url))
    page_log.page = page
    try:
        yield page
    finally:
        context.close()


# --- the web tool in Flask's test client -------------------------------------------


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """``make_app(**settings_overrides)``: the tool on a fresh migrated SQLite database."""

    def build(**overrides: object) -> Flask:
        from flaskapp import create_app
        from tools.base.config import load_settings

        values: dict[str, object] = {
            "database_url": f"sqlite:///{tmp_path / 'app.sqlite3'}",
            "secret_key": "test-secret-key",
            "instance_path": tmp_path,
        }
        settings = load_settings(**(values | overrides))
        engine = make_engine(settings.database)
        upgrade(engine)
        engine.dispose()
        app = create_app(settings)
        app.config.update(TESTING=True)
        return app

    return build


def signed_in_client(
    app: Flask, username: str, wiki_roles: Iterable[str] = ("user",), grants: Iterable[str] = ()
) -> FlaskClient:
    """A test client signed in as ``username`` (created if new), as the OAuth flow leaves it.

    ``wiki_roles`` are the roles the wikis gave at sign-in ("user", "functionary");
    ``grants`` are tool roles stored in the database ("specialist", "admin"…).
    """
    from flaskapp import access
    from flaskapp.context import sessions
    from tools.base import clock
    from tools.models import RoleGrant, User

    with sessions(app)() as session, session.begin():
        user = session.query(User).filter_by(username=username).one_or_none()
        if user is None:
            user = User(username=username)
            session.add(user)
        known = {grant.role for grant in user.grants}
        user.grants.extend(RoleGrant(role=role) for role in grants if role not in known)
        session.flush()
        user_id, generation = user.id, user.session_generation
    client = app.test_client()
    now = clock.now().timestamp()
    with client.session_transaction() as cookie:
        cookie[access.USER_ID] = user_id
        cookie[access.USERNAME] = username
        cookie[access.WIKI_ROLES] = list(wiki_roles)
        cookie[access.CHECKED_AT] = now
        cookie[access.SIGNED_IN_AT] = now
        cookie[access.GENERATION] = generation
    return client


# --- a real SMTP server ------------------------------------------------------------


class Mailbox:
    """What the local SMTP server received: ``messages`` as parsed e-mails."""

    def __init__(self) -> None:
        import email
        import email.policy

        self.messages: list[email.message.EmailMessage] = []
        self._parse = lambda data: email.message_from_bytes(data, policy=email.policy.default)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(self._parse(envelope.content))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, int, Mailbox]]:
    """An aiosmtpd server on a free local port: ``(host, port, mailbox)``."""
    from aiosmtpd.controller import Controller

    from devwiki import free_port

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, mailbox
    finally:
        controller.stop()


# --- a local Phabricator (Conduit) -------------------------------------------------


@pytest.fixture
def conduit_server() -> Iterator[object]:
    """A local Conduit server (``tests/conduit_server.py``) on a free port, stopped after.

    ``.url`` (the Phabricator base URL), ``.token`` (the API token it accepts),
    ``.tasks`` (created tasks: ``.fields``, ``.projects``), ``.fail_next(status, times)``.
    """
    from conduit_server import ConduitServer

    server = ConduitServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def oauth_settings(devwiki: DevWiki, consumer: OAuthConsumer | None = None) -> dict[str, str]:
    """The settings (by name, as ``load_settings`` takes them) that sign in through ``devwiki``.

    The same values ``safetydesk devwiki start`` prints as environment variables.
    """
    environment = devwiki.oauth_environment(consumer)
    return {name.removeprefix("SAFETYDESK_").lower(): value for name, value in environment.items()}
