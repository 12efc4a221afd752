"""A local EventStreams for tests and bench/: ``recentchange`` over SSE, in Wikimedia's schema.

Wikimedia's EventStreams (https://stream.wikimedia.org/v2/stream/recentchange) sends
each change as one SSE message: ``event: message``, an ``id:`` line holding a JSON list
with one entry per Kafka topic and partition, and a ``data:`` line holding the event, a
``mediawiki/recentchange`` object (``wiki``, ``title``, ``namespace``, ``type``,
``revision: {old, new}``, ``meta: {domain, dt, topic, partition, offset, …}`` …).
A client that lost the connection sends the last ``id`` back in ``Last-Event-ID`` and
gets what followed. This server does the same from a list of events that a test
appends to, and can drop a connection in the middle of the stream on purpose.

What the real stream sends, and so this one too:

- ids hold Kafka *timestamps* (production sets KafkaSSE's ``useTimestampForId``): the
  message's timestamp + 1 ms, so that resuming (Kafka's offsetsForTimes: the first
  message at or after it) starts after it; ``timestamp_ids=False`` sends offsets;
- the event ``id`` is the ``rc_id``, not a revision id;
- a new page has ``revision.old: null`` and ``length.old: null``;
- canary events (``meta.domain == "canary"``, :func:`canary`), which are no change;
- ``type: log`` events (:func:`log_event`) whose ``log_params`` is an object, an array
  or a string, without ``revision`` or ``length``;
- only so much is kept (:meth:`EventStreamsServer.expire`): an older position resumes
  at the oldest event kept, silently, as Kafka does after its retention.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

TOPIC = "eqiad.mediawiki.recentchange"
#: The other datacentre's topic: real ids name both, the idle one at offset -1.
IDLE_TOPIC = "codfw.mediawiki.recentchange"
PATH = "/v2/stream/recentchange"
#: The rc_id of the first event added (rc_ids are not revision ids).
RC_ID_BASE = 7_000_000
#: Most events written at once to a client that is behind.
BATCH = 200


def recentchange(
    *,
    wiki: str,
    server_url: str,
    title: str,
    namespace: int,
    user: str,
    old_rev: int | None,
    new_rev: int,
    at: datetime,
    comment: str = "",
    script_path: str = "/w",
    length: tuple[int | None, int] = (None, 0),
) -> dict[str, Any]:
    """One ``mediawiki/recentchange`` edit (or page creation, without ``old_rev``).

    Its ``id`` (the rc_id) is given by the server when the event is added.
    """
    host = urlsplit(server_url).netloc
    kind = "edit" if old_rev else "new"
    revision: dict[str, int | None] = {"new": new_rev, "old": old_rev or None}
    sizes: dict[str, int | None] = {"new": length[1], "old": (length[0] or 0) if old_rev else None}
    return {
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": {
            "uri": f"{server_url}{script_path}/index.php?title={title.replace(' ', '_')}",
            "request_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "dt": _dt(at),
            "domain": host,
            "stream": "mediawiki.recentchange",
        },
        "id": None,
        "type": kind,
        "namespace": namespace,
        "title": title,
        "title_url": f"{server_url}{script_path}/index.php?title={title.replace(' ', '_')}",
        "comment": comment,
        "timestamp": int(at.timestamp()),
        "user": user,
        "bot": False,
        "notify_url": f"{server_url}{script_path}/index.php?diff={new_rev}"
        + (f"&oldid={old_rev}" if old_rev else ""),
        "minor": False,
        "patrolled": False,
        "length": sizes,
        "revision": revision,
        "server_url": server_url,
        "server_name": host,
        "server_script_path": script_path,
        "wiki": wiki,
        "parsedcomment": comment,
    }


def canary(at: datetime, **fields: Any) -> dict[str, Any]:
    """A canary event: what Wikimedia sends into every stream to see that it flows.

    It is built from the schema's example, so it may carry any of an event's fields
    (``fields``); only ``meta.domain == "canary"`` tells it apart.
    """
    return {
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": {
            "uri": "https://canary/Canary",
            "request_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "dt": _dt(at),
            "domain": "canary",
            "stream": "mediawiki.recentchange",
        },
        **fields,
    }


def log_event(
    *,
    wiki: str,
    server_url: str,
    log_type: str,
    log_action: str,
    log_params: Any,
    title: str,
    user: str,
    at: datetime,
    comment: str = "",
    namespace: int = 2,
) -> dict[str, Any]:
    """A ``type: log`` recentchange event; ``log_params`` as MediaWiki gives it (any shape)."""
    host = urlsplit(server_url).netloc
    return {
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": {
            "uri": f"{server_url}/wiki/{title.replace(' ', '_')}",
            "request_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "dt": _dt(at),
            "domain": host,
            "stream": "mediawiki.recentchange",
        },
        "id": None,
        "type": "log",
        "namespace": namespace,
        "title": title,
        "title_url": f"{server_url}/wiki/{title.replace(' ', '_')}",
        "comment": comment,
        "timestamp": int(at.timestamp()),
        "user": user,
        "bot": False,
        "log_id": int(at.timestamp()) % 1_000_000,
        "log_type": log_type,
        "log_action": log_action,
        "log_params": log_params,
        "log_action_comment": comment,
        "server_url": server_url,
        "server_name": host,
        "server_script_path": "/w",
        "wiki": wiki,
        "parsedcomment": comment,
    }


def _dt(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event_id(offset: int, timestamp_ms: int | None = None) -> str:
    """The SSE id of the event at ``offset``: Kafka positions of both datacentres' topics."""
    ours: dict[str, Any] = {"topic": TOPIC, "partition": 0}
    if timestamp_ms is None:
        ours["offset"] = offset
    else:
        ours["timestamp"] = timestamp_ms
    return json.dumps([ours, {"topic": IDLE_TOPIC, "partition": 0, "offset": -1}])


