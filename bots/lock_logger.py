"""Follow the global lock and global block logs into Safety Desk's database.

The lock logger reads list=logevents of the central wiki (Meta-Wiki): the
globalauth log (CentralAuth's locks), the gblblock log (GlobalBlocking), and the
global-account entries of the suppress log, where hiding an account is logged,
when its account may read that log. It reads each log oldest to newest from its
checkpoint, one API page at a time; each page is stored and the checkpoint moved
in one transaction, so a bot killed at any moment restarts where it stopped with
no gap and no duplicate. The first run reads the whole history and shows its
progress; after that it polls and stays current.

Its settings come from Safety Desk's configuration, not from user-config.py:
SAFETYDESK_DATABASE_URL, SAFETYDESK_BOT_USERNAME ('Name@appid', as
Special:BotPasswords shows it), SAFETYDESK_BOT_PASSWORD, SAFETYDESK_CENTRAL_API_URL
and SAFETYDESK_INSTANCE_PATH (Pywikibot keeps its cookies in its pywikibot folder).

    python -m bots.lock_logger -poll:60

These options are specific to this script:

-api:URL          api.php of the wiki to read (default: SAFETYDESK_CENTRAL_API_URL).

-wiki:NAME        The wiki's database name stored with each row (default: the wiki's).

-backfill         Read the whole history again (rows rewritten, none duplicated).

-once             Stop once every log is caught up instead of polling.

-poll:SECONDS     Wait this long between polls once caught up (default: 60).

-stream:URL       Once caught up, wait on EventStreams' recentchange (URL) and read
                  again when one of the logs changes (bots/log_wakeups.py).

-batch:N          Log entries per API request (default: the most allowed, 500/5000).

-suppress         Require the suppress log: stop if the account may not read it
                  (by default it is read where the account may, and said when not).

-nosuppress       Never read the suppress log.

-report:PAGE      Once a day, publish locks and blocks per day of the last 30 days
                  to PAGE (never with -simulate; never what the suppress log holds).

Pywikibot's global options apply too, among them:

-simulate         Read the logs and say what would be stored; write nothing anywhere.

-read_maxlag:N    Wait while replicas lag more than N s (here 5, as Wikimedia asks).

-max_retries:N -retry_wait:N -retry_max:N
                  Pywikibot's retries; after them the bot backs off (up to 15 min).

-help             This text.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

import pywikibot
from pywikibot import config as pywikibot_config
from pywikibot.bot import SingleSiteBot, show_help, suggest_help
from pywikibot.exceptions import Error as PywikibotError
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker

from bots.job import (
    ONCE_ATTEMPTS,
    TRANSIENT_ERRORS,
    LoggerError,
    _number,
    backoff,
    log_in,
    make_default_site,
    open_database,
)
from bots.log_wakeups import LogWakeups
from bots.progress import Progress
from bots.site import stop_on_sigterm
from tools import locks
from tools.base import clock, db
from tools.base.config import Settings, SettingsError, load_settings

#: What each entry should carry (``details`` are the parameters).
LOG_PROPERTIES = "ids|title|type|user|timestamp|comment|details"
#: Days in the on-wiki report.
REPORT_DAYS = 30
#: A stream further behind than this shows a progress bar while it catches up.
BACKFILL_LAG = timedelta(days=1)


@dataclass(frozen=True)
class Stream:
    """One log read in order: a log type, or one action of it (``suppress/setstatus``)."""

    log_type: str
    log_action: str | None = None

    def checkpoint(self, wiki: str) -> str:
        return locks.stream_name(wiki, self.log_type, self.log_action)

    def request(self) -> dict[str, str]:
        if self.log_action is None:
            return {"letype": self.log_type}
        return {"leaction": f"{self.log_type}/{self.log_action}"}


PUBLIC_STREAMS = (Stream("globalauth"), Stream("gblblock"))
SUPPRESS_STREAMS = tuple(Stream("suppress", action) for action in locks.SUPPRESS_ACTIONS)


class LockLogger(SingleSiteBot):
    """Reads the lock and block logs of one wiki into ``lock_events``, then keeps polling."""

    update_options: ClassVar[dict[str, Any]] = {
        "backfill": False,
        "once": False,
        "poll": 60.0,
        "batch": "max",
        "suppress": "auto",  # auto: where the account may; require; skip
        "report": "",
        "wiki": "",
        "stream": "",
    }

    def __init__(
        self, site: APISite, sessions: sessionmaker[Session], user_agent: str = "", **kwargs: Any
    ) -> None:
        super().__init__(site=site, **kwargs)
        self.sessions = sessions
        self.wakeups = LogWakeups(self.opt.stream, user_agent) if self.opt.stream else None
        self.simulate = bool(pywikibot_config.simulate)
        self.wiki: str = self.opt.wiki or site.siteinfo["wikiid"]
        self.streams: list[Stream] = []
        self.positions: dict[Stream, locks.Position | None] = {}
        self.failures = 0
        self.failed = False
        self.simulated_report: date | None = None

    # Setting up

    def setup(self) -> None:
        """Which logs to read, from where; stop now if the account lacks a right it needs."""
        self.streams = [stream for stream in self._wanted_streams() if self._known(stream)]
        if self.opt.report and not self.simulate and not self.site.has_right("edit"):
            raise LoggerError(
                f"{self.site.username()} may not edit {self.site}, so it cannot publish the "
                f"report to {self.opt.report}: give its bot password the edit grants"
            )
        with self.sessions() as session:
            self.positions = {
                stream: None
                if self.opt.backfill
                else locks.load_checkpoint(session, stream.checkpoint(self.wiki))
                for stream in self.streams
            }
        mode = "simulation: nothing will be written" if self.simulate else "storing"
        pywikibot.info(
            f"Reading {', '.join(s.checkpoint(self.wiki) for s in self.streams)} ({mode})"
        )

    def _wanted_streams(self) -> list[Stream]:
        streams = list(PUBLIC_STREAMS)
        if self.opt.suppress == "skip":
            return streams
        if self.site.has_right("suppressionlog"):
            return streams + list(SUPPRESS_STREAMS)
        message = (
            f"{self.site.username()} may not read the suppress log of {self.site}, where "
            "hiding a global account is logged: those hidings will be missing. It needs the "
            "suppressionlog right (the suppress or steward group) and a bot password with the "
            "'viewrestrictedlogs' grant."
        )
        if self.opt.suppress == "require":
            raise LoggerError(message)
        pywikibot.warning(message)
        return streams

    def _known(self, stream: Stream) -> bool:
        if stream.log_type in self.site.logtypes:
            return True
        pywikibot.warning(f"{self.site} has no {stream.log_type} log: skipping it")
        return False

    # The loop

    def run(self) -> None:
        """Catch up, publish the report when due, wait, again; until stopped or -once."""
        self._start_ts = pywikibot.Timestamp.now()
        try:
            while True:
                caught_up = self._round()
                if caught_up:
                    self._report_if_due()
                    if self.opt.once:
                        break
                elif self.opt.once and self.failures >= ONCE_ATTEMPTS:
                    raise LoggerError(f"{self.site} did not answer; the checkpoint is kept")
                if caught_up and self.wakeups is not None:
                    log_types = {stream.log_type for stream in self.streams}
                    self.wakeups.wait(self.wiki, log_types, float(self.opt.poll))
                else:
                    time.sleep(self._pause(caught_up))
        except KeyboardInterrupt:
            pywikibot.info("Stopped. The next run starts after the last page stored.")
        except LoggerError as err:
            pywikibot.error(str(err))
            self.failed = True
        finally:
            self.exit()

    def _round(self) -> bool:
        """Read every stream to its end; False when the wiki or the database failed."""
        try:
            for stream in self.streams:
                self._catch_up(stream)
        except TRANSIENT_ERRORS as err:
            self.failures += 1
            pywikibot.warning(
                f"Reading {self.site} failed ({type(err).__name__}: {err}); "
                f"trying again in {self._pause(False):.0f} s"
            )
            return False
        self.failures = 0
        return True

    def _pause(self, caught_up: bool) -> float:
        return float(self.opt.poll) if caught_up else backoff(self.opt.poll, self.failures)

    def _catch_up(self, stream: Stream) -> None:
        after = self.positions[stream]
        progress: Progress | None = None
        for entries in self._pages(stream, after):
            if progress is None and entries and self._far_behind(after, entries):
                first = locks.Position.of(entries[0]).timestamp
                progress = Progress(stream.checkpoint(self.wiki), first, clock.now())
            result = self._store(stream, entries, after)
            after = self.positions[stream] = result.position or after
            if progress is not None and after is not None:
                progress.update(after.timestamp, result.stored)
        if progress is not None:
            progress.finish()

    @staticmethod
    def _far_behind(after: locks.Position | None, entries: Sequence[Mapping[str, Any]]) -> bool:
        reached = locks.Position.of(entries[0]).timestamp
        return after is None or clock.now() - reached > BACKFILL_LAG

    def _pages(self, stream: Stream, after: locks.Position | None) -> Iterator[list[Any]]:
        """The stream's entries from ``after`` on, one API response at a time (at least one)."""
        params: dict[str, Any] = {
            "action": "query",
            "list": "logevents",
            "ledir": "newer",
            "lelimit": self.opt.batch,
            "leprop": LOG_PROPERTIES,
            "formatversion": "2",
            **stream.request(),
        }
        if after is not None:
            # From the checkpoint's second: entries of that second are filtered when stored.
            params["lestart"] = after.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        while True:
            data = self.site.simple_request(**params).submit()
            yield list(data.get("query", {}).get("logevents", []))
            if "continue" not in data:
                return
            params.update(data["continue"])

    def _store(
        self, stream: Stream, entries: Sequence[Mapping[str, Any]], after: locks.Position | None
    ) -> locks.PageResult:
        if self.simulate:
            _, result = locks.read_page(self.wiki, entries, after=after)
        else:
            with db.transaction(self.sessions) as session:
                result = locks.store_page(
                    session, self.wiki, stream.checkpoint(self.wiki), entries, after=after
                )
        self.counter["read"] += result.read
        self.counter["store"] += result.stored
        if result.unparsed:
            self.counter["unparsed"] += result.unparsed
            pywikibot.warning(
                f"{result.unparsed} entries of {stream.checkpoint(self.wiki)} were not fully "
                "understood: stored raw and counted as unparsed"
            )
        return result

    # The on-wiki report

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


