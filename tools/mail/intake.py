"""One received message becomes a case, a new entry of a case's thread, or nothing.

:func:`file_message` runs in the fetcher's transaction, the same one that moves the
mailbox checkpoint: the message and the position after it are stored together or not
at all. A message already stored (same Message-ID: fetched again after a crash or a
UIDVALIDITY change, or our own mail coming back) is skipped. Mail that machines wrote
(auto-replies, bulk, bounces) is never answered and never opens a case: it is noted
on the case it answers, if any. Nothing that a person wrote is dropped: mail that
cannot be read is filed with its raw text and a warning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.config_mail import MailRoute
from tools.cases.filing import DESCRIPTION_MAX, TITLE_MAX, NewRequest, file_request
from tools.cases.related import link_repeat
from tools.cases.timeline import MESSAGE_MAX, add_event
from tools.mail import language, replies, threads
from tools.mail.parse import Incoming
from tools.models import (
    Audience,
    Case,
    CaseSource,
    Category,
    MailAttachment,
    MailMessage,
    Severity,
    User,
)
from tools.models.mail_intake import ATTACHED, FILED, IGNORED, LINKED, THREADED

ACTOR_LABEL = "mail"
#: The raw message is kept up to this size (a MEDIUMBLOB); larger stays in the mailbox.
RAW_MAX = 16 * 1024 * 1024 - 1


@dataclass(frozen=True)
class Outcome:
    """What became of a message; ``case`` is its case's reference, if any."""

    outcome: str  # filed, threaded, linked, attached, ignored, duplicate
    case: str | None = None
    reason: str = ""


def file_message(
    session: Session, settings: Settings, incoming: Incoming, raw: bytes, position: tuple[int, int]
) -> Outcome:
    """Store ``incoming`` (read from ``raw`` at (UIDVALIDITY, UID) ``position``) once."""
    stored = session.scalar(
        select(MailMessage).where(MailMessage.message_id == incoming.message_id)
    )
    if stored is not None:
        return Outcome("duplicate", None, "already stored")
    row = MailMessage(
        message_id=incoming.message_id,
        uidvalidity=position[0],
        uid=position[1],
        from_address=incoming.from_address,
        subject=incoming.subject,
        authentication=incoming.authentication or None,
        authenticated=incoming.authenticated,
        size=incoming.size,
        language=(
            incoming.language
            or language.guess(f"{incoming.subject}\n{incoming.text}")
            or _route(settings, incoming).language
        ),
        created_at=now(),
    )
    session.add(row)
    session.flush()
    if incoming.from_address and incoming.from_address in _own_addresses(settings):
        return _ignored(row, "from our own address")
    named = threads.named_case(session, incoming)
    if incoming.automatic:
        if named is None:
            return _ignored(row, incoming.automatic)
        return _note_automatic(session, row, named, incoming)
    if (
        named is not None
        and threads.is_open(named)
        and threads.may_write(named, incoming.from_address)
    ):
        return _thread(session, settings, row, named, incoming, raw)
    case = _new_case(session, settings, row, incoming, raw)
    if named is not None:
        link_repeat(session, case, named, reason="mail naming it from someone else, or closed")
        row.outcome = LINKED
    if incoming.from_address:
        replies.queue_ack(session, settings, case, incoming.from_address, incoming.message_id)
    return Outcome(row.outcome, case.reference, "new case")


def _own_addresses(settings: Settings) -> set[str]:
    own = set(settings.mail_addresses)
    for text in (settings.team_address, settings.mail_from):
        address = text.rpartition("<")[2].strip(" >").lower()
        if address:
            own.add(address)
    return own


def _route(settings: Settings, incoming: Incoming) -> MailRoute:
    """The route of the first of the team's addresses the message was sent to."""
    for address in incoming.recipients:
        if address in settings.mail_addresses:
            return settings.mail_addresses[address]
    return MailRoute()


def _ignored(row: MailMessage, reason: str) -> Outcome:
    row.outcome = IGNORED
    return Outcome(IGNORED, None, reason)


