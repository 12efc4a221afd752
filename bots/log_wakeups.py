"""The lock logger's -stream mode: EventStreams' recentchange as a wake-up call.

Polling every minute finds a lock a minute late at worst. With -stream the caught-up
logger waits on the recentchange stream instead and reads its logs again as soon as
an event of one of them (``type: log`` of the wiki, ``log_type`` globalauth, gblblock,
suppress) goes by. The stream is only a hint: the entries are read from the API as
always, so the event's ``log_params`` (an object, an array or a string, as MediaWiki
left them) are never parsed here, and a stream that fails or stays quiet leaves the
polling interval as it was. Canary events (``meta.domain == "canary"``) are no change.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Mapping
from typing import Any

import pywikibot
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from bots.eventstreams import raw_lines, sse_messages


def wakes(event: Any, wiki: str, log_types: Collection[str]) -> bool:
    """Whether ``event`` is a new entry of one of the logs the logger reads."""
    if not isinstance(event, Mapping):
        return False
    meta = event.get("meta")
    if isinstance(meta, Mapping) and meta.get("domain") == "canary":
        return False
    return (
        event.get("type") == "log"
        and event.get("wiki") == wiki
        and event.get("log_type") in log_types
    )


class LogWakeups:
    """Waits on the stream; remembers its position (Last-Event-ID) between waits."""

    def __init__(self, url: str, user_agent: str) -> None:
        self.url = url
        self.user_agent = user_agent
        self.last_event_id: str | None = None
        self.failing = False

    def wait(self, wiki: str, log_types: Collection[str], timeout: float) -> bool:
        """True as soon as one of the logs changed; False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            woken = self._read(wiki, log_types, deadline)
        except (requests.RequestException, ProtocolError, ReadTimeoutError) as err:
            if not self.failing:
                pywikibot.warning(f"The stream failed ({type(err).__name__}); polling instead")
            self.failing = True
            time.sleep(max(0.0, deadline - time.monotonic()))
            return False
        self.failing = False
        if not woken:
            time.sleep(max(0.0, deadline - time.monotonic()))
        return woken

    def _read(self, wiki: str, log_types: Collection[str], deadline: float) -> bool:
        headers = {"Accept": "text/event-stream", "User-Agent": self.user_agent}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        remaining = max(0.5, deadline - time.monotonic())
        try:
            with requests.get(
                self.url, headers=headers, stream=True, timeout=(10.0, remaining)
            ) as response:
                response.raise_for_status()
                for event_id, data in sse_messages(raw_lines(response.raw)):
                    self.last_event_id = event_id or self.last_event_id
                    try:
                        event = json.loads(data)
                    except ValueError:
                        continue
                    if wakes(event, wiki, log_types):
                        return True
                    if time.monotonic() >= deadline:
                        return False
        except (ReadTimeoutError, requests.exceptions.Timeout):
            return False  # quiet for the whole interval
        return False
