"""E-mail addresses the tool mails: exactly one address, checked by ``email-validator``.

An address reaches a mail header, so a comma (a second recipient) or a line break (a
second header) would let whoever typed it mail anyone; both are refused here, at intake,
and again before any mail is queued.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from tools.base.messages import N_, TranslatableError

ADDRESS_MAX = 255


class InvalidAddress(TranslatableError):
    """Not one e-mail address the tool will write to."""


def checked_address(text: str) -> str:
    """``text`` as one normalised address; :class:`InvalidAddress` otherwise."""
    if len(text) > ADDRESS_MAX or any(char in text for char in "\r\n,;<>\"'"):
        raise InvalidAddress(N_("Give one e-mail address, such as name@example.org."))
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidAddress(N_("Give one e-mail address, such as name@example.org.")) from None
