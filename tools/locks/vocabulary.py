"""What a lock log entry did: one vocabulary of actions, whichever extension logged it.

One status change can do several things (``lock+hide``): they are stored joined in a
fixed order, so that a search for one action can name every stored value holding it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection
from enum import StrEnum


class Action(StrEnum):
    """What a log entry did, whichever extension wrote it and in whichever shape."""

    LOCK = "lock"
    UNLOCK = "unlock"
    HIDE = "hide"  # hidden from public lists (CentralAuth's "hidden")
    UNHIDE = "unhide"
    SUPPRESS = "suppress"  # hidden from everyone but oversighters ("oversighted")
    UNSUPPRESS = "unsuppress"
    DELETE = "delete"
    BLOCK = "block"
    MODIFY = "modify"
    UNBLOCK = "unblock"
    LOCAL_DISABLE = "local-disable"  # a wiki switched a global block off for itself
    LOCAL_ENABLE = "local-enable"
    UNKNOWN = "unknown"


ACTION_VALUES = frozenset(action.value for action in Action)
#: One status change can do several things ("lock+hide"); they are joined in this order.
ACTION_ORDER = {action: index for index, action in enumerate(Action)}
JOIN = "+"
#: The actions a single CentralAuth status change can combine.
STATUS_ACTIONS = (
    Action.LOCK,
    Action.UNLOCK,
    Action.HIDE,
    Action.UNHIDE,
    Action.SUPPRESS,
    Action.UNSUPPRESS,
)


def join_actions(actions: Collection[Action]) -> str:
    """``lock+hide``: the stored form of what one entry did, in a fixed order."""
    if len(actions) == 1:
        return next(iter(actions)).value
    return JOIN.join(sorted(set(actions), key=ACTION_ORDER.__getitem__))


def split_action(value: str) -> tuple[Action, ...]:
    """The actions of a stored ``action`` value (unknown words read as UNKNOWN)."""
    return tuple(
        Action(part) if part in ACTION_VALUES else Action.UNKNOWN for part in value.split(JOIN)
    )


@functools.cache
def stored_values_of(action: Action) -> tuple[str, ...]:
    """Every stored ``action`` value that includes ``action``, for an indexable ``IN``."""
    if action not in STATUS_ACTIONS:
        return (action.value,)
    others = [other for other in STATUS_ACTIONS if other != action]
    combos = (
        join_actions((action, *extra))
        for size in range(len(others) + 1)
        for extra in itertools.combinations(others, size)
    )
    return tuple(sorted(combos))
