"""The export packet of a case, for Legal or law enforcement: timeline, evidence, accounts.

A packet holds the case's private data, so making one is itself an internal event on
the timeline (who, when, which format), like every view of the case page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tools.cases.timeline import add_event
from tools.models import Audience, Case, CaseEvent, User

FORMATS = ("json", "html")


def record_export(session: Session, case: Case, actor: User, fmt: str) -> CaseEvent:
    """Put the export on the timeline (internal: the requester never sees it)."""
    return add_event(session, case, "exported", actor, Audience.INTERNAL, data={"format": fmt})


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def packet(case: Case, exported_by: User, at: Any) -> dict[str, Any]:
    """Everything Legal needs about ``case``, as plain JSON-ready data."""
    return {
        "reference": case.reference,
        "exported_at": _time(at),
        "exported_by": exported_by.username,
        "title": case.title,
        "category": case.category.value,
        "severity": case.severity.value,
        "status": case.status.value,
        "restricted": bool(case.restricted),
        "created_at": _time(case.created_at),
        "requester": case.requester.username if case.requester else None,
        "wikis": [row.wiki for row in case.wikis],
        "description": case.description,
        "involved_accounts": [
            {"kind": subject.kind.value, "value": subject.value, "wiki": subject.wiki}
            for subject in case.subjects
        ],
        "evidence_links": [
            {
                "url": link.url,
                "kind": link.kind.value,
                "wiki": link.wiki,
                "page": link.page_title,
                "rev_id": link.rev_id,
                "old_rev_id": link.old_rev_id,
                "log_id": link.log_id,
            }
            for link in case.evidence
        ],
        "timeline": [
            {
                "at": _time(event.created_at),
                "kind": event.kind,
                "actor": event.actor.username if event.actor else event.actor_label,
                "audience": event.audience.value,
                "body": event.body,
                "data": event.data,
            }
            for event in case.events
        ],
    }
