"""The announcement that a case became an emergency, heard inside the same transaction.

Filing an emergency (or raising a case to one) must call someone out, and the callout
must be in the transaction that stores the case: both are committed, or neither. The
cases domain does not know who answers; on call subscribes here
(:func:`tools.oncall.listen_for_emergencies`) and every entry point of the desk wires it
(``create_app``, the ``safetydesk`` command). An emergency announced while nobody
listens raises :class:`NobodyListening`, which rolls the filing back: an emergency
never reaches nobody silently.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tools.base.config import Settings
from tools.models import Case, User

#: Called with the session of the filing transaction, before it commits.
EmergencyListener = Callable[[Session, Case, Settings], object]

_listeners: list[EmergencyListener] = []


class NobodyListening(RuntimeError):
    """An emergency was announced but nothing is subscribed to call anyone out."""


def on_emergency(listener: EmergencyListener) -> None:
    """Subscribe ``listener`` to every emergency; subscribing it again changes nothing."""
    if listener not in _listeners:
        _listeners.append(listener)


def listeners() -> tuple[EmergencyListener, ...]:
    return tuple(_listeners)


def require_listener() -> None:
    """Fail at start-up, not at the first emergency, when nothing would call anyone out."""
    if not _listeners:
        raise NobodyListening("no emergency listener: on call is not wired to the cases domain")


def announce_emergency(session: Session, case: Case, settings: Settings) -> None:
    """Tell every listener, in order, in the caller's transaction; an error propagates.

    A listener that raises aborts the filing (the caller's savepoint or transaction
    rolls back), as the direct callout did before the hook.
    """
    require_listener()
    for listener in _listeners:
        listener(session, case, settings)


#: Called with the session, the case and who claimed it, before the claim commits.
ClaimListener = Callable[[Session, Case, User], object]

_claim_listeners: list[ClaimListener] = []


def on_claim(listener: ClaimListener) -> None:
    """Subscribe ``listener`` to every claim of a case (on call: a claim acknowledges)."""
    if listener not in _claim_listeners:
        _claim_listeners.append(listener)


def announce_claim(session: Session, case: Case, claimant: User) -> None:
    """A specialist explicitly took the case on; listeners run in the claim's transaction."""
    for listener in _claim_listeners:
        listener(session, case, claimant)
