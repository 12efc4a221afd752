"""Shared fixtures: one per real component (settings, databases, the local wiki).

A test that needs a component it cannot find calls :func:`unavailable`: it skips
with the reason on a developer's machine and fails in CI, where
``SAFETYDESK_REQUIRE_INTEGRATION=1`` says every component must be there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tools.db import make_engine, upgrade

if TYPE_CHECKING:
    from pywikibot.site import APISite

    from tools.devwiki import DevWiki


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


@pytest.fixture(scope="session")
def mariadb_server_url() -> Iterator[str]:
    """A database of its own on the MariaDB server, created for this test run and dropped after.

    The server comes from ``SAFETYDESK_TEST_MARIADB_URL`` (default: root on 127.0.0.1:3306).
    """
    server = make_url(os.environ.get(MARIADB_URL_VARIABLE, DEFAULT_MARIADB_URL))
    name = f"safetydesk_test_{os.getpid()}"
    admin = make_engine(server)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except OperationalError as err:
        admin.dispose()
        unavailable(f"MariaDB at {server.render_as_string()} does not answer: {err.orig}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


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


# --- the local wiki ------------------------------------------------------------


@pytest.fixture(scope="session")
def devwiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevWiki]:
    """A real MediaWiki for the whole session, in a temporary folder on a free port.

    Yields a started :class:`tools.devwiki.DevWiki`: ``devwiki.api_url``,
    ``devwiki.credentials`` (``.steward``, ``.checkuser``, ``.oversighter``,
    ``.admin``, ``.plain``, ``.bot``), ``devwiki.write_log_entry(...)``.
    Installing and starting it takes about two seconds; it is stopped at the end.
    """
    from tools.devwiki import DevWiki, free_port, missing_requirements

    problem = missing_requirements()
    if problem:
        unavailable(problem)
    wiki = DevWiki(tmp_path_factory.mktemp("devwiki"), port=free_port())
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
