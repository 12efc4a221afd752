"""Patrol noticeboards: new comments that look like threats, doxxing… become alerts.

The patrol reads every new revision of the boards listed in SAFETYDESK_PATROL_BOARDS
('wiki:Title', separated by '|'), compares it with its parent revision, splits the
new text into threads and signed comments (tools.wikitext, in each wiki's own
language: namespaces, special page aliases and month names come from the wiki's
API) and scores each new comment (tools.triage). A comment scoring
SAFETYDESK_PATROL_THRESHOLD or more becomes an alert for specialists in Safety Desk,
once, however often it is read. The patrol never writes anything to a wiki.

It polls each board's history from its checkpoint, oldest first, or, with -stream,
follows EventStreams' recentchange stream (SAFETYDESK_PATROL_EVENTSTREAMS_URL) and
reads the two revisions of each change to a board from the wiki. The alerts of a
revision are stored in the transaction that moves the checkpoint, so a bot stopped
at any moment restarts with no gap and no duplicate; after a dropped connection the
stream resumes from its last event (Last-Event-ID).

Its settings come from Safety Desk's configuration, not from user-config.py:
SAFETYDESK_DATABASE_URL, SAFETYDESK_BOT_USERNAME ('Name@appid'),
SAFETYDESK_BOT_PASSWORD, SAFETYDESK_PATROL_BOARDS, SAFETYDESK_PATROL_THRESHOLD,
SAFETYDESK_PATROL_API_URLS (api.php of wikis that are not Wikimedia's) and
SAFETYDESK_INSTANCE_PATH (Pywikibot keeps its cookies in its pywikibot folder).

    python -m bots.noticeboard_patrol -poll:60
    python -m bots.noticeboard_patrol -stream

These options are specific to this script:

-stream           Follow EventStreams instead of polling each board's history.

-once             Polling: stop after one round over every board. Streaming: stop
                  once no event came for -idle seconds.

-poll:SECONDS     Polling: wait this long between rounds (default: 60).

-idle:SECONDS     Streaming with -once: how long a quiet stream means caught up
                  (default: 10).

-start:TIMESTAMP  A board read for the first time is read from this time
                  (2026-11-24T00:00:00Z); by default its first reading only
                  notes its latest revision, and the next ones read what follows.

Pywikibot's global options apply too, among them:

-simulate         Read and classify, and say which alerts would be raised, but
                  write nothing anywhere: no alert, no checkpoint.

-read_maxlag:N    Wait while the wiki's database replicas lag more than N seconds
                  (default here: 5).

-max_retries:N -retry_wait:N
                  How often and how long Pywikibot retries after a server error; when
                  it gives up, the bot backs off and tries again, up to 15 minutes.

-help             This text.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pywikibot
import requests
from pywikibot import config as pywikibot_config
from pywikibot.bot import BaseBot, show_help, suggest_help
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from bots.lock_logger import (
    TRANSIENT_ERRORS,
    LoggerError,
    _number,
    backoff,
    log_in,
    make_default_site,
    open_database,
)
from bots.site import stop_on_sigterm
from tools.base import db
from tools.base.config import Settings, SettingsError, load_settings
from tools.patrol import alerts, revisions, wikitext
from tools.patrol.wikitext import WikiDialect
from tools.wiki.wikis import UnknownWiki, wiki_by_dbname

#: Where the stream's position is kept in bot_checkpoints.
STREAM_CHECKPOINT = "eventstreams:recentchange"
#: Events between two checkpoints of the stream when none concerns a board.
STREAM_SAVE_EVERY = 500
#: Seconds between heartbeats while nothing happens.
HEARTBEAT_EVERY = 30.0
#: Revisions per API request (with their content: the API allows 50).
REVISIONS_PER_REQUEST = 50
#: Seconds to wait for the stream to answer, and for the next line when not -once.
STREAM_TIMEOUT = 60.0
#: With -once, give up after this many failed rounds in a row.
ONCE_ATTEMPTS = 5


class PatrolError(LoggerError):
    """The patrol cannot go on; the message says what to fix."""


@dataclass(frozen=True)
class Board:
    """A watched page: its wiki's database name and its title as the wiki writes it."""

    wiki: str
    title: str

    @property
    def stream(self) -> str:
        return revisions.board_stream(self.wiki, self.title)


