"""bots/noticeboard_patrol.py against the local MediaWiki, polling and streaming.

Three people edit a watched board of the local wiki with Pywikibot: a new thread with
a threat, a reply in French with a doxxing attempt, an ordinary dispute. The patrol
runs as its own process, as on Toolforge, stopped and restarted between the edits;
in streaming mode it reads the local EventStreams server (tests/eventstreams_server.py)
replaying the real-schema recentchange events of those edits, and the server drops
the connection in the middle of the stream once. As the real stream, it mixes in
canary events, log events and changes of other wikis and pages, and its SSE ids hold
Kafka timestamps.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from eventstreams_server import EventStreamsServer, canary, event_id, log_event, recentchange
from helpers import HEADER, THREAT, Edit, Editor
from sqlalchemy import Engine, func, select

from bots.eventstreams import STREAM_CHECKPOINT
from devwiki import DevWiki
from devwiki.wiki import BOT_GRANTS, HERE
from tools.base import clock
from tools.base.db import session_factory, transaction
from tools.models import Alert, BotCheckpoint
from tools.patrol import revisions

REPOSITORY = Path(__file__).resolve().parents[1]
WIKI = "devwiki"

DOXXING = (
    ":Je connais cette personne. Son vrai nom est Jean Dupont, numéro de "
    "téléphone : 06 12 34 56 78. ~~~~\n"
)
DISPUTE = (
    "\n== Closure of the merge discussion ==\n"
    "I disagree with the close: the sources are reliable. Please reconsider it. ~~~~\n"
)
#: (category, author, thread) of each alert the three edits must raise, and no more.
EXPECTED = {
    ("violence", "Patrol Editor One", "Threats against an editor"),
    ("doxxing", "Patrol Editor Two", "Threats against an editor"),
}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def editors(devwiki: DevWiki, tmp_path_factory: pytest.TempPathFactory) -> list[Editor]:
    """Three people of the local wiki, each with a bot password to edit with Pywikibot."""
    people = [
        Editor(
            devwiki.api_url,
            f"Patrol Editor {n}",
            f"patrol{n.lower()}",
            secrets.token_hex(16),
            tmp_path_factory.mktemp(f"editor-{n.lower()}"),
        )
        for n in ("One", "Two", "Three")
    ]
    spec = {
        "users": [
            {"name": p.name, "password": secrets.token_urlsafe(18), "groups": []} for p in people
        ],
        "botPasswords": [
            {"user": p.name, "appId": p.app_id, "password": p.secret, "grants": list(BOT_GRANTS)}
            for p in people
        ],
        "blocks": [],
    }
    devwiki.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
    return people


class Patrol:
    """``python -m bots.noticeboard_patrol`` as its own process."""

    def __init__(self, folder: Path, url: str, devwiki: DevWiki, board: str, stream: str = ""):
        bot = devwiki.credentials.bot
        self.folder = folder
        self.env = os.environ | {
            "SAFETYDESK_DATABASE_URL": url,
            "SAFETYDESK_INSTANCE_PATH": str(folder),
            "SAFETYDESK_BOT_USERNAME": bot.login_name,
            "SAFETYDESK_BOT_PASSWORD": bot.bot_password,
            "SAFETYDESK_PATROL_BOARDS": f"{WIKI}:{board}",
            "SAFETYDESK_PATROL_API_URLS": json.dumps({WIKI: devwiki.api_url}),
            "SAFETYDESK_PATROL_THRESHOLD": "0.5",
            "PYTHONPATH": str(REPOSITORY),
            "PYTHONUNBUFFERED": "1",
        }
        if stream:
            self.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = stream

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """The patrol running on (no -once), its output in a file of the folder."""
        with (self.folder / "patrol.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "bots.noticeboard_patrol", *args],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bots.noticeboard_patrol", "-once", *args],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        return output


def alerts_in(engine: Engine, board: str) -> set[tuple[str, str | None, str | None]]:
    with session_factory(engine)() as session:
        rows = session.scalars(select(Alert).where(Alert.page_title == board)).all()
        assert len(rows) == len({row.comment_key for row in rows}), "an alert raised twice"
        return {(row.category, row.author, row.section) for row in rows}


def checkpoints(engine: Engine) -> list[tuple[str, dict]]:
    with session_factory(engine)() as session:
        return [
            (row.stream, row.position)
            for row in session.scalars(select(BotCheckpoint).order_by(BotCheckpoint.stream))
        ]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_polling_raises_each_expected_alert_once_across_restarts(
    devwiki: DevWiki, editors: list[Editor], migrated: Engine, tmp_path: Path
) -> None:
    board = f"Project:Incidents {secrets.token_hex(3)}"
    one, two, three = editors
    first = one.edit(board, HEADER)
    patrol = Patrol(tmp_path, _url(migrated), devwiki, first.title)

    output = patrol.run()  # the first reading notes where the board is
    assert f"starting after revision {first.new}" in output
    assert alerts_in(migrated, first.title) == set()

    threat = one.edit(first.title, THREAT)
    output = patrol.run("-simulate")
    assert "Would raise an alert: violence" in output
    assert alerts_in(migrated, first.title) == set()  # -simulate wrote nothing
    assert [(name, at["rev_id"]) for name, at in checkpoints(migrated)] == [
        (f"{WIKI}:{first.title}", first.new)
    ]

    patrol.run()  # stopped after the first edit: the threat
    assert alerts_in(migrated, first.title) == {next(a for a in EXPECTED if a[0] == "violence")}

    two.edit(first.title, DOXXING)
    three.edit(first.title, DISPUTE)
    patrol.run()
    patrol.run()  # again: nothing new, nothing twice
    assert alerts_in(migrated, first.title) == EXPECTED
    with session_factory(migrated)() as session:
        violence = session.scalars(select(Alert).where(Alert.category == "violence")).one()
        assert violence.rev_id == threat.new and "kill you" in " ".join(violence.phrases)


@pytest.fixture
def eventstreams() -> Iterator[EventStreamsServer]:
    server = EventStreamsServer().start()
    yield server
    server.stop()


def _event(devwiki: DevWiki, change: Edit, wiki: str = WIKI) -> dict:
    return recentchange(
        wiki=wiki,
        server_url=devwiki.url.rstrip("/"),
        script_path="",
        title=change.title,
        namespace=change.namespace,
        user=change.user,
        old_rev=change.old,
        new_rev=change.new,
        at=change.at,
    )


def _canary(devwiki: DevWiki, change: Edit, board: str) -> dict:
    """A canary that carries a change's fields as if to the board: only meta.domain differs."""
    fields = _event(devwiki, change)
    fields.pop("meta")
    return canary(change.at, **(fields | {"title": board}))


