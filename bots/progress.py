"""A progress bar for a long read, such as the lock logger's first read of a whole log.

On a terminal the bar is redrawn in place; in a job's log (not a terminal) it is a line
every half minute, so the log stays readable.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TextIO

import pywikibot


class Progress:
    """How far a long read has come through the log's time span.

    A bar redrawn in place on a terminal; in a job's log, a line every half minute.
    """

    WIDTH = 30
    LOG_EVERY = 30.0

    def __init__(self, label: str, start: datetime, end: datetime, out: TextIO | None = None):
        self.label = label
        self.start, self.end = start, end
        self.out = out or sys.stderr
        self.terminal = self.out.isatty()
        self.stored = 0
        self.started = self.logged = time.monotonic()

    def update(self, reached: datetime, stored: int) -> None:
        self.stored += stored
        line = self._line(reached)
        if self.terminal:
            self.out.write("\r" + line)
            self.out.flush()
        elif time.monotonic() - self.logged >= self.LOG_EVERY:
            self.logged = time.monotonic()
            pywikibot.info(line)

    def finish(self) -> None:
        line = self._line(self.end)
        if self.terminal:
            self.out.write("\r" + line + "\n")
            self.out.flush()
        else:
            pywikibot.info(line)

    def _line(self, reached: datetime) -> str:
        span = (self.end - self.start).total_seconds() or 1.0
        fraction = min(max((reached - self.start).total_seconds() / span, 0.0), 1.0)
        done = round(fraction * self.WIDTH)
        rate = self.stored / max(time.monotonic() - self.started, 1e-3)
        return (
            f"{self.label} [{'#' * done}{'-' * (self.WIDTH - done)}] {fraction:4.0%} "
            f"up to {reached:%Y-%m-%d} · {self.stored:,} stored · {rate:,.0f}/s"
        )
