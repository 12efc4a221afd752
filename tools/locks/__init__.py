"""The global lock and global block log: normalise, store, query, statistics.

CentralAuth (``globalauth``, and ``suppress`` for hidden accounts) and GlobalBlocking
(``gblblock``) have written their log entries in several shapes since 2008: today's
``{"added": [...], "removed": [...]}`` and ``{"expiry": ..., "flags": [...]}``, older
positional strings already put into English (``{"0": "locked, hidden", "1": "(none)"}``,
``{"0": "anonymous only, expiration 12:00, 1 January 2011"}``), and action names
CentralAuth stopped using (``lockandhid``). :func:`normalise` turns every one of them
into one row of one vocabulary (:class:`Action`); an entry it cannot understand is
kept with its raw parameters and ``parsed`` false, so nothing is ever dropped and the
tool can say how many it did not understand.

The logger bot (``bots/lock_logger.py``) hands :func:`store_page` the ``logevents`` of
one API response; rows are upserted by (wiki, log id) and the bot's checkpoint moves
in the same transaction, so a crash at any point loses nothing and repeats nothing.
The web tool asks :func:`search`, :func:`statistics` and :func:`lock_statuses`.

No Pywikibot and no Flask here.
"""

from __future__ import annotations

import calendar
import csv
import functools
import io
import ipaddress
import itertools
import json
import re
import tomllib
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from tools.base import checkpoints, clock
from tools.models import LockEvent, LockTargetKind

#: The bot name under which the logger keeps its checkpoints.
BOT = "lock_logger"
#: The rules that sort reasons into categories (see the file's comments).
REASON_RULES_FILE = Path(__file__).parent / "data" / "lock_reasons.toml"
OTHER_CATEGORY = "other"


class LockQueryError(ValueError):
    """A search the tool cannot run; the message says which field is wrong."""


# --- vocabulary -------------------------------------------------------------------


class Action(StrEnum):
    """What a log entry did, whichever extension wrote it and in whichever shape."""

    LOCK = "lock"
    UNLOCK = "unlock"
    HIDE = "hide"  # hidden from public lists (CentralAuth's "hidden")
    UNHIDE = "unhide"
    SUPPRESS = "suppress"  # hidden from everyone but oversighters ("oversighted")
    UNSUPPRESS = "unsuppress"
    DELETE = "delete"
    BLOCK = "block"
    MODIFY = "modify"
    UNBLOCK = "unblock"
    LOCAL_DISABLE = "local-disable"  # a wiki switched a global block off for itself
    LOCAL_ENABLE = "local-enable"
    UNKNOWN = "unknown"


ACTION_VALUES = frozenset(action.value for action in Action)
#: One status change can do several things ("lock+hide"); they are joined in this order.
ACTION_ORDER = {action: index for index, action in enumerate(Action)}
JOIN = "+"
#: The actions a single CentralAuth status change can combine.
STATUS_ACTIONS = (
    Action.LOCK,
    Action.UNLOCK,
    Action.HIDE,
    Action.UNHIDE,
    Action.SUPPRESS,
    Action.UNSUPPRESS,
)


def join_actions(actions: Collection[Action]) -> str:
    """``lock+hide``: the stored form of what one entry did, in a fixed order."""
    if len(actions) == 1:
        return next(iter(actions)).value
    return JOIN.join(sorted(set(actions), key=ACTION_ORDER.__getitem__))


def split_action(value: str) -> tuple[Action, ...]:
    """The actions of a stored ``action`` value (unknown words read as UNKNOWN)."""
    return tuple(
        Action(part) if part in ACTION_VALUES else Action.UNKNOWN for part in value.split(JOIN)
    )


@functools.cache
def stored_values_of(action: Action) -> tuple[str, ...]:
    """Every stored ``action`` value that includes ``action``, for an indexable ``IN``."""
    if action not in STATUS_ACTIONS:
        return (action.value,)
    others = [other for other in STATUS_ACTIONS if other != action]
    combos = (
        join_actions((action, *extra))
        for size in range(len(others) + 1)
        for extra in itertools.combinations(others, size)
    )
    return tuple(sorted(combos))


# --- names ---------------------------------------------------------------------------


def canonical_username(name: str) -> str:
    """A user name as MediaWiki stores it: spaces for underscores, first letter upper case."""
    name = " ".join(name.replace("_", " ").split())
    if not name:
        return name
    first = name[0].upper()
    return (first if len(first) == 1 else name[0]) + name[1:]


def canonical_ip(text: str) -> tuple[str, LockTargetKind] | None:
    """An IP or range in MediaWiki's form (``IPUtils::sanitizeIP``), or None if not one.

    IPv4 loses leading zeros; IPv6 is upper case with every word written out; a range
    is named by its first address (``192.0.2.7/24`` is ``192.0.2.0/24``).
    """
    text = text.strip()
    if "." not in text and ":" not in text:
        return None  # most names: no need to ask ipaddress
    address, slash, bits = text.partition("/")
    try:
        if slash:
            network = ipaddress.ip_network(f"{_plain_ip(address)}/{bits}", strict=False)
            return f"{_mediawiki_ip(network.network_address)}/{bits}", LockTargetKind.RANGE
        return _mediawiki_ip(ipaddress.ip_address(_plain_ip(address))), LockTargetKind.IP
    except ValueError:
        return None


