"""The status of a request on Meta-Wiki's steward request pages, read from its template."""

from __future__ import annotations

import enum
import re

import mwparserfromhell

from tools.patrol.plaintext import plain_text


class RequestStatus(enum.Enum):
    """The state of one request on Meta-Wiki's steward request pages."""

    NONE = "none"  # no {{status}} template in the section
    OPEN = "open"
    IN_PROGRESS = "in progress"
    ON_HOLD = "on hold"
    DONE = "done"
    NOT_DONE = "not done"
    WITHDRAWN = "withdrawn"
    UNKNOWN = "unknown"  # a value the template does not know either

    @property
    def closed(self) -> bool:
        """Whether a steward has finished with the request."""
        return self in (RequestStatus.DONE, RequestStatus.NOT_DONE, RequestStatus.WITHDRAWN)


#: The values of Meta's {{Status}} (and its aliases), with spaces and case removed.
_STATUS_VALUES = {
    RequestStatus.OPEN: ("", "open", "new", "pending", "request", "requested"),
    RequestStatus.IN_PROGRESS: ("inprogress", "progress", "working", "checking", "underreview"),
    RequestStatus.ON_HOLD: ("onhold", "hold", "waiting", "stalled", "paused", "comment"),
    RequestStatus.DONE: (
        "done",
        "d",
        "yes",
        "completed",
        "complete",
        "closed",
        "resolved",
        "fixed",
        "locked",
        "blocked",
        "granted",
        "removed",
        "renamed",
        "alreadydone",
        "partlydone",
        "partiallydone",
        "partial",
        "hidden",
        "suppressed",
    ),
    RequestStatus.NOT_DONE: (
        "notdone",
        "nd",
        "no",
        "not",
        "declined",
        "denied",
        "rejected",
        "refused",
        "stale",
        "invalid",
        "notfixed",
        "wontfix",
        "notlocked",
        "unsuccessful",
    ),
    RequestStatus.WITHDRAWN: ("withdrawn", "withdraw", "cancelled", "canceled", "moot"),
}
_STATUS_OF = {value: status for status, values in _STATUS_VALUES.items() for value in values}
_STATUS_TEMPLATES = {"status", "status2", "srstatus", "requeststatus"}


def request_status(section_wikitext: str) -> RequestStatus:
    """The status a steward request's ``{{status|...}}`` template shows.

    ``{{status}}`` alone is open; ``{{Status|In progress}}`` (the form new requests
    on Steward requests/Miscellaneous start with), ``{{status|done}}``,
    ``{{Status|not done}}``, ``{{status|on hold}}`` and the like are read case- and
    space-insensitively. The first status template of the section counts.
    """
    if "{{" not in section_wikitext:
        return RequestStatus.NONE
    for template in mwparserfromhell.parse(section_wikitext).ifilter_templates(recursive=True):
        name = _compact(str(template.name))
        if name not in _STATUS_TEMPLATES:
            continue
        value = ""
        if template.has("1"):
            value = _compact(plain_text(str(template.get("1").value)))
        return _STATUS_OF.get(value, RequestStatus.UNKNOWN)
    return RequestStatus.NONE


def _compact(text: str) -> str:
    return re.sub(r"[\s_\-']+", "", text).casefold()


def status_of_value(value: str) -> RequestStatus:
    """The status a template's value names (``in progress``, ``done``…), as {{Status}} reads it."""
    return _STATUS_OF.get(_compact(plain_text(value)), RequestStatus.UNKNOWN)
