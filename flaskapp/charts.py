"""Charts the tool draws itself, as SVG in the page: geometry here, markup in templates.

No script and no style attribute (the Content-Security-Policy allows neither): shapes
carry classes that ``safetydesk.css`` colours, sizes are SVG attributes, and each bar
has a ``<title>`` so its value is read out and shown on hover. Nothing is loaded from
another host, and the charts work with JavaScript off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: More columns than this are merged into weeks, then months.
MAX_COLUMNS = 120


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    start: date
    value: int


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Timeline:
    """Counts over time as columns, oldest on the start side."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    columns: list[Column]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    bucket: str  # "day", "week" or "month": what one column is

    @property
    def empty(self) -> bool:
        return not any(column.value for column in self.columns)


def timeline(
    per_day: Sequence[tuple[date, int]],
    *,
    bucket: str = "day",
    width: int = 720,
    height: int = 220,
) -> Timeline:
    """Columns of events per day or per week; too many columns become weeks, then months."""
    counts = _bucketed(per_day, bucket)
    if len(counts) > MAX_COLUMNS and bucket == "day":
        bucket, counts = "week", _bucketed(per_day, "week")
    if len(counts) > MAX_COLUMNS:
        bucket, counts = "month", _bucketed(per_day, "month")
    left, top, bottom = 44, 8, height - 28
    plot_width, plot_height = width - left - 8, bottom - top
    highest = max((value for _, value in counts), default=0)
    scale_top = _nice_ceiling(highest)
    step = plot_width / max(len(counts), 1)
    columns = []
    for index, (start, value) in enumerate(counts):
        bar_height = plot_height * value / scale_top if scale_top else 0
        columns.append(
            Column(
                x=round(left + index * step + step * 0.1, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(step * 0.8, 1), 2),
                height=round(bar_height, 2),
                start=start,
                value=value,
            )
        )
    every = max(len(counts) // 6, 1)
    x_ticks = [
        Tick(round(left + (index + 0.5) * step, 2), start.isoformat())
        for index, (start, _) in enumerate(counts)
        if index % every == 0
    ]
    y_ticks = [
        Tick(round(bottom - plot_height * fraction, 2), str(round(scale_top * fraction)))
        for fraction in (0, 0.5, 1)
    ]
    return Timeline(width, height, top, bottom, left, columns, x_ticks, y_ticks, bucket)


def _bucketed(per_day: Sequence[tuple[date, int]], bucket: str) -> list[tuple[date, int]]:
    """Counts per bucket from the first to the last day, empty buckets included."""
    if not per_day:
        return []
    totals: Counter[date] = Counter()
    for day, count in per_day:
        totals[_bucket_start(day, bucket)] += count
    first, last = min(totals), max(totals)
    starts = [first]
    while starts[-1] < last:
        starts.append(_next_start(starts[-1], bucket))
    return [(start, totals.get(start, 0)) for start in starts]


def _bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, bucket: str) -> date:
    if bucket == "week":
        return start + timedelta(weeks=1)
    if bucket == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def _nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 0
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


@dataclass(frozen=True)
class BarRow:
    key: str
    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, largest first: counts by action, performer, category."""

    width: int
    height: int
    label_width: int
    row_height: int
    rows: list[BarRow]

    @property
    def empty(self) -> bool:
        return not self.rows


def bars(
    items: Sequence[tuple[str, str, int]],
    *,
    width: int = 360,
    label_width: int = 140,
    row_height: int = 24,
) -> Bars:
    """``items`` are (key, label, count); the longest bar fills the width left for bars."""
    highest = max((value for _, _, value in items), default=0)
    room = width - label_width - 48
    rows = [
        BarRow(
            key,
            label,
            value,
            y=index * row_height,
            width=round(room * value / highest, 2) if highest else 0,
        )
        for index, (key, label, value) in enumerate(items)
    ]
    return Bars(width, max(len(rows), 1) * row_height, label_width, row_height, rows)