def _plain_ip(address: str) -> str:
    """IPv4 without leading zeros, which Python refuses and MediaWiki accepts."""
    parts = address.split(".")
    if len(parts) == 4 and all(part.isdigit() for part in parts):
        return ".".join(str(int(part)) for part in parts)
    return address


def _mediawiki_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.version == 4:
        return str(address)
    return ":".join(f"{int(word, 16):X}" for word in address.exploded.split(":"))


#: A name already in canonical form that cannot be an IP, a range or a block id.
_PLAIN_NAME = re.compile(r"[^\W\d_][^:/@#._\s]*(?: [^:/@#._\s]+)*")


def canonical_target(text: str) -> tuple[str, LockTargetKind]:
    """What a log title or a search box names: an account, an IP, a range or a block id.

    ``User:Name@global``, ``User:Name``, ``Special:Contributions/192.0.2.1``, ``User:#12``
    and plain ``Name`` or ``192.0.2.1`` are all understood.
    """
    if text.startswith("User:") and text.endswith("@global"):
        name = text[5:-7]  # how CentralAuth names every account it logs
        if name[:1].isupper() and _PLAIN_NAME.fullmatch(name):
            return name, LockTargetKind.ACCOUNT
    if text[:1].isupper() and _PLAIN_NAME.fullmatch(text):
        return text, LockTargetKind.ACCOUNT  # already canonical: the common case, made quick
    text = text.strip()
    namespace, colon, rest = text.partition(":")
    namespace = namespace.strip().lower() if colon else ""
    if namespace == "user":
        text = rest
    elif namespace == "special" and rest.lower().startswith("contributions/"):
        text = rest.partition("/")[2]  # very old global blocks name Special:Contributions/IP
    text = text.strip()
    if text.endswith("@global"):
        return canonical_username(text.removesuffix("@global")), LockTargetKind.ACCOUNT
    if text.startswith("#") and text[1:].isdigit():
        return text, LockTargetKind.BLOCK_ID
    return canonical_ip(text) or (canonical_username(text), LockTargetKind.ACCOUNT)


def canonical_prefix(text: str) -> str:
    """The start of a name as stored: IPv6 prefixes upper case, names with a capital."""
    text = text.strip().replace("_", " ")
    if ":" in text and re.fullmatch(r"[0-9A-Fa-f:./]+", text):
        return text.upper()
    return canonical_username(text) if text else text


# --- reason categories ------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCategory:
    key: str
    label: str
    pattern: re.Pattern[str]