# --- command line ------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    options: dict[str, Any] = {}
    unknown: list[str] = []
    for arg in args:
        name, _, value = arg.partition(":")
        if name in ("-api", "-wiki", "-report", "-stream"):
            if not value:
                raise LoggerError(f"{name} needs a value: {name}:...")
            options[name[1:]] = value
        elif name in ("-backfill", "-once"):
            options[name[1:]] = True
        elif name == "-poll":
            # At least a second: a bot must not hammer a wiki, even one on this machine.
            options["poll"] = _number(name, value, float, 1, 86400)
        elif name == "-batch":
            options["batch"] = _number(name, value, int, 1, 5000)
        elif name == "-suppress":
            options["suppress"] = "require"
        elif name == "-nosuppress":
            options["suppress"] = "skip"
        else:
            unknown.append(arg)
    return options, unknown


def main(*args: str) -> None:
    """Check settings, database and account, then run (see the module docstring)."""
    args = args or tuple(pywikibot.argvu[1:])
    if any(arg.partition(":")[0] == "-help" for arg in args):
        # Pywikibot finds the help of scripts by file name; this one is a package module.
        show_help("bots.lock_logger")
        return
    try:
        settings = load_settings()
        sessions = open_database(settings)
        api_url = _api_url(args, settings)
        make_default_site(api_url, settings)
        local_args = pywikibot.handle_args(args, do_help=False)
        options, unknown = parse_options(local_args)
        if unknown:
            suggest_help(unknown_parameters=unknown)
            sys.exit(2)
        options.pop("api", None)
        site = log_in(settings, api_url)
        bot = LockLogger(site, sessions, user_agent=settings.user_agent, **options)
        bot.setup()
    except (SettingsError, LoggerError) as err:
        pywikibot.error(str(err))
        sys.exit(1)
    except TRANSIENT_ERRORS as err:
        pywikibot.error(f"cannot reach the wiki: {err}")
        sys.exit(1)
    stop_on_sigterm()
    bot.run()
    if bot.failed:
        sys.exit(1)


def _api_url(args: Sequence[str], settings: Settings) -> str:
    for arg in args:
        name, _, value = arg.partition(":")
        if name == "-api" and value:
            return value
    return settings.central_api_url


if __name__ == "__main__":
    main()
