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
    python -m bots.lock_logger -stream

These options are specific to this script:

-api:URL          api.php of the wiki whose logs to read (default: the central
                  wiki, SAFETYDESK_CENTRAL_API_URL).

-wiki:NAME        The wiki's database name stored with each row (default: what the
                  wiki says, e.g. metawiki).

-backfill         Read the whole history again from the start, whatever the
                  checkpoint says; stored rows are rewritten, none is duplicated.

-once             Stop once every log is caught up instead of polling (with -stream:
                  once the stream was quiet for -idle seconds).

-stream           Follow EventStreams (SAFETYDESK_PATROL_EVENTSTREAMS_URL): an entry
                  is stored within seconds of its log event, from the last event id
                  after a restart; every log is still read in full before each
                  connection and after -poll seconds without an event, which
                  catches up after a gap and reads the suppress log.

-idle:SECONDS     With -stream -once: how long a quiet stream means caught up
                  (default: 10).

-poll:SECONDS     Wait this long between polls once caught up (default: 60); with
                  -stream, poll after this long without an event.

-batch:N          Log entries per API request (default: the most the account may
                  ask, 500 or 5000 with the apihighlimits right).

-suppress         Require the suppress log: stop if the account may not read it.
                  By default it is read where the account may, and the bot says
                  plainly when it may not.

-nosuppress       Never read the suppress log.

-report:PAGE      Once a day, publish a table of locks and blocks per day of the
                  last 30 days to PAGE on the wiki (never in -simulate mode). The
                  table never includes what the suppress log holds.

Pywikibot's global options apply too, among them:

-simulate         Read the logs and say what would be stored, but write nothing
                  anywhere: not to the database, not to the wiki.

-read_maxlag:N    Wait while the wiki's database replicas lag more than N seconds
                  (default here: 5, as Wikimedia asks of bots; Pywikibot's is 30).

-max_retries:N -retry_wait:N -retry_max:N
                  How often and how long Pywikibot retries after a server error or
                  a timeout; when it gives up, the bot backs off and tries again,
                  doubling its pause up to 15 minutes.

-help             This text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import pywikibot
from pywikibot import config as pywikibot_config
from pywikibot.bot import SingleSiteBot
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker

from bots.job import (
    ONCE_ATTEMPTS,
    TRANSIENT_ERRORS,
    LoggerError,
    _number,
    api_url_from,
    backoff,
    log_in,
    make_default_site,
    open_database,
    parse_bot_options,
    script_main,
    script_options,
)
from bots.lock_report import DailyReport
from bots.lock_stream import LockStreamFollower
from bots.progress import Progress
from tools import locks
from tools.base import clock, db
from tools.base.config import Settings, load_settings

#: What each entry should carry (``details`` are the parameters).
LOG_PROPERTIES = "ids|title|type|user|timestamp|comment|details"
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


class LockLogger(LockStreamFollower, DailyReport, SingleSiteBot):
    """Reads the lock and block logs of one wiki into ``lock_events``, then keeps polling."""

    update_options: ClassVar[dict[str, Any]] = {
        "backfill": False,
        "once": False,
        "poll": 60.0,
        "batch": "max",
        "suppress": "auto",  # auto: where the account may; require; skip
        "report": "",
        "wiki": "",
        "stream": False,
        "idle": 10.0,
    }

    def __init__(
        self,
        site: APISite,
        sessions: sessionmaker[Session],
        settings: Settings | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(site=site, **kwargs)
        self.sessions = sessions
        self.settings = settings
        self.simulate = bool(pywikibot_config.simulate)
        self.wiki: str = self.opt.wiki or site.siteinfo["wikiid"]
        self.streams: list[Stream] = []
        self.positions: dict[Stream, locks.Position | None] = {}
        self.failures = 0
        self.failed = False

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
            if self.opt.stream:
                self._follow_stream()
                return
            while True:
                caught_up = self._round()
                if caught_up:
                    self._report_if_due()
                    if self.opt.once:
                        break
                elif self.opt.once and self.failures >= ONCE_ATTEMPTS:
                    raise LoggerError(f"{self.site} did not answer; the checkpoint is kept")
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
            result = self._store(stream, entries, after)
            # Only a read that stores something is progress: a poll that finds nothing
            # new past an old last entry prints nothing.
            if progress is None and result.stored and self._far_behind(after, entries):
                first = locks.Position.of(entries[0]).timestamp
                progress = Progress(stream.checkpoint(self.wiki), first, clock.now())
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


# --- command line ------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    options, rest = parse_bot_options(
        args,
        values=("-api", "-wiki", "-report"),
        flags=("-backfill", "-once", "-stream"),
        start=False,
    )
    unknown: list[str] = []
    for arg in rest:
        name, _, value = arg.partition(":")
        if name == "-batch":
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
    script_main("bots.lock_logger", args, _build)


def _build(args: Sequence[str]) -> LockLogger:
    settings = load_settings()
    sessions = open_database(settings)
    api_url = api_url_from(args, settings)
    make_default_site(api_url, settings)
    options = script_options(args, parse_options)
    options.pop("api", None)
    return LockLogger(log_in(settings, api_url), sessions, settings, **options)


if __name__ == "__main__":
    main()