@functools.cache
def reason_rules(path: Path = REASON_RULES_FILE) -> tuple[ReasonCategory, ...]:
    """The categories of the rules file, in order; a bad file stops with its name."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return tuple(
            ReasonCategory(
                entry["key"],
                entry["label"],
                re.compile("|".join(f"(?:{p})" for p in entry["patterns"]), re.IGNORECASE),
            )
            for entry in data["category"]
        )
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError, re.error) as err:
        raise ValueError(f"reason rules {path}: {err}") from None


def categorise(reason: str | None, rules: Sequence[ReasonCategory] | None = None) -> str | None:
    """The key of the first category whose pattern is in ``reason``; None without a reason."""
    if not reason:
        return None
    if rules is None:
        return _categorise_with_file_rules(reason)
    return next((rule.key for rule in rules if rule.pattern.search(reason)), OTHER_CATEGORY)


@functools.lru_cache(maxsize=65536)
def _categorise_with_file_rules(reason: str) -> str:
    """Stewards reuse a few hundred reasons ("Spambot", "Long-term abuse"): remember them."""
    return categorise(reason, reason_rules())


def category_labels() -> dict[str, str]:
    """Category key -> label, ``other`` last."""
    return {rule.key: rule.label for rule in reason_rules()} | {OTHER_CATEGORY: "Other"}


# --- normalisation --------------------------------------------------------------------

#: CentralAuth's status keys (today's "added"/"removed" values) and what they mean.
_ADDED = {"locked": Action.LOCK, "hidden": Action.HIDE, "oversighted": Action.SUPPRESS}
_REMOVED = {"locked": Action.UNLOCK, "hidden": Action.UNHIDE, "oversighted": Action.UNSUPPRESS}
#: The English words that old entries stored instead of the keys.
_LEGACY_STATUS_WORDS = {
    "locked": "locked",
    "hidden": "hidden",
    "oversighted": "oversighted",
    "suppressed": "oversighted",
}
_LEGACY_NONE = {"", "(none)", "none", "-"}
#: Actions CentralAuth logged before setstatus, and its deletions.
_ACCOUNT_ACTIONS = {
    "lock": (Action.LOCK,),
    "unlock": (Action.UNLOCK,),
    "hide": (Action.HIDE,),
    "unhide": (Action.UNHIDE,),
    "lockandhid": (Action.LOCK, Action.HIDE),
    "delete": (Action.DELETE,),
    "cadelete": (Action.DELETE,),  # a deletion of a suppressed account, in the suppress log
}
_BLOCK_ACTIONS = {
    "gblock": Action.BLOCK,
    "gblock2": Action.BLOCK,
    "modify": Action.MODIFY,
    "gunblock": Action.UNBLOCK,
    "whitelist": Action.LOCAL_DISABLE,
    "dwhitelist": Action.LOCAL_ENABLE,
}
#: Entries of the suppression log that are CentralAuth's; the rest of that log is not ours.
SUPPRESS_ACTIONS = ("setstatus", "cadelete")
#: What an expiry says when there is none.
_INFINITE = {"infinite", "infinity", "indefinite", "never", "no expiration set", "no expiry set"}
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
#: "12:00, 1 January 2011": how MediaWiki wrote dates into old log entries.
_MEDIAWIKI_DATE = re.compile(r"(\d{1,2}):(\d{2}),? (\d{1,2}) ([A-Za-z]+),? (\d{4})")
_DURATION = re.compile(r"(\d+)\s*(second|minute|hour|day|week|fortnight|month|year)s?")
_DURATION_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "fortnight": timedelta(weeks=2),
}
_ANON_ONLY = re.compile(r"anon(?:ymous|\.)?(?: users)? only|anon-only", re.IGNORECASE)
_EXPIRY_IN_INFO = re.compile(r"(?:expiration|expires|expiry)(?: on)?:?\s+(.+)$", re.IGNORECASE)


class _NotUnderstood(Exception):
    """Part of an entry has a shape we do not know; carries what was understood."""

    def __init__(self, actions: tuple[Action, ...] = ()) -> None:
        super().__init__()
        self.actions = actions


@dataclass(frozen=True)
class _Meaning:
    actions: tuple[Action, ...]
    expiry: datetime | None = None
    flags: list[str] | None = None


def normalise(entry: Mapping[str, Any], wiki: str) -> dict[str, Any]:
    """One ``lock_events`` row (a dict of columns) from one ``list=logevents`` entry.

    ``entry`` is as api.php returns it with ``formatversion=2`` and
    ``leprop=ids|title|type|user|timestamp|comment|details``. Never raises for an
    entry's content: what cannot be understood is kept raw with ``parsed`` false.
    """
    log_type = str(entry.get("type", ""))
    log_action = str(entry.get("action", ""))
    params = entry.get("params")
    params = params if isinstance(params, Mapping) else {}
    timestamp = api_time(entry["timestamp"])
    target, kind = _entry_target(entry)
    reason = entry.get("comment") if isinstance(entry.get("comment"), str) else None
    parsed = kind is not LockTargetKind.UNKNOWN
    try:
        meaning = _meaning(log_type, log_action, params, timestamp)
    except _NotUnderstood as err:
        meaning, parsed = _Meaning(err.actions or (Action.UNKNOWN,)), False
    user = entry.get("user")
    return {
        "wiki": wiki,
        "log_id": int(entry["logid"]),
        "log_type": log_type[:32],
        "log_action": log_action[:32],
        "action": join_actions(meaning.actions),
        "timestamp": timestamp,
        "performer": canonical_username(user) if isinstance(user, str) and user else None,
        "target": target,
        "target_kind": kind,
        "reason": reason,
        "expiry": meaning.expiry,
        "flags": meaning.flags,
        "params": dict(params) or None,
        "reason_category": categorise(reason),
        "parsed": parsed,
        "suppressed": log_type == "suppress" or bool(entry.get("suppressed")),
    }


def api_time(value: str) -> datetime:
    """``2024-05-01T10:00:00Z`` (the API) or ``20240501100000`` (log parameters), as UTC."""
    if len(value) == 14 and value.isdigit():
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def _entry_target(entry: Mapping[str, Any]) -> tuple[str, LockTargetKind]:
    """The entry's target; empty and UNKNOWN when the wiki hid it from us."""
    title = entry.get("title")
    if entry.get("actionhidden") or not isinstance(title, str) or not title:
        return "", LockTargetKind.UNKNOWN
    target, kind = canonical_target(title)
    return (target, kind) if target else ("", LockTargetKind.UNKNOWN)


def _meaning(log_type: str, log_action: str, params: Mapping[str, Any], at: datetime) -> _Meaning:
    if log_type == "gblblock":
        return _block_meaning(log_action, params, at)
    if log_type in ("globalauth", "suppress"):
        if log_action == "setstatus":
            return _Meaning(_status_change(params))
        actions = _ACCOUNT_ACTIONS.get(log_action)
        if actions is None or (log_type == "suppress" and log_action not in SUPPRESS_ACTIONS):
            raise _NotUnderstood()
        return _Meaning(actions)
    raise _NotUnderstood()


def _status_change(params: Mapping[str, Any]) -> tuple[Action, ...]:
    """A setstatus entry: today's lists of keys, or the old pair of English strings."""
    if "added" in params or "removed" in params:
        added, removed = params.get("added") or [], params.get("removed") or []
        if not isinstance(added, list) or not isinstance(removed, list):
            raise _NotUnderstood()
    else:
        added = _legacy_statuses(params.get("0"))
        removed = _legacy_statuses(params.get("1"))
    try:
        actions = tuple(_ADDED[key] for key in added) + tuple(_REMOVED[key] for key in removed)
    except (KeyError, TypeError):
        raise _NotUnderstood() from None
    if not actions:
        raise _NotUnderstood()
    return actions


def _legacy_statuses(text: Any) -> list[str]:
    """``"locked, hidden"`` -> ``["locked", "hidden"]``; ``"(none)"`` -> ``[]``."""
    if text is None:
        return []
    words = [word.strip().lower() for word in str(text).split(",")]
    try:
        return [_LEGACY_STATUS_WORDS[word] for word in words if word not in _LEGACY_NONE]
    except KeyError:
        raise _NotUnderstood() from None


