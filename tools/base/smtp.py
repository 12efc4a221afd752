"""Sending one mail over SMTP (``SAFETYDESK_SMTP_*``); only the workers call it.

Web requests queue mail in the outbox (:mod:`tools.base.outbox`) instead.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid

from tools.base.addresses import InvalidAddress, checked_address
from tools.base.config import Settings

TIMEOUT = 10  # seconds


class MailError(Exception):
    """The mail server refused the message or could not be reached."""


#: Headers a queued mail may set beside From (conversation and loop-prevention headers).
THREAD_HEADERS = ("In-Reply-To", "References", "Auto-Submitted", "Content-Language")


def send_mail(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> str:
    """Send one plain-text mail; return its Message-ID. Raise :class:`MailError` on failure.

    ``headers``: a "From" (the team's address a thread is held from) and any of
    :data:`THREAD_HEADERS`; ``message_id`` (without brackets): the id chosen when queued.
    """
    headers = headers or {}
    message = EmailMessage()
    message.set_content(body)  # first: it replaces every Content-* header
    try:  # one checked address, or a MailError: nothing here raises anything else
        message["From"] = headers.get("From") or settings.mail_from
        message["To"] = checked_address(to)
        message["Subject"] = subject
        for name in THREAD_HEADERS:
            if headers.get(name):
                message[name] = headers[name]
    except (InvalidAddress, ValueError) as err:
        raise MailError(f"not an address this tool mails: {err}") from err
    message["Message-ID"] = (
        f"<{message_id}>" if message_id else make_msgid(domain="safetydesk.toolforge.org")
    )
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
