"""Where an account, IP or range stands now, replayed from its log history.

A case page shows it for every account the case names: one query for all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.locks.names import canonical_target, covering_ranges
from tools.locks.query import LockQuery, _conditions, _filters
from tools.locks.rows import _ROW_COLUMNS, LockRow, _reader
from tools.locks.vocabulary import Action
from tools.models import LockEvent, LockTargetKind


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
    covered_by: str | None = None  # the blocked range an IP or range is in, when itself is not

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
    ranges = {target: covering_ranges(target) for target, _ in wanted.values()}
    names = sorted(
        {target for target, _ in wanted.values()} | {r for rs in ranges.values() for r in rs}
    )
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
        given: _covered(
            _fold(target, kind, history[target], moment),
            [_fold(name, LockTargetKind.RANGE, history[name], moment) for name in ranges[target]],
        )
        for given, (target, kind) in wanted.items()
    }


def _covered(status: LockStatus, ranges: list[LockStatus]) -> LockStatus:
    """An IP or range not blocked itself but inside a blocked range: blocked by that range."""
    if status.blocked:
        return status
    for covering in reversed(ranges):  # the narrowest range first
        if covering.blocked:
            return replace(
                status, blocked=True, block_expiry=covering.block_expiry, covered_by=covering.target
            )
    return status


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