class EventStreamsServer:
    """Serves the events appended to it at ``url``; see the module docstring.

    ``drop_after``: the next connection is closed, without an end, after that many
    events (once; set it again for another drop). ``last_event_ids`` lists the
    ``Last-Event-ID`` of each connection (None when the client sent none).
    """

    def __init__(self, *, timestamp_ids: bool = True) -> None:
        self.timestamp_ids = timestamp_ids
        self.events: list[dict[str, Any]] = []
        self._data: list[str] = []  # each event's ``data:`` line, written once
        self.timestamps: list[int] = []  # Kafka's timestamp of each event, in ms
        self.kept_from = 0  # events before this index are past the retention
        self.drop_after: int | None = None
        self.paused = False  # hold events back (set it again to False to send what piled up)
        self.last_event_ids: list[str | None] = []
        self._changed = threading.Condition()
        self._stopping = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}{PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> EventStreamsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def add(self, event: Mapping[str, Any]) -> None:
        """Append an event; its Kafka position is filled in, as EventStreams' would be."""
        with self._changed:
            offset = len(self.events)
            stored = json.loads(json.dumps(event))
            stored["meta"].update({"topic": TOPIC, "partition": 0, "offset": offset})
            if stored["meta"].get("domain") != "canary" and stored.get("id", 0) is None:
                stored["id"] = RC_ID_BASE + offset  # the rc_id
            now_ms = int(time.time() * 1000)
            self.timestamps.append(max(now_ms, self.timestamps[-1] + 1 if self.timestamps else 0))
            self.events.append(stored)
            self._data.append(f"data: {json.dumps(stored, ensure_ascii=False)}\n\n")
            self._changed.notify_all()

    def resume(self) -> None:
        """Send what piled up while ``paused``."""
        with self._changed:
            self.paused = False
            self._changed.notify_all()

    def expire(self, count: int | None = None) -> None:
        """Forget the first ``count`` events (all so far by default): past the retention."""
        with self._changed:
            self.kept_from = len(self.events) if count is None else count

    def sse_id(self, index: int) -> str:
        """The ``id:`` of the event at ``index``, as KafkaSSE writes it."""
        if self.timestamp_ids:
            return event_id(index, self.timestamps[index] + 1)
        return event_id(index)

    def start_after(self, last_event_id: str | None) -> int:
        """Index of the first event after ``Last-Event-ID`` (by offset, or by timestamp)."""
        return max(self._start_after(last_event_id), self.kept_from)

    def _start_after(self, last_event_id: str | None) -> int:
        if not last_event_id:
            return 0
        try:
            positions = json.loads(last_event_id)
        except ValueError:
            return 0
        for position in positions:
            if position.get("topic") != TOPIC:
                continue
            if "offset" in position:
                return int(position["offset"]) + 1
            if "timestamp" in position:
                # offsetsForTimes: the first message at or after the timestamp.
                return next(
                    (
                        index
                        for index, stamp in enumerate(self.timestamps)
                        if stamp >= int(position["timestamp"])
                    ),
                    len(self.events),
                )
        return 0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if urlsplit(self.path).path != PATH:
                    self.send_error(404)
                    return
                last_id = self.headers.get("Last-Event-ID")
                with server._changed:
                    server.last_event_ids.append(last_id)
                    drop_after, server.drop_after = server.drop_after, None
                    index = server.start_after(last_id)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                sent = 0
                try:
                    self.wfile.write(b":ok\n\n")
                    self.wfile.flush()
                    while True:
                        if drop_after is not None and sent >= drop_after:
                            return  # the connection ends here, mid-stream
                        with server._changed:
                            while (
                                index >= len(server.events) or server.paused
                            ) and not server._stopping:
                                server._changed.wait(0.2)
                            if server._stopping:
                                return
                            # What has piled up goes in one write, as a busy server's would.
                            end = min(len(server.events), index + BATCH)
                            if drop_after is not None:
                                end = min(end, index + drop_after - sent)
                            message = "".join(
                                f"event: message\nid: {server.sse_id(at)}\n{server._data[at]}"
                                for at in range(index, end)
                            )
                        self.wfile.write(message.encode("utf-8"))
                        self.wfile.flush()
                        sent += end - index
                        index = end
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler
