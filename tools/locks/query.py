"""Searching the lock log: a :class:`LockQuery` into SQL the indexes serve.

The SQL of each shape of query (which filters are set) is compiled once; a search
then costs little more than its query, a page at a time or streamed for an export.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from tools.locks.names import (
    canonical_prefix,
    canonical_target,
    canonical_username,
    covering_ranges,
)
from tools.locks.reasons import category_labels
from tools.locks.rows import _ROW_COLUMNS, LockRow, _db_time_value, _reader
from tools.locks.search_text import FTS_TABLE, boolean_words, fts5_phrase, like_pattern
from tools.locks.vocabulary import ACTION_VALUES, Action, stored_values_of
from tools.models import LockEvent

#: Rows a reason search reads newest first before it asks the full-text index.
RECENT_WINDOW = 1000
#: Filters that leave the time index the way to the newest rows.
_BY_TIME = frozenset({"public", "since", "until", "wiki"})


class LockQueryError(ValueError):
    """A search the tool cannot run; the message says which field is wrong."""


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
    shape: list[Any] = []

    def add(name: str, value: Any) -> None:
        values[name] = value
        shape.append(name)

    if query.target and query.prefix:
        add("target_from", start := canonical_prefix(query.target))
        end = _after_prefix(start)
        if end is not None:
            add("target_to", end)
    elif query.target:
        target = canonical_target(query.target)[0]
        # An IP or range comes with every range that covers it, each found by the index.
        names = [target, *covering_ranges(target)]
        if len(names) == 1:  # an account: equality keeps the index's order, no sort
            add("target", target)
        else:
            values.update({f"target_{index}": name for index, name in enumerate(names)})
            shape.append(("target", len(names)))
    if query.performer:
        add("performer", canonical_username(query.performer))
    if query.reason:
        values["reason"] = like_pattern(query.reason)
        mode, match = _reason_index(query.reason, dialect_name)
        if match is not None:
            values["reason_match"] = match
        shape.append(("reason", mode))
    if query.category:
        add("category", query.category)
    if query.since:
        add("since", _db_time_value(datetime.combine(query.since, time(), UTC), dialect_name))
    if query.until:
        until = datetime.combine(query.until + timedelta(days=1), time(), UTC)
        add("until", _db_time_value(until, dialect_name))
    if query.wiki:
        add("wiki", query.wiki)
    if query.action is not None:
        actions = stored_values_of(query.action)
        values.update({f"action_{index}": value for index, value in enumerate(actions)})
        shape.append(("action", len(actions)))
    if not query.include_suppressed:
        shape.append("public")
    return tuple(shape), values


def _reason_index(reason: str, dialect_name: str) -> tuple[str, str | None]:
    """How a reason search is served: the backend's full-text index, or ``LIKE`` alone."""
    if dialect_name == "sqlite":
        phrase = fts5_phrase(reason)
        return ("fts5", phrase) if phrase else ("like", None)
    if dialect_name in ("mysql", "mariadb"):
        words = boolean_words(reason)
        return ("fulltext", words) if words else ("like", None)
    return "like", None


def _reason_condition(mode: str) -> ColumnElement[bool]:
    table = LockEvent.__table__
    like = table.c.reason_search.like(bindparam("reason"), escape="\\")
    if mode == "fts5":
        found = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :reason_match")
        return table.c.id.in_(found.columns(column("rowid")))
    if mode == "fulltext":
        match = text("MATCH (lock_events.reason_search) AGAINST (:reason_match IN BOOLEAN MODE)")
        return and_(match, like)  # type: ignore[arg-type]
    return like


