"""The lock logger's on-wiki report: a table of locks and blocks per day, once a day."""

from __future__ import annotations

from datetime import date, timedelta

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from tools import locks
from tools.base import clock, db

#: Days in the on-wiki report.
REPORT_DAYS = 30


class DailyReport:
    """A part of :class:`bots.lock_logger.LockLogger` (its site, sessions and options)."""

    simulated_report: date | None = None

    def _report_if_due(self) -> None:
        """Publish the table of the last days once a day, after the day has ended (UTC)."""
        if not self.opt.report:
            return
        last_day = clock.now().date() - timedelta(days=1)
        with self.sessions() as session:
            reported = locks.last_reported_day(session, self.wiki) or self.simulated_report
            if reported is not None and reported >= last_day:
                return
            first_day = last_day - timedelta(days=REPORT_DAYS - 1)
            summaries = locks.daily_summaries(session, self.wiki, first_day, last_day)
        text = locks.summary_wikitext(summaries, generated=clock.now())
        page = pywikibot.Page(self.site, self.opt.report)
        if self.simulate:
            pywikibot.info(f"Would publish to {page.title(as_link=True)}:\n{text}")
            self.simulated_report = last_day
            return
        page.text = text
        try:
            page.save(
                summary=f"Global locks and blocks per day, up to {last_day.isoformat()}",
                bot=True,
                minor=False,
            )
        except PywikibotError as err:
            pywikibot.warning(f"Could not publish the report to {page}: {err}; trying later")
            return
        self.counter["write"] += 1
        with db.transaction(self.sessions) as session:
            locks.mark_reported(session, self.wiki, last_day)
