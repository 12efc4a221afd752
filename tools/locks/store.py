"""Storing one API page of log entries with the logger's checkpoint, in one transaction.

A crash at any point then loses nothing and repeats nothing. The checkpoints (one per
log, and one for the day the on-wiki report last covered) are ``bot_checkpoints``
rows kept through :mod:`tools.base.checkpoints`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import Session

from tools.base import checkpoints
from tools.locks.normalisation import api_time, normalise
from tools.locks.reasons import categorise
from tools.models import LockEvent

#: The bot name under which the logger keeps its checkpoints.
BOT = "lock_logger"


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