def _block_meaning(log_action: str, params: Mapping[str, Any], at: datetime) -> _Meaning:
    action = _BLOCK_ACTIONS.get(log_action)
    if action is None:
        raise _NotUnderstood()
    if action not in (Action.BLOCK, Action.MODIFY):
        return _Meaning((action,))
    try:
        return _block_details(action, log_action, params, at)
    except _NotUnderstood:
        raise _NotUnderstood((action,)) from None


def _block_details(
    action: Action, log_action: str, params: Mapping[str, Any], at: datetime
) -> _Meaning:
    """Expiry and flags of a block or a change of one, in each format GlobalBlocking used."""
    if "expiry" in params or "flags" in params:
        flags = params.get("flags") or []
        if not isinstance(flags, list):
            raise _NotUnderstood()
        return _Meaning((action,), _expiry(str(params.get("expiry", "infinity")), at), flags)
    values = [str(params[key]) for key in sorted(params, key=_position) if key.isdigit()]
    if log_action == "gblock":
        # The first format (2008): the expiry as typed, then "anon-only" if it was.
        expiry = _expiry(values[0], at) if values else None
        flags = ["anon-only"] if any(_ANON_ONLY.search(value) for value in values[1:]) else []
        return _Meaning((action,), expiry, flags)
    # gblock2 and old modify: "anonymous only, expiration 12:00, 1 January 2011", address.
    info = values[0] if values else ""
    return _Meaning((action,), _expiry_in_info(info, at), _info_flags(info))


def _position(key: str) -> int:
    return int(key) if key.isdigit() else -1


def _info_flags(info: str) -> list[str]:
    return ["anon-only"] if _ANON_ONLY.search(info) else []


def _expiry_in_info(info: str, at: datetime) -> datetime | None:
    if any(word in info.lower() for word in _INFINITE):
        return None
    found = _EXPIRY_IN_INFO.search(info)
    if not found:
        raise _NotUnderstood()
    return _expiry(found.group(1), at)


def _expiry(text: str, at: datetime) -> datetime | None:
    """An expiry as the logs wrote it: a timestamp, a date in words, a duration, or infinite.

    None means infinite. A duration ("31 hours", "3 months") counts from the entry's time.
    """
    text = text.strip()
    lowered = text.lower()
    if lowered in _INFINITE:
        return None
    try:
        return api_time(text)
    except ValueError:
        pass
    found = _MEDIAWIKI_DATE.fullmatch(text)
    if found and found.group(4).lower() in _MONTHS:
        hour, minute, day, month, year = found.groups()
        try:
            return datetime(
                int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), tzinfo=UTC
            )
        except ValueError:
            raise _NotUnderstood() from None
    found = _DURATION.fullmatch(lowered)
    if found:
        return _add_duration(at, int(found.group(1)), found.group(2))
    raise _NotUnderstood()


def _add_duration(at: datetime, amount: int, unit: str) -> datetime:
    """``at`` plus a duration, months and years by the calendar as PHP's strtotime does."""
    if unit in _DURATION_UNITS:
        return at + amount * _DURATION_UNITS[unit]
    months = amount * (12 if unit == "year" else 1)
    year, month = divmod(at.month - 1 + months, 12)
    year += at.year
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


