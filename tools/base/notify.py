"""Outgoing mail. A mail says that something happened and links to it; it never carries
the private content of a case, which stays behind the tool's sign-in. The one exception
is a reply to a requester who cannot sign in (see :func:`notify_requester_of_reply`).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from tools.base.addresses import InvalidAddress
from tools.base.config import Settings
from tools.base.outbox import queue_mail
from tools.base.smtp import MailError, send_mail
from tools.base.translations import translations
from tools.models import Case, User

log = logging.getLogger(__name__)

__all__ = ["MailError", "notify_requester_of_reply", "send_mail"]


def notify_requester_of_reply(session: Session, settings: Settings, case: Case, reply: str) -> bool:
    """Queue a mail telling the requester of a new reply; True when one was queued.

    A requester who signs in to the tool gets a notice and a link: the reply stays
    behind the sign-in. A requester who is not a tool user (a ReportIncident reporter,
    known by e-mail only) can read it nowhere else, so the mail carries the reply itself,
    and only the reply. The mail joins the caller's transaction (the reply and its notice
    are stored together) and the worker sends it (:mod:`tools.base.outbox`): a mail
    server that is down or refuses never undoes or fails the reply.
    """
    if not settings.smtp_host:
        return False
    requester: User | None = case.requester
    # A tool user reads it in their stored language; a reporter known by address only, in
    # English (the language they wrote in is not known).
    _ = translations(requester.language if requester is not None else None).gettext
    if requester is not None:
        if not requester.email or not requester.notify_by_email:
            return False
        to, body = requester.email, _notice(settings, case, requester)
    elif case.contact_email:
        to, body = case.contact_email, _reply_mail(case, reply)
    else:
        return False
    subject = _("[%(reference)s] New reply") % {"reference": case.reference}
    try:
        queue_mail(session, to, subject, body, case_id=case.id)
    except InvalidAddress:
        log.warning("reply notice for %s not queued: the address is not valid", case.reference)
        return False
    return True


def _notice(settings: Settings, case: Case, requester: User) -> str:
    _ = translations(requester.language).gettext
    link = f"{settings.public_url}/requests/{case.reference}"
    return (
        _("Hello %(name)s,") % {"name": requester.username}
        + "\n\n"
        + _("Trust and Safety replied to your request %(reference)s.")
        % {"reference": case.reference}
        + "\n"
        + _("Read the reply and answer it here (sign-in needed):")
        + f"\n{link}\n\n"
        + _("— Safety Desk")
        + "\n"
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