def _log(devwiki: DevWiki, params: object) -> dict:
    return log_event(
        wiki=WIKI,
        server_url=devwiki.url.rstrip("/"),
        log_type="block",
        log_action="block",
        log_params=params,
        title="User:Someone",
        user="Admin",
        at=clock.now(),
    )


def test_streaming_raises_each_expected_alert_once_across_drops_and_restarts(
    devwiki: DevWiki,
    editors: list[Editor],
    migrated: Engine,
    tmp_path: Path,
    eventstreams: EventStreamsServer,
) -> None:
    board = f"Project:Incidents {secrets.token_hex(3)}"
    one, two, three = editors
    created = one.edit(board, HEADER)
    threat = one.edit(created.title, THREAT)
    doxxing = two.edit(created.title, DOXXING)
    dispute = three.edit(created.title, DISPUTE)
    elsewhere = one.edit(f"Sandbox {secrets.token_hex(3)}", THREAT)  # a page nobody watches

    # Canaries, log events and changes of other wikis and pages come first, as on the
    # real stream. The canary is built from the schema's example: only its meta.domain
    # says it is no change (read, it would raise an alert on the board).
    eventstreams.add(_canary(devwiki, elsewhere, created.title))
    eventstreams.add(_log(devwiki, {"duration": "1 week", "flags": ["nocreate"]}))
    eventstreams.add(_event(devwiki, threat, wiki="enwiki"))
    eventstreams.add(_event(devwiki, elsewhere))
    eventstreams.add(_log(devwiki, ["Old name", "New name"]))
    eventstreams.add(_event(devwiki, created))  # a new page: revision.old is null
    eventstreams.add(_event(devwiki, threat))
    eventstreams.drop_after = 6  # the first connection ends before the threat's event
    patrol = Patrol(tmp_path, _url(migrated), devwiki, created.title, eventstreams.url)

    output = patrol.run("-stream", "-idle:3", "-simulate")
    assert "Would raise an alert: violence" in output
    assert alerts_in(migrated, created.title) == set() and checkpoints(migrated) == []

    eventstreams.drop_after = 6
    running = patrol.start("-stream")
    try:
        started = time.monotonic()
        while not alerts_in(migrated, created.title):
            assert running.poll() is None, (tmp_path / "patrol.log").read_text()
            assert time.monotonic() - started < 60, "no alert within a minute"
            time.sleep(0.1)
    finally:
        running.kill()  # SIGKILL, in the middle of the stream: no clean stop
        running.wait(20)
    assert alerts_in(migrated, created.title) == {next(a for a in EXPECTED if a[0] == "violence")}
    resumed = eventstreams.last_event_ids[-1]
    assert resumed is not None and "timestamp" in json.loads(resumed)[0]  # a Kafka timestamp
    assert eventstreams.start_after(resumed) == 6  # after the drop: from the threat on

    # The bot is down; the other edits arrive, with the threat's event again.
    eventstreams.add(_log(devwiki, 'a:1:{s:4:"5::x";s:1:"y";}'))  # params as a string
    eventstreams.add(_event(devwiki, doxxing))
    eventstreams.add(_canary(devwiki, elsewhere, created.title))
    eventstreams.add(_event(devwiki, threat))
    eventstreams.add(_event(devwiki, dispute))
    output = patrol.run("-stream", "-idle:3")
    resumed = eventstreams.last_event_ids[-1]  # from the checkpoint stored with the alert
    assert eventstreams.start_after(resumed) == 7, (eventstreams.last_event_ids, output)
    assert alerts_in(migrated, created.title) == EXPECTED
    assert alerts_in(migrated, elsewhere.title) == set()
    with session_factory(migrated)() as session:
        count = session.scalar(select(func.count()).select_from(Alert))
        assert count == len(EXPECTED)


