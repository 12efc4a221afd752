"""Stored lock events read back as :class:`LockRow`, straight from the driver's cursor.

Searches and exports read up to millions of rows: building them as plain tuples from
the cursor keeps a search close to the speed of its indexed query (see :class:`_Reader`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from tools.locks.vocabulary import Action, split_action
from tools.models import LockEvent


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

    def sql(self, dialect: Any, shape: Any, build: Any) -> tuple[str, tuple[str, ...] | None]:
        """The SQL of a shape and the order of its parameters (None: by name)."""
        return self._compile(dialect, shape, build)

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
