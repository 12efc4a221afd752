"""SLA clocks in words ("Resolution: due soon (3 hours left)"), for the queue and case pages.

The queue shows two clocks on each of its fifty rows. Looking the language up for
each word of each clock (what lazy strings and Flask-Babel's helpers do) cost more
than the database query, so a page builds one :class:`ClockWords` with its language's
strings and Babel locale resolved once.
"""

from __future__ import annotations

from babel.dates import format_timedelta
from flask_babel import get_locale, gettext, lazy_gettext

from tools.cases import SlaClock

CLOCK_LABELS = {
    "first_response": lazy_gettext("First response"),
    "resolution": lazy_gettext("Resolution"),
}
CLOCK_STATE_LABELS = {
    "ok": lazy_gettext("on time"),
    "warning": lazy_gettext("due soon"),
    "breached": lazy_gettext("breached"),
    "met": lazy_gettext("met"),
}


class ClockWords:
    """The words of one page's language for SLA clocks."""

    def __init__(self) -> None:
        self.locale = get_locale()
        self.names = {key: str(label) for key, label in CLOCK_LABELS.items()}
        self.states = {key: str(label) for key, label in CLOCK_STATE_LABELS.items()}
        self.left = gettext("%(time)s left")
        self.overdue = gettext("%(time)s overdue")

    def duration(self, clock: SlaClock) -> str:
        """ "3 hours", "2 days": how long is left, or how long overdue."""
        seconds = abs(clock.left.total_seconds())
        return format_timedelta(seconds, threshold=1.1, locale=self.locale)

    def __call__(self, clock: SlaClock) -> str:
        line = f"{self.names[clock.name]}: {self.states[clock.state.value]}"
        if clock.stopped_at is not None:
            return line
        template = self.left if clock.left.total_seconds() >= 0 else self.overdue
        return f"{line} ({template % {'time': self.duration(clock)}})"
