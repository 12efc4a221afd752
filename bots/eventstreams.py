"""Following EventStreams' recentchange stream: the patrol's -stream mode.

Server-sent events are read line by line as they arrive; after a dropped connection
the stream resumes from its last event (Last-Event-ID), and the position is kept in
``bot_checkpoints`` with the alerts of the change that moved it.

What the real stream sends is taken as it comes: ids holding Kafka timestamps or
offsets (kept as they are, sent back as they are), canary events (skipped by their
``meta.domain``), ``type: log`` events, ``revision.old: null`` on new pages. EventStreams
keeps events for days, not forever: a checkpoint older than :data:`STREAM_RETENTION`
cannot be resumed, so the bot says so and catches up by polling the boards' histories.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pywikibot
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from bots.boards import Board, PatrolError, revision_by_id, revisions_by_id
from bots.job import ONCE_ATTEMPTS, TRANSIENT_ERRORS, backoff
from tools.base import clock, db
from tools.base.config import Settings
from tools.patrol import revisions

#: Where the stream's position is kept in bot_checkpoints.
STREAM_CHECKPOINT = "eventstreams:recentchange"
#: Events between two checkpoints of the stream when none concerns a board.
STREAM_SAVE_EVERY = 500
#: Seconds to wait for the stream to answer, and for the next line when not -once.
STREAM_TIMEOUT = 60.0
#: How long EventStreams surely keeps events (Kafka's retention is days to weeks).
STREAM_RETENTION = timedelta(days=7)


class EventStreamReader:
    """One connection to EventStreams, as the patrol's and the lock logger's -stream read it.

    A part of a bot that holds ``settings`` (the stream's URL, the user agent),
    ``last_event_id`` (sent back as ``Last-Event-ID``) and ``failures`` (reset by each
    event), and takes each event, a JSON object, in ``_on_event``.
    """

    settings: Settings
    last_event_id: str | None
    failures: int

    def _on_event(self, event_id: str | None, event: dict[str, Any]) -> None:
        raise NotImplementedError

    def _wants(self, event_id: str | None, data: str) -> bool:
        """Whether to parse an event at all: a bot that can tell from the raw text skips."""
        return True

    def _stream_once(self, read_timeout: float) -> bool:
        """One connection: True when no event came for ``read_timeout`` s, False at its end."""
        headers = {
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "User-Agent": self.settings.user_agent,
        }
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        try:
            with requests.get(
                self.settings.patrol_eventstreams_url,
                headers=headers,
                stream=True,
                timeout=(10.0, read_timeout),
            ) as response:
                response.raise_for_status()
                for event_id, data in sse_messages(raw_lines(response.raw)):
                    self.failures = 0
                    if not self._wants(event_id, data):
                        continue
                    event = json_object(data)
                    if event is not None:
                        self._on_event(event_id, event)
        except (ReadTimeoutError, requests.exceptions.Timeout):
            return True
        except ProtocolError as err:
            raise requests.exceptions.ConnectionError(str(err)) from None
        return False


class StreamFollower(EventStreamReader):
    """The patrol's -stream mode: EventStreams' recentchange, each change to a board read.

    A part of :class:`bots.noticeboard_patrol.NoticeboardPatrol`, which holds the sites,
    boards, sessions and options these methods use, and stores what they read.
    """

    def _follow_stream(self) -> None:
        """Read EventStreams from the checkpoint; reconnect after a drop, backing off."""
        with self.sessions() as session:
            position = revisions.load_position(session, STREAM_CHECKPOINT) or {}
        self.last_event_id: str | None = position.get("last_event_id")
        self.last_event_dt: str | None = position.get("dt")
        self.unsaved = 0
        self.unparsed_event: str | None = None  # the last event skipped unparsed
        saved_at = checkpoint_time(position)
        if saved_at is not None and clock.now() - saved_at > STREAM_RETENTION:
            pywikibot.warning(
                f"The stream's checkpoint ({saved_at:%Y-%m-%d %H:%M} UTC) is older than "
                f"EventStreams keeps events ({STREAM_RETENTION.days} days): catching up by "
                "polling the boards' histories, then following the stream"
            )
            if not self._round():
                raise PatrolError("the wikis did not answer the catch-up; the checkpoint is kept")
            self.last_event_id = None
        read_timeout = float(self.opt.idle) if self.opt.once else STREAM_TIMEOUT
        while True:
            try:
                quiet = self._stream_once(read_timeout)
                if quiet and not self.opt.once:
                    raise requests.exceptions.Timeout(f"no event for {read_timeout:g} s")
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

    def _wants(self, event_id: str | None, data: str) -> bool:
        if self._may_concern_a_board(data):
            return True
        # Nearly every event: no JSON parsed, no API call (its dt is read on saving).
        self.counter["event"] += 1
        self._skipped(event_id, data)
        return False

    def _on_event(self, event_id: str | None, event: dict[str, Any]) -> None:
        self.counter["event"] += 1
        meta = event.get("meta") if isinstance(event.get("meta"), dict) else {}
        if isinstance(meta.get("dt"), str):
            self.last_event_dt = meta["dt"]
            self.unparsed_event = None
        board = self._board_of(event)
        if board is None:
            self._skipped(event_id, None)
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
                if self.last_event_dt:
                    position["dt"] = self.last_event_dt
                self._store(board, revision, found, {STREAM_CHECKPOINT: position})
                self.unsaved = 0
        self.last_event_id = event_id or self.last_event_id

    def _may_concern_a_board(self, data: str) -> bool:
        """False when no watched wiki's name is in the raw event, so it is none of theirs.

        A database name is plain ASCII, which JSON never escapes: an event of a watched
        wiki always holds it in quotes, whatever else it holds.
        """
        return any(f'"{board.wiki}"' in data for board in self.boards)

    def _skipped(self, event_id: str | None, raw: str | None) -> None:
        """An event of no board: only the stream's position moves (saved every so often)."""
        self.last_event_id = event_id or self.last_event_id
        if raw is not None:
            self.unparsed_event = raw
        self.unsaved += 1
        if self.unsaved >= STREAM_SAVE_EVERY:
            self._save_stream_position()
        else:
            self._heartbeat()

    def _board_of(self, event: Mapping[str, Any]) -> Board | None:
        """The watched board an edit or page creation is to; None for anything else."""
        if is_canary(event):
            return None
        if event.get("type") not in ("edit", "new"):
            return None  # log events (type log), categorize, external …
        revision = event.get("revision")
        if not isinstance(revision, dict) or not isinstance(revision.get("new"), int):
            return None
        for board in self.boards:
            if event.get("wiki") == board.wiki and event.get("title") == board.title:
                return board
        return None

    def _save_stream_position(self) -> None:
        self.unsaved = 0
        if self.simulate or not self.last_event_id:
            return
        if self.unparsed_event:
            self.last_event_dt = event_time(self.unparsed_event) or self.last_event_dt
            self.unparsed_event = None
        position = {"last_event_id": self.last_event_id}
        if self.last_event_dt:
            position["dt"] = self.last_event_dt
        with db.transaction(self.sessions) as session:
            revisions.save_position(session, STREAM_CHECKPOINT, position)
            revisions.heartbeat(session, [board.stream for board in self.boards])
        self.last_beat = time.monotonic()


def event_time(data: str) -> str | None:
    """The ``meta.dt`` of a raw event, None when it has none."""
    try:
        meta = json.loads(data).get("meta")
    except (ValueError, AttributeError):
        return None
    dt = meta.get("dt") if isinstance(meta, dict) else None
    return dt if isinstance(dt, str) else None


def json_object(data: str) -> dict[str, Any] | None:
    """An event's data as a JSON object; None, with a warning, for anything else."""
    try:
        event = json.loads(data)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        pywikibot.warning(f"Skipping an event that is not a JSON object: {data[:80]!r}")
        return None
    return event


def is_canary(event: Mapping[str, Any]) -> bool:
    """A canary event: sent to check that the stream flows, no change of any wiki.

    Built from the schema's example, it may carry any field of a real event (a type,
    a wiki, a log type); only ``meta.domain`` tells it apart.
    """
    meta = event.get("meta")
    return isinstance(meta, Mapping) and meta.get("domain") == "canary"


def checkpoint_time(position: Mapping[str, Any]) -> datetime | None:
    """When the stream's checkpoint was: its event's ``meta.dt``, else the id's timestamp."""
    dt = position.get("dt")
    if isinstance(dt, str):
        try:
            return datetime.fromisoformat(dt.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    try:
        entries = json.loads(position.get("last_event_id") or "[]")
    except ValueError:
        return None
    if not isinstance(entries, list):
        return None
    stamps = [
        entry["timestamp"]
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("timestamp"), int)
    ]
    return datetime.fromtimestamp(max(stamps) / 1000, UTC) if stamps else None


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
