"""bots/lock_logger.py against the local MediaWiki: backfill, kill -9, restart, poll, report.

About two thousand globalauth, gblblock and suppress entries in every shape CentralAuth
and GlobalBlocking have written are put into the local wiki; the bot runs as its own
process, as on Toolforge, and is killed with SIGKILL in the middle of its backfill.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pywikibot
from conftest import signed_in_client

from bots import job
from bots.job import LoggerError, backoff
from bots.lock_logger import LockLogger, parse_options
from bots.progress import Progress
from devwiki import DevWiki, LogEntry
from devwiki.wiki import BOT_GRANTS, HERE
from tools import locks
from tools.base.db import make_engine, session_factory, upgrade

REPOSITORY = Path(__file__).resolve().parents[1]
START = datetime(2008, 3, 1, tzinfo=UTC)
STEP = timedelta(hours=69)  # about two thousand entries spread over sixteen years


@dataclass(frozen=True)
class Shape:
    """One way an entry was logged, and what the tool must make of it."""

    log_type: str
    log_action: str
    params: Any
    action: str
    parsed: bool = True
    target: str = "account"  # account, ip, range, block-id, contribs


INFINITE = {"5::expiry": "infinity", "6::flags": []}
SHAPES = (
    Shape("globalauth", "setstatus", {"added": ["locked"], "removed": []}, "lock"),
    Shape("globalauth", "setstatus", {"added": [], "removed": ["locked"]}, "unlock"),
    Shape("globalauth", "setstatus", {"added": ["locked", "hidden"], "removed": []}, "lock+hide"),
    Shape("globalauth", "setstatus", ["locked", "(none)"], "lock"),
    Shape("globalauth", "setstatus", ["locked, hidden", "(none)"], "lock+hide"),
    Shape("globalauth", "setstatus", ["(none)", "locked"], "unlock"),
    Shape("globalauth", "lock", {}, "lock"),
    Shape("globalauth", "unlock", {}, "unlock"),
    Shape("globalauth", "hide", {}, "hide"),
    Shape("globalauth", "unhide", {}, "unhide"),
    Shape("globalauth", "lockandhid", {}, "lock+hide"),
    Shape("globalauth", "delete", {}, "delete"),
    Shape("globalauth", "setstatus", {"added": ["frozen"], "removed": []}, "unknown", False),
    Shape(
        "suppress",
        "setstatus",
        {"added": ["locked", "oversighted"], "removed": []},
        "lock+suppress",
    ),
    Shape(
        "suppress",
        "setstatus",
        {"added": ["hidden"], "removed": ["oversighted"]},
        "hide+unsuppress",
    ),
    Shape("suppress", "cadelete", {}, "delete"),
    Shape(
        "gblblock",
        "gblock",
        {"5::expiry": "20300101000000", "6::flags": ["anon-only"]},
        "block",
        target="ip",
    ),
    Shape("gblblock", "gblock", INFINITE, "block", target="range"),
    Shape(
        "gblblock", "gblock", {"5::expiry": "infinity", "6::flags": ["enable-autoblock"]}, "block"
    ),
    Shape(
        "gblblock", "modify", {"5::expiry": "20310101000000", "6::flags": []}, "modify", target="ip"
    ),
    Shape("gblblock", "gunblock", {}, "unblock", target="ip"),
    Shape("gblblock", "gunblock", {}, "unblock", target="block-id"),
    Shape("gblblock", "whitelist", {}, "local-disable", target="ip"),
    Shape("gblblock", "dwhitelist", {}, "local-enable", target="ip"),
    Shape(
        "gblblock",
        "gblock2",
        ["anonymous only, expiration 12:00, 1 January 2011", "x"],
        "block",
        target="ip",
    ),
    Shape("gblblock", "modify", ["no expiration set", "x"], "modify", target="ip"),
    Shape("gblblock", "gblock", ["infinite", "anon-only"], "block", target="contribs"),
    Shape("gblblock", "gblock", ["next Tuesday"], "block", False, target="ip"),
)
ROUNDS = 72  # 28 shapes x 72 = 2016 entries


@dataclass(frozen=True)
class Written:
    log_id: int
    shape: Shape
    target: str


def _title_and_target(shape: Shape, index: int) -> tuple[str, str]:
    ip = f"198.{18 + index // 65536}.{index // 256 % 256}.{index % 256}"
    if shape.target == "ip":
        return f"User:{ip}", ip
    if shape.target == "range":
        return (
            f"User:10.{index // 256 % 256}.{index % 256}.0/24",
            f"10.{index // 256 % 256}.{index % 256}.0/24",
        )
    if shape.target == "block-id":
        return f"User:#{index}", f"#{index}"
    if shape.target == "contribs":
        return f"Special:Contributions/{ip}", ip
    name = f"Logger Test {index}"
    suffix = "" if shape.log_type == "gblblock" else "@global"
    return f"User:{name}{suffix}", name


def _timestamp(index: int) -> datetime:
    # Two runs of entries share one second each, across API page boundaries.
    if 500 <= index < 650:
        index = 500
    elif 1500 <= index < 1550:
        index = 1500
    return START + index * STEP


@pytest.fixture(scope="module")
def written(devwiki: DevWiki) -> list[Written]:
    """The entries in the local wiki, every shape many times, oldest first."""
    plan = []
    for index in range(len(SHAPES) * ROUNDS):
        shape = SHAPES[index % len(SHAPES)]
        title, target = _title_and_target(shape, index)
        entry = LogEntry(
            shape.log_type,
            shape.log_action,
            "Steward One",
            title,
            shape.params,
            ["Spambot", "Long-term abuse", "Cross-wiki abuse", "Open proxy"][index % 4],
            _timestamp(index),
        )
        plan.append((entry, shape, target))
    ids = devwiki.write_log_entries([entry for entry, _, _ in plan])
    return [
        Written(log_id, shape, target) for log_id, (_, shape, target) in zip(ids, plan, strict=True)
    ]


@pytest.fixture(scope="module")
def oversight_bot(devwiki: DevWiki) -> tuple[str, str]:
    """A bot account that may read the suppress log: ``('Name@appid', secret)``."""
    name, app_id, secret = "Lock Logger Bot", "locklogger", secrets.token_hex(16)
    spec = {
        "users": [
            {"name": name, "password": secrets.token_urlsafe(18), "groups": ["bot", "suppress"]}
        ],
        "botPasswords": [
            {"user": name, "appId": app_id, "password": secret, "grants": list(BOT_GRANTS)}
        ],
        "blocks": [],
    }
    devwiki.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
    return f"{name}@{app_id}", secret


class Database:
    """A migrated SQLite file, read with sqlite3 while the bot writes to it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "safetydesk.sqlite3"
        self.url = f"sqlite:///{self.path}"
        engine = make_engine(self.url)
        upgrade(engine)
        engine.dispose()

    def scalar(self, sql: str, *args: Any) -> Any:
        with sqlite3.connect(self.path, timeout=10) as connection:
            return connection.execute(sql, args).fetchone()[0]

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path, timeout=10) as connection:
            return connection.execute(sql, args).fetchall()


