"""The life of a request: filed by a functionary, worked as a case by specialists.

Everything that happens to a case is an event on its append-only timeline, with
who and when. An event's audience says whether the requester sees it (replies,
their own answers, status changes meant for them) or only specialists (notes,
views, assignments). This package holds those rules; the web views only call it.

This module only re-exports the public API (``from tools import cases;
cases.file_request(...)``); the rules live in its modules:

- :mod:`~tools.cases.filing`: a request becomes a case, once;
- :mod:`~tools.cases.lifecycle`: allowed moves, claims and hand-overs, severity;
- :mod:`~tools.cases.timeline`: events, messages and who looked;
- :mod:`~tools.cases.sla`: SLA promises and clocks;
- :mod:`~tools.cases.emergency`: the in-transaction announcement that on call hears.

Modules of this package import their siblings, never this facade.
"""

from __future__ import annotations

from tools.cases.emergency import NobodyListening, on_emergency
from tools.cases.errors import CaseError
from tools.cases.filing import (
    DEFAULT_SEVERITY,
    DESCRIPTION_MAX,
    EMERGENCY_CATEGORIES,
    RESTRICTED_CATEGORIES,
    TITLE_MAX,
    NewRequest,
    file_request,
    find_by_reference,
    find_by_submission_key,
    reference_for,
    requests_of,
)
from tools.cases.lifecycle import (
    OPEN_STATUSES,
    REQUESTER_STATUSES,
    TRANSITIONS,
    allowed_moves,
    assign,
    claim,
    hand_over,
    move,
    release,
    set_severity,
    take_over,
)
from tools.cases.sla import (
    ClockState,
    SlaClock,
    SlaPromise,
    nearest_running_clock,
    sla_clocks,
    sla_promise,
)
from tools.cases.timeline import (
    MESSAGE_MAX,
    add_event,
    answer,
    note,
    record_view,
    reply,
    requester_thread,
    viewers_since,
)

__all__ = [
    "DEFAULT_SEVERITY",
    "DESCRIPTION_MAX",
    "EMERGENCY_CATEGORIES",
    "MESSAGE_MAX",
    "OPEN_STATUSES",
    "REQUESTER_STATUSES",
    "RESTRICTED_CATEGORIES",
    "TITLE_MAX",
    "TRANSITIONS",
    "CaseError",
    "ClockState",
    "NewRequest",
    "NobodyListening",
    "SlaClock",
    "SlaPromise",
    "add_event",
    "allowed_moves",
    "answer",
    "assign",
    "claim",
    "file_request",
    "find_by_reference",
    "find_by_submission_key",
    "hand_over",
    "move",
    "nearest_running_clock",
    "note",
    "on_emergency",
    "record_view",
    "reference_for",
    "release",
    "reply",
    "requester_thread",
    "requests_of",
    "set_severity",
    "sla_clocks",
    "sla_promise",
    "take_over",
    "viewers_since",
]
