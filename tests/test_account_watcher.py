"""bots/account_watcher.py against the local wiki and a local EventStreams (issue #22).

Accounts are created through the wiki's API: one that imitates the local steward
("Steward One") with Cyrillic letters, one with a threat in its name, one ordinary.
The watcher runs as its own process, polling the newusers log and then following the
stream; each raises exactly the expected alerts, and a restart (after kill -9 too)
raises nothing twice.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from eventstreams_server import EventStreamsServer, log_event
from sqlalchemy import Engine, select

from devwiki import DevWiki
from devwiki.wiki import DB_NAME
from tools.base.db import make_engine, session_factory, upgrade
from tools.models import Alert, NamePattern, NewAccount

pytestmark = pytest.mark.integration
REPOSITORY = Path(__file__).resolve().parents[1]
#: Cyrillic letters that look like the Latin ones of "Steward" (S, e, a, d).
CYRILLIC = {0: "\u0405", 2: "\u0435", 4: "\u0430", 6: "\u0501"}


def impostor_names() -> Iterator[str]:
    """ "Steward One" with one or more of its letters written in Cyrillic, each once."""
    for count in range(1, len(CYRILLIC) + 1):
        for places in itertools.combinations(sorted(CYRILLIC), count):
            letters = list("Steward One")
            for place in places:
                letters[place] = CYRILLIC[place]
            yield "".join(letters)


def create_account(api_url: str, name: str) -> bool:
    """Create ``name`` on the wiki as a visitor does (action=createaccount); False if taken."""
    with requests.Session() as http:
        token = http.get(
            api_url,
            params={"action": "query", "meta": "tokens", "type": "createaccount", "format": "json"},
            timeout=30,
        ).json()["query"]["tokens"]["createaccounttoken"]
        password = secrets.token_urlsafe(18)
        answer = http.post(
            api_url,
            data={
                "action": "createaccount",
                "username": name,
                "password": password,
                "retype": password,
                "createreturnurl": "http://127.0.0.1/",
                "createtoken": token,
                "format": "json",
            },
            timeout=30,
        ).json()
    status = answer.get("createaccount", {}).get("status")
    if status == "PASS":
        return True
    if "userexists" in json.dumps(answer):
        return False
    raise AssertionError(f"cannot create {name}: {answer}")


def new_impostor(api_url: str) -> str:
    for name in impostor_names():
        if create_account(api_url, name):
            return name
    raise AssertionError("every Cyrillic variant of Steward One exists already")


class Watcher:
    """``python -m bots.account_watcher`` as its own process."""

    def __init__(self, folder: Path, database_url: str, devwiki: DevWiki, stream: str) -> None:
        bot = devwiki.credentials.bot
        self.output = folder / "watcher.log"
        self.folder = folder
        self.env = os.environ | {
            "SAFETYDESK_DATABASE_URL": database_url,
            "SAFETYDESK_INSTANCE_PATH": str(folder),
            "SAFETYDESK_BOT_USERNAME": bot.login_name,
            "SAFETYDESK_BOT_PASSWORD": bot.bot_password,
            "SAFETYDESK_PATROL_EVENTSTREAMS_URL": stream,
            "SAFETYDESK_PATROL_THRESHOLD": "0.5",
            "PYTHONPATH": str(REPOSITORY),
            "PYTHONUNBUFFERED": "1",
        }
        self.base = [sys.executable, "-m", "bots.account_watcher", f"-api:{devwiki.api_url}"]

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with self.output.open("ab") as log:
            return subprocess.Popen(
                [*self.base, *args],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def run(self, *args: str) -> str:
        process = self.start("-once", *args)
        assert process.wait(120) == 0, self.text
        return self.text

    @property
    def text(self) -> str:
        return self.output.read_text("utf-8", errors="replace")


def alerts_of(engine: Engine, names: set[str]) -> list[tuple[str, str, str]]:
    """(account, kind, why) of every alert on these accounts, sorted (duplicates kept)."""
    with session_factory(engine)() as session:
        rows = session.scalars(select(Alert).where(Alert.page_title.in_(sorted(names)))).all()
        return sorted((row.page_title, row.category, row.comment_key) for row in rows)


def wait_for(condition, timeout: float, what: str, watcher: Watcher) -> float:
    import time

    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what} did not happen within {timeout} s\n{watcher.text[-3000:]}")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def eventstreams() -> Iterator[EventStreamsServer]:
    server = EventStreamsServer().start()
    yield server
    server.stop()


def newusers_event(devwiki: DevWiki, name: str, wiki: str = DB_NAME) -> dict:
    host = urlsplit(devwiki.api_url)
    return log_event(
        wiki=wiki,
        server_url=f"{host.scheme}://{host.netloc}",
        log_type="newusers",
        log_action="create",
        log_params={"userid": 1},
        title=f"User:{name}",
        user=name,
        at=datetime.now(UTC),
    )


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database of its own: each watcher run costs seconds, so one engine.

    (The watcher's queries are the patrol's kind; tests/test_migrations.py runs the
    migration on MariaDB too.)
    """
    engine = make_engine(f"sqlite:///{tmp_path / 'watcher.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_new_accounts_raise_the_expected_alerts_polling_and_streaming_once(
    devwiki: DevWiki, migrated: Engine, tmp_path: Path, eventstreams: EventStreamsServer
) -> None:
    t = secrets.token_hex(3)
    start = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    impostor = new_impostor(devwiki.api_url)
    threat = f"I will kill you {t}"
    ordinary = f"Gardener {t}"
    for name in (threat, ordinary):
        assert create_account(devwiki.api_url, name)
    url = migrated.url.render_as_string(hide_password=False)
    watcher = Watcher(tmp_path, url, devwiki, eventstreams.url)

    # Polling: the newusers log from -start.
    output = watcher.run(f"-start:{start}")
    polled = {impostor, threat, ordinary}
    expected = sorted(
        [
            (impostor, "account_lookalike", "lookalike:Steward One"),
            (threat, "account_name", "triage"),
        ]
    )
    assert alerts_of(migrated, polled) == expected, output
    with session_factory(migrated)() as session:
        stored = set(session.scalars(select(NewAccount.name)))
        assert polled <= stored
        alert = session.scalars(select(Alert).where(Alert.page_title == impostor)).one()
        assert alert.rules[0]["skeleton"] == "stewardone"
        assert any("CYRILLIC" in text for text in alert.rules[0]["characters"])
        # The first patterns came from the settings file.
        assert session.scalars(select(NamePattern).where(NamePattern.source == "settings")).all()

    # Restarted, streaming, -poll:600: only the stream can bring the accounts this soon.
    process = watcher.start("-stream", "-poll:600")
    try:
        wait_for(lambda: len(eventstreams.last_event_ids) >= 1, 60, "a connection", watcher)
        impostor2 = new_impostor(devwiki.api_url)
        threat2, ordinary2 = f"I will find you and kill you {t}", f"Birdwatcher {t}"
        elsewhere = "Ch\u0435ckuser One"  # on another wiki: only the stream shows it
        for name in (threat2, ordinary2):
            assert create_account(devwiki.api_url, name)
        # The impostor polled before comes by the stream too: read twice, alerted once.
        for name in (impostor, impostor2, threat2, ordinary2):
            eventstreams.add(newusers_event(devwiki, name))
        eventstreams.add(newusers_event(devwiki, elsewhere, wiki="frwiki"))
        streamed = {impostor2, threat2, ordinary2, elsewhere}
        seconds = wait_for(
            lambda: len(alerts_of(migrated, streamed)) >= 3, 30, "the stream's alerts", watcher
        )
        assert seconds < 30
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(20)
    expected_streamed = sorted(
        [
            (impostor2, "account_lookalike", "lookalike:Steward One"),
            (threat2, "account_name", "triage"),
            (elsewhere, "account_lookalike", "lookalike:Checkuser One"),
        ]
    )
    assert alerts_of(migrated, streamed) == expected_streamed, watcher.text
    # Restarted after kill -9: the stream resumes, the log is polled; nothing twice.
    watcher.run("-stream", "-idle:2")
    assert alerts_of(migrated, streamed) == expected_streamed
    assert alerts_of(migrated, polled) == expected
    with session_factory(migrated)() as session:
        frwiki = session.scalars(select(NewAccount).where(NewAccount.name == elsewhere)).one()
        assert frwiki.wiki == "frwiki"