@dataclass(frozen=True)
class Revision:
    rev_id: int
    parent_id: int
    user: str | None
    timestamp: str
    text: str | None


class NoticeboardPatrol(BaseBot):
    """Reads new comments of the watched boards into alerts, by polling or streaming."""

    update_options: ClassVar[dict[str, Any]] = {
        "stream": False,
        "once": False,
        "poll": 60.0,
        "idle": 10.0,
        "start": "",
    }

    def __init__(
        self,
        sites: Mapping[str, APISite],
        boards: Sequence[Board],
        sessions: sessionmaker[Session],
        settings: Settings,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sites = dict(sites)
        self.boards = list(boards)
        self.sessions = sessions
        self.settings = settings
        self.simulate = bool(pywikibot_config.simulate)
        self.threshold = patrol_threshold(settings)
        self.dialects: dict[str, WikiDialect] = {}
        self.languages: dict[str, str] = {}
        self.positions: dict[str, int] = {}  # board stream -> last revision read
        self.failures = 0
        self.failed = False
        self.last_beat = 0.0

    # Setting up

    def setup(self) -> None:
        """Each wiki's language and dialect, each board's checkpoint."""
        for wiki, site in self.sites.items():
            self.dialects[wiki] = revisions.dialect_from_api(site_language_data(site))
            self.languages[wiki] = site.lang
        with self.sessions() as session:
            for board in self.boards:
                position = revisions.load_position(session, board.stream)
                if position and "rev_id" in position:
                    self.positions[board.stream] = int(position["rev_id"])
        mode = "simulation: nothing will be written" if self.simulate else "storing alerts"
        how = "streaming" if self.opt.stream else "polling"
        names = ", ".join(board.stream for board in self.boards)
        pywikibot.info(f"Watching {names} ({how}; {mode}; threshold {self.threshold:g})")

    # The loop

    def run(self) -> None:
        try:
            if self.opt.stream:
                self._follow_stream()
            else:
                self._poll()
        except KeyboardInterrupt:
            pywikibot.info("Stopped. The next run starts after the last revision stored.")
        except PatrolError as err:
            pywikibot.error(str(err))
            self.failed = True
        finally:
            self.exit()

    def _poll(self) -> None:
        while True:
            ok = self._round()
            if self.opt.once and (ok or self.failures >= ONCE_ATTEMPTS):
                if not ok:
                    raise PatrolError("the wikis did not answer; the checkpoints are kept")
                return
            time.sleep(float(self.opt.poll) if ok else backoff(self.opt.poll, self.failures))

    def _round(self) -> bool:
        try:
            for board in self.boards:
                self._catch_up(board)
            self._heartbeat(force=True)
        except TRANSIENT_ERRORS as err:
            self.failures += 1
            pywikibot.warning(f"Reading the boards failed ({type(err).__name__}: {err})")
            return False
        self.failures = 0
        return True

    def _catch_up(self, board: Board) -> None:
        """Every revision of the board after its checkpoint, oldest first, each with its parent."""
        site = self.sites[board.wiki]
        after = self.positions.get(board.stream)
        if after is None and not self.opt.start:
            latest = latest_revision(site, board.title)
            if latest is not None:
                self._store(board, latest, [])
                pywikibot.info(f"{board.stream}: starting after revision {latest.rev_id}")
            return
        previous: Revision | None = None
        for revision in revisions_after(site, board.title, after, self.opt.start or None):
            if after is not None and revision.rev_id <= after:
                previous = revision  # the checkpoint's own revision: the next one's parent
                continue
            parent_text = (
                previous.text
                if previous is not None and previous.rev_id == revision.parent_id
                else revision_text(site, revision.parent_id)
            )
            self._read(board, revision, parent_text)
            previous = revision

    def _read(self, board: Board, revision: Revision, parent_text: str | None) -> None:
        """Classify the comments ``revision`` added and store what fires, with the checkpoint."""
        found = revisions.classify_revision(
            parent_text,
            revision.text or "",
            self.dialects[board.wiki],
            self.languages[board.wiki],
            revision_user=revision.user,
        )
        self.counter["read"] += 1
        self._store(board, revision, found)

    def _store(
        self,
        board: Board,
        revision: Revision,
        found: Sequence[revisions.Found],
        extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        checkpoints = {
            board.stream: {"rev_id": revision.rev_id, "timestamp": revision.timestamp},
            **(extra or {}),
        }
        firing = [item for item in found if _fires(item, self.threshold)]
        if self.simulate:
            with self.sessions() as session:
                for item in firing:
                    if not alerts.already_alerted(
                        session, board.wiki, board.title, item.comment.key
                    ):
                        self._say("Would raise", board, revision, item)
        else:
            with db.transaction(self.sessions) as session:
                raised = revisions.store_revision(
                    session,
                    wiki=board.wiki,
                    page_title=board.title,
                    rev_id=revision.rev_id,
                    language=self.languages[board.wiki],
                    found=firing,
                    threshold=self.threshold,
                    checkpoints=checkpoints,
                )
            for alert in raised:
                self.counter["alert"] += 1
                pywikibot.info(
                    f"Alert {alert.id}: {alert.category} {alert.score:.2f} in {board.stream} "
                    f"revision {revision.rev_id}"
                )
        self.positions[board.stream] = revision.rev_id
        self.last_beat = time.monotonic()

    def _say(self, what: str, board: Board, revision: Revision, item: revisions.Found) -> None:
        top = item.verdict.top
        assert top is not None
        self.counter["alert"] += 1
        pywikibot.info(
            f"{what} an alert: {top.category} {top.score:.2f} in {board.stream} revision "
            f"{revision.rev_id}, comment {item.comment.key}"
        )

    def _heartbeat(self, *, force: bool = False) -> None:
        if self.simulate or (not force and time.monotonic() - self.last_beat < HEARTBEAT_EVERY):
            return
        streams = [board.stream for board in self.boards]
        if self.opt.stream:
            streams.append(STREAM_CHECKPOINT)
        with db.transaction(self.sessions) as session:
            revisions.heartbeat(session, streams)
        self.last_beat = time.monotonic()

    # Streaming

    def _follow_stream(self) -> None:
        """Read EventStreams from the checkpoint; reconnect after a drop, backing off."""
        with self.sessions() as session:
            position = revisions.load_position(session, STREAM_CHECKPOINT) or {}
        self.last_event_id: str | None = position.get("last_event_id")
        self.unsaved = 0
        while True:
            try:
                quiet = self._stream_once()
            except TRANSIENT_ERRORS as err:
                self.failures += 1
                if self.opt.once and self.failures >= ONCE_ATTEMPTS:
                    raise PatrolError(f"the stream failed: {err}; the checkpoint is kept") from None
                pause = backoff(1.0, self.failures)
                pywikibot.warning(
                    f"The stream failed ({type(err).__name__}: {err}); again in {pause:.0f} s"
                )
                time.sleep(pause)
                continue
            if quiet and self.opt.once:
                self._save_stream_position()
                return
            pywikibot.info("The stream ended; resuming from its last event")

    def _stream_once(self) -> bool:
        """One connection: True when it stayed quiet for -idle seconds (with -once)."""
        headers = {
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "User-Agent": self.settings.user_agent,
        }
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        read_timeout = float(self.opt.idle) if self.opt.once else STREAM_TIMEOUT
        url = self.settings.patrol_eventstreams_url
        try:
            with requests.get(
                url, headers=headers, stream=True, timeout=(10.0, read_timeout)
            ) as response:
                response.raise_for_status()
                for event_id, data in sse_messages(raw_lines(response.raw)):
                    self.failures = 0
                    self._on_event(event_id, data)
        except (ReadTimeoutError, requests.exceptions.Timeout):
            if self.opt.once:
                return True
            raise requests.exceptions.Timeout(f"no event for {read_timeout:g} s") from None
        except ProtocolError as err:
            raise requests.exceptions.ConnectionError(str(err)) from None
        return False

    def _on_event(self, event_id: str | None, data: str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            pywikibot.warning(f"Skipping an event that is not JSON: {data[:80]!r}")
            return
        self.counter["event"] += 1
        board = self._board_of(event)
        if board is None:
            self.last_event_id = event_id or self.last_event_id
            self.unsaved += 1
            if self.unsaved >= STREAM_SAVE_EVERY:
                self._save_stream_position()
            else:
                self._heartbeat()
            return
        new, old = event["revision"]["new"], event["revision"].get("old")
        if new > self.positions.get(board.stream, 0):
            site = self.sites[board.wiki]
            both = revisions_by_id(site, [int(new), int(old or 0)])  # one request
            revision = both.get(int(new))
            if revision is not None:
                parent_id = int(old or revision.parent_id)
                parent = both.get(parent_id) if parent_id else None
                if parent is None and parent_id:
                    parent = revision_by_id(site, parent_id)
                parent_text = parent.text if parent else None
                found = revisions.classify_revision(
                    parent_text,
                    revision.text or "",
                    self.dialects[board.wiki],
                    self.languages[board.wiki],
                    revision_user=revision.user,
                )
                self.counter["read"] += 1
                position = {"last_event_id": event_id or self.last_event_id}
                self._store(board, revision, found, {STREAM_CHECKPOINT: position})
                self.unsaved = 0
        self.last_event_id = event_id or self.last_event_id

    def _board_of(self, event: Mapping[str, Any]) -> Board | None:
        if event.get("type") not in ("edit", "new") or "revision" not in event:
            return None
        for board in self.boards:
            if event.get("wiki") == board.wiki and event.get("title") == board.title:
                return board
        return None

    def _save_stream_position(self) -> None:
        self.unsaved = 0
        if self.simulate or not self.last_event_id:
            return
        with db.transaction(self.sessions) as session:
            revisions.save_position(
                session, STREAM_CHECKPOINT, {"last_event_id": self.last_event_id}
            )
            revisions.heartbeat(session, [board.stream for board in self.boards])
        self.last_beat = time.monotonic()


def _fires(item: revisions.Found, threshold: float) -> bool:
    top = item.verdict.top
    return top is not None and top.score >= threshold


def patrol_threshold(settings: Settings) -> float:
    """The setting, or the classifier's own threshold."""
    if settings.patrol_threshold is not None:
        return settings.patrol_threshold
    from tools.triage import THRESHOLD

    return float(THRESHOLD)


# --- SSE ------------------------------------------------------------------------------


def raw_lines(raw: Any) -> Iterator[bytes]:
    """The lines of a streamed body as they arrive (``iter_lines`` waits for full chunks)."""
    pending = b""
    while True:
        chunk = raw.read1(65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


def sse_messages(lines: Iterable[bytes]) -> Iterator[tuple[str | None, str]]:
    """(id, data) of each message of a text/event-stream (comments and other fields skipped)."""
    event_id: str | None = None
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not line:
            if data:
                yield event_id, "\n".join(data)
            data = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "id":
            event_id = value
    if data:
        yield event_id, "\n".join(data)


# --- reading the wiki ----------------------------------------------------------------

_REVISION_PROPS = "ids|timestamp|user|content"


def _revisions_of(data: Mapping[str, Any]) -> list[Revision]:
    found = []
    for page in data.get("query", {}).get("pages", []):
        for rev in page.get("revisions", []):
            found.append(
                Revision(
                    rev_id=int(rev["revid"]),
                    parent_id=int(rev.get("parentid") or 0),
                    user=rev.get("user"),
                    timestamp=rev.get("timestamp", ""),
                    text=(rev.get("slots", {}).get("main") or {}).get("content"),
                )
            )
    return found


def latest_revision(site: APISite, title: str) -> Revision | None:
    data = site.simple_request(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|timestamp|user",
        rvlimit=1,
        formatversion=2,
    ).submit()
    revisions = _revisions_of(data)
    return revisions[0] if revisions else None


def revisions_after(
    site: APISite, title: str, after: int | None, start: str | None
) -> Iterator[Revision]:
    """The page's revisions after revision ``after`` (or from time ``start``), oldest first."""
    params: dict[str, Any] = {
        "action": "query",
        "prop": "revisions",
        "titles": title,
        "rvprop": _REVISION_PROPS,
        "rvslots": "main",
        "rvdir": "newer",
        "rvlimit": REVISIONS_PER_REQUEST,
        "formatversion": 2,
    }
    if after is not None:
        params["rvstartid"] = after
    elif start:
        params["rvstart"] = start
    while True:
        data = site.simple_request(**params).submit()
        yield from _revisions_of(data)
        if "continue" not in data:
            return
        params.update(data["continue"])


def revisions_by_id(site: APISite, rev_ids: Sequence[int]) -> dict[int, Revision]:
    """Revisions with their text, by id (0 is no revision); missing ones are left out."""
    wanted = sorted({rev_id for rev_id in rev_ids if rev_id})
    if not wanted:
        return {}
    data = site.simple_request(
        action="query",
        prop="revisions",
        revids="|".join(map(str, wanted)),
        rvprop=_REVISION_PROPS,
        rvslots="main",
        formatversion=2,
    ).submit()
    return {revision.rev_id: revision for revision in _revisions_of(data)}


def revision_by_id(site: APISite, rev_id: int) -> Revision | None:
    return revisions_by_id(site, [rev_id]).get(rev_id)


def revision_text(site: APISite, rev_id: int) -> str | None:
    """The wikitext of a revision; None for no revision (a new page) or a hidden one."""
    if not rev_id:
        return None
    revision = revision_by_id(site, rev_id)
    return revision.text if revision else None


def site_language_data(site: APISite) -> dict[str, Any]:
    """What the wiki says about its language: siteinfo and the month names, in one go."""
    keys = wikitext.MONTH_MESSAGES
    data = site.simple_request(
        action="query",
        meta="siteinfo|allmessages",
        siprop="general|namespaces|namespacealiases|specialpagealiases",
        ammessages="|".join(keys),
        amlang=site.lang,
        formatversion=2,
    ).submit()
    return data["query"]


# --- command line ----------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    options: dict[str, Any] = {}
    unknown: list[str] = []
    for arg in args:
        name, _, value = arg.partition(":")
        if name in ("-stream", "-once"):
            options[name[1:]] = True
        elif name == "-poll":
            options["poll"] = _number(name, value, float, 1, 86400)
        elif name == "-idle":
            options["idle"] = _number(name, value, float, 0.1, 86400)
        elif name == "-start":
            try:
                pywikibot.Timestamp.fromISOformat(value)
            except ValueError:
                raise PatrolError("-start needs a time such as 2026-11-24T00:00:00Z") from None
            options["start"] = value
        else:
            unknown.append(arg)
    return options, unknown


def watched_boards(settings: Settings) -> list[Board]:
    if not settings.patrol_boards:
        raise PatrolError("no board to watch: set SAFETYDESK_PATROL_BOARDS ('wiki:Title|…')")
    boards = []
    for entry in settings.patrol_boards:
        wiki, _, title = entry.partition(":")
        boards.append(Board(wiki, title.strip()))
    return boards


def api_url_of(wiki: str, settings: Settings) -> str:
    if wiki in settings.patrol_api_urls:
        return settings.patrol_api_urls[wiki]
    try:
        return wiki_by_dbname(wiki).api_url
    except UnknownWiki:
        raise PatrolError(
            f"{wiki} is not a Wikimedia wiki: give its api.php in SAFETYDESK_PATROL_API_URLS"
        ) from None


def connect_boards(settings: Settings) -> tuple[dict[str, APISite], list[Board]]:
    """One logged-in site per wiki; each board's title as its wiki writes it."""
    sites: dict[str, APISite] = {}
    boards = []
    for board in watched_boards(settings):
        if board.wiki not in sites:
            sites[board.wiki] = log_in(settings, api_url_of(board.wiki, settings))
        title = pywikibot.Page(sites[board.wiki], board.title).title()
        boards.append(Board(board.wiki, title))
    return sites, boards


def main(*args: str) -> None:
    """Check settings, database and accounts, then run (see the module docstring)."""
    args = args or tuple(pywikibot.argvu[1:])
    if any(arg.partition(":")[0] == "-help" for arg in args):
        show_help("bots.noticeboard_patrol")
        return
    try:
        settings = load_settings()
        sessions = open_database(settings)
        boards = watched_boards(settings)
        make_default_site(api_url_of(boards[0].wiki, settings), settings)
        local_args = pywikibot.handle_args(args, do_help=False)
        options, unknown = parse_options(local_args)
        if unknown:
            suggest_help(unknown_parameters=unknown)
            sys.exit(2)
        sites, boards = connect_boards(settings)
        bot = NoticeboardPatrol(sites, boards, sessions, settings, **options)
        bot.setup()
    except (SettingsError, LoggerError) as err:
        pywikibot.error(str(err))
        sys.exit(1)
    except TRANSIENT_ERRORS as err:
        pywikibot.error(f"cannot reach the wiki: {err}")
        sys.exit(1)
    stop_on_sigterm()
    bot.run()
    if bot.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