def _conditions(shape: Sequence[Any]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a shape, with the parameters :func:`_filters` names."""
    table = LockEvent.__table__
    built = {
        "target_from": lambda: table.c.target >= bindparam("target_from"),
        "target_to": lambda: table.c.target < bindparam("target_to"),
        "target": lambda: table.c.target == bindparam("target"),
        "performer": lambda: table.c.performer == bindparam("performer"),
        "category": lambda: table.c.reason_category == bindparam("category"),
        "since": lambda: table.c.timestamp >= _raw("since"),
        "until": lambda: table.c.timestamp < _raw("until"),
        "wiki": lambda: table.c.wiki == bindparam("wiki"),
        "cutoff": lambda: table.c.timestamp >= _raw("cutoff"),
        "public": lambda: table.c.suppressed == literal_column("0"),
    }
    conditions = []
    for item in shape:
        if isinstance(item, tuple) and item[0] == "reason":
            conditions.append(_reason_condition(item[1]))
        elif isinstance(item, tuple):  # ("action" or "target", how many values)
            names = [bindparam(f"{item[0]}_{index}") for index in range(item[1])]
            conditions.append(table.c[item[0]].in_(names))
        else:
            conditions.append(built[item]())
    return conditions


def _raw(name: str) -> Any:
    """A parameter passed to the driver as given (times already in the stored form)."""
    return type_coerce(bindparam(name), NullType())


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
    values = values | {"limit": per_page + 1, "offset": (page - 1) * per_page}
    rows = _recent_reasons(connection, shape, values)
    if rows is None:
        rows = _reader.rows(connection, ("search", shape), lambda: _select(shape), values)
    return SearchResult(rows[:per_page], page, per_page, len(rows) > per_page)


def _select(shape: Sequence[Any]) -> Select[Any]:
    table = LockEvent.__table__
    return (
        select(*_ROW_COLUMNS)
        .where(*_conditions(shape))
        .order_by(table.c.timestamp.desc(), table.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _recent_reasons(
    connection: Any, shape: Sequence[Any], values: Mapping[str, Any]
) -> list[LockRow] | None:
    """A reason search's page from the newest rows alone, when they hold all of it.

    A full-text index finds a rare word at once, but a common one ("spam") matches
    a large part of the table, which the index hands over whole to be sorted. So the
    newest :data:`RECENT_WINDOW` rows (by the time index) are searched first, newest
    first, with the other filters: when they hold the page and one more, those are the
    newest matches, the answer. None: not a reason search, or the index must answer.
    """
    modes = [item for item in shape if isinstance(item, tuple) and item[0] == "reason"]
    if not modes or modes[0][1] == "like":
        return None
    others = tuple(item for item in shape if item not in modes)
    if any(item not in _BY_TIME for item in others):
        return None  # a target, performer, category or action: their index narrows first
    wanted = {name: value for name, value in values.items() if name != "reason_match"}
    cutoff = _cutoff(connection)
    recent = (*others, ("reason", "like"), "cutoff") if cutoff is not None else None
    rows = _reader.rows(
        connection,
        ("search", recent or (*others, ("reason", "like"))),
        lambda: _select(recent or (*others, ("reason", "like"))),
        wanted | {"cutoff": cutoff},
    )
    if cutoff is None or len(rows) == values["limit"]:
        return rows  # the window was the whole table, or held the page
    return None


def _cutoff(connection: Any) -> Any:
    """The time of the window's oldest row (as stored), or None if the table is smaller.

    The time index alone, no filter: reading rows to filter them is what made it slow
    on MariaDB. Any cutoff is right; filters then apply to the rows after it.
    """
    table = LockEvent.__table__
    sql, order = _reader.sql(
        connection.dialect,
        ("cutoff",),
        lambda: (
            select(table.c.timestamp)
            .with_hint(table, "FORCE INDEX (ix_lock_events_timestamp)", dialect_name="mysql")
            .order_by(table.c.timestamp.desc())
            .limit(bindparam("one"))
            .offset(bindparam("window"))
        ),
    )
    given = {"one": 1, "window": RECENT_WINDOW - 1}
    parameters: Any = [given[name] for name in order] if order is not None else given
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        found = cursor.fetchone()
    finally:
        cursor.close()
    return found[0] if found else None


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
