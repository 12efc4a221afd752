"""The steward requests watcher: open requests, their age, and what the lock log says.

The patrol reads Steward requests/Global and /Checkuser like any watched board; each
revision's requests are stored (:func:`sync_page`) in the transaction that moves its
checkpoint. A request open longer than the overdue setting raises an alert of its
own kind (:data:`ALERT_CATEGORY`), once. A request whose every target the lock log
shows locked or blocked is "done in the log, still open on the page": the desk only
says so; another bot closes and archives the page, never this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.locks.status import LockStatus, lock_statuses
from tools.models import Alert, LockTargetKind, StewardRequestRow
from tools.patrol.steward_requests import parse_requests

#: The category of the alerts this watcher raises (the classifier never uses it).
ALERT_CATEGORY = "steward_request"


def sync_page(
    session: Session, wiki: str, page_title: str, rev_id: int, wikitext: str, seen_at: datetime
) -> int:
    """Store the page's requests as this revision shows them; return how many are open.

    A request that left the page was archived: no longer open, marked ``gone``.
    """
    parsed = {request.heading: request for request in parse_requests(wikitext)}
    stored = {
        row.heading: row
        for row in session.scalars(
            select(StewardRequestRow).where(
                StewardRequestRow.wiki == wiki, StewardRequestRow.page_title == page_title
            )
        )
    }
    for heading, request in parsed.items():
        row = stored.get(heading)
        if row is None:
            row = StewardRequestRow(
                wiki=wiki,
                page_title=page_title,
                heading=heading[:255],
                asked_at=request.first_signed or seen_at,
            )
            session.add(row)
        elif request.first_signed is not None:
            row.asked_at = min(row.asked_at, request.first_signed)
        row.status = request.status.value
        row.targets = list(request.targets)
        row.rev_id = rev_id
        row.is_open = request.open
        row.gone = False
    for heading, row in stored.items():
        if heading not in parsed:
            row.is_open, row.gone = False, True
    return sum(request.open for request in parsed.values())


def raise_overdue(session: Session, hours: float, now: datetime | None = None) -> list[Alert]:
    """An alert for each request open more than ``hours``, once per request."""
    limit = (now or clock.now()) - timedelta(hours=hours)
    overdue = session.scalars(
        select(StewardRequestRow).where(
            StewardRequestRow.is_open.is_(True),
            StewardRequestRow.asked_at < limit,
            StewardRequestRow.alert_id.is_(None),
        )
    ).all()
    raised = []
    for row in overdue:
        alert = Alert(
            wiki=row.wiki,
            page_title=row.page_title,
            rev_id=row.rev_id,
            comment_key=f"steward-request-{row.id}",
            section=row.heading,
            category=ALERT_CATEGORY,
            language="en",
            score=1.0,
            excerpt=_excerpt(row),
        )
        session.add(alert)
        session.flush()
        row.alert_id = alert.id
        raised.append(alert)
    return raised


def _excerpt(row: StewardRequestRow) -> str:
    targets = ", ".join(row.targets[:10]) + (" …" if len(row.targets) > 10 else "")
    asked = row.asked_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{row.heading} ({row.status}) open since {asked}: {targets}"[:1000]


@dataclass(frozen=True)
class OpenRequest:
    """An open request with the lock log's word on each target."""

    row: StewardRequestRow
    age: timedelta
    targets: tuple[tuple[str, LockStatus], ...]
    overdue: bool

    @property
    def done_in_log(self) -> bool:
        """Every target already locked (an account) or blocked (an IP or range)."""
        return bool(self.targets) and all(acted_on(status) for _, status in self.targets)


def acted_on(status: LockStatus) -> bool:
    if status.kind is LockTargetKind.ACCOUNT:
        return status.locked
    return status.blocked


def open_requests(session: Session, hours: float, now: datetime | None = None) -> list[OpenRequest]:
    """The open requests, oldest first, each target's status read from the lock log."""
    now = now or clock.now()
    rows: Sequence[StewardRequestRow] = session.scalars(
        select(StewardRequestRow)
        .where(StewardRequestRow.is_open.is_(True))
        .order_by(StewardRequestRow.asked_at, StewardRequestRow.id)
    ).all()
    names = {target for row in rows for target in row.targets}
    statuses = lock_statuses(session, names, include_suppressed=False, now=now)
    return [
        OpenRequest(
            row,
            now - row.asked_at,
            tuple((target, statuses[target]) for target in row.targets),
            now - row.asked_at > timedelta(hours=hours),
        )
        for row in rows
    ]
