"""Talk pages as readers see them: threads and signed comments.

The patrol bot (``bots/``) reads noticeboards and talk pages; what a page *says*
is decided here, without a wiki and without Pywikibot. A comment ends at a
signature, the way DiscussionTools reads talk pages: a link to a user page, user
talk page or contributions page followed by the wiki's own timestamp
(``12:34, 5 March 2026 (UTC)``, ``5 mars 2026 à 12:34 (CET)``,
``12h34min de 5 de março de 2026 (UTC)``, ``12:34، 5 مارس 2026 (ت ع م)``). The
namespaces, month names and special page aliases differ per wiki, so they come in a
:class:`WikiDialect` that the bot builds from the API.

Speed matters: one edit to a 1 MB noticeboard must be read in milliseconds, so
:func:`new_comments` finds where two revisions differ by comparing strings, widens
that to whole sections and parses only those.

Known limits: a heading line inside a multi-line ``<!-- -->`` comment or
``<pre>`` block still starts a section; renaming a heading makes every comment
under it new (a comment's key includes its thread's title).

Beside this module: :mod:`~tools.patrol.dialect` (a wiki's words and their patterns),
:mod:`~tools.patrol.sections` (a page cut at its headings, the regions two revisions
differ in), :mod:`~tools.patrol.plaintext` (the words a reader sees) and
:mod:`~tools.patrol.request_status` (steward request status templates).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

# The patrol bot asks its wiki for MONTH_MESSAGES through this module.
from tools.patrol.dialect import MONTH_MESSAGES as MONTH_MESSAGES
from tools.patrol.dialect import WikiDialect, _Patterns
from tools.patrol.plaintext import plain_text
from tools.patrol.sections import _changed_regions, _Section, _sections


@dataclass(frozen=True)
class Comment:
    """One signed (or unsigned) contribution to a thread.

    ``key`` is the same for the same comment in two revisions: the SHA-1 of the
    thread title, the author *as signed* (not the revision's user), the timestamp and
    the plain text with its white space collapsed.
    """

    key: str
    thread: str
    author: str | None
    timestamp: datetime | None
    text: str
    wikitext: str
    signed: bool


@dataclass(frozen=True)
class Thread:
    """A section (any heading level) and the comments written directly in it."""

    title: str
    level: int
    wikitext: str
    comments: tuple[Comment, ...]


@functools.lru_cache(maxsize=4096)
def _title(title_wikitext: str) -> str:
    return plain_text(title_wikitext).strip()


def threads(text: str, dialect: WikiDialect) -> list[Thread]:
    """The sections of a page (any heading level, in page order), each with its comments.

    Text before the first heading is a thread titled ``""`` when it holds anything.
    """
    return [_thread(section, dialect, None) for section in _sections(text)]


def _thread(section: _Section, dialect: WikiDialect, revision_user: str | None) -> Thread:
    title = _title(section.title_wikitext)
    body = section.wikitext[section.body_start :]
    return Thread(
        title=title,
        level=section.level,
        wikitext=section.wikitext,
        comments=tuple(_comments_of(body, title, dialect, revision_user)),
    )


def comments(text: str, dialect: WikiDialect, revision_user: str | None = None) -> list[Comment]:
    """Every comment of a page in order; unsigned ones are attributed to ``revision_user``."""
    return [
        comment
        for section in _sections(text)
        for comment in _thread(section, dialect, revision_user).comments
    ]


def new_comments(
    old_text: str | None,
    new_text: str,
    dialect: WikiDialect,
    revision_user: str | None = None,
) -> list[Comment]:
    """The comments of ``new_text`` that ``old_text`` did not have (new or changed).

    Only the sections around the changed text are read: the common beginning and
    end of the two revisions are found by comparing strings, then cut back to the
    nearest headings, and of the sections in between those whose text did not
    change are skipped too. Unsigned new text is attributed to ``revision_user``
    (the author of the new revision).
    """
    if old_text is None:
        return comments(new_text, dialect, revision_user)
    if old_text == new_text:
        return []
    old_region, new_region = _changed_regions(old_text, new_text)
    old_sections, new_sections = _sections(old_region), _sections(new_region)
    unchanged = Counter(section.wikitext for section in old_sections)
    unchanged &= Counter(section.wikitext for section in new_sections)
    left = unchanged.copy()
    old_keys: set[str] = set()
    for section in old_sections:
        if left[section.wikitext] > 0:
            left[section.wikitext] -= 1
            continue
        old_keys.update(c.key for c in _thread(section, dialect, None).comments)
    found: list[Comment] = []
    for section in new_sections:
        if unchanged[section.wikitext] > 0:
            unchanged[section.wikitext] -= 1
            continue
        found.extend(
            comment
            for comment in _thread(section, dialect, revision_user).comments
            if comment.key not in old_keys
        )
    return found


def _comments_of(
    body: str, title: str, dialect: WikiDialect, revision_user: str | None
) -> list[Comment]:
    """Cut a section's body after each signature; what is left after the last is unsigned.

    A ``{{unsigned|name|date}}`` that someone added after an unsigned comment ends
    it too: the comment is not signed, but its author is known.
    """
    patterns = dialect._patterns
    ends = sorted(
        [*patterns.timestamp.finditer(body), *_UNSIGNED.finditer(body)], key=lambda m: m.start()
    )
    found: list[Comment] = []
    start = 0
    for marker in ends:
        if marker.start() < start:
            continue
        if marker.re is _UNSIGNED:
            author, moment = _unsigned(marker, dialect)
            signed = False
        else:
            line_start = body.rfind("\n", start, marker.start()) + 1
            author = _last_author(body, max(start, line_start), marker.start(), patterns)
            moment, signed = _moment(marker, dialect), True
        if author is None:
            continue
        end = marker.end()
        rest_of_line = body.find("\n", end)
        rest_of_line = len(body) if rest_of_line < 0 else rest_of_line
        if not _visible(body[end:rest_of_line]):
            end = rest_of_line
        found.append(_comment(title, author, moment, body[start:end], signed, author))
        start = end
    tail = body[start:]
    if _visible(tail):
        found.append(_comment(title, None, None, tail, False, revision_user))
    return found


#: Templates that patrollers add after an unsigned comment, in the four wikis' names.
#: Those ending in "2" take the date first and the name second.
_UNSIGNED = re.compile(
    r"\{\{\s*(?P<name>unsigned(?:[ _-]?ip)?2?|non[ _]sign[ée]2?|n[ãa]o[ _]assinado2?"
    r"|sem[ _]assinatura|غير[ _]موقع2?)\s*\|(?P<params>[^{}]*)\}\}",
    re.IGNORECASE,
)


def _unsigned(marker: re.Match[str], dialect: WikiDialect) -> tuple[str | None, datetime | None]:
    """The author and time an unsigned template names."""
    positional = [p.strip() for p in marker["params"].split("|") if "=" not in p]
    if marker["name"].endswith("2"):
        positional = positional[1::-1] + positional[2:]
    name = positional[0] if positional else ""
    name = dialect._patterns.user_prefix.sub("", name, count=1)
    date = positional[1] if len(positional) > 1 else ""
    stamp = dialect._patterns.timestamp.search(date)
    return (_user_name(name) if name else None), (_moment(stamp, dialect) if stamp else None)


def _visible(wikitext: str) -> bool:
    """Whether a piece of wikitext shows anything but white space to a reader."""
    return bool(wikitext.strip()) and bool(plain_text(wikitext).strip())


def _last_author(body: str, start: int, end: int, patterns: _Patterns) -> str | None:
    """The user whose page, talk page or contributions link is closest before ``end``."""
    author = None
    for link in patterns.user_link.finditer(body, start, end):
        name = link.group("user") or link.group("contributor")
        author = _user_name(name)
    return author


def _user_name(name: str) -> str:
    name = " ".join(name.replace("_", " ").split())
    return name[:1].upper() + name[1:]


def _moment(stamp: re.Match[str], dialect: WikiDialect) -> datetime | None:
    patterns = dialect._patterns
    offsets = {zone.casefold(): minutes for zone, minutes in dialect.timezones.items()}
    try:
        local = datetime(
            int(stamp.group("year")),
            patterns.month_numbers[_casefold_space(stamp.group("month"))],
            int(stamp.group("day")),
            int(stamp.group("hour")),
            int(stamp.group("minute")),
            tzinfo=timezone(timedelta(minutes=offsets.get(_casefold_space(stamp["zone"]), 0))),
        )
    except (ValueError, KeyError):
        return None
    return local.astimezone(UTC)


def _casefold_space(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


def _comment(
    title: str,
    author: str | None,
    moment: datetime | None,
    wikitext: str,
    signed: bool,
    revision_user: str | None,
) -> Comment:
    text = plain_text(wikitext).strip()
    identity = "\x1f".join(
        (title, author or "", moment.isoformat() if moment else "", " ".join(text.split()))
    )
    return Comment(
        key=hashlib.sha1(identity.encode("utf-8")).hexdigest()[:40],
        thread=title,
        author=author if signed else revision_user,
        timestamp=moment,
        text=text,
        wikitext=wikitext,
        signed=signed,
    )
