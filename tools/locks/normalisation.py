"""One ``lock_events`` row from one log entry, in whichever shape it was logged.

CentralAuth and GlobalBlocking changed the shape of their entries several times since
2008 (see the package's docstring). :func:`normalise` reads them all; what it cannot
understand is kept raw with ``parsed`` false, so nothing is ever dropped.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.locks.names import canonical_target, canonical_username
from tools.locks.reasons import categorise
from tools.locks.search_text import search_form
from tools.locks.vocabulary import Action, join_actions
from tools.models import LockTargetKind

#: CentralAuth's status keys (today's "added"/"removed" values) and what they mean.
#: ``suppressed`` is what CentralAuth logs since it renamed "oversighted" (2023).
_ADDED = {
    "locked": Action.LOCK,
    "hidden": Action.HIDE,
    "oversighted": Action.SUPPRESS,
    "suppressed": Action.SUPPRESS,
}
_REMOVED = {
    "locked": Action.UNLOCK,
    "hidden": Action.UNHIDE,
    "oversighted": Action.UNSUPPRESS,
    "suppressed": Action.UNSUPPRESS,
}
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
        "reason_search": search_form(reason),
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


def status_action(params: Mapping[str, Any]) -> str | None:
    """The stored action of a setstatus entry's parameters, or None if not understood.

    For re-reading rows stored before a shape was known (migration 0010: ``suppressed``).
    """
    try:
        return join_actions(_status_change(params))
    except _NotUnderstood:
        return None
