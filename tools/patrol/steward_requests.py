"""Requests on Meta-Wiki's Steward requests pages, read from their wikitext.

Steward requests/Global: one request per level-3 section (``=== Global lock for X ===``)
with ``{{Status}}`` (empty, ``in progress`` or ``on hold``: open; ``done``, ``not done``:
closed) and its targets in ``{{LockHide|X}}``, ``{{MultiLock|A|B|…}}`` and
``{{Luxotool|IP or range}}``. Steward requests/Checkuser: ``{{CU request|status=…|
user name1=…|user name2=…}}``, one per level-3 section. A section without a status
is not a request (headers, instructions).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import mwparserfromhell

from tools.locks.names import canonical_target
from tools.patrol.request_status import RequestStatus, request_status, status_of_value

#: Templates naming the targets of a global request (every positional parameter).
_TARGET_TEMPLATES = {"lockhide", "multilock", "luxotool", "lh", "ml"}
_CU_TEMPLATES = {"curequest"}
_CU_USER = re.compile(r"user ?name ?\d*$", re.IGNORECASE)
#: The signature time of English Meta-Wiki: ``12:34, 5 December 2026 (UTC)``.
_SIGNED = re.compile(r"(\d{1,2}):(\d{2}), (\d{1,2}) ([A-Z][a-z]+) (\d{4}) \(UTC\)")
_MONTHS = {
    name: number for number, name in enumerate(calendar.month_name) if name
}  # English, as Meta-Wiki signs


@dataclass(frozen=True)
class StewardRequest:
    """One request as the page shows it now."""

    heading: str
    status: RequestStatus
    targets: tuple[str, ...]
    first_signed: datetime | None  # the earliest signature: when it was asked

    @property
    def open(self) -> bool:
        return not self.status.closed and self.status is not RequestStatus.NONE


def is_request_page(title: str) -> bool:
    """A page this module reads: Steward requests/Global or Steward requests/Checkuser."""
    base = title.replace("_", " ").split(":", 1)[-1]
    return base in ("Steward requests/Global", "Steward requests/Checkuser")


def parse_requests(wikitext: str) -> list[StewardRequest]:
    """Every request of the page (open or closed), in page order, each heading once."""
    found: dict[str, StewardRequest] = {}
    for section in mwparserfromhell.parse(wikitext).get_sections(levels=[3]):
        headings = section.filter_headings(recursive=False)
        if not headings:
            continue
        heading = _plain(str(headings[0].title))
        request = _request(heading, section)
        if request is not None and heading not in found:
            found[heading] = request
    return list(found.values())


def _request(heading: str, section: mwparserfromhell.wikicode.Wikicode) -> StewardRequest | None:
    text = str(section)
    targets: list[str] = []
    status = RequestStatus.NONE
    for template in section.ifilter_templates(recursive=True):
        name = re.sub(r"[\s_]+", "", str(template.name)).casefold()
        if name in _TARGET_TEMPLATES:
            targets += [str(p.value) for p in template.params if not p.showkey]
        elif name in _CU_TEMPLATES:
            if template.has("status"):
                status = status_of_value(str(template.get("status").value))
            else:
                status = RequestStatus.OPEN
            names = [p for p in template.params if _CU_USER.match(str(p.name).strip())]
            targets += [str(p.value) for p in names]
    if status is RequestStatus.NONE:
        status = request_status(text)
    if status is RequestStatus.NONE:
        return None
    return StewardRequest(heading, status, _targets(targets), _first_signed(text))


def _targets(values: list[str]) -> tuple[str, ...]:
    """Each target once, as the lock log stores it (``User:X`` and ``x_y`` become ``X y``)."""
    seen: dict[str, None] = {}
    for value in values:
        value = _plain(value)
        if value:
            seen.setdefault(canonical_target(value)[0], None)
    return tuple(seen)


def _plain(text: str) -> str:
    return " ".join(mwparserfromhell.parse(text).strip_code().split())


def _first_signed(text: str) -> datetime | None:
    times = []
    for hour, minute, day, month, year in _SIGNED.findall(text):
        if month not in _MONTHS:
            continue
        try:
            when = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute))
        except ValueError:
            continue
        times.append(when.replace(tzinfo=UTC))
    return min(times, default=None)
