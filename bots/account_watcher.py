"""Watch new accounts: names that imitate functionaries, carry a threat or personal data.

Every new account name is matched against the protected names by look-alike skeleton
(a Cyrillic "a" for a Latin one, "rn" for "m"…), against the patterns specialists manage in
Safety Desk (regular expressions or plain words; the first ones come from
SAFETYDESK_ACCOUNT_PATTERNS_FILE) and read by the triage classifier like a comment.
What fires becomes an alert in /alerts, once per account, however often the account
is read: the name, its alerts, the patterns' hit counts and the checkpoint are stored
in one transaction, so a watcher stopped at any moment (even by kill -9) restarts
with no gap and no duplicate.

Protected names: the members of SAFETYDESK_FUNCTIONARY_GROUPS on the wiki (global
groups, with the Foundation's staff, through list=globalallusers where CentralAuth
answers, else the wiki's own list=allusers), the desk's people with a role, and
SAFETYDESK_ACCOUNT_PROTECTED_NAMES.

It polls list=logevents&letype=newusers of the wiki from its checkpoint or, with
-stream, follows EventStreams (SAFETYDESK_PATROL_EVENTSTREAMS_URL): the ``newusers``
log events of every wiki, resumed from the last event id after a restart; the wiki's
log is still polled before each connection and every -poll seconds, to catch up.

    python -m bots.account_watcher -stream
    python -m bots.account_watcher -poll:30

These options are specific to this script:

-api:URL          api.php of the wiki whose newusers log to poll (default: the
                  central wiki, SAFETYDESK_CENTRAL_API_URL).

-wiki:NAME        The wiki's database name (default: what the wiki says).

-stream           Follow EventStreams: new accounts of every wiki within seconds.

-once             Stop once caught up (with -stream: once the stream was quiet for
                  -idle seconds).

-poll:SECONDS     Wait this long between polls (default: 30).

-idle:SECONDS     With -stream -once: how long a quiet stream means caught up
                  (default: 10).

-start:TIMESTAMP  Without a checkpoint, read the log from this time
                  (2026-12-03T00:00:00Z); by default from the watcher's start.

Pywikibot's global options apply too, among them:

-simulate         Examine the names and say which alerts would be raised, but write
                  nothing: no name, no alert, no checkpoint.

-read_maxlag:N    Wait while the wiki's replicas lag more than N seconds (default 5).

-help             This text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pywikibot
from pywikibot import config as pywikibot_config
from pywikibot.bot import SingleSiteBot
from pywikibot.site import APISite
from sqlalchemy.orm import Session, sessionmaker

from bots.account_stream import STREAM_CHECKPOINT, AccountStreamFollower
from bots.job import (
    ONCE_ATTEMPTS,
    TRANSIENT_ERRORS,
    LoggerError,
    api_url_from,
    backoff,
    log_in,
    make_default_site,
    open_database,
    parse_bot_options,
    script_main,
    script_options,
)
from tools.base import checkpoints, clock, db
from tools.base.config import Settings, load_settings
from tools.locks import api_time
from tools.patrol import account_watch, pattern_store
from tools.patrol.lookalikes import ProtectedNames
from tools.patrol.patterns import RuleSet

#: Seconds between heartbeats (and reloads of the patterns) while nothing happens.
HEARTBEAT_EVERY = 30.0
#: Seconds between two readings of the protected names from the wiki.
PROTECTED_REFRESH = 3600.0
#: Global groups of the Foundation's staff and the ombuds, protected besides the settings'.
GLOBAL_STAFF_GROUPS = ("staff", "ombudsman", "sysadmin")
#: Actions of the newusers log that make an account (``autocreate``: one seen elsewhere).
CREATE_ACTIONS = ("create", "create2", "byemail", "autocreate", "newusers")


class AccountWatcher(AccountStreamFollower, SingleSiteBot):
    """Reads new account names into alerts, polling the wiki's log or streaming every wiki's."""

    update_options: ClassVar[dict[str, Any]] = {
        "stream": False,
        "once": False,
        "poll": 30.0,
        "idle": 10.0,
        "start": "",
        "wiki": "",
    }

    def __init__(
        self, site: APISite, sessions: sessionmaker[Session], settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(site=site, **kwargs)
        self.sessions = sessions
        self.settings = settings
        self.simulate = bool(pywikibot_config.simulate)
        self.wiki: str = self.opt.wiki or site.siteinfo["wikiid"]
        self.log_stream = f"{self.wiki}:newusers"
        self.position: dict[str, Any] | None = None
        self.protected = ProtectedNames()
        self.rules = RuleSet([])
        self.threshold = _threshold(settings)
        self.failures = 0
        self.failed = False
        self.last_beat = 0.0
        self.protected_at = 0.0

    # Setting up

    def setup(self) -> None:
        """The first patterns, the protected names, the log's checkpoint."""
        if not self.simulate:
            path = self.settings.account_patterns_file or str(pattern_store.DEFAULT_FILE)
            with db.transaction(self.sessions) as session:
                added = pattern_store.load_file(session, Path(path))
            if added:
                pywikibot.info(f"Added {added} patterns from {path}")
        self._load_protected()
        self._load_rules()
        with self.sessions() as session:
            self.position = checkpoints.load(session, account_watch.BOT, self.log_stream)
        if not self.position:
            start = self.opt.start or clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            self.position = {"timestamp": start, "log_id": 0}
            if not self.simulate:  # kept now: a restart before any account leaves no gap
                with db.transaction(self.sessions) as session:
                    checkpoints.save(session, account_watch.BOT, self.log_stream, self.position)
        mode = "simulation: nothing will be written" if self.simulate else "storing alerts"
        how = "streaming every wiki" if self.opt.stream else f"polling {self.log_stream}"
        pywikibot.info(
            f"Watching new accounts ({how}; {mode}; {len(self.protected)} protected names, "
            f"{len(self.rules.rules)} patterns)"
        )

    def _load_protected(self) -> None:
        names = set(self._wiki_functionaries())
        with self.sessions() as session:
            names |= account_watch.desk_names(session, self.settings)
        self.protected = ProtectedNames(sorted(names))
        self.protected_at = time.monotonic()

    def _wiki_functionaries(self) -> Iterator[str]:
        """Members of the functionary groups: global ones where CentralAuth answers, else local."""
        groups = "|".join(self.settings.functionary_groups)
        staff = "|".join(dict.fromkeys([*self.settings.functionary_groups, *GLOBAL_STAFF_GROUPS]))
        data = self.site.simple_request(
            action="query", list="globalallusers", aggroup=staff, aglimit=1
        ).submit()
        if "globalallusers" in data.get("query", {}):
            query = {"list": "globalallusers", "aggroup": staff, "agprop": "groups"}
            for params in self._pages(query, "ag"):
                yield from (entry["name"] for entry in params.get("globalallusers", []))
            return
        for params in self._pages({"list": "allusers", "augroup": groups}, "au"):
            yield from (entry["name"] for entry in params.get("allusers", []))

    def _pages(self, params: Mapping[str, Any], prefix: str) -> Iterator[dict[str, Any]]:
        request = {"action": "query", f"{prefix}limit": "max", "formatversion": "2", **params}
        while True:
            data = self.site.simple_request(**request).submit()
            yield data.get("query", {})
            if "continue" not in data:
                return
            request.update(data["continue"])

    def _load_rules(self) -> None:
        with self.sessions() as session:
            self.rules = RuleSet(pattern_store.active_rules(session))

    # The loop

    def run(self) -> None:
        try:
            if self.opt.stream:
                self._follow_stream()
            else:
                self._poll()
        except KeyboardInterrupt:
            pywikibot.info("Stopped. The next run starts after the last account stored.")
        except LoggerError as err:
            pywikibot.error(str(err))
            self.failed = True
        finally:
            self.exit()

    def _poll(self) -> None:
        while True:
            ok = self._round()
            if self.opt.once and (ok or self.failures >= ONCE_ATTEMPTS):
                if not ok:
                    raise LoggerError(f"{self.site} did not answer; the checkpoint is kept")
                return
            time.sleep(float(self.opt.poll) if ok else backoff(self.opt.poll, self.failures))

    def _round(self) -> bool:
        """Read the log to its end; False when the wiki or the database failed."""
        try:
            self._refresh()
            for entry in self._entries():
                self._read_entry(entry)
            self._heartbeat(force=True)
        except TRANSIENT_ERRORS as err:
            self.failures += 1
            pywikibot.warning(f"Reading {self.log_stream} failed ({type(err).__name__}: {err})")
            return False
        self.failures = 0
        return True

    def _refresh(self) -> None:
        """Patterns as specialists left them; protected names once an hour."""
        self._load_rules()
        if time.monotonic() - self.protected_at > PROTECTED_REFRESH:
            self._load_protected()

    def _entries(self) -> Iterator[dict[str, Any]]:
        """The log's entries after the checkpoint, oldest first."""
        assert self.position is not None
        after = (str(self.position["timestamp"]), int(self.position.get("log_id") or 0))
        params: dict[str, Any] = {
            "action": "query",
            "list": "logevents",
            "letype": "newusers",
            "ledir": "newer",
            "lelimit": "max",
            "leprop": "ids|title|type|user|timestamp",
            "lestart": after[0],
            "formatversion": "2",
        }
        while True:
            data = self.site.simple_request(**params).submit()
            for entry in data.get("query", {}).get("logevents", []):
                key = (api_time(entry["timestamp"]), int(entry["logid"]))
                if key > (api_time(after[0]), after[1]):
                    yield entry
            if "continue" not in data:
                return
            params.update(data["continue"])

    def _read_entry(self, entry: Mapping[str, Any]) -> None:
        position = {"timestamp": entry["timestamp"], "log_id": int(entry["logid"])}
        name = str(entry.get("title", "")).partition(":")[2]
        if entry.get("action") in CREATE_ACTIONS and name:
            seen = account_watch.SeenAccount(
                name, self.wiki, api_time(entry["timestamp"]), int(entry["logid"])
            )
            self._examine(seen, {self.log_stream: position})
        elif not self.simulate:
            with db.transaction(self.sessions) as session:
                checkpoints.save(session, account_watch.BOT, self.log_stream, position)
        self.position = position

    def _examine(
        self, account: account_watch.SeenAccount, positions: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Examine a new name and store it with its alerts and the checkpoints."""
        self.counter["read"] += 1
        findings = account_watch.examine(
            account.name, self.protected, self.rules, _classify, self.threshold
        )
        if self.simulate:
            with self.sessions() as session:
                if account_watch.already_seen(session, account.name):
                    return
            for finding in findings:
                self.counter["alert"] += 1
                pywikibot.info(f"Would raise an alert: {finding.kind}: {finding.excerpt}")
            return
        with db.transaction(self.sessions) as session:
            raised = account_watch.store_account(session, account, findings, positions)
        for alert in raised or []:
            self.counter["alert"] += 1
            pywikibot.info(f"Alert {alert.id}: {alert.category}: {alert.excerpt}")
        self.last_beat = time.monotonic()

    def _heartbeat(self, *, force: bool = False) -> None:
        if self.simulate or (not force and time.monotonic() - self.last_beat < HEARTBEAT_EVERY):
            return
        streams = [self.log_stream] + ([STREAM_CHECKPOINT] if self.opt.stream else [])
        with db.transaction(self.sessions) as session:
            account_watch.heartbeat(session, streams)
        self.last_beat = time.monotonic()


def _classify(text: str, language: str) -> Any:
    from tools.triage import classify

    return classify(text, language)


def _threshold(settings: Settings) -> float:
    if settings.patrol_threshold is not None:
        return settings.patrol_threshold
    from tools.triage import THRESHOLD

    return float(THRESHOLD)


# --- command line ------------------------------------------------------------------


def parse_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The script's own options (see the module docstring) and the arguments it did not know."""
    return parse_bot_options(args, values=("-api", "-wiki"))


def main(*args: str) -> None:
    """Check settings, database and account, then run (see the module docstring)."""
    script_main("bots.account_watcher", args, _build)


def _build(args: Sequence[str]) -> AccountWatcher:
    settings = load_settings()
    sessions = open_database(settings)
    api_url = api_url_from(args, settings)
    make_default_site(api_url, settings)
    options = script_options(args, parse_options)
    options.pop("api", None)
    return AccountWatcher(log_in(settings, api_url), sessions, settings, **options)


if __name__ == "__main__":
    main()