# --- storage ------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Position:
    """Where a stream of log entries was read up to: its last entry's time and id."""

    timestamp: datetime
    log_id: int

    def to_json(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"), "log_id": self.log_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Position | None:
        if not data or "log_id" not in data:
            return None
        return cls(api_time(data["timestamp"]), int(data["log_id"]))

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Position:
        return cls(api_time(entry["timestamp"]), int(entry["logid"]))


@dataclass(frozen=True)
class PageResult:
    """What one page of log entries became."""

    read: int
    stored: int
    unparsed: int
    position: Position | None


def stream_name(wiki: str, log_type: str, log_action: str | None = None) -> str:
    """The checkpoint's name of one log (``metawiki:gblblock``, ``metawiki:suppress/setstatus``)."""
    return f"{wiki}:{log_type}" + (f"/{log_action}" if log_action else "")


def entries_after(
    entries: Iterable[Mapping[str, Any]], position: Position | None
) -> list[Mapping[str, Any]]:
    """The entries past ``position`` (the API repeats those of the checkpoint's second)."""
    if position is None:
        return list(entries)
    return [entry for entry in entries if Position.of(entry) > position]


def store_page(
    session: Session,
    wiki: str,
    stream: str,
    entries: Sequence[Mapping[str, Any]],
    *,
    after: Position | None = None,
    bot: str = BOT,
) -> PageResult:
    """Store one API page of entries and move the stream's checkpoint past them.

    Call it inside the transaction that commits both (:func:`tools.db.transaction`):
    then a crash leaves either the page and its checkpoint, or neither.
    """
    rows, result = read_page(wiki, entries, after=after)
    upsert_events(session, rows)
    save_checkpoint(session, stream, result.position, bot=bot)
    return result


def read_page(
    wiki: str, entries: Sequence[Mapping[str, Any]], *, after: Position | None = None
) -> tuple[list[dict[str, Any]], PageResult]:
    """The rows one page would store and where it would leave the checkpoint (no writing)."""
    rows = [normalise(entry, wiki) for entry in entries_after(entries, after)]
    position = max((Position.of(entry) for entry in entries), default=None)
    if after is not None and (position is None or position < after):
        position = after
    unparsed = sum(not row["parsed"] for row in rows)
    return rows, PageResult(len(entries), len(rows), unparsed, position)


#: Columns an upsert rewrites: everything but the key, so a re-read applies new rules.
_UPDATED_COLUMNS = tuple(
    column.name
    for column in LockEvent.__table__.columns
    if column.name not in ("id", "wiki", "log_id")
)


def upsert_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows, or update those whose (wiki, log id) is already stored, in one statement."""
    if not rows:
        return
    table = LockEvent.__table__
    if session.get_bind().dialect.name == "mysql":
        statement = mysql.insert(table)
        statement = statement.on_duplicate_key_update(
            {name: statement.inserted[name] for name in _UPDATED_COLUMNS}
        )
    else:
        statement = sqlite.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["wiki", "log_id"],
            set_={name: statement.excluded[name] for name in _UPDATED_COLUMNS},
        )
    session.execute(statement, list(rows))


def load_checkpoint(session: Session, stream: str, *, bot: str = BOT) -> Position | None:
    """Where the stream was read up to, or None when it never was."""
    return Position.from_json(checkpoints.load(session, bot, stream))


def save_checkpoint(
    session: Session, stream: str, position: Position | None, *, bot: str = BOT
) -> None:
    """Move the checkpoint (None keeps it) and record a heartbeat: the bot is alive."""
    checkpoints.save(session, bot, stream, position.to_json() if position is not None else None)


def report_stream(wiki: str) -> str:
    """The checkpoint that remembers the last day the on-wiki report covered."""
    return f"{wiki}:report"


def last_reported_day(session: Session, wiki: str, *, bot: str = BOT) -> date | None:
    day = (checkpoints.load(session, bot, report_stream(wiki)) or {}).get("day")
    return date.fromisoformat(day) if day else None


def mark_reported(session: Session, wiki: str, day: date, *, bot: str = BOT) -> None:
    checkpoints.save(session, bot, report_stream(wiki), {"day": day.isoformat()})


def recategorise(session: Session, *, batch: int = 5000) -> int:
    """Apply the current reason rules to every stored row; return how many changed."""
    table = LockEvent.__table__
    changed, last_id = 0, 0
    while True:
        rows = session.execute(
            select(table.c.id, table.c.reason, table.c.reason_category)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return changed
        updates = [
            {"row_id": row.id, "category": category}
            for row in rows
            if (category := categorise(row.reason)) != row.reason_category
        ]
        if updates:
            session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(reason_category=bindparam("category")),
                updates,
            )
        changed += len(updates)
        last_id = rows[-1].id


# --- reading: rows ------------------------------------------------------------------


class LockRow(NamedTuple):
    """One stored lock event as the tool shows it (a tuple: quick to build by the thousand)."""

    id: int
    wiki: str
    log_id: int
    timestamp: datetime
    log_type: str
    log_action: str
    action: str
    performer: str | None
    target: str
    target_kind: str
    reason: str | None
    reason_category: str | None
    expiry: datetime | None
    flags: list[str] | None
    parsed: bool
    suppressed: bool

    @property
    def actions(self) -> tuple[Action, ...]:
        return split_action(self.action)

    @property
    def is_block(self) -> bool:
        return bool({Action.BLOCK, Action.MODIFY} & set(self.actions))

    @property
    def infinite(self) -> bool:
        """A block without expiry (and understood): it never ends."""
        return self.is_block and self.expiry is None and self.parsed


_ROW_FIELDS = LockRow._fields
_ROW_COLUMNS = tuple(LockEvent.__table__.c[name] for name in _ROW_FIELDS)


class _Reader:
    """Runs a select on the session's DB-API cursor and builds :class:`LockRow`.

    Why not plain ``session.execute``: SQLAlchemy spends about 20 µs per execution,
    more than SQLite needs for an indexed lookup, which would make every account
    search twice as slow as the query itself. The select is still built and compiled
    by SQLAlchemy (once per dialect and shape of query); only executing it and
    converting the few typed columns is done here.
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, Any], tuple[str, tuple[str, ...] | None]] = {}

    def rows(
        self, connection: Connection, shape: Any, build: Any, values: Mapping[str, Any]
    ) -> list[LockRow]:
        sql, order = self._compile(connection.dialect, shape, build)
        parameters: Any = [values[name] for name in order] if order is not None else values
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            found = cursor.fetchall()
        finally:
            cursor.close()
        return [_row(record) for record in found]

    def stream(
        self,
        connection: Connection,
        shape: Any,
        build: Any,
        values: Mapping[str, Any],
        batch: int,
    ) -> Iterator[LockRow]:
        """Like :meth:`rows`, for results too large to hold: fetched ``batch`` at a time."""
        sql, order = self._compile(connection.dialect, shape, build)
        parameters: Any = tuple(values[name] for name in order) if order is not None else values
        streaming = connection.execution_options(stream_results=True)
        result = streaming.exec_driver_sql(sql, parameters)
        try:
            for records in result.partitions(batch):
                yield from (_row(record) for record in records)
        finally:
            result.close()

    def _compile(self, dialect: Any, shape: Any, build: Any) -> tuple[str, tuple[str, ...] | None]:
        key = (dialect.name, shape)
        if key not in self._compiled:
            compiled = build().compile(dialect=dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            self._compiled[key] = (str(compiled), order)
        return self._compiled[key]


_reader = _Reader()


def _row(record: Sequence[Any]) -> LockRow:
    """A row as the backends return it (text or naive times, JSON text, 0/1) made typed."""
    (
        id_,
        wiki,
        log_id,
        timestamp,
        log_type,
        log_action,
        action,
        performer,
        target,
        target_kind,
        reason,
        reason_category,
        expiry,
        flags,
        parsed,
        suppressed,
    ) = record
    return LockRow(
        id_,
        wiki,
        log_id,
        _db_time(timestamp),
        log_type,
        log_action,
        action,
        performer,
        target,
        target_kind,
        reason,
        reason_category,
        None if expiry is None else _db_time(expiry),
        None if flags is None or flags == "null" else _json_list(flags),
        bool(parsed),
        bool(suppressed),
    )


def _json_list(value: Any) -> list[str] | None:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _db_time(value: Any) -> datetime | None:
    """A stored time: SQLite gives text, MariaDB a naive datetime; both are UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")  # quicker than .replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC)


def _db_time_value(moment: datetime, dialect_name: str) -> Any:
    """A bound time as each backend stores it (SQLite: SQLAlchemy's text format)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect_name == "sqlite" else naive


# --- reading: search -------------------------------------------------------------------


@dataclass(frozen=True)
class LockQuery:
    """A search of the lock log; empty fields do not filter."""

    target: str = ""  # an account, IP, range or #block id
    prefix: bool = False  # ``target`` is the start of names
    performer: str = ""
    reason: str = ""  # text anywhere in the reason, any case
    action: Action | None = None
    category: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    wiki: str = ""
    include_suppressed: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, include_suppressed: bool) -> LockQuery:
        """A query from a search form's fields; raises :class:`LockQueryError` naming one."""
        action = params.get("action", "").strip()
        if action and action not in ACTION_VALUES:
            raise LockQueryError(f"unknown action {action!r}")
        category = params.get("category", "").strip()
        if category and category not in category_labels():
            raise LockQueryError(f"unknown reason category {category!r}")
        query = cls(
            target=params.get("target", "").strip(),
            prefix=params.get("prefix", "") in ("1", "on", "true", "yes"),
            performer=params.get("performer", "").strip(),
            reason=params.get("reason", "").strip(),
            action=Action(action) if action else None,
            category=category,
            since=_date_param(params, "since"),
            until=_date_param(params, "until"),
            wiki=params.get("wiki", "").strip(),
            include_suppressed=include_suppressed,
        )
        if query.since and query.until and query.since > query.until:
            raise LockQueryError("the start date is after the end date")
        return query

    @property
    def is_empty(self) -> bool:
        """No filter at all (whether suppressed rows count is not a filter)."""
        return not any(
            (self.target, self.performer, self.reason, self.action, self.category)
        ) and not (self.since or self.until or self.wiki)


def _date_param(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LockQueryError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _filters(query: LockQuery, dialect_name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The query's shape (which filters) and the values of its named parameters.

    Plain Python, cheap: the SQLAlchemy conditions of a shape (:func:`_conditions`) are
    built only when that shape is compiled for the first time.
    """
    values: dict[str, Any] = {}
    if query.target and query.prefix:
        values["target_from"] = start = canonical_prefix(query.target)
        end = _after_prefix(start)
        if end is not None:
            values["target_to"] = end
    elif query.target:
        values["target"] = canonical_target(query.target)[0]
    if query.performer:
        values["performer"] = canonical_username(query.performer)
    if query.reason:
        values["reason"] = "%" + _escape_like(query.reason.lower()) + "%"
    if query.category:
        values["category"] = query.category
    if query.since:
        since = datetime.combine(query.since, time(), UTC)
        values["since"] = _db_time_value(since, dialect_name)
    if query.until:
        until = datetime.combine(query.until + timedelta(days=1), time(), UTC)
        values["until"] = _db_time_value(until, dialect_name)
    if query.wiki:
        values["wiki"] = query.wiki
    shape: list[Any] = list(values)
    if query.action is not None:
        actions = stored_values_of(query.action)
        values.update({f"action_{index}": value for index, value in enumerate(actions)})
        shape.append(("action", len(actions)))
    if not query.include_suppressed:
        shape.append("public")
    return tuple(shape), values


def _conditions(shape: Sequence[Any]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a shape, with the parameters :func:`_filters` names."""
    table = LockEvent.__table__
    built = {
        "target_from": lambda: table.c.target >= bindparam("target_from"),
        "target_to": lambda: table.c.target < bindparam("target_to"),
        "target": lambda: table.c.target == bindparam("target"),
        "performer": lambda: table.c.performer == bindparam("performer"),
        "reason": lambda: func.lower(table.c.reason).like(bindparam("reason"), escape="\\"),
        "category": lambda: table.c.reason_category == bindparam("category"),
        "since": lambda: table.c.timestamp >= _raw("since"),
        "until": lambda: table.c.timestamp < _raw("until"),
        "wiki": lambda: table.c.wiki == bindparam("wiki"),
        "public": lambda: table.c.suppressed == literal_column("0"),
    }
    conditions = []
    for item in shape:
        if isinstance(item, tuple):  # ("action", how many stored values)
            names = [bindparam(f"action_{index}") for index in range(item[1])]
            conditions.append(table.c.action.in_(names))
        else:
            conditions.append(built[item]())
    return conditions


def _raw(name: str) -> Any:
    """A parameter passed to the driver as given (times already in the stored form)."""
    return type_coerce(bindparam(name), NullType())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _after_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``."""
    for cut in range(len(prefix), 0, -1):
        code = ord(prefix[cut - 1]) + 1
        if code == 0xD800:  # surrogates do not exist in UTF-8: skip them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[: cut - 1] + chr(code)
    return None


class SearchResult(NamedTuple):
    rows: list[LockRow]
    page: int
    per_page: int
    has_next: bool


def search(
    session: Session, query: LockQuery, *, page: int = 1, per_page: int = 50
) -> SearchResult:
    """A page of matching events, newest first."""
    page = max(page, 1)
    connection = session.connection()
    shape, values = _filters(query, connection.dialect.name)
    table = LockEvent.__table__

    def build() -> Select[Any]:
        return (
            select(*_ROW_COLUMNS)
            .where(*_conditions(shape))
            .order_by(table.c.timestamp.desc(), table.c.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )

    values = values | {"limit": per_page + 1, "offset": (page - 1) * per_page}
    rows = _reader.rows(connection, ("search", shape), build, values)
    return SearchResult(rows[:per_page], page, per_page, len(rows) > per_page)


def iter_events(session: Session, query: LockQuery, *, batch: int = 2000) -> Iterator[LockRow]:
    """Every matching event, newest first, streamed from one query (exports of any size).

    One query read in batches, on MariaDB through a server-side cursor: neither paging
    (which would sort the matches again for each page) nor a million rows in memory.
    """
    connection = session.connection()
    shape, values = _filters(query, connection.dialect.name)
    table = LockEvent.__table__

    def build() -> Select[Any]:
        return (
            select(*_ROW_COLUMNS)
            .where(*_conditions(shape))
            .order_by(table.c.timestamp.desc(), table.c.id.desc())
        )

    yield from _reader.stream(connection, ("export", shape), build, values, batch)


# --- reading: status of accounts ---------------------------------------------------------


class HiddenLevel(StrEnum):
    NONE = "none"
    HIDDEN = "hidden"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class LockStatus:
    """Where an account (or IP, range) stands now, from its log history."""

    target: str
    kind: LockTargetKind
    locked: bool = False
    hidden: HiddenLevel = HiddenLevel.NONE
    deleted: bool = False
    blocked: bool = False
    block_expiry: datetime | None = None  # of an active block; None is infinite
    history: tuple[LockRow, ...] = field(default_factory=tuple)
    uncertain: bool = False  # an entry of the history was not fully understood

    @property
    def known(self) -> bool:
        """The log has something about it."""
        return bool(self.history)

    @property
    def last_change(self) -> datetime | None:
        return self.history[-1].timestamp if self.history else None

    def action_counts(self) -> list[tuple[str, int]]:
        """How often each action occurs in the history, most frequent first."""
        counts = Counter(action.value for row in self.history for action in row.actions)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def lock_statuses(
    session: Session,
    targets: Iterable[str],
    *,
    include_suppressed: bool,
    now: datetime | None = None,
) -> dict[str, LockStatus]:
    """Current lock, hiding and global block status and history of each target.

    For a case page: one query for all its accounts and IPs. Keys are the targets as
    given; they may be written any way the search box accepts (``User:Name``, …).
    """
    wanted = {given: canonical_target(given) for given in targets}
    names = sorted({target for target, _ in wanted.values()})
    history: dict[str, list[LockRow]] = {name: [] for name in names}
    connection = session.connection()
    table = LockEvent.__table__
    query = LockQuery(include_suppressed=include_suppressed)
    shape, values = _filters(query, connection.dialect.name)
    for start in range(0, len(names), 200):
        chunk = names[start : start + 200]
        params = {f"name_{index}": name for index, name in enumerate(chunk)}

        def build(params: dict[str, str] = params) -> Any:
            return (
                select(*_ROW_COLUMNS)
                .where(table.c.target.in_([bindparam(name) for name in params]))
                .where(*_conditions(shape))
                .order_by(table.c.timestamp, table.c.id)
            )

        found = _reader.rows(connection, ("status", len(chunk), shape), build, values | params)
        for row in found:
            history[row.target].append(row)
    moment = now or clock.now()
    return {
        given: _fold(target, kind, history[target], moment)
        for given, (target, kind) in wanted.items()
    }


def _fold(target: str, kind: LockTargetKind, rows: list[LockRow], now: datetime) -> LockStatus:
    """Replay the history, oldest first, into the state it leaves."""
    locked, hidden, deleted, blocked, expiry = False, HiddenLevel.NONE, False, False, None
    for row in rows:
        if not row.parsed and Action.UNKNOWN in row.actions:
            continue
        actions = set(row.actions)
        if Action.LOCK in actions or Action.UNLOCK in actions:
            locked = Action.LOCK in actions
        if Action.SUPPRESS in actions:
            hidden = HiddenLevel.SUPPRESSED
        elif Action.HIDE in actions:
            hidden = HiddenLevel.HIDDEN
        elif actions & {Action.UNHIDE, Action.UNSUPPRESS}:
            hidden = HiddenLevel.NONE
        deleted = deleted or Action.DELETE in actions
        if actions & {Action.BLOCK, Action.MODIFY}:
            blocked, expiry = True, row.expiry
        elif Action.UNBLOCK in actions:
            blocked, expiry = False, None
    if blocked and expiry is not None and expiry <= now:
        blocked, expiry = False, None
    uncertain = any(not row.parsed for row in rows)
    return LockStatus(
        target, kind, locked, hidden, deleted, blocked, expiry, tuple(rows), uncertain
    )


# --- statistics ----------------------------------------------------------------------


@dataclass(frozen=True)
class LockStatistics:
    """Counts behind the charts, for the events a query matches."""

    total: int
    unparsed: int
    per_day: list[tuple[date, int]]
    by_action: list[tuple[str, int]]
    top_performers: list[tuple[str, int]]
    top_categories: list[tuple[str, int]]

    def per_week(self) -> list[tuple[date, int]]:
        """Per-day counts summed into ISO weeks, each named by its Monday."""
        weeks: Counter[date] = Counter()
        for day, count in self.per_day:
            weeks[day - timedelta(days=day.weekday())] += count
        return sorted(weeks.items())


def statistics(session: Session, query: LockQuery, *, top: int = 10) -> LockStatistics:
    """Totals, events per day, by action, top performers and reason categories."""
    dialect = session.get_bind().dialect.name
    shape, values = _filters(query, dialect)
    conditions = _conditions(shape)
    table = LockEvent.__table__
    where = and_(*conditions) if conditions else None

    def grouped(column: Any, *, limit: int | None = None) -> list[tuple[Any, int]]:
        count = func.count().label("n")
        statement = select(column, count).group_by(column)
        if where is not None:
            statement = statement.where(where)
        if limit:
            statement = statement.order_by(count.desc(), column).limit(limit)
        return [(key, n) for key, n in session.execute(statement, values).all()]

    by_action: Counter[str] = Counter()
    total = 0
    for value, count in grouped(table.c.action):
        total += count
        for action in split_action(value):
            by_action[action.value] += count
    unparsed_statement = select(func.count()).where(table.c.parsed == literal_column("0"))
    if where is not None:
        unparsed_statement = unparsed_statement.where(where)
    per_day = sorted((_as_date(day), count) for day, count in grouped(func.date(table.c.timestamp)))
    performers = grouped(table.c.performer, limit=top)
    categories = grouped(table.c.reason_category, limit=top)
    return LockStatistics(
        total=total,
        unparsed=session.execute(unparsed_statement, values).scalar_one(),
        per_day=per_day,
        by_action=sorted(by_action.items(), key=lambda item: (-item[1], item[0])),
        top_performers=[(name, n) for name, n in performers if name],
        top_categories=[(key or OTHER_CATEGORY, n) for key, n in categories],
    )


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- exports and reports ------------------------------------------------------------

CSV_COLUMNS = (
    "wiki",
    "log_id",
    "timestamp",
    "log_type",
    "log_action",
    "action",
    "performer",
    "target",
    "target_kind",
    "reason",
    "reason_category",
    "expiry",
    "flags",
    "parsed",
)


def csv_lines(rows: Iterable[LockRow]) -> Iterator[str]:
    """A CSV export, line by line, header first (safe to open in a spreadsheet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_spreadsheet_safe(value) for value in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for row in rows:
        yield line(
            (
                row.wiki,
                row.log_id,
                _iso(row.timestamp),
                row.log_type,
                row.log_action,
                row.action,
                row.performer or "",
                row.target,
                row.target_kind,
                row.reason or "",
                row.reason_category or "",
                _iso(row.expiry) if row.expiry else ("infinite" if row.infinite else ""),
                " ".join(row.flags or ()),
                "yes" if row.parsed else "no",
            )
        )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _spreadsheet_safe(value: Any) -> Any:
    """Reasons are written by anyone: never let a spreadsheet run one as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class DaySummary:
    day: date
    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


#: The columns of the on-wiki report, in order.
REPORT_ACTIONS = (
    Action.LOCK,
    Action.UNLOCK,
    Action.HIDE,
    Action.BLOCK,
    Action.MODIFY,
    Action.UNBLOCK,
)


def daily_summaries(session: Session, wiki: str, first: date, last: date) -> list[DaySummary]:
    """Public events per day (never suppressed ones: the report is published on a wiki)."""
    query = LockQuery(since=first, until=last, wiki=wiki)
    dialect = session.get_bind().dialect.name
    shape, values = _filters(query, dialect)
    table = LockEvent.__table__
    day = func.date(table.c.timestamp)
    statement = (
        select(day, table.c.action, func.count())
        .where(*_conditions(shape))
        .group_by(day, table.c.action)
    )
    counts: dict[date, Counter[str]] = {}
    for value, action, count in session.execute(statement, values).all():
        day_counts = counts.setdefault(_as_date(value), Counter())
        for part in split_action(action):
            day_counts[part.value] += count
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [DaySummary(each, counts.get(each, Counter())) for each in days]


def summary_wikitext(summaries: Sequence[DaySummary], *, generated: datetime) -> str:
    """The on-wiki report: one table row per day, newest first."""
    header = " !! ".join(["Date", *(action.value for action in REPORT_ACTIONS), "All"])
    lines = [
        "<!-- Written by Safety Desk's lock logger; edits here are replaced the next day. -->",
        f"Global locks and global blocks per day, as of {_iso(generated)}.",
        "",
        '{| class="wikitable sortable"',
        f"! {header}",
    ]
    for summary in reversed(summaries):
        cells = [str(summary.counts.get(action.value, 0)) for action in REPORT_ACTIONS]
        lines += [
            "|-",
            f"| {summary.day.isoformat()} || " + " || ".join([*cells, str(summary.total)]),
        ]
    lines.append("|}")
    return "\n".join(lines) + "\n"
