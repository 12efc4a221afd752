"""Watch uploads: each new image is PDQ-hashed and matched against the hash banks.

For every entry of the upload log of the watched wikis (SAFETYDESK_UPLOADS_WIKIS,
Commons by default) the watcher asks the wiki for a thumbnail of the file
(``prop=imageinfo`` with ``iiurlwidth``: never the full original), downloads it into
memory with a byte cap and a timeout, hashes it with PDQ and its seven rotations and
flips, and matches the hashes against every bank (tools.patrol.hash_banks). A match
within SAFETYDESK_HASH_MATCH_THRESHOLD bits (31) is a restricted alert; a match in a
child-safety bank also files an emergency case, which calls out the person on duty.
The image is never written anywhere. Files that are not images, or too large, are
skipped with a reason.

The upload log is read oldest first from each wiki's checkpoint; each upload's alert
is stored with the checkpoint past it in one transaction, so a watcher stopped at any
moment (kill -9 included) restarts with no gap and no duplicate. With -stream it
follows EventStreams' recentchange (SAFETYDESK_PATROL_EVENTSTREAMS_URL): an upload log
event makes it read that wiki's log from its checkpoint at once; the last event id
is kept and sent back after a restart, and every log is read in full before each
connection and every -poll seconds.

    python -m bots.upload_watcher -stream
    python -m bots.upload_watcher -once -simulate

These options are specific to this script:

-stream           Follow EventStreams instead of only polling the upload logs.

-once             Read every log to its end (with -stream: until the stream is quiet
                  for -idle seconds), then stop.

-poll:SECONDS     Wait this long between two readings of the logs (default: 60).

-idle:SECONDS     With -stream -once: how long a quiet stream means caught up (10).

-start:TIMESTAMP  A wiki read for the first time is read from this time
                  (2026-12-03T00:00:00Z); by default it starts after its latest upload.

Pywikibot's global options apply too, among them -simulate (hash and match, say what
would be raised, write nothing), -read_maxlag:N, -max_retries:N, -retry_wait:N, -help.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pywikibot
import requests
from pywikibot import config as pywikibot_config
from pywikibot.bot import BaseBot
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker

from bots.boards import api_url_of
from bots.job import (
    ONCE_ATTEMPTS,
    TRANSIENT_ERRORS,
    LoggerError,
    backoff,
    log_in,
    make_default_site,
    open_database,
    parse_bot_options,
    script_main,
    script_options,
)
from bots.lock_stream import LockStreamFollower
from tools.base import checkpoints, db
from tools.base.config import Settings, load_settings
from tools.oncall import listen_for_emergencies
from tools.patrol import hash_banks, upload_matches, uploads
from tools.patrol.image_hashes import ImageHashError, hash_image
from tools.patrol.upload_matches import BOT, log_stream

#: Upload log entries (and their files' imageinfo) per API request.
BATCH = 50
#: Rounds a thumbnail may fail to download (timeouts, server errors) before its upload is
#: skipped with the reason, so that one file the wiki cannot scale never stops the watcher.
FETCH_ATTEMPTS = 3


class UploadWatcher(LockStreamFollower, BaseBot):
    """Hashes every new upload of the watched wikis and raises an alert for each match."""

    checkpoint_bot = BOT
    update_options: ClassVar[dict[str, Any]] = {
        "stream": False,
        "once": False,
        "poll": 60.0,
        "idle": 10.0,
        "start": "",
    }

    def __init__(
        self,
        sites: Mapping[str, APISite],
        sessions: sessionmaker[Session],
        settings: Settings,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sites = dict(sites)
        self.sessions = sessions
        self.settings = settings
        self.simulate = bool(pywikibot_config.simulate)
        self.threshold = settings.hash_match_threshold
        self.positions: dict[str, dict[str, Any] | None] = {}
        self.matcher: hash_banks.BankMatcher | None = None
        self.banks: dict[int, Any] = {}
        self.failures = 0
        self.failed = False
        self.last_round = 0.0
        self.fetch_failures: dict[tuple[str, int], int] = {}

    def setup(self) -> None:
        with self.sessions() as session:
            for wiki in self.sites:
                self.positions[wiki] = checkpoints.load(session, BOT, log_stream(wiki))
        self._refresh_banks()
        mode = "simulation: nothing will be written" if self.simulate else "storing alerts"
        pywikibot.info(
            f"Watching uploads of {', '.join(self.sites)} ({mode}; {len(self.matcher or [])} "
            f"bank hashes; threshold {self.threshold} bits)"
        )

    # The loop

    def run(self) -> None:
        try:
            if self.opt.stream:
                self._follow_stream()
                return
            while True:
                ok = self._round()
                if self.opt.once and (ok or self.failures >= ONCE_ATTEMPTS):
                    if not ok:
                        raise LoggerError("the wikis did not answer; the checkpoints are kept")
                    return
                time.sleep(float(self.opt.poll) if ok else backoff(self.opt.poll, self.failures))
        except KeyboardInterrupt:
            pywikibot.info("Stopped. The next run starts after the last upload stored.")
        except LoggerError as err:
            pywikibot.error(str(err))
            self.failed = True
        finally:
            self.exit()

    def _round(self) -> bool:
        """Every watched log to its end; False when a wiki or the database failed."""
        try:
            for wiki in self.sites:
                self._catch_up(wiki)
            if not self.simulate:
                with db.transaction(self.sessions) as session:
                    for wiki in self.sites:
                        checkpoints.save(session, BOT, log_stream(wiki), None)  # heartbeat
        except TRANSIENT_ERRORS as err:
            self.failures += 1
            pywikibot.warning(f"Reading the upload logs failed ({type(err).__name__}: {err})")
            return False
        self.failures = 0
        return True

    def _report_if_due(self) -> None:
        """The stream's round hook (the lock logger publishes its report there): nothing."""

    def _stream_of(self, event: Mapping[str, Any]) -> str | None:
        """The watched wiki of an upload log event; None for anything else."""
        if event.get("type") != "log" or event.get("log_type") != "upload":
            return None
        wiki = event.get("wiki")
        return wiki if wiki in self.sites else None

    # Reading a log

    def _catch_up(self, wiki: str) -> None:
        site = self.sites[wiki]
        if self.positions.get(wiki) is None and not self.opt.start:
            self._start_at_latest(wiki, site)
            return
        for page in self._pages(site, self.positions.get(wiki)):
            entries = [uploads.Upload.of(wiki, entry) for entry in page if "logid" in entry]
            entries = [e for e in entries if upload_matches.is_after(e, self.positions.get(wiki))]
            infos = self._file_infos(site, entries)
            for upload in entries:
                self._read(upload, infos.get(upload.title))

    def _start_at_latest(self, wiki: str, site: APISite) -> None:
        data = site.simple_request(
            action="query", list="logevents", letype="upload", lelimit=1, formatversion="2"
        ).submit()
        latest = data.get("query", {}).get("logevents", [])
        position = (
            {"log_id": int(latest[0]["logid"]), "timestamp": latest[0]["timestamp"]}
            if latest
            else {"log_id": 0, "timestamp": ""}
        )
        if not self.simulate:
            with db.transaction(self.sessions) as session:
                checkpoints.save(session, BOT, log_stream(wiki), position)
        self.positions[wiki] = position
        pywikibot.info(f"{wiki}: starting after upload log entry {position['log_id']}")

    def _pages(self, site: APISite, after: Mapping[str, Any] | None) -> Iterator[list[Any]]:
        params: dict[str, Any] = {
            "action": "query",
            "list": "logevents",
            "letype": "upload",
            "ledir": "newer",
            "lelimit": BATCH,
            "leprop": "ids|title|type|user|timestamp",
            "formatversion": "2",
        }
        start = (after or {}).get("timestamp") or self.opt.start
        if start:
            params["lestart"] = start
        while True:
            data = site.simple_request(**params).submit()
            yield list(data.get("query", {}).get("logevents", []))
            if "continue" not in data:
                return
            params.update(data["continue"])

    def _file_infos(
        self, site: APISite, entries: Sequence[uploads.Upload]
    ) -> dict[str, uploads.FileInfo | None]:
        """imageinfo of every entry's file in one request; by title as the log wrote it."""
        titles = sorted({entry.title for entry in entries})
        if not titles:
            return {}
        data = site.simple_request(**uploads.imageinfo_params("|".join(titles))).submit()
        query = data.get("query", {})
        renamed = {item["to"]: item["from"] for item in query.get("normalized", [])}
        found: dict[str, uploads.FileInfo | None] = {}
        for page in query.get("pages", []):
            title = renamed.get(page.get("title"), page.get("title"))
            found[title] = uploads.file_info(page)
        return found

    def _read(self, upload: uploads.Upload, info: uploads.FileInfo | None) -> None:
        """Hash and match one upload, then store its alert with the checkpoint past it."""
        self.counter["read"] += 1
        matches: list[hash_banks.BankMatch] = []
        reason = uploads.skip_reason(info)
        if reason is None and info is not None:
            try:
                data = self._fetch(upload, info)
                image = hash_image(data, dihedral=True)
                del data  # the image is never kept
                if image.usable:
                    self._refresh_banks()
                    assert self.matcher is not None
                    matches = self.matcher.match(image, self.threshold)
                else:
                    reason = f"too plain to hash (PDQ quality {image.quality})"
            except (uploads.FetchError, ImageHashError) as err:
                reason = str(err)
        if reason:
            self.counter["skip"] += 1
            pywikibot.info(f"Skipped {upload.wiki} {upload.title} (log {upload.log_id}): {reason}")
        page_url = info.description_url if info else ""
        if self.simulate:
            if matches:
                self.counter["alert"] += 1
                banks = len(matches)
                pywikibot.info(f"Would raise an alert: {upload.title} matched {banks} bank(s)")
        else:
            with db.transaction(self.sessions) as session:
                alert = upload_matches.record_upload(
                    session, upload, matches, self.banks, self.settings, page_url
                )
                alert_id = alert.id if alert else None
            if alert_id is not None:
                self.counter["alert"] += 1
                pywikibot.info(f"Alert {alert_id}: {upload.wiki} {upload.title} matched a bank")
        self.positions[upload.wiki] = {"log_id": upload.log_id, "timestamp": upload.timestamp}

    def _fetch(self, upload: uploads.Upload, info: uploads.FileInfo) -> bytes:
        """The thumbnail; a passing failure propagates (the round is tried again, the
        checkpoint kept) until :data:`FETCH_ATTEMPTS`, then the upload is skipped."""
        key = (upload.wiki, upload.log_id)
        try:
            data = uploads.fetch_capped(uploads.thumbnail_url(info), self.settings.user_agent)
        except requests.RequestException as err:
            self.fetch_failures[key] = self.fetch_failures.get(key, 0) + 1
            if self.fetch_failures[key] >= FETCH_ATTEMPTS:
                raise uploads.FetchError(
                    f"the thumbnail failed {FETCH_ATTEMPTS} times ({type(err).__name__})"
                ) from None
            raise
        self.fetch_failures.pop(key, None)
        return data

    def _refresh_banks(self) -> None:
        """Reload the banks when a hash was added or removed since the last load."""
        with self.sessions() as session:
            version = hash_banks.banks_version(session)
            if self.matcher is not None and self.matcher.version == version:
                return
            self.matcher = hash_banks.BankMatcher.load(session)
            self.banks = {bank.id: bank for bank in hash_banks.banks(session)}
            for bank in self.banks.values():
                session.expunge(bank)


# --- command line ----------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    return parse_bot_options(args)


def main(*args: str) -> None:
    """Check settings, database and accounts, then run (see the module docstring)."""
    script_main("bots.upload_watcher", args, _build)


def _build(args: Sequence[str]) -> UploadWatcher:
    settings = load_settings()
    sessions = open_database(settings)
    wikis = list(settings.uploads_wikis)
    if not wikis:
        raise LoggerError("no wiki to watch: set SAFETYDESK_UPLOADS_WIKIS ('commonswiki')")
    make_default_site(api_url_of(wikis[0], settings), settings)
    options = script_options(args, parse_options)
    sites = {wiki: log_in(settings, api_url_of(wiki, settings)) for wiki in wikis}
    listen_for_emergencies()  # a child-safety match files an emergency: call out
    return UploadWatcher(sites, sessions, settings, **options)


if __name__ == "__main__":
    main()
