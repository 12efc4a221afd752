"""JSON from outside, read so that no body can crash the reader or the database behind it.

Python's ``json`` recurses once per nesting level, so ``"[" * 1100`` raises
``RecursionError`` (not a ``ValueError``: nothing caught it); and ``"\\ud800"`` decodes
to a lone surrogate that no database driver can encode. Both are refused here, as
:class:`UnreadableJson` (a ``ValueError``, which Flask and callers already catch).
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper than any body the tool reads (a few levels), far below Python's recursion limit.
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableJson(ValueError):
    """Not JSON this tool reads: the message says why, in English (for the API's clients)."""


def loads(raw: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` that refuses deep nesting and lone surrogates with :class:`UnreadableJson`."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise UnreadableJson(f"the body is not UTF-8: {err.reason}") from None
    if _too_deep(raw):
        raise UnreadableJson(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(raw, **kwargs)
    except RecursionError:  # pragma: no cover - _too_deep stops these first
        raise UnreadableJson("the JSON is nested too deeply") from None
    except json.JSONDecodeError as err:
        raise UnreadableJson(f"the body is not JSON: {err}") from None
    if _has_lone_surrogate(value):
        raise UnreadableJson("the JSON holds a lone surrogate (\\ud800-\\udfff): not text")
    return value


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than :data:`MAX_DEPTH` (one pass)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in ``value`` holds a surrogate code point."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
