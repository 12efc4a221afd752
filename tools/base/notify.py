"""Outgoing mail. A mail says that something happened and links to it; it never carries
the private content of a case, which stays behind the tool's sign-in. The one exception
is a reply to a requester who cannot sign in (see :func:`notify_requester_of_reply`).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from tools.base.config import Settings
from tools.models import Case, User

log = logging.getLogger(__name__)

TIMEOUT = 10  # seconds


class MailError(Exception):
    """The mail server refused the message or could not be reached."""


def send_mail(settings: Settings, to: str, subject: str, body: str) -> str:
    """Send one plain-text mail; return its Message-ID. Raise :class:`MailError` on failure."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="safetydesk.toolforge.org")
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"mail to {settings.smtp_host}:{settings.smtp_port} failed: {err}") from err
    return str(message["Message-ID"])


def notify_requester_of_reply(settings: Settings, case: Case, reply: str) -> bool:
    """Tell the requester that their request has a new reply; True when a mail went out.

    A requester who signs in to the tool gets a notice and a link: the reply stays
    behind the sign-in. A requester who is not a tool user (a ReportIncident reporter,
    known by e-mail only) can read it nowhere else, so the mail carries the reply itself,
    and only the reply. Failure is logged (reference only, never content) and does not
    undo the reply: the reply is in the thread whether or not the mail arrives.
    """
    if not settings.smtp_host:
        return False
    requester: User | None = case.requester
    if requester is not None:
        if not requester.email or not requester.notify_by_email:
            return False
        to, body = requester.email, _notice(settings, case, requester)
    elif case.contact_email:
        to, body = case.contact_email, _reply_mail(case, reply)
    else:
        return False
    try:
        send_mail(settings, to, f"[{case.reference}] New reply", body)
    except MailError as err:
        log.warning("reply notice for %s not sent: %s", case.reference, err)
        return False
    return True


def _notice(settings: Settings, case: Case, requester: User) -> str:
    link = f"{settings.public_url}/requests/{case.reference}"
    return (
        f"Hello {requester.username},\n\n"
        f"Trust and Safety replied to your request {case.reference}.\n"
        f"Read the reply and answer it here (sign-in needed):\n{link}\n\n"
        "— Safety Desk\n"
    )


def _reply_mail(case: Case, reply: str) -> str:
    greeting = f"Hello {case.contact_name}," if case.contact_name else "Hello,"
    return (
        f"{greeting}\n\n"
        f"About your incident report ({case.reference}), the Wikimedia Foundation's "
        "Trust and Safety team writes:\n\n"
        f"{reply}\n\n"
        "— Trust and Safety, via Safety Desk\n"
    )
