"""The errors of on call: a rota change or an acknowledgement that cannot be done."""

from __future__ import annotations

from tools.base.messages import TranslatableError


class OncallError(TranslatableError):
    """A rota change or an acknowledgement that cannot be done; the message says why."""


class LinkRefused(OncallError):
    """An acknowledgement link that cannot be used; ``reason`` says which way it failed:
    ``invalid``, ``someone-else``, ``used``, ``answered`` or ``expired``."""

    def __init__(self, reason: str, message: str, **variables: str) -> None:
        super().__init__(message, **variables)
        self.reason = reason
