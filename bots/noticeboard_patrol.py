"""Patrol noticeboards: new comments that look like threats, doxxing… become alerts.

The patrol reads every new revision of the boards listed in SAFETYDESK_PATROL_BOARDS
('wiki:Title', separated by '|'), compares it with its parent revision, splits the
new text into threads and signed comments (tools.wikitext, in each wiki's own
language: namespaces, special page aliases and month names come from the wiki's
API) and scores each new comment (tools.triage). A comment scoring
SAFETYDESK_PATROL_THRESHOLD or more becomes an alert for specialists in Safety Desk,
once, however often it is read. The patrol never writes anything to a wiki.
A watched board that is Steward requests/Global or /Checkuser also has its requests
stored with each revision; one open longer than SAFETYDESK_PATROL_REQUEST_OVERDUE_HOURS
raises an alert of its own (bots/request_watcher.py).

It polls each board's history from its checkpoint, oldest first, or, with -stream,
follows EventStreams' recentchange stream (SAFETYDESK_PATROL_EVENTSTREAMS_URL) and
reads the two revisions of each change to a board from the wiki. The alerts of a
revision are stored in the transaction that moves the checkpoint, so a bot stopped
at any moment restarts with no gap and no duplicate; after a dropped connection the
stream resumes from its last event (Last-Event-ID).

Its settings come from Safety Desk's configuration, not from user-config.py:
SAFETYDESK_DATABASE_URL, SAFETYDESK_BOT_USERNAME ('Name@appid'),
SAFETYDESK_BOT_PASSWORD, SAFETYDESK_PATROL_BOARDS, SAFETYDESK_PATROL_THRESHOLD,
SAFETYDESK_PATROL_API_URLS (api.php of wikis that are not Wikimedia's) and
SAFETYDESK_INSTANCE_PATH (Pywikibot keeps its cookies in its pywikibot folder).

    python -m bots.noticeboard_patrol -poll:60
    python -m bots.noticeboard_patrol -stream

These options are specific to this script:

-stream           Follow EventStreams instead of polling each board's history.

-once             Polling: stop after one round over every board. Streaming: stop
                  once no event came for -idle seconds.

-poll:SECONDS     Polling: wait this long between rounds (default: 60).

-idle:SECONDS     Streaming with -once: how long a quiet stream means caught up
                  (default: 10).

-start:TIMESTAMP  A board read for the first time is read from this time
                  (2026-11-24T00:00:00Z); by default its first reading only
                  notes its latest revision, and the next ones read what follows.

Pywikibot's global options apply too, among them:

-simulate         Read and classify, and say which alerts would be raised, but
                  write nothing anywhere: no alert, no checkpoint.

-read_maxlag:N    Wait while the wiki's database replicas lag more than N seconds
                  (default here: 5).

-max_retries:N -retry_wait:N
                  How often and how long Pywikibot retries after a server error; when
                  it gives up, the bot backs off and tries again, up to 15 minutes.

-help             This text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pywikibot
from pywikibot import config as pywikibot_config
from pywikibot.bot import BaseBot
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker

from bots import request_watcher
from bots.boards import (
    Board,
    PatrolError,
    Revision,
    api_url_of,
    connect_boards,
    latest_revision,
    revision_text,
    revisions_after,
    site_language_data,
    watched_boards,
)
from bots.eventstreams import STREAM_CHECKPOINT, StreamFollower
from bots.job import (
    ONCE_ATTEMPTS,
    TRANSIENT_ERRORS,
    backoff,
    make_default_site,
    open_database,
    parse_bot_options,
    script_main,
    script_options,
)
from tools.base import db
from tools.base.config import Settings, load_settings
from tools.oncall import listen_for_emergencies
from tools.patrol import alert_emergency, alerts, revisions
from tools.patrol.wikitext import WikiDialect

#: Seconds between heartbeats while nothing happens.
HEARTBEAT_EVERY = 30.0


class NoticeboardPatrol(StreamFollower, BaseBot):
    """Reads new comments of the watched boards into alerts, by polling or streaming."""

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
        boards: Sequence[Board],
        sessions: sessionmaker[Session],
        settings: Settings,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sites = dict(sites)
        self.boards = list(boards)
        self.sessions = sessions
        self.settings = settings
        self.simulate = bool(pywikibot_config.simulate)
        self.threshold = patrol_threshold(settings)
        self.overdue_hours = settings.patrol_request_overdue_hours
        self.dialects: dict[str, WikiDialect] = {}
        self.languages: dict[str, str] = {}
        self.positions: dict[str, int] = {}  # board stream -> last revision read
        self.failures = 0
        self.failed = False
        self.last_beat = 0.0

    # Setting up

    def setup(self) -> None:
        """Each wiki's language and dialect, each board's checkpoint."""
        for wiki, site in self.sites.items():
            self.dialects[wiki] = revisions.dialect_from_api(site_language_data(site))
            self.languages[wiki] = site.lang
        with self.sessions() as session:
            for board in self.boards:
                position = revisions.load_position(session, board.stream)
                if position and "rev_id" in position:
                    self.positions[board.stream] = int(position["rev_id"])
        mode = "simulation: nothing will be written" if self.simulate else "storing alerts"
        how = "streaming" if self.opt.stream else "polling"
        names = ", ".join(board.stream for board in self.boards)
        pywikibot.info(f"Watching {names} ({how}; {mode}; threshold {self.threshold:g})")

    # The loop

    def run(self) -> None:
        try:
            if self.opt.stream:
                self._follow_stream()
            else:
                self._poll()
        except KeyboardInterrupt:
            pywikibot.info("Stopped. The next run starts after the last revision stored.")
        except PatrolError as err:
            pywikibot.error(str(err))
            self.failed = True
        finally:
            self.exit()

    def _poll(self) -> None:
        while True:
            ok = self._round()
            if self.opt.once and (ok or self.failures >= ONCE_ATTEMPTS):
                if not ok:
                    raise PatrolError("the wikis did not answer; the checkpoints are kept")
                return
            time.sleep(float(self.opt.poll) if ok else backoff(self.opt.poll, self.failures))

    def _round(self) -> bool:
        try:
            for board in self.boards:
                self._catch_up(board)
            self._heartbeat(force=True)
        except TRANSIENT_ERRORS as err:
            self.failures += 1
            pywikibot.warning(f"Reading the boards failed ({type(err).__name__}: {err})")
            return False
        self.failures = 0
        return True

    def _catch_up(self, board: Board) -> None:
        """Every revision of the board after its checkpoint, oldest first, each with its parent."""
        site = self.sites[board.wiki]
        after = self.positions.get(board.stream)
        if after is None and not self.opt.start:
            latest = latest_revision(site, board.title)
            if latest is not None:
                self._store(board, latest, [])
                pywikibot.info(f"{board.stream}: starting after revision {latest.rev_id}")
            return
        previous: Revision | None = None
        for revision in revisions_after(site, board.title, after, self.opt.start or None):
            if after is not None and revision.rev_id <= after:
                previous = revision  # the checkpoint's own revision: the next one's parent
                continue
            parent_text = (
                previous.text
                if previous is not None and previous.rev_id == revision.parent_id
                else revision_text(site, revision.parent_id)
            )
            self._read(board, revision, parent_text)
            previous = revision

    def _read(self, board: Board, revision: Revision, parent_text: str | None) -> None:
        """Classify the comments ``revision`` added and store what fires, with the checkpoint."""
        found = revisions.classify_revision(
            parent_text,
            revision.text or "",
            self.dialects[board.wiki],
            self.languages[board.wiki],
            revision_user=revision.user,
        )
        self.counter["read"] += 1
        self._store(board, revision, found)

    def _store(
        self,
        board: Board,
        revision: Revision,
        found: Sequence[revisions.Found],
        extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        checkpoints = {
            board.stream: {"rev_id": revision.rev_id, "timestamp": revision.timestamp},
            **(extra or {}),
        }
        firing = [item for item in found if _fires(item, self.threshold)]
        if self.simulate:
            with self.sessions() as session:
                for item in firing:
                    if not alerts.already_alerted(
                        session, board.wiki, board.title, item.comment.key
                    ):
                        self._say("Would raise", board, revision, item)
        else:
            text = request_watcher.page_text(self.sites[board.wiki], board, revision)
            with db.transaction(self.sessions) as session:
                raised = revisions.store_revision(
                    session,
                    wiki=board.wiki,
                    page_title=board.title,
                    rev_id=revision.rev_id,
                    language=self.languages[board.wiki],
                    found=firing,
                    threshold=self.threshold,
                    checkpoints=checkpoints,
                )
                request_watcher.record(session, board, revision, text, self.overdue_hours)
                # An emergency alert pages the person on duty in this same transaction.
                emergencies = {
                    alert.id: case
                    for alert in raised
                    if (case := alert_emergency.raise_emergency(session, alert, self.settings))
                }
            for alert in raised:
                self.counter["alert"] += 1
                case = emergencies.get(alert.id)
                pywikibot.info(
                    f"Alert {alert.id}: {alert.category} {alert.score:.2f} in {board.stream} "
                    f"revision {revision.rev_id}"
                    + (f"; emergency {case.reference} called out" if case else "")
                )
        self.positions[board.stream] = revision.rev_id
        self.last_beat = time.monotonic()

    def _say(self, what: str, board: Board, revision: Revision, item: revisions.Found) -> None:
        top = item.verdict.top
        assert top is not None
        self.counter["alert"] += 1
        pywikibot.info(
            f"{what} an alert: {top.category} {top.score:.2f} in {board.stream} revision "
            f"{revision.rev_id}, comment {item.comment.key}"
        )

    def _heartbeat(self, *, force: bool = False) -> None:
        if self.simulate or (not force and time.monotonic() - self.last_beat < HEARTBEAT_EVERY):
            return
        streams = [board.stream for board in self.boards]
        if self.opt.stream:
            streams.append(STREAM_CHECKPOINT)
        with db.transaction(self.sessions) as session:
            revisions.heartbeat(session, streams)
            request_watcher.raise_overdue(session, self.overdue_hours)
        self.last_beat = time.monotonic()


def _fires(item: revisions.Found, threshold: float) -> bool:
    top = item.verdict.top
    return top is not None and top.score >= threshold


def patrol_threshold(settings: Settings) -> float:
    """The setting, or the classifier's own threshold."""
    if settings.patrol_threshold is not None:
        return settings.patrol_threshold
    from tools.triage import THRESHOLD

    return float(THRESHOLD)


# --- command line ----------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    return parse_bot_options(args, error=PatrolError)


def main(*args: str) -> None:
    """Check settings, database and accounts, then run (see the module docstring)."""
    script_main("bots.noticeboard_patrol", args, _build)


def _build(args: Sequence[str]) -> NoticeboardPatrol:
    settings = load_settings()
    sessions = open_database(settings)
    listen_for_emergencies()  # an emergency alert calls out by itself
    boards = watched_boards(settings)
    make_default_site(api_url_of(boards[0].wiki, settings), settings)
    options = script_options(args, parse_options)
    sites, boards = connect_boards(settings)
    return NoticeboardPatrol(sites, boards, sessions, settings, **options)


if __name__ == "__main__":
    main()