def _note_automatic(session: Session, row: MailMessage, case: Case, incoming: Incoming) -> Outcome:
    """An auto-reply or bounce about a case: noted there for specialists, never answered."""
    event = add_event(
        session,
        case,
        "mail_automatic",
        None,
        Audience.INTERNAL,
        body=_clip(incoming.text, MESSAGE_MAX) or None,
        data={"mail": row.id, "automatic": incoming.automatic, "from": incoming.from_address},
        actor_label=ACTOR_LABEL,
    )
    row.case_id, row.event_id, row.outcome = case.id, event.id, ATTACHED
    return Outcome(ATTACHED, case.reference, incoming.automatic or "")


def _thread(
    session: Session,
    settings: Settings,
    row: MailMessage,
    case: Case,
    incoming: Incoming,
    raw: bytes,
) -> Outcome:
    """The requester's (or contact's) answer, added to the case's thread."""
    session.flush()
    text = _text(incoming, raw, row)
    event = add_event(
        session,
        case,
        "mailed",
        case.requester if _is_requester(case, incoming) else None,
        Audience.REQUESTER,
        body=text,
        data=_event_data(row, incoming),
        actor_label=ACTOR_LABEL,
    )
    row.case_id, row.event_id, row.outcome = case.id, event.id, THREADED
    _store_attachments(session, settings, row, case, incoming)
    return Outcome(THREADED, case.reference, "answer")


def _is_requester(case: Case, incoming: Incoming) -> bool:
    email = case.requester.email if case.requester else None
    return bool(email and incoming.from_address and email.lower() == incoming.from_address)


def _new_case(
    session: Session, settings: Settings, row: MailMessage, incoming: Incoming, raw: bytes
) -> Case:
    route = _route(settings, incoming)
    sender = incoming.from_address
    requester = _account(session, sender)
    text = _text(incoming, raw, row, limit=DESCRIPTION_MAX)
    title = incoming.subject or f"Mail from {sender or 'an unknown sender'}"
    request = NewRequest(
        category=Category(route.category),
        severity=Severity(route.severity) if route.severity else None,
        title=title[:TITLE_MAX],
        description=text or "(empty message)",
        submission_key="mail:" + _digest(incoming.message_id),
        extra={"mail": {"authenticated": incoming.authenticated}},
    )
    case = file_request(session, requester, request, settings, source=CaseSource.MAIL)
    case.contact_email = sender
    case.contact_name = incoming.from_name or None
    # What could not be read; an unproven sender is shown beside the text instead.
    case.intake_warning = "; ".join(incoming.problems)[:255] or None
    session.flush()
    row.case_id, row.event_id, row.outcome = case.id, case.events[0].id, FILED
    _store_attachments(session, settings, row, case, incoming)
    return case


def _account(session: Session, address: str | None) -> User | None:
    """The tool account whose known address this is: it becomes the requester."""
    if not address:
        return None
    return session.scalars(
        select(User).where(func.lower(User.email) == address).order_by(User.id).limit(1)
    ).first()


def _text(incoming: Incoming, raw: bytes, row: MailMessage, limit: int = MESSAGE_MAX) -> str:
    """The words of the message; its raw text (the bytes kept) when it could not be read."""
    text = incoming.text.strip()
    if incoming.unreadable or (not text and not incoming.attachments and not incoming.truncated):
        row.raw = raw if len(raw) <= RAW_MAX else None
        return _clip(raw.decode("utf-8", "replace"), limit)
    if len(text) > limit:
        row.raw = raw if len(raw) <= RAW_MAX else None
        incoming.problems.append(f"the text was cut at {limit} characters; the message is kept")
    return _clip(text, limit)


def _clip(text: str, limit: int) -> str:
    return text.strip()[:limit]


def _event_data(row: MailMessage, incoming: Incoming) -> dict[str, object]:
    return {
        "mail": row.id,
        "from": incoming.from_address,
        "authenticated": incoming.authenticated,
        "problems": incoming.problems[:5],
    }


def _store_attachments(
    session: Session, settings: Settings, row: MailMessage, case: Case, incoming: Incoming
) -> None:
    """Each attachment with its type; one over the cap is listed without its content."""
    session.flush()
    cap = settings.mail_max_attachment_bytes
    for item in incoming.attachments:
        session.add(
            MailAttachment(
                case_id=case.id,
                message_id=row.id,
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.data),
                data=item.data if len(item.data) <= cap else None,
                created_at=now(),
            )
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:59]
