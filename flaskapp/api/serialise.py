"""Model objects and core dataclasses as the JSON the API documents (see :mod:`.openapi`).

Times are ISO 8601 in UTC; durations are seconds. Nothing here decides who may see
what: the views pass only what the reader may read (a restricted case they may not
open arrives as a :class:`tools.queue.QueueRow` with ``hidden`` set).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tools import cases
from tools.cases import SlaClock, metrics
from tools.cases.queue import QueueRow
from tools.locks import LockRow, LockStatistics, LockStatus
from tools.models import Alert, Case, CaseEvent
from tools.patrol import alerts


def when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def clock(item: SlaClock) -> dict[str, Any]:
    return {
        "name": item.name,
        "due_at": when(item.due_at),
        "state": item.state.value,
        "stopped_at": when(item.stopped_at),
        "seconds_left": seconds(item.left),
    }


def own_request(case: Case) -> dict[str, Any]:
    """A request as its requester sees it in "my requests"."""
    return {
        "reference": case.reference,
        "category": case.category.value,
        "severity": case.severity.value,
        "status": case.status.value,
        "title": case.title,
        "created_at": when(case.created_at),
        "updated_at": when(case.updated_at),
    }


def own_request_detail(case: Case) -> dict[str, Any]:
    """A request with its public thread: never an internal note, a view or a name of staff."""
    return own_request(case) | {
        "description": case.description,
        "wikis": [wiki.wiki for wiki in case.wikis],
        "thread": [_thread_entry(event) for event in cases.requester_thread(case)],
    }


def _thread_entry(event: CaseEvent) -> dict[str, Any]:
    data = event.data or {}
    return {
        "kind": event.kind,
        "created_at": when(event.created_at),
        "body": event.body,
        "status": data.get("to") if event.kind == "moved" else None,
    }


def queue_row(row: QueueRow) -> dict[str, Any]:
    """A line of the queue; a hidden one says only that a restricted case is there."""
    return {
        "reference": row.reference,
        "hidden": row.hidden,
        "severity": row.severity.value,
        "status": row.status.value,
        "assignee": row.assignee,
        "clocks": [clock(item) for item in row.clocks],
        "title": row.title,
        "category": row.category.value if row.category else None,
        "wikis": list(row.wikis),
    }


def case_detail(case: Case, clocks: list[SlaClock]) -> dict[str, Any]:
    """The whole case as a specialist who may open it sees it, timeline included."""
    return {
        "reference": case.reference,
        "category": case.category.value,
        "severity": case.severity.value,
        "status": case.status.value,
        "source": case.source.value,
        "restricted": case.restricted,
        "title": case.title,
        "description": case.description,
        "requester": case.requester.username if case.requester else None,
        "assignee": case.assignee.username if case.assignee else None,
        "assignee_id": case.assignee_id,
        "created_at": when(case.created_at),
        "updated_at": when(case.updated_at),
        "allowed_moves": [status.value for status in cases.allowed_moves(case.status)],
        "wikis": [wiki.wiki for wiki in case.wikis],
        "subjects": [
            {"kind": subject.kind.value, "value": subject.value, "wiki": subject.wiki}
            for subject in case.subjects
        ],
        "evidence": [
            {
                "url": item.url,
                "kind": item.kind.value,
                "wiki": item.wiki,
                "page_title": item.page_title,
                "rev_id": item.rev_id,
                "old_rev_id": item.old_rev_id,
                "log_id": item.log_id,
            }
            for item in case.evidence
        ],
        "clocks": [clock(item) for item in clocks],
        "events": [event_entry(event) for event in case.events],
    }


def event_entry(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "actor": event.actor.username if event.actor else event.actor_label,
        "audience": event.audience.value,
        "created_at": when(event.created_at),
        "body": event.body,
        "data": event.data,
    }


def lock_row(row: LockRow) -> dict[str, Any]:
    return {
        "wiki": row.wiki,
        "log_id": row.log_id,
        "timestamp": when(row.timestamp),
        "log_type": row.log_type,
        "log_action": row.log_action,
        "action": row.action,
        "performer": row.performer,
        "target": row.target,
        "target_kind": row.target_kind,
        "reason": row.reason,
        "reason_category": row.reason_category,
        "expiry": when(row.expiry),
        "flags": row.flags,
        "parsed": row.parsed,
        "suppressed": row.suppressed,
    }


def lock_status(status: LockStatus) -> dict[str, Any]:
    return {
        "target": status.target,
        "kind": status.kind.value,
        "known": status.known,
        "locked": status.locked,
        "hidden": status.hidden.value,
        "deleted": status.deleted,
        "blocked": status.blocked,
        "block_expiry": when(status.block_expiry),
        "uncertain": status.uncertain,
        "last_change": when(status.last_change),
        "history": [lock_row(row) for row in status.history],
    }


def lock_statistics(stats: LockStatistics) -> dict[str, Any]:
    return {
        "total": stats.total,
        "unparsed": stats.unparsed,
        "per_day": [{"day": _day(day), "count": count} for day, count in stats.per_day],
        "by_action": [{"action": action, "count": n} for action, n in stats.by_action],
        "top_performers": [{"performer": name, "count": n} for name, n in stats.top_performers],
        "top_categories": [{"category": key, "count": n} for key, n in stats.top_categories],
    }


def durations(rows: list[metrics.DurationStats]) -> list[dict[str, Any]]:
    return [
        {
            "severity": row.severity.value,
            "target_seconds": seconds(row.target),
            "count": row.count,
            "median_seconds": seconds(row.median),
            "p90_seconds": seconds(row.p90),
            "within_target": row.within_target,
        }
        for row in rows
    ]


def _day(value: date) -> str:
    return value.isoformat()


def alert(item: Alert) -> dict[str, Any]:
    """An alert of the noticeboard patrol with what the classifier found and who reviewed it."""
    return {
        "id": item.id,
        "wiki": item.wiki,
        "page_title": item.page_title,
        "rev_id": item.rev_id,
        "diff_url": alerts.diff_url(item),
        "section": item.section,
        "author": item.author,
        "commented_at": when(item.commented_at),
        "category": item.category,
        "categories": item.categories,
        "language": item.language,
        "score": item.score,
        "phrases": item.phrases,
        "excerpt": item.excerpt,
        "status": item.status.value,
        "case": item.case.reference if item.case else None,
        "reviewed_by": item.reviewed_by.username if item.reviewed_by else None,
        "reviewed_at": when(item.reviewed_at),
        "dismiss_reason": item.dismiss_reason,
        "created_at": when(item.created_at),
    }
