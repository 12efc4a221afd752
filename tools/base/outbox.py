"""Sending the mails of the outbox (:class:`tools.models.OutgoingMail`), with retries.

Web requests only :func:`queue_mail`; the on-call worker (``safetydesk oncall run``) and
``safetydesk mail send`` call :func:`deliver_due`. A mail is claimed by compare-and-set
before it is sent, as callouts are, so two workers never send it twice; a failure waits
30 s, then twice as long each time (at most ``oncall_retry_max_minutes``), and a mail
that still fails after :data:`MAX_ATTEMPTS` tries is marked failed and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from tools.base.addresses import checked_address
from tools.base.config import Settings
from tools.base.db import transaction
from tools.base.smtp import MailError, send_mail
from tools.models import OutgoingMail
from tools.models.mail import FAILED, PENDING, SENT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thread:
    """The conversation headers of one outgoing mail (without angle brackets in ids)."""

    message_id: str
    kind: str  # "reply", "ack"
    headers: dict[str, str] = field(default_factory=dict)  # From, In-Reply-To, References…


CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
MAX_ATTEMPTS = 20
BATCH = 100


def queue_mail(
    session: Session,
    to: str,
    subject: str,
    body: str,
    case_id: int | None = None,
    thread: Thread | None = None,
) -> OutgoingMail:
    """Store a mail for the worker, in the caller's transaction; the address is checked.

    ``thread``: the headers of a mail that belongs to a conversation (the mail intake's
    replies and acknowledgements), its Message-ID chosen now so that answers find it.
    """
    mail = OutgoingMail(
        to_address=checked_address(to), subject=subject[:255], body=body, case_id=case_id
    )
    if thread is not None:
        mail.message_id, mail.kind = thread.message_id, thread.kind
        mail.headers = thread.headers
    session.add(mail)
    return mail


def forget_before(session: Session, cutoff: datetime) -> int:
    """Delete the mails sent before ``cutoff``, and those given up on that were queued before.

    A sent mail keeps only its address and subject, a failed one its body too; neither
    is needed past the retention period. Mails still being tried are never deleted.
    """
    result = session.execute(
        delete(OutgoingMail).where(
            or_(
                and_(OutgoingMail.status == SENT, OutgoingMail.sent_at < cutoff),
                and_(OutgoingMail.status == FAILED, OutgoingMail.created_at < cutoff),
            )
        )
    )
    return result.rowcount or 0


def deliver_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime, worker: str
) -> tuple[list[int], list[int]]:
    """Send every due mail; ``(sent ids, failed ids)`` of this pass."""
    sent: list[int] = []
    failed: list[int] = []
    if not settings.smtp_host:
        return sent, failed  # kept until a mail server is configured
    with factory() as session:
        due = list(
            session.scalars(
                select(OutgoingMail.id)
                .where(OutgoingMail.status == PENDING, OutgoingMail.next_attempt_at <= now)
                .where(or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))
                .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
                .limit(BATCH)
            )
        )
    for mail_id in due:
        if _claim(factory, mail_id, worker, now):
            ok = _send(factory, mail_id, worker, settings, now)
            (sent if ok else failed).append(mail_id)
    return sent, failed


def _claim(factory: sessionmaker[Session], mail_id: int, worker: str, now: datetime) -> bool:
    with transaction(factory) as session:
        claimed = session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.status == PENDING)
            .where(or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))
            .values(
                claimed_by=worker,
                claimed_until=now + CLAIM_LEASE,
                attempts=OutgoingMail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _send(
    factory: sessionmaker[Session], mail_id: int, worker: str, settings: Settings, now: datetime
) -> bool:
    """Send one claimed mail outside any transaction, then record the outcome."""
    with factory() as session:
        mail = session.get_one(OutgoingMail, mail_id)
        to, subject, body, attempts = mail.to_address, mail.subject, mail.body, mail.attempts
        message_id, headers = mail.message_id, mail.headers or {}
    error: str | None = None
    try:
        send_mail(settings, to, subject, body, headers=headers, message_id=message_id)
    except MailError as err:
        error = str(err)
    values: dict[str, object] = {"claimed_by": None, "claimed_until": None}
    if error is None:
        values |= {"status": SENT, "sent_at": now, "body": "", "last_error": None}
    else:
        wait = min(
            FIRST_RETRY * 2 ** (attempts - 1), timedelta(minutes=settings.oncall_retry_max_minutes)
        )
        status = FAILED if attempts >= MAX_ATTEMPTS else PENDING
        values |= {"status": status, "next_attempt_at": now + wait, "last_error": error[:255]}
        log.warning("mail %s not delivered (try %s): %s", mail_id, attempts, error)
    with transaction(factory) as session:
        session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.claimed_by == worker)
            .values(values)
            .execution_options(synchronize_session=False)
        )
    return error is None
