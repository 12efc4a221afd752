"""The account watcher's -stream mode: every wiki's new accounts within seconds.

EventStreams' ``recentchange`` carries a ``type: log`` event for each entry of each
wiki's ``newusers`` log. An account's name is in the event (its user page's title),
so the event is examined at once and stored with the last event id in one transaction
(``bot_checkpoints``, bot ``account_watcher``, stream ``eventstreams:recentchange``);
the id is sent back as ``Last-Event-ID`` after a restart or a dropped connection.
``autocreate`` entries (an account visiting another wiki) are skipped: the name was
read when it was created. Before each connection and every -poll seconds the watched
wiki's log is polled too: that catches up after a gap longer than the stream keeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pywikibot
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from bots.eventstreams import raw_lines, sse_messages
from bots.job import ONCE_ATTEMPTS, TRANSIENT_ERRORS, LoggerError, backoff
from tools.base import checkpoints, clock, db
from tools.patrol import account_watch

#: Where the last event id is kept (bot ``account_watcher``).
STREAM_CHECKPOINT = "eventstreams:recentchange"
#: Events of no interest between two saves of the last event id.
SAVE_EVERY = 500
#: newusers actions read from the stream (not autocreate: see the module docstring).
STREAM_ACTIONS = ("create", "create2", "byemail")


class AccountStreamFollower:
    """A part of :class:`bots.account_watcher.AccountWatcher`, which holds the sessions,
    settings and options these methods use, and examines and stores each account.
    """

    def _follow_stream(self) -> None:
        """Catch up by polling, then follow the stream; after a drop, poll and resume."""
        with self.sessions() as session:
            saved = checkpoints.load(session, account_watch.BOT, STREAM_CHECKPOINT) or {}
        self.last_event_id: str | None = saved.get("last_event_id")
        self.unsaved = 0
        while True:
            if not self._round():
                self._give_up_or_wait()
                continue
            self.last_round = time.monotonic()
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
            event = None
        if not isinstance(event, dict):
            pywikibot.warning(f"Skipping an event that is not a JSON object: {data[:80]!r}")
            return
        self.last_event_id = event_id or self.last_event_id
        if time.monotonic() - self.last_round >= float(self.opt.poll):
            self._round()  # the real stream is never quiet: poll the log each -poll
            self.last_round = time.monotonic()
        account = new_account(event)
        if account is None:
            self.unsaved += 1
            if self.unsaved >= SAVE_EVERY:
                self._save_event_id()
            else:
                self._heartbeat()
            return
        self.counter["event"] += 1
        self._examine(account, {STREAM_CHECKPOINT: {"last_event_id": self.last_event_id}})
        self.unsaved = 0

    def _save_event_id(self) -> None:
        self.unsaved = 0
        if self.simulate or not self.last_event_id:
            return
        with db.transaction(self.sessions) as session:
            checkpoints.save(
                session,
                account_watch.BOT,
                STREAM_CHECKPOINT,
                {"last_event_id": self.last_event_id},
            )
        self.last_beat = time.monotonic()


def new_account(event: Mapping[str, Any]) -> account_watch.SeenAccount | None:
    """The account a ``newusers`` log event created; None for any other event."""
    meta = event.get("meta")
    if isinstance(meta, dict) and meta.get("domain") == "canary":
        return None
    if event.get("type") != "log" or event.get("log_type") != "newusers":
        return None
    if event.get("log_action") not in STREAM_ACTIONS:
        return None
    title, wiki = event.get("title"), event.get("wiki")
    if not isinstance(title, str) or not isinstance(wiki, str) or ":" not in title:
        return None
    name = title.partition(":")[2].replace("_", " ").strip()
    if not name:
        return None
    stamp = event.get("timestamp")
    created = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int) else clock.now()
    log_id = event.get("log_id")
    return account_watch.SeenAccount(
        name, wiki, created, log_id if isinstance(log_id, int) else None
    )
