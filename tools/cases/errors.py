"""The one error of the cases domain: an action on a request or case that cannot be done."""

from __future__ import annotations

from tools.base.messages import TranslatableError


class CaseError(TranslatableError):
    """A request or an action on a case that cannot be done; the message says why."""
