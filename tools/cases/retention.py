"""Retention: personal data of long-closed cases is removed, the statistics stay.

A case closed more than N days ago (``retention_days``) loses its involved accounts
and IP addresses, its evidence links, its title, description and every message on its
timeline (each replaced by :data:`TOMBSTONE`), its mail's attachments, raw text,
addresses and subjects, and the text and author of alerts that
led to it. What the metrics need stays: category, severity, status, wikis, SLA times,
who worked it, and the timeline's shape. ``purged_at`` marks the case, so a second run
finds nothing to do, and a ``purged`` event says on the timeline when it happened.
The same run clears the address an API token was last used from, forgets the API's
idempotency keys, and deletes the outbox's mails sent (or given up on) before the period;
``safetydesk retention run`` also empties the ReportIncident spool's ``.rejected`` file of
lines kept longer (:func:`tools.intake.spool.forget_rejected`).

Only this module may rewrite timeline events: it sets the session flag that the
append-only guard in :mod:`tools.models` checks, and clears it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tools.base import outbox
from tools.cases import idempotency
from tools.models import (
    Alert,
    Audience,
    Case,
    CaseEvent,
    CaseStatus,
    MailAttachment,
    MailMessage,
    OutgoingMail,
)
from tools.models.mail import PENDING
from tools.people import api_tokens

TOMBSTONE = "[removed by the retention policy]"
ACTOR_LABEL = "retention job"
PURGE_FLAG = "retention_purge"
#: What a "filed" event's data keeps: the rest may have come from a form's free text.
STATISTICS_KEYS = ("category", "severity")
#: What other events' data may hold about a person: a mail's sender, a file's name.
PERSONAL_KEYS = ("from", "filename")


@dataclass(frozen=True)
class PurgeReport:
    """What a run purged (or, on a dry run, would purge)."""

    references: list[str]
    subjects: int
    evidence: int
    events: int
    dry_run: bool
    token_addresses: int = 0  # API tokens whose last-use address was cleared
    mails: int = 0  # outbox mails deleted: sent, or given up on, before the period


def due_for_purge(session: Session, days: int, at: datetime) -> list[Case]:
    """Closed cases past the retention period and not purged yet, oldest first."""
    cutoff = at - timedelta(days=days)
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.status == CaseStatus.CLOSED,
                Case.closed_at < cutoff,
                Case.purged_at.is_(None),
            )
            .order_by(Case.closed_at, Case.id)
        )
    )


def purge(session: Session, days: int, at: datetime, dry_run: bool = False) -> PurgeReport:
    """Purge every case due at ``at``; with ``dry_run``, only say what would go."""
    if days < 1:
        raise ValueError("the retention period is at least one day")
    due = due_for_purge(session, days, at)
    subjects = sum(len(case.subjects) for case in due)
    evidence = sum(len(case.evidence) for case in due)
    events = sum(1 for case in due for event in case.events if event.body is not None)
    addresses = mails = 0
    if not dry_run:
        with _purging(session):
            for case in due:
                _purge_case(session, case, days, at)
            session.flush()
        cutoff = at - timedelta(days=days)
        addresses = api_tokens.forget_addresses(session, cutoff)
        idempotency.forget_before(session, cutoff)
        mails = outbox.forget_before(session, cutoff)
    references = [case.reference or "" for case in due]
    return PurgeReport(references, subjects, evidence, events, dry_run, addresses, mails)


def _purge_mail(session: Session, case: Case) -> int:
    """Mail of the case: its attachments, raw text, addresses and subjects go.

    The Message-IDs stay: without them, a mailbox read again (a new UIDVALIDITY) would
    file the old messages as new cases.
    """
    attachments = session.execute(delete(MailAttachment).where(MailAttachment.case_id == case.id))
    session.execute(
        update(MailMessage)
        .where(MailMessage.case_id == case.id)
        .values(raw=None, from_address=None, subject=None, authentication=None)
    )
    session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.case_id == case.id, OutgoingMail.status != PENDING)
        .values(to_address="", subject=TOMBSTONE, body="", headers=None)
    )
    return int(attachments.rowcount or 0)  # type: ignore[attr-defined]


@contextmanager
def _purging(session: Session) -> Iterator[None]:
    """Allow rewriting timeline events in this session, for this block only."""
    session.info[PURGE_FLAG] = True
    try:
        yield
    finally:
        session.info.pop(PURGE_FLAG, None)


def _purge_case(session: Session, case: Case, days: int, at: datetime) -> None:
    removed = {"subjects": len(case.subjects), "evidence": len(case.evidence)}
    case.subjects.clear()
    case.evidence.clear()
    case.title = TOMBSTONE
    case.description = TOMBSTONE
    case.submission_key = None
    case.contact_name = case.contact_email = None  # a reporter known by e-mail only
    for event in case.events:
        if event.body is not None:
            event.body = TOMBSTONE
        if event.kind == "filed" and event.data:  # extras a form may add are free text
            event.data = {key: event.data[key] for key in STATISTICS_KEYS if key in event.data}
        elif event.data and any(key in event.data for key in PERSONAL_KEYS):
            event.data = {
                key: value for key, value in event.data.items() if key not in PERSONAL_KEYS
            }
    for alert in session.scalars(select(Alert).where(Alert.case_id == case.id)):
        alert.excerpt = TOMBSTONE
        alert.author = None
        alert.section = None
        alert.rules = None  # the phrases that fired are words of the comment
    removed["attachments"] = _purge_mail(session, case)
    case.purged_at = at
    case.events.append(
        CaseEvent(
            kind="purged",
            actor_label=ACTOR_LABEL,
            audience=Audience.INTERNAL,
            created_at=at,
            data={"retention_days": days, **removed},
        )
    )