class Bot:
    """``python -m bots.lock_logger`` as its own process, output in a file."""

    def __init__(self, folder: Path, database: Database, login: tuple[str, str], *args: str):
        self.folder = folder
        self.output = folder / f"bot-{secrets.token_hex(3)}.log"
        self.env = os.environ | {
            "SAFETYDESK_DATABASE_URL": database.url,
            "SAFETYDESK_INSTANCE_PATH": str(folder),
            "SAFETYDESK_BOT_USERNAME": login[0],
            "SAFETYDESK_BOT_PASSWORD": login[1],
            "PYTHONPATH": str(REPOSITORY),
            "PYTHONUNBUFFERED": "1",
        }
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Bot:
        with self.output.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bots.lock_logger", *self.args],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def run(self, timeout: float = 60) -> int:
        self.start()
        assert self.process is not None
        return self.process.wait(timeout)

    def signal(self, number: int, timeout: float = 60) -> int:
        # 60 s: on a loaded machine a bot may be mid-edit when stopped (seen at 20 s once)
        assert self.process is not None
        self.process.send_signal(number)
        return self.process.wait(timeout)

    @property
    def text(self) -> str:
        return self.output.read_text("utf-8", errors="replace")


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, bot: Bot | None = None
) -> float:
    """Seconds until ``condition`` held; fails after ``timeout`` with the bot's output."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            output = bot.text[-3000:] if bot else ""
            pytest.fail(f"{what} did not happen within {timeout} s\n{output}")
        time.sleep(0.02)
    return time.monotonic() - started


pytestmark = pytest.mark.integration


def test_backfill_killed_and_restarted_stores_each_entry_once_then_follows_new_locks(
    devwiki: DevWiki,
    written: list[Written],
    oversight_bot: tuple[str, str],
    tmp_path: Path,
    make_app: Callable[..., Any],
    record_property: Callable[[str, object], None],
) -> None:
    database = Database(tmp_path)
    poll = 1.0
    args = (f"-api:{devwiki.api_url}", "-batch:100", f"-poll:{poll:g}")
    mine = {entry.log_id: entry for entry in written}

    first = Bot(tmp_path, database, oversight_bot, *args).start()
    stored = lambda: database.scalar("SELECT count(*) FROM lock_events")  # noqa: E731
    wait_for(lambda: stored() > 0, 30, "a first page stored", first)
    assert first.signal(signal.SIGKILL) == -signal.SIGKILL
    killed_at = stored()
    assert 0 < killed_at < len(written), "the bot was killed after, not during, its backfill"

    second = Bot(tmp_path, database, oversight_bot, *args).start()
    try:
        ours = "SELECT count(*) FROM lock_events WHERE log_id BETWEEN ? AND ?"
        low, high = min(mine), max(mine)
        wait_for(lambda: database.scalar(ours, low, high) >= len(mine), 60, "the backfill", second)

        # Exactly once, and each as the shape it was written in.
        repeated = database.rows(
            "SELECT log_id FROM lock_events GROUP BY wiki, log_id HAVING count(*) > 1"
        )
        assert repeated == []
        rows = database.rows(
            "SELECT log_id, log_type, action, parsed, target FROM lock_events"
            " WHERE log_id BETWEEN ? AND ?",
            low,
            high,
        )
        found = {
            log_id: (log_type, action, bool(parsed), target)
            for log_id, log_type, action, parsed, target in rows
        }
        assert set(found) == set(mine)
        wrong = [
            (entry.shape, found[log_id])
            for log_id, entry in mine.items()
            if found[log_id]
            != (entry.shape.log_type, entry.shape.action, entry.shape.parsed, entry.target)
        ]
        assert wrong == []
        streams = {stream for (stream,) in database.rows("SELECT stream FROM bot_checkpoints")}
        assert streams == {
            "devwiki:globalauth",
            "devwiki:gblblock",
            "devwiki:suppress/setstatus",
            "devwiki:suppress/cadelete",
        }

        # A lock made now shows in the tool's search within one polling interval.
        app = make_app(database_url=database.url)
        client = signed_in_client(app, "Plain User")
        name = f"Fresh Vandal {secrets.token_hex(3)}"
        devwiki.write_log_entry(
            "globalauth", "setstatus", "Steward One", f"User:{name}@global",
            {"added": ["locked"], "removed": []}, "Spambot",
        )  # fmt: skip
        query = urllib.parse.urlencode({"target": name})
        latency = wait_for(
            lambda: (
                f'href="/locks/account/{name.replace(" ", "%20")}"'
                in client.get(f"/locks/?{query}").text
            ),
            poll + 5,
            "the new lock in the search",
            second,
        )
        record_property("killed_after_rows", killed_at)
        record_property("new_lock_seen_after_seconds", round(latency, 2))
        assert latency <= poll + 1.5, f"seen after {latency:.2f} s, polling every {poll} s"

        assert second.signal(signal.SIGTERM) == 0
    finally:
        if second.process and second.process.poll() is None:
            second.process.kill()
    assert "Stopped. The next run starts after the last page stored." in second.text
    assert "Traceback" not in second.text


def test_without_the_right_the_suppress_log_is_named_as_missing(
    devwiki: DevWiki, devwiki_site: pywikibot.site.APISite, tmp_path: Path
) -> None:
    database = Database(tmp_path)
    bot = devwiki.credentials.bot
    login = (bot.login_name, bot.bot_password)
    required = Bot(tmp_path, database, login, f"-api:{devwiki.api_url}", "-once", "-suppress")
    assert required.run() == 1
    assert "may not read the suppress log" in required.text
    assert "'viewrestrictedlogs' grant" in required.text

    logger = LockLogger(devwiki_site, session_factory(make_engine(database.url)), once=True)
    logger.setup()
    assert [stream.log_type for stream in logger.streams] == ["globalauth", "gblblock"]


def test_simulate_reads_and_writes_nothing(
    devwiki: DevWiki, written: list[Written], tmp_path: Path
) -> None:
    database = Database(tmp_path)
    bot = devwiki.credentials.bot
    login = (bot.login_name, bot.bot_password)
    run = Bot(tmp_path, database, login, f"-api:{devwiki.api_url}", "-once", "-simulate")
    assert run.run() == 0, run.text
    assert "simulation: nothing will be written" in run.text
    assert database.scalar("SELECT count(*) FROM lock_events") == 0
    assert database.scalar("SELECT count(*) FROM bot_checkpoints") == 0
    suppressed = sum(entry.shape.log_type == "suppress" for entry in written)
    read = re.search(r"(\d+) read operations", run.text)
    assert read and int(read.group(1)) >= len(written) - suppressed


def test_a_wrong_bot_password_stops_with_a_clear_message(devwiki: DevWiki, tmp_path: Path) -> None:
    database = Database(tmp_path)
    login = (devwiki.credentials.bot.login_name, "0" * 32)
    run = Bot(tmp_path, database, login, f"-api:{devwiki.api_url}", "-once")
    assert run.run() == 1
    assert "refused the bot password Safety Desk Bot@safetydesk" in run.text
    assert "Traceback" not in run.text


def test_daily_report_is_published_on_the_wiki_once_a_day(
    devwiki: DevWiki, devwiki_site: pywikibot.site.APISite, tmp_path: Path
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(hour=12, minute=0, second=0)
    day = yesterday.date().isoformat()
    devwiki.write_log_entries(
        [
            LogEntry("globalauth", "setstatus", "Steward One", "User:Report A@global",
                     {"added": ["locked"], "removed": []}, "Spambot", yesterday),
            LogEntry("globalauth", "setstatus", "Steward One", "User:Report B@global",
                     {"added": ["locked"], "removed": []}, "Spambot", yesterday),
            LogEntry("gblblock", "gblock", "Steward One", "User:203.0.113.9",
                     {"5::expiry": "infinity", "6::flags": []}, "Open proxy", yesterday),
        ]
    )  # fmt: skip
    database = Database(tmp_path)
    sessions = session_factory(make_engine(database.url))
    title = f"Safety Desk/Lock log {secrets.token_hex(3)}"
    logger = LockLogger(devwiki_site, sessions, once=True, suppress="skip", report=title)
    logger.setup()
    logger.run()
    assert not logger.failed

    page = pywikibot.Page(devwiki_site, title)
    text = page.get(force=True)
    row = next(line for line in text.splitlines() if line.startswith(f"| {day} ||"))
    cells = [cell.strip() for cell in row[2:].split("||")]
    # Date, lock, unlock, hide, block, modify, unblock, all
    assert cells[1] >= "2" and int(cells[4]) >= 1
    revisions = page.latest_revision_id
    logger._report_if_due()  # the same day again: nothing to publish
    assert pywikibot.Page(devwiki_site, title).latest_revision_id == revisions
    with sessions() as session:
        assert locks.last_reported_day(session, "devwiki") == yesterday.date()


# --- a wiki that fails: back off, never busy-loop -------------------------------------


class FlakyWiki:
    """A proxy in front of the local wiki that answers 503 to the first log requests."""

    def __init__(self, target: str, failures: int) -> None:
        self.target = target
        self.failures = failures
        self.failed_at: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                outer.handle(self, self.rfile.read(length))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api.php"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, request: BaseHTTPRequestHandler, body: bytes | None) -> None:
        if "list=logevents" in request.path + (body or b"").decode() and self.failures > 0:
            self.failures -= 1
            self.failed_at.append(time.monotonic())
            request.send_response(503)
            request.end_headers()
            return
        upstream = urllib.request.Request(
            self.target + request.path.removeprefix("/api.php"),
            data=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(upstream, timeout=30) as response:
            payload = response.read()
            request.send_response(response.status)
            for key, value in response.headers.items():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    request.send_header(key, value)
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_wiki(devwiki: DevWiki) -> Iterator[FlakyWiki]:
    wiki = FlakyWiki(devwiki.api_url, failures=3)
    yield wiki
    wiki.close()


def test_server_errors_are_retried_with_growing_pauses(
    devwiki: DevWiki,
    written: list[Written],
    flaky_wiki: FlakyWiki,
    pywikibot_workdir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bots.site import BotPassword, connect

    monkeypatch.setattr(pywikibot.config, "max_retries", 1)
    monkeypatch.setattr(pywikibot.config, "retry_wait", 0.2)
    bot = devwiki.credentials.bot
    site = connect(
        flaky_wiki.url,
        bot.name,
        BotPassword(bot.app_id, bot.bot_password),
        workdir=pywikibot_workdir,
    )
    database = Database(tmp_path)
    logger = LockLogger(
        site, session_factory(make_engine(database.url)), once=True, suppress="skip", poll=0.1
    )
    logger.setup()
    logger.run()

    assert not logger.failed and logger.failures == 0
    assert database.scalar("SELECT count(*) FROM lock_events") >= len(written) // 2
    # Pywikibot's own retry after 0.2 s, then the bot's pause of at least a second.
    gaps = [
        later - earlier
        for earlier, later in zip(flaky_wiki.failed_at, flaky_wiki.failed_at[1:], strict=False)
    ]
    assert len(gaps) == 2
    assert gaps[0] >= 0.2 and gaps[1] >= 1.0


# --- no wiki needed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "options", "unknown"),
    [
        (["-once", "-poll:2.5", "-batch:50"], {"once": True, "poll": 2.5, "batch": 50}, []),
        (["-backfill", "-nosuppress", "-x"], {"backfill": True, "suppress": "skip"}, ["-x"]),
        (["-suppress", "-report:Meta:Locks", "-wiki:metawiki"],
         {"suppress": "require", "report": "Meta:Locks", "wiki": "metawiki"}, []),
        (["-stream", "-idle:3"], {"stream": True, "idle": 3.0}, []),
    ],
)  # fmt: skip
def test_script_options(args: list[str], options: dict[str, Any], unknown: list[str]) -> None:
    assert parse_options(args) == (options, unknown)


@pytest.mark.parametrize("arg", ["-poll:soon", "-poll:0", "-batch:9000", "-report", "-api:"])
def test_bad_option_values_are_refused_by_name(arg: str) -> None:
    with pytest.raises(LoggerError, match=arg.split(":")[0]):
        parse_options([arg])


def test_back_off_doubles_up_to_a_quarter_of_an_hour() -> None:
    assert [backoff(60, failures) for failures in (1, 2, 3)] == [60, 120, 240]
    assert backoff(0.1, 1) == 1.0  # never a busy loop, however short the poll
    assert backoff(60, 20) == job.MAX_BACKOFF


def test_progress_bar_shows_how_far_through_time_the_backfill_is() -> None:
    out = io.StringIO()
    out.isatty = lambda: True  # type: ignore[method-assign]
    start = datetime(2010, 1, 1, tzinfo=UTC)
    progress = Progress("metawiki:globalauth", start, start + timedelta(days=100), out)
    progress.update(start + timedelta(days=25), 5000)
    progress.finish()
    first, last = out.getvalue().strip("\r\n").split("\r")
    assert first.startswith(
        "metawiki:globalauth [########----------------------]  25% up to 2010-01-26"
    )
    assert "5,000 stored" in first
    assert "100%" in last
