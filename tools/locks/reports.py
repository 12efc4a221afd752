"""What the tool makes of matching events: chart counts, CSV exports, the on-wiki table.

The on-wiki table is published by the logger bot and never counts suppressed events.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import Session

from tools.locks.query import LockQuery, _conditions, _filters
from tools.locks.reasons import OTHER_CATEGORY
from tools.locks.rows import LockRow
from tools.locks.vocabulary import Action, split_action
from tools.models import LockEvent


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
