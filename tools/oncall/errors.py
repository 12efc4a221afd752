"""The errors of on call: a rota change or an acknowledgement that cannot be done."""

from __future__ import annotations

from tools.base.messages import N_, TranslatableError

#: Why a callout was not delivered, when the desk itself knows (a mail server's own answer
#: is shown as it came); the pages show these in the reader's language.
NO_ADDRESS = N_("no e-mail address")
NO_MAIL_SERVER = N_("no mail server is configured (SAFETYDESK_SMTP_HOST)")
DELIVERY_REASONS = frozenset({NO_ADDRESS, NO_MAIL_SERVER})


class OncallError(TranslatableError):
    """A rota change or an acknowledgement that cannot be done; the message says why."""


class LinkRefused(OncallError):
    """An acknowledgement link that cannot be used; ``reason`` says which way it failed:
    ``invalid``, ``someone-else``, ``used``, ``answered`` or ``expired``."""

    def __init__(self, reason: str, message: str, **variables: str) -> None:
        super().__init__(message, **variables)
        self.reason = reason
