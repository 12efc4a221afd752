"""bots/lock_logger.py -stream against the local wiki and a local EventStreams (#19, #25).

An entry is stored as soon as its log event arrives, long before the next poll; after
a dropped connection or a restart the stream resumes from the last event id and the gap
is read by polling. Between the locks comes what the real stream sends: canaries (one
dressed as a lock event), edits, entries of other logs; each lock is stored exactly once
and nothing else is. A poll that finds nothing new prints no progress line.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import pytest
from eventstreams_server import EventStreamsServer, canary, recentchange
from test_lock_logger import Bot, Database, oversight_bot, wait_for  # noqa: F401

from devwiki import DevWiki, free_port
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


def _noise(devwiki: DevWiki) -> list[dict[str, Any]]:
    """What the real stream sends between two locks: none of it is an entry to store.

    A canary built from a lock event (only its ``meta.domain`` tells it apart), an edit
    of the central wiki, and entries of other logs, really written to the wiki's log.
    """
    host = urlsplit(devwiki.api_url).netloc
    now = datetime.now(UTC)
    lookalike = log_event(devwiki, 0, "globalauth", "User:Canary@global")
    del lookalike["meta"]
    edit = recentchange(
        wiki=DB_NAME,
        server_url=f"http://{host}",
        title="Steward requests/Global",
        namespace=0,
        user="Steward One",
        old_rev=1,
        new_rev=2,
        at=now,
    )
    other_logs = []
    for log_type, action, params in (
        ("newusers", "create", {}),
        ("block", "block", {"5::duration": "infinity", "6::flags": []}),
    ):
        title = f"User:Other {uuid.uuid4().hex[:6]}"
        log_id = devwiki.write_log_entry(log_type, action, "Steward One", title, params, "x", now)
        event = log_event(devwiki, log_id, log_type, title)
        event["log_action"] = action
        other_logs.append(event)
    return [canary(now, **lookalike), edit, *other_logs]


def _public_lock_log_ids(devwiki: DevWiki) -> set[int]:
    """Every entry of the wiki's public lock and block logs, as the API lists them."""
    ids: set[int] = set()
    for log_type in ("globalauth", "gblblock"):
        params = {"action": "query", "list": "logevents", "letype": log_type}
        params |= {"lelimit": "500", "leprop": "ids", "format": "json", "formatversion": "2"}
        while True:
            url = f"{devwiki.api_url}?{urlencode(params)}"
            with urlopen(url, timeout=30) as response:
                answer = json.load(response)
            ids |= {entry["logid"] for entry in answer["query"]["logevents"]}
            if "continue" not in answer:
                break
            params |= answer["continue"]
    return ids


