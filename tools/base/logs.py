"""Structured logs: one JSON object per line on stderr, which Toolforge's log store keeps.

Log messages name references, wikis, counts and errors, never the content of a case
(title, description, messages, subjects): that is a rule for every ``log.*`` call,
and this formatter adds nothing from the request but its path and method. Credentials
that travel in a path or a header (a ReportIncident secret, an acknowledgement link,
an API token, an OAuth code) are masked in every line, tracebacks included
(:class:`Redact`); the engine never puts bound values in its errors (``hide_parameters``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

MASK = "***"
#: Credentials that may appear in a logged path, URL, header or error.
CREDENTIALS = [
    (re.compile(r"(/intake/reportincident/)[^/\s?#'\"]+"), rf"\1{MASK}"),
    (re.compile(r"(/oncall/ack/)[^/\s?#'\"]+"), rf"\1{MASK}"),
    (re.compile(r"\bsdk_[A-Za-z0-9_\-]+"), f"sdk_{MASK}"),
    (re.compile(r"(?i)(\bBearer\s+)[^\s'\",]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)([?&](?:code|state|token)=)[^&\s'\"#]+"), rf"\1{MASK}"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential it carries replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern, replacement in CREDENTIALS:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Masks credentials in a record's message and traceback before any handler writes it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"}``, plus ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(
    level: str = "INFO",
    structured: bool = True,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every logger's records to stderr, as JSON lines in production, credentials masked.

    ``secrets`` are masked wherever they appear (the ReportIncident path segments).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if structured else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
