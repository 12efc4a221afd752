"""A page cut at its headings, and the sections where two revisions differ.

Both are found with string comparisons rather than a parser, so that one edit to a
1 MB noticeboard is read in milliseconds (see :func:`tools.patrol.wikitext.new_comments`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: A heading line, matched where a line starts with "=".
_HEADING = re.compile(r"(={1,6})(?P<title>[^\n]+?)\1[ \t]*(?:<!--[^\n]*?-->[ \t]*)*(?=\n|\Z)")


@dataclass(frozen=True)
class _Section:
    title_wikitext: str
    level: int
    wikitext: str  # heading line included
    body_start: int  # offset of the body inside wikitext


def _headings(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """The heading lines that start in ``text[start:end]``, found with ``str.find``.

    Looking for a newline followed by "=" is many times quicker than a multi-line
    regular expression tried at every character of a 1 MB page.
    """
    end = len(text) if end is None else end
    position = start if start == 0 or text[start - 1] == "\n" else text.find("\n=", start) + 1
    while 0 < position < end or (position == 0 and start == 0 and end > 0):
        if text.startswith("=", position):
            match = _HEADING.match(text, position)
            if match is not None:
                yield match
        position = text.find("\n=", position) + 1
        if position == 0:
            return


def _sections(text: str) -> list[_Section]:
    """Cut a page at its headings, without parsing it (the cheap first pass)."""
    sections: list[_Section] = []
    start, title, level, body_start = 0, "", 0, 0
    for match in _headings(text):
        if sections or title or text[: match.start()].strip():
            sections.append(_Section(title, level, text[start : match.start()], body_start))
        start, title, level = match.start(), match.group("title"), len(match.group(1))
        body_start = match.end() - match.start()
    sections.append(_Section(title, level, text[start:], body_start))
    return [section for section in sections if section.level or section.wikitext.strip()]


def _changed_regions(old: str, new: str) -> tuple[str, str]:
    """The parts of two revisions that differ, widened to whole sections.

    Both start at the same heading (or the top of the page) and end before the
    same heading (or at the end), so cutting them into sections gives the same
    sections the whole pages would.
    """
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    start = _section_start(old, new, prefix)
    return (
        old[start : _section_end(old, len(old) - suffix)],
        new[start : _section_end(new, len(new) - suffix)],
    )


def _section_start(old: str, new: str, position: int) -> int:
    """Where the section holding ``position`` starts in both texts (a heading line, or 0).

    The texts are equal before ``position``; a line counts as the section's heading
    only if it is a heading in both.
    """
    line_start = new.rfind("\n", 0, position) + 1
    while line_start > 0:
        if _HEADING.match(new, line_start) and _HEADING.match(old, line_start):
            return line_start
        line_start = new.rfind("\n=", 0, line_start - 1) + 1
    return 0


def _section_end(text: str, position: int) -> int:
    """Where the next heading after the line holding ``position`` starts (or the end)."""
    line_end = text.find("\n", position)
    if line_end < 0:
        return len(text)
    return next((m.start() for m in _headings(text, line_end + 1)), len(text))


_CHUNK = 1 << 14


def _common_prefix(a: str, b: str) -> int:
    """Length of the common beginning: chunks compared at C speed, then a bisection."""
    limit = min(len(a), len(b))
    low = 0
    while low < limit and a[low : low + _CHUNK] == b[low : low + _CHUNK]:
        low += _CHUNK
    if low >= limit:
        return limit
    high = min(low + _CHUNK, limit)
    while low < high:
        middle = (low + high) // 2
        if a[low : middle + 1] == b[low : middle + 1]:
            low = middle + 1
        else:
            high = middle
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common end, at most ``limit`` (so that it does not overlap the prefix)."""
    la, lb = len(a), len(b)
    low = 0  # a[la - low:] == b[lb - low:]
    while (
        low + _CHUNK <= limit and a[la - low - _CHUNK : la - low] == b[lb - low - _CHUNK : lb - low]
    ):
        low += _CHUNK
    high = min(low + _CHUNK, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if a[la - middle : la - low] == b[lb - middle : lb - low]:
            low = middle
        else:
            high = middle - 1
    return low
