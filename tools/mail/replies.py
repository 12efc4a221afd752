"""Mail the desk writes into a conversation: replies to mail-born cases, acknowledgements.

Both go through the outbox (:mod:`tools.base.outbox`), queued in the caller's
transaction and sent by the worker, never from a web request. Each gets its Message-ID
when queued and is recorded as an outgoing :class:`~tools.models.MailMessage` of the
case, so an answer naming it (``In-Reply-To``) finds the case, and our own message
coming back (a copy, a loop) is recognised as ours and never filed.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.notify import notify_requester_of_reply
from tools.base.outbox import Thread, queue_mail
from tools.mail import texts
from tools.mail.parse import LANGUAGES
from tools.models import Case, CaseSource, MailMessage, OutgoingMail
from tools.models.mail_intake import OUT

#: An automatic acknowledgement goes to one sender at most once in this time.
ACK_INTERVAL = timedelta(hours=1)
#: How many earlier Message-IDs a reply's References carries.
REFERENCES_KEPT = 20


def case_language(session: Session, case: Case) -> str:
    """The language of the case's newest received mail that says one, else English."""
    language = session.scalar(
        select(MailMessage.language)
        .where(MailMessage.case_id == case.id, MailMessage.language.is_not(None))
        .order_by(MailMessage.id.desc())
        .limit(1)
    )
    return language if language in LANGUAGES else "en"


def tell_requester(session: Session, settings: Settings, case: Case, reply: str) -> bool:
    """After a specialist's reply: a mail-born case gets the reply in its mail thread; any
    other, the notice of :func:`tools.base.notify.notify_requester_of_reply`."""
    if case.source == CaseSource.MAIL:
        return queue_reply(session, settings, case, reply)
    return notify_requester_of_reply(session, settings, case, reply)


def queue_reply(session: Session, settings: Settings, case: Case, reply: str) -> bool:
    """Mail a specialist's reply to the sender of a mail-born case, in its thread."""
    to = case.contact_email or (case.requester.email if case.requester else None)
    if not to:
        return False
    language = case_language(session, case)
    thread = session.scalars(
        select(MailMessage).where(MailMessage.case_id == case.id).order_by(MailMessage.id)
    ).all()
    received = [message for message in thread if message.direction != OUT]
    subject = _subject(case, received[0].subject if received else case.title)
    body = "\n\n".join(
        [
            texts.text(language, texts.REPLY_HEADER, reference=case.reference or ""),
            reply,
            "-- \n" + texts.text(language, texts.SIGNATURE),
        ]
    )
    headers = {"Content-Language": language}
    if received:
        headers["In-Reply-To"] = f"<{received[-1].message_id}>"
    ids = [message.message_id for message in thread][-REFERENCES_KEPT:]
    if ids:
        headers["References"] = " ".join(f"<{one}>" for one in ids)
    _queue(session, settings, case, to, subject, body, "reply", headers, language)
    return True


def queue_ack(session: Session, settings: Settings, case: Case, to: str, answering: str) -> bool:
    """The automatic acknowledgement of a new case: once an hour per sender at most."""
    since = now() - ACK_INTERVAL
    recent = session.scalar(
        select(func.count())
        .select_from(OutgoingMail)
        .where(
            OutgoingMail.to_address == to,
            OutgoingMail.kind == "ack",
            OutgoingMail.created_at >= since,
        )
    )
    if recent:
        return False
    language = case_language(session, case)
    reference = case.reference or ""
    headers = {
        "Auto-Submitted": "auto-replied",
        "In-Reply-To": f"<{answering}>",
        "References": f"<{answering}>",
        "Content-Language": language,
    }
    subject = texts.text(language, texts.ACK_SUBJECT, reference=reference)
    body = texts.text(language, texts.ACK_BODY, reference=reference)
    _queue(session, settings, case, to, subject, body, "ack", headers, language)
    return True


def _subject(case: Case, original: str | None) -> str:
    reference = f"[{case.reference}]"
    text = original or case.title
    if reference in text:
        return text if text.lower().startswith("re:") else f"Re: {text}"
    return f"Re: {text} {reference}"


def _queue(
    session: Session,
    settings: Settings,
    case: Case,
    to: str,
    subject: str,
    body: str,
    kind: str,
    headers: dict[str, str],
    language: str,
) -> None:
    sender = settings.team_address or settings.mail_from
    domain = sender.rpartition("@")[2].strip(">") or "safetydesk.toolforge.org"
    message_id = make_msgid(domain=domain).strip("<>")
    thread = Thread(message_id=message_id, kind=kind, headers={"From": sender, **headers})
    queue_mail(session, to, subject, body, case_id=case.id, thread=thread)
    session.add(
        MailMessage(
            message_id=message_id,
            direction=OUT,
            case_id=case.id,
            outcome=kind,
            from_address=sender[:255],
            subject=subject[:255],
            language=language,
            created_at=now(),
        )
    )
