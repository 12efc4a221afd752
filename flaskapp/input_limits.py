"""What the tool reads of a request, bounded: body size (chunked too) and JSON shape.

- ``MAX_CONTENT_LENGTH``: Werkzeug refuses a larger declared body with 413 before reading
  it, and cuts a body without a length (``Transfer-Encoding: chunked``) once it has read
  that much, for form parsing, ``get_data()`` and ``get_json()`` alike.
- ``MAX_FORM_MEMORY_SIZE``: the longest form field held in memory.
- JSON is read by :func:`tools.base.jsontext.loads`: deep nesting and lone surrogates
  are a ``ValueError`` (Flask's "bad JSON" path), never a ``RecursionError`` or a
  ``UnicodeEncodeError`` in the database driver.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from tools.base import jsontext

#: The largest body of any form or API call (a request's description and lists fit well).
MAX_BODY_BYTES = 1024 * 1024
#: The longest single form field: the longest text area holds 20,000 characters.
MAX_FIELD_BYTES = 256 * 1024


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with :func:`tools.base.jsontext.loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsontext.loads(s, **kwargs)


def init_app(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FIELD_BYTES)
