"""The lock logger's -stream mode: new log entries within seconds, not at the next poll.

EventStreams' ``recentchange`` carries a ``log`` event for each entry of the central
wiki's public logs. An event of a log the logger reads makes it read that log from
its checkpoint at once: the API, not the event, is what is stored, so an entry reads
the same however it was found, and a missed event costs nothing but delay. The last
event id is kept in ``bot_checkpoints`` (stream ``eventstreams:recentchange``) and
sent back as ``Last-Event-ID`` after a restart or a dropped connection. Before each
connection, and every -poll seconds while events arrive or not, every log is read
as in polling mode: that catches up after a gap, and reads the suppress log, which
EventStreams never shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import pywikibot
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from bots.eventstreams import raw_lines, sse_messages
from bots.job import ONCE_ATTEMPTS, TRANSIENT_ERRORS, LoggerError, backoff
from tools import locks
from tools.base import checkpoints, db

#: Where the last event id is kept (bot ``lock_logger``).
STREAM_CHECKPOINT = "eventstreams:recentchange"
#: Events of other wikis and logs between two saves of the last event id.
SAVE_EVERY = 500


class LockStreamFollower:
    """A part of :class:`bots.lock_logger.LockLogger`, which holds the site, sessions,
    streams and options these methods use and reads a log with ``_catch_up``.

    The upload watcher (:mod:`bots.upload_watcher`) follows the stream the same way,
    for its own logs (``_stream_of``, ``_catch_up``) and under its own bot name.
    """

    #: The bot under whose name the last event id is kept.
    checkpoint_bot = locks.BOT

    def _follow_stream(self) -> None:
        """Catch up by polling, then follow the stream; after a drop, poll and resume."""
        with self.sessions() as session:
            saved = checkpoints.load(session, self.checkpoint_bot, STREAM_CHECKPOINT) or {}
        self.last_event_id: str | None = saved.get("last_event_id")
        self.unsaved = 0
        while True:
            if not self._round():  # the gap since the last event, and the suppress log
                self._give_up_or_wait()
                continue
            self.last_round = time.monotonic()
            self._report_if_due()
            try:
                quiet = self._stream_once()
            except TRANSIENT_ERRORS as err:
                self.failures += 1
                pywikibot.warning(f"The stream failed ({type(err).__name__}: {err})")
                self._give_up_or_wait()
                continue
            self._save_event_id()
            if quiet and self.opt.once:
                return

    def _give_up_or_wait(self) -> None:
        if self.opt.once and self.failures >= ONCE_ATTEMPTS:
            raise LoggerError("the wiki or the stream did not answer; the checkpoint is kept")
        time.sleep(backoff(1.0, self.failures))

    def _stream_once(self) -> bool:
        """One connection, until it is quiet for -poll seconds (-idle with -once): True."""
        headers = {
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",
            "User-Agent": self.settings.user_agent,
        }
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        quiet_after = float(self.opt.idle if self.opt.once else self.opt.poll)
        try:
            with requests.get(
                self.settings.patrol_eventstreams_url,
                headers=headers,
                stream=True,
                timeout=(10.0, quiet_after),
            ) as response:
                response.raise_for_status()
                for event_id, data in sse_messages(raw_lines(response.raw)):
                    self.failures = 0
                    self._on_event(event_id, data)
        except (ReadTimeoutError, requests.exceptions.Timeout):
            return True
        except ProtocolError as err:
            raise requests.exceptions.ConnectionError(str(err)) from None
        return False

    def _on_event(self, event_id: str | None, data: str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            pywikibot.warning(f"Skipping an event that is not JSON: {data[:80]!r}")
            return
        self.last_event_id = event_id or self.last_event_id
        if time.monotonic() - self.last_round >= float(self.opt.poll):
            # The real stream is never quiet: read every log (the suppress log) each -poll.
            self._round()
            self.last_round = time.monotonic()
        stream = self._stream_of(event)
        if stream is None:
            self.unsaved += 1
            if self.unsaved >= SAVE_EVERY:
                self._save_event_id()
            return
        self.counter["event"] += 1
        # Saved first: a restart reads every log from its checkpoint before it resumes
        # the stream, so an entry whose event was passed is never lost, only read then.
        self._save_event_id()
        self._catch_up(stream)

    def _stream_of(self, event: Mapping[str, Any]) -> Any:
        """The log this event is an entry of, when the logger reads it; else None."""
        if event.get("type") != "log" or event.get("wiki") != self.wiki:
            return None
        for stream in self.streams:
            if stream.log_type == event.get("log_type") and stream.log_action in (
                None,
                event.get("log_action"),
            ):
                return stream
        return None

    def _save_event_id(self) -> None:
        self.unsaved = 0
        if self.simulate or not self.last_event_id:
            return
        with db.transaction(self.sessions) as session:
            checkpoints.save(
                session,
                self.checkpoint_bot,
                STREAM_CHECKPOINT,
                {"last_event_id": self.last_event_id},
            )
