"""What the tool reads of a request, bounded: body size (chunked too) and JSON shape.

- ``MAX_CONTENT_LENGTH``: Werkzeug refuses a larger declared body with 413 before reading
  it. A body without a length (``Transfer-Encoding: chunked``) it would only cut short
  silently at that size, so :class:`ChunkedBodies` reads such a body first, at most one
  byte more than the limit, and hands it on with its length: a larger one then claims
  a length over the limit, and every reader (forms, ``get_data``, the API, ReportIncident)
  answers 413 as for a declared length.
- ``MAX_FORM_MEMORY_SIZE``: the longest form field held in memory.
- JSON is read by :func:`tools.base.jsontext.loads`: deep nesting and lone surrogates
  are a ``ValueError`` (Flask's "bad JSON" path), never a ``RecursionError`` or a
  ``UnicodeEncodeError`` in the database driver.
- A number in a path (``/alerts/<int:alert_id>``) fits a database id (signed 64 bits):
  a larger one matches no route (404), never an ``OverflowError`` in the driver.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from tools.base import jsontext

#: The largest body of any form or API call (a request's description and lists fit well).
MAX_BODY_BYTES = 1024 * 1024
#: The longest single form field: the longest text area holds 20,000 characters.
MAX_FIELD_BYTES = 256 * 1024


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with :func:`tools.base.jsontext.loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsontext.loads(s, **kwargs)


class ChunkedBodies:
    """WSGI middleware: a body without a Content-Length is read (bounded) and given one."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(b"" if len(body) > self.limit else body)
            environ["CONTENT_LENGTH"] = str(len(body))
            # Now an ordinary body with its length (Werkzeug ignores a length beside chunked).
            del environ["wsgi.input_terminated"]
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def _read_at_most(stream: Any, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        part = stream.read(min(left, 64 * 1024))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


#: The largest id a database row can have (BIGINT, SQLite's INTEGER).
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` of every route: at most :data:`MAX_ID`, unless the route says otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(*args, **kwargs)


def init_app(app: Flask) -> None:
    """Before the blueprints: their routes take the bounded ``int`` converter."""
    app.url_map.converters["int"] = IdConverter
    app.json = StrictJSONProvider(app)
    app.wsgi_app = ChunkedBodies(app.wsgi_app, MAX_BODY_BYTES)  # type: ignore[method-assign]
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FIELD_BYTES)