def test_a_checkpoint_older_than_the_streams_retention_is_caught_up_by_polling(
    devwiki: DevWiki,
    editors: list[Editor],
    migrated: Engine,
    tmp_path: Path,
    eventstreams: EventStreamsServer,
) -> None:
    """EventStreams keeps days of events: an older Last-Event-ID would silently skip."""
    one = editors[0]
    created = one.edit(f"Project:Incidents {secrets.token_hex(3)}", HEADER)
    threat = one.edit(created.title, THREAT)
    eventstreams.add(_event(devwiki, created))
    eventstreams.add(_event(devwiki, threat))
    eventstreams.expire()  # both past the retention: the stream no longer has them
    eventstreams.add(_canary(devwiki, threat, created.title))
    weeks_ago = clock.now() - timedelta(days=30)
    with transaction(session_factory(migrated)) as session:
        revisions.save_position(session, f"{WIKI}:{created.title}", {"rev_id": created.new})
        old_id = event_id(0, int(weeks_ago.timestamp() * 1000))
        revisions.save_position(session, STREAM_CHECKPOINT, {"last_event_id": old_id})
    patrol = Patrol(tmp_path, _url(migrated), devwiki, created.title, eventstreams.url)

    output = patrol.run("-stream", "-idle:3")
    assert "older than EventStreams keeps events" in output
    assert alerts_in(migrated, created.title) == {next(a for a in EXPECTED if a[0] == "violence")}
    assert eventstreams.last_event_ids[-1] is None  # the stream followed from where it is
