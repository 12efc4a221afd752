"""bots/lock_logger.py -stream against the local wiki and a local EventStreams (issue #19).

An entry is stored as soon as its log event arrives, long before the next poll; after
a restart the stream resumes from the last event id and the gap is read by polling.
A poll that finds nothing new prints no progress line.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from eventstreams_server import EventStreamsServer
from test_lock_logger import Bot, Database, oversight_bot, wait_for  # noqa: F401

from devwiki import DevWiki
from devwiki.wiki import DB_NAME

pytestmark = pytest.mark.integration


@pytest.fixture
def eventstreams() -> Iterator[EventStreamsServer]:
    server = EventStreamsServer().start()
    yield server
    server.stop()


def log_event(devwiki: DevWiki, log_id: int, log_type: str, title: str) -> dict[str, Any]:
    """A ``mediawiki/recentchange`` log event as EventStreams sends it."""
    host = urlsplit(devwiki.api_url).netloc
    now = datetime.now(UTC)
    return {
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": {
            "uri": f"http://{host}/wiki/Special:Log/{log_type}",
            "id": str(uuid.uuid4()),
            "dt": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "domain": host,
            "stream": "mediawiki.recentchange",
        },
        "type": "log",
        "namespace": 2,
        "title": title,
        "timestamp": int(now.timestamp()),
        "user": "Steward One",
        "log_id": log_id,
        "log_type": log_type,
        "log_action": "setstatus" if log_type == "globalauth" else "gblock",
        "log_params": {},
        "wiki": DB_NAME,
        "server_name": host,
    }


def _lock(devwiki: DevWiki, name: str) -> int:
    return devwiki.write_log_entry(
        "globalauth",
        "setstatus",
        "Steward One",
        f"User:{name}@global",
        {"added": ["locked"], "removed": []},
        "Спам-бот",
        datetime.now(UTC),
    )


def test_stream_stores_an_entry_at_its_event_and_resumes_after_a_restart(
    devwiki: DevWiki,
    oversight_bot: tuple[str, str],  # noqa: F811
    eventstreams: EventStreamsServer,
    tmp_path: Path,
) -> None:
    database = Database(tmp_path)
    before = _lock(devwiki, f"Before {uuid.uuid4().hex[:6]}")
    args = (f"-api:{devwiki.api_url}", "-batch:500", "-stream", "-poll:600")

    def stored(log_id: int) -> bool:
        return database.scalar("SELECT count(*) FROM lock_events WHERE log_id = ?", log_id) == 1

    bot = Bot(tmp_path, database, oversight_bot, *args)
    bot.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = eventstreams.url
    bot.start()
    try:
        wait_for(lambda: stored(before), 60, "the entry logged before the start", bot)
        wait_for(lambda: len(eventstreams.last_event_ids) >= 1, 30, "a connection", bot)
        eventstreams.add(log_event(devwiki, 0, "newusers", "User:Someone"))  # not ours
        live = _lock(devwiki, f"Live {uuid.uuid4().hex[:6]}")
        eventstreams.add(log_event(devwiki, live, "globalauth", "User:Live@global"))
        # -poll:600: only the event can have made the bot read the log this soon.
        seconds = wait_for(lambda: stored(live), 20, "the entry of the event", bot)
        assert seconds < 20
    finally:
        assert bot.signal(signal.SIGKILL) == -signal.SIGKILL

    missed = _lock(devwiki, f"Missed {uuid.uuid4().hex[:6]}")  # logged while the bot is down
    eventstreams.add(log_event(devwiki, missed, "globalauth", "User:Missed@global"))
    again = Bot(tmp_path, database, oversight_bot, *args, "-once", "-idle:2")
    again.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = eventstreams.url
    assert again.run(timeout=120) == 0, again.text
    assert stored(missed)
    resumed = eventstreams.last_event_ids[-1]
    # The stream's ids hold timestamps, as Wikimedia's do: the bot resumed from the one it saw.
    assert resumed is not None and "timestamp" in json.loads(resumed)[0], again.text
    count = "SELECT count(*) FROM lock_events WHERE log_id IN (?, ?, ?)"
    assert database.scalar(count, before, live, missed) == 3


def test_a_poll_that_finds_nothing_new_prints_no_progress(
    devwiki: DevWiki,
    oversight_bot: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    database = Database(tmp_path)
    # The newest account deletion (suppress log) is old: the log is quiet.
    devwiki.write_log_entry(
        "suppress",
        "cadelete",
        "Steward One",
        f"User:Old {uuid.uuid4().hex[:6]}@global",
        {},
        "Spambot",
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    args = (f"-api:{devwiki.api_url}", "-batch:500", "-once")
    first = Bot(tmp_path, database, oversight_bot, *args)
    assert first.run(timeout=180) == 0, first.text
    assert "stored ·" in first.text  # the first read shows its progress
    second = Bot(tmp_path, database, oversight_bot, *args)
    assert second.run(timeout=60) == 0, second.text
    # Caught up; before the fix each log whose newest entry is older than a day printed a
    # "100 % … 0 stored" line at each poll.
    assert "stored ·" not in second.text, second.text


def test_a_busy_stream_still_reads_the_suppress_log_every_poll(
    devwiki: DevWiki,
    oversight_bot: tuple[str, str],  # noqa: F811
    eventstreams: EventStreamsServer,
    tmp_path: Path,
) -> None:
    database = Database(tmp_path)
    args = (f"-api:{devwiki.api_url}", "-batch:500", "-stream", "-poll:2")
    bot = Bot(tmp_path, database, oversight_bot, *args)
    bot.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = eventstreams.url
    bot.start()
    busy = threading.Event()

    def chatter() -> None:  # edits elsewhere, never quiet for -poll seconds
        while not busy.is_set():
            eventstreams.add(log_event(devwiki, 0, "newusers", "User:Someone"))
            time.sleep(0.2)

    talker = threading.Thread(target=chatter, daemon=True)
    try:
        wait_for(lambda: len(eventstreams.last_event_ids) >= 1, 60, "a connection", bot)
        talker.start()
        hidden = devwiki.write_log_entry(
            "suppress",
            "cadelete",
            "Steward One",
            f"User:Hidden {uuid.uuid4().hex[:6]}@global",
            {},
            "Spambot",
            datetime.now(UTC),
        )  # the suppress log is never in EventStreams
        query = "SELECT count(*) FROM lock_events WHERE log_id = ? AND log_type = 'suppress'"
        wait_for(lambda: database.scalar(query, hidden) == 1, 30, "the suppress entry", bot)
    finally:
        busy.set()
        assert bot.signal(signal.SIGKILL) == -signal.SIGKILL