def test_stream_stores_each_lock_once_among_what_the_real_stream_sends(
    devwiki: DevWiki,
    oversight_bot: tuple[str, str],  # noqa: F811
    eventstreams: EventStreamsServer,
    tmp_path: Path,
) -> None:
    """Locks, canaries, edits, other logs, a dropped connection, a kill -9 and a restart."""
    database = Database(tmp_path)
    before = _lock(devwiki, f"Before {uuid.uuid4().hex[:6]}")
    args = (f"-api:{devwiki.api_url}", "-batch:500", "-stream", "-poll:600")
    other_log_ids: list[int] = []

    def stored(log_id: int) -> bool:
        return database.scalar("SELECT count(*) FROM lock_events WHERE log_id = ?", log_id) == 1

    def send_noise() -> None:
        for event in _noise(devwiki):
            other_log_ids.append(event.get("log_id") or 0)
            eventstreams.add(event)

    bot = Bot(tmp_path, database, oversight_bot, *args)
    bot.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = eventstreams.url
    eventstreams.drop_after = 5  # the first connection ends after the first live lock
    bot.start()
    try:
        wait_for(lambda: stored(before), 180, "the entry logged before the start", bot)
        wait_for(lambda: len(eventstreams.last_event_ids) >= 1, 60, "a connection", bot)
        send_noise()
        live = _lock(devwiki, f"Live {uuid.uuid4().hex[:6]}")
        eventstreams.add(log_event(devwiki, live, "globalauth", "User:Live@global"))
        # -poll:600: only the event can have made the bot read the log this soon.
        seconds = wait_for(lambda: stored(live), 60, "the entry of the event", bot)
        assert seconds < 60
        # The connection drops at the next event; the bot resumes after the live lock.
        send_noise()
        after = _lock(devwiki, f"After {uuid.uuid4().hex[:6]}")
        eventstreams.add(log_event(devwiki, after, "globalauth", "User:After@global"))
        wait_for(lambda: stored(after), 60, "the lock after the reconnection", bot)
        wait_for(lambda: len(eventstreams.last_event_ids) >= 2, 60, "a reconnection", bot)
        assert eventstreams.last_event_ids[1] is not None
    finally:
        assert bot.signal(signal.SIGKILL) == -signal.SIGKILL

    send_noise()  # while the bot is down
    missed = _lock(devwiki, f"Missed {uuid.uuid4().hex[:6]}")
    eventstreams.add(log_event(devwiki, missed, "globalauth", "User:Missed@global"))
    again = Bot(tmp_path, database, oversight_bot, *args, "-once", "-idle:2")
    again.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = eventstreams.url
    assert again.run(timeout=120) == 0, again.text
    assert stored(missed)
    resumed = eventstreams.last_event_ids[-1]
    # The stream's ids hold timestamps, as Wikimedia's do: the bot resumed from the one it saw.
    assert resumed is not None and "timestamp" in json.loads(resumed)[0], again.text
    # Resumed after the lock it saw last: of the five events since, one is a lock (the
    # canary dressed as one is not).
    assert "\n1 event operation\n" in again.text, again.text

    # Each lock exactly once, and nothing but the wiki's lock and block log entries.
    mine = (before, live, after, missed)
    count = "SELECT count(*) FROM lock_events WHERE log_id IN (?, ?, ?, ?)"
    assert database.scalar(count, *mine) == 4
    repeated = "SELECT log_id FROM lock_events GROUP BY wiki, log_id HAVING count(*) > 1"
    assert database.rows(repeated) == []
    kinds = {kind for (kind,) in database.rows("SELECT DISTINCT log_type FROM lock_events")}
    assert kinds <= {"globalauth", "gblblock", "suppress"}
    public = "SELECT log_id FROM lock_events WHERE log_type IN ('globalauth', 'gblblock')"
    assert {log_id for (log_id,) in database.rows(public)} == _public_lock_log_ids(devwiki)
    others = [log_id for log_id in other_log_ids if log_id]
    assert len(others) == 6
    assert (
        database.rows(
            f"SELECT log_id FROM lock_events WHERE log_id IN ({','.join('?' * 6)})", *others
        )
        == []
    )


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
    assert second.run(timeout=180) == 0, second.text
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
        wait_for(lambda: len(eventstreams.last_event_ids) >= 1, 180, "a connection", bot)
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


def test_while_the_stream_is_down_the_logs_are_polled_every_poll_seconds(
    devwiki: DevWiki,
    oversight_bot: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Production runs -stream: without EventStreams it must still be a poller, no worse."""
    database = Database(tmp_path)
    bot = Bot(tmp_path, database, oversight_bot, f"-api:{devwiki.api_url}", "-stream", "-poll:3")
    down = f"http://127.0.0.1:{free_port()}/v2/stream/recentchange"  # nothing listens
    bot.env["SAFETYDESK_PATROL_EVENTSTREAMS_URL"] = down
    bot.start()
    try:
        wait_for(lambda: "The stream failed" in bot.text, 120, "a refused connection", bot)
        locked = _lock(devwiki, f"While down {uuid.uuid4().hex[:6]}")
        query = "SELECT count(*) FROM lock_events WHERE log_id = ?"
        wait_for(lambda: database.scalar(query, locked) == 1, 60, "the lock, by polling", bot)
        wait_for(lambda: len(_pauses(bot.text)) >= 4, 60, "four failed connections", bot)
    finally:
        assert bot.signal(signal.SIGKILL) == -signal.SIGKILL  # still running
    # A round of polling between tries, the pause doubling up to -poll and staying there.
    assert _pauses(bot.text)[:4] == [1, 2, 3, 3], bot.text


def _pauses(output: str) -> list[int]:
    return [int(seconds) for seconds in re.findall(r"the stream again in (\d+) s", output)]
