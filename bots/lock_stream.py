"""The lock logger's -stream mode: new log entries within seconds, not at the next poll.

EventStreams' ``recentchange`` carries a ``log`` event for each entry of the central
wiki's public logs. An event of a log the logger reads makes it read that log from
its checkpoint at once: the API, not the event, is what is stored, so an entry reads
the same however it was found, and a missed event costs nothing but delay. The last
event id is kept in ``bot_checkpoints`` (stream ``eventstreams:recentchange``) and
sent back as ``Last-Event-ID`` after a restart or a dropped connection. Before each
connection, and every -poll seconds while events arrive or not, every log is read
as in polling mode: that catches up after a gap (also one longer than EventStreams
keeps events, whose old id is then dropped), and reads the suppress log, which
EventStreams never shows. The connection itself is the patrol's
(:class:`bots.eventstreams.EventStreamReader`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pywikibot

from bots.eventstreams import STREAM_RETENTION, EventStreamReader, checkpoint_time, is_canary
from bots.job import ONCE_ATTEMPTS, TRANSIENT_ERRORS, LoggerError, backoff
from tools import locks
from tools.base import checkpoints, clock, db

#: Where the last event id is kept (bot ``lock_logger``).
STREAM_CHECKPOINT = "eventstreams:recentchange"
#: Events of other wikis and logs between two saves of the last event id.
SAVE_EVERY = 500


class LockStreamFollower(EventStreamReader):
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
        self.last_event_id = saved.get("last_event_id")
        saved_at = checkpoint_time(saved)
        if saved_at is not None and clock.now() - saved_at > STREAM_RETENTION:
            pywikibot.warning(
                f"The stream's checkpoint ({saved_at:%Y-%m-%d %H:%M} UTC) is older than "
                f"EventStreams keeps events ({STREAM_RETENTION.days} days): the logs are read "
                "from their checkpoints, then the stream is followed from now"
            )
            self.last_event_id = None
        self.unsaved = self.stream_failures = 0
        read_timeout = float(self.opt.idle if self.opt.once else self.opt.poll)
        while True:
            if not self._round():  # the gap since the last event, and the suppress log
                self._give_up_or_wait()
                continue
            self.last_round = time.monotonic()
            self._report_if_due()
            try:
                quiet = self._stream_once(read_timeout)
            except TRANSIENT_ERRORS as err:
                self._stream_failed(err)
                continue
            self.stream_failures = 0
            self._save_event_id()
            if quiet and self.opt.once:
                return

    def _give_up_or_wait(self) -> None:
        if self.opt.once and self.failures >= ONCE_ATTEMPTS:
            raise LoggerError("the wiki or the stream did not answer; the checkpoint is kept")
        time.sleep(backoff(1.0, self.failures))

    def _stream_failed(self, err: Exception) -> None:
        """EventStreams failed: every log is read again (polling), then the stream tried.

        The pause doubles from 1 s up to -poll, so while the stream stays down the logs
        are read every -poll seconds, as in polling mode: no gap, and no flood of requests.
        """
        self.stream_failures += 1
        if self.opt.once and self.stream_failures >= ONCE_ATTEMPTS:
            raise LoggerError("the stream did not answer; the checkpoint is kept")
        pause = min(backoff(1.0, self.stream_failures), float(self.opt.poll))
        pywikibot.warning(
            f"The stream failed ({type(err).__name__}: {err}); polling the logs, "
            f"the stream again in {pause:.0f} s"
        )
        time.sleep(pause)

    def _on_event(self, event_id: str | None, event: dict[str, Any]) -> None:
        self.stream_failures = 0
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
        if is_canary(event) or event.get("type") != "log" or event.get("wiki") != self.wiki:
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
