"""Talk pages as readers see them: threads, signed comments, request status, plain text.

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
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
import tomllib
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes import (
    Comment as CommentNode,
)
from mwparserfromhell.wikicode import Wikicode

DIALECTS_FILE = Path(__file__).parent / "data" / "dialects.toml"

#: Opening and closing quotation marks put around quoted text ({{tq}}, <blockquote>)
#: by :func:`plain_text`, so that the classifier can tell quoted words from the
#: writer's own.
OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"


# --- the wiki's dialect -----------------------------------------------------------


@dataclass(frozen=True)
class WikiDialect:
    """What a wiki's messages say: the words a signature is made of on that wiki.

    ``months`` holds the twelve month names (MediaWiki messages january..december),
    optionally followed by twelve genitive forms (january-gen..); ``namespaces``
    every localised name and alias of User (2), User talk (3) and Special (-1);
    ``contributions`` the aliases of Special:Contributions. ``timestamp`` and
    ``timezones`` describe the signature's date (see ``tools/patrol/data/dialects.toml``);
    the API does not give them: :meth:`from_siteinfo` takes them from the data
    captured for the wiki's language.
    """

    language: str
    months: Sequence[str]
    namespaces: Mapping[str, int]
    contributions: Sequence[str] = ("Contributions",)
    timestamp: str = "{H}:{i}, {j} {F} {Y}"
    timezones: Mapping[str, int] = field(default_factory=lambda: {"UTC": 0})
    _patterns: _Patterns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_patterns", _Patterns.of(self))

    @classmethod
    def english(cls) -> WikiDialect:
        """English Wikipedia's dialect: usable without a wiki."""
        return cls.for_language("en")

    @classmethod
    def for_language(cls, language: str) -> WikiDialect:
        """The dialect captured from ``language``.wikipedia.org (en, fr, ar, pt).

        The data in ``tools/patrol/data/dialects.toml`` are the wiki's messages captured
        once; a bot should prefer what its wiki's API says today.
        """
        data = _captured_dialects().get(language)
        if data is None:
            raise ValueError(f"no captured dialect for language {language!r}")
        return cls(
            language=language,
            months=tuple(data["months"]),
            namespaces=dict(data["namespaces"]),
            contributions=tuple(data["contributions"]),
            timestamp=data["timestamp"],
            timezones=dict(data["timezones"]),
        )

    @classmethod
    def from_siteinfo(cls, siteinfo: Mapping[str, Any], messages: Mapping[str, str]) -> WikiDialect:
        """The dialect of a wiki from what its API says (no Pywikibot needed).

        ``siteinfo`` is the ``query`` of ``action=query&meta=siteinfo&siprop=general|
        namespaces|namespacealiases|specialpagealiases&formatversion=2`` (or the
        whole response); ``messages`` maps message names to their text, from
        ``meta=allmessages&ammessages=january|…|december|january-gen|…&amlang=<content
        language>``. The signature's date format is the captured one of the wiki's
        language (English's when none was captured); its time zone abbreviations are
        the captured ones plus those of the wiki's ``timezone`` setting.
        """
        query = siteinfo.get("query", siteinfo)
        general = query.get("general", {})
        language = str(general.get("lang", "en"))
        captured = _captured_dialects().get(language) or _captured_dialects()["en"]
        namespaces: dict[str, int] = {}
        for space in query.get("namespaces", {}).values():
            if space.get("id") in (-1, 2, 3):
                for name in (
                    space.get("name"),
                    space.get("canonical"),
                    *space.get("gender", {}).values(),
                ):
                    if name:
                        namespaces[name] = space["id"]
        for alias in query.get("namespacealiases", ()):
            if alias.get("id") in (-1, 2, 3):
                namespaces[alias["alias"]] = alias["id"]
        contributions = [
            alias
            for page in query.get("specialpagealiases", ())
            if page.get("realname") == "Contributions"
            for alias in page.get("aliases", ())
        ]
        months = [messages[name] for name in _MONTH_MESSAGES if messages.get(name)]
        months += [messages[name] for name in _GENITIVE_MESSAGES if messages.get(name)]
        return cls(
            language=language,
            months=tuple(months) if len(months) in (12, 24) else tuple(captured["months"]),
            namespaces=namespaces or dict(captured["namespaces"]),
            contributions=tuple(contributions or captured["contributions"]),
            timestamp=captured["timestamp"],
            timezones=dict(captured["timezones"]) | _zone_abbreviations(general.get("timezone")),
        )


_MONTH_MESSAGES = (
    "january",
    "february",
    "march",
    "april",
    "may_long",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
#: The genitive forms (Slavic and other languages sign with them; most wikis have none).
_GENITIVE_MESSAGES = tuple(f"{name.removesuffix('_long')}-gen" for name in _MONTH_MESSAGES)
#: Every message :meth:`WikiDialect.from_siteinfo` reads, for ``ammessages``.
MONTH_MESSAGES = _MONTH_MESSAGES + _GENITIVE_MESSAGES


def _zone_abbreviations(zone: str | None) -> dict[str, int]:
    """The abbreviations a time zone shows in winter and summer, with their offsets in minutes."""
    try:
        info = zoneinfo.ZoneInfo(zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return {}
    found = {}
    for month in (1, 7):
        moment = datetime(2026, month, 1, 12, tzinfo=info)
        offset = moment.utcoffset()
        if moment.tzname() and offset is not None:
            found[str(moment.tzname())] = int(offset.total_seconds() // 60)
    return found


@functools.cache
def _captured_dialects() -> dict[str, dict]:
    with DIALECTS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def _words(names: Iterable[str]) -> str:
    """An alternation of wiki names in which a space and an underscore are alike."""
    escaped = sorted(
        {r"[ _]+".join(re.escape(part) for part in name.split()) for name in names},
        key=len,
        reverse=True,
    )
    return "|".join(escaped)


@dataclass(frozen=True)
class _Patterns:
    """The regular expressions of one dialect, compiled once."""

    timestamp: re.Pattern[str]
    user_link: re.Pattern[str]
    user_prefix: re.Pattern[str]  # "User:" or "User talk:" before a name, in any alias
    month_numbers: Mapping[str, int]

    @classmethod
    def of(cls, dialect: WikiDialect) -> _Patterns:
        months = {name.casefold(): index % 12 + 1 for index, name in enumerate(dialect.months)}
        pieces = {
            "H": r"(?P<hour>\d{1,2})",
            "i": r"(?P<minute>\d{2})",
            "j": r"(?P<day>\d{1,2})",
            "F": rf"(?P<month>{_words(dialect.months)})",
            "Y": r"(?P<year>\d{4})",
        }
        pattern = ""
        for literal, name in re.findall(r"([^{]*)(?:\{(\w)\})?", dialect.timestamp):
            pattern += re.sub(r"\\ ", r"[ \\u00a0]+", re.escape(literal))
            pattern += pieces.get(name, "")
        zones = _words(dialect.timezones)
        timestamp = re.compile(rf"{pattern}[ \u00a0]*\((?P<zone>{zones})\)", re.IGNORECASE)
        users = _words(name for name, number in dialect.namespaces.items() if number in (2, 3))
        specials = _words(name for name, number in dialect.namespaces.items() if number == -1)
        contributions = _words(dialect.contributions)
        user_link = re.compile(
            rf"\[\[[ _]*:?[ _]*(?:(?:{users})[ _]*:[ _]*(?P<user>[^|\]\[#/{{}}<>\n]+?)"
            rf"|(?:{specials})[ _]*:[ _]*(?:{contributions})[ _]*/[ _]*"
            rf"(?P<contributor>[^|\]\[#{{}}<>\n]+?))[ _]*(?:[|#][^\]\n]*)?\]\]",
            re.IGNORECASE,
        )
        return cls(
            timestamp=timestamp,
            user_link=user_link,
            user_prefix=re.compile(rf"^[ _]*(?:{users})[ _]*:[ _]*", re.IGNORECASE),
            month_numbers=months,
        )


# --- threads and comments ---------------------------------------------------------


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


# --- steward request status -------------------------------------------------------


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


# --- plain text -------------------------------------------------------------------

#: Templates that show their first parameter as a quotation.
_QUOTE_TEMPLATES = {
    "tq",
    "talkquote",
    "talkquotation",
    "tqi",
    "quote",
    "quotation",
    "cquote",
    "citation",  # fr {{citation}}
    "citação",
    "quote box",
    "اقتباس",
    "تعليق مقتبس",
}
#: Templates that show a user name (pings and user links).
_PING_TEMPLATES = {"ping", "re", "reply to", "replyto", "mention", "notif", "notification"}
#: Templates that show a user name as a link.
_USER_TEMPLATES = {"u", "user", "util", "utilisateur", "usuário", "u2", "مس"}
#: Tags whose content a reader does not see in the running text.
_HIDDEN_TAGS = {"ref", "references", "gallery", "math", "score", "templatedata", "timeline"}
_QUOTE_TAGS = {"blockquote", "q"}
_HIDDEN_LINK_PREFIXES = re.compile(
    r"^\s*(?:file|image|category|fichier|catégorie|ficheiro|arquivo|imagem|categoria"
    r"|ملف|صورة|تصنيف)\s*:",
    re.IGNORECASE,
)


#: Indentation and list markup at the start of a line (":", "*", "#", ";").
_LIST_MARKUP = re.compile(r"^[:*#;]+[ \t]*", re.M)


def plain_text(wikitext: str) -> str:
    """The words a reader sees: markup, templates, references and comments removed.

    Links show their label (``[[a|b]]`` is ``b``), ``''italic''`` and ``'''bold'''``
    their words, ``<nowiki>`` its literal content. Quotation templates ({{tq}},
    {{quote}}…) and ``<blockquote>`` become the quoted words in quotation marks, so
    that the classifier can tell quoted speech; pings show ``@name``.
    """
    simple = _simple_plain_text(wikitext.replace("\r", ""))
    if simple is not None:
        return _LIST_MARKUP.sub("", simple)
    return _LIST_MARKUP.sub("", _render(mwparserfromhell.parse(wikitext)))


_SIMPLE_LINK = re.compile(r"\[\[([^\[\]{}|<>\n]*)(?:\|([^\[\]{}<>\n]*))?\]\]")
_SIMPLE_URL_LINK = re.compile(r"\[((?:https?:)?//[^\s\[\]<>\"]+)(?: ([^\[\]<>\n]*))?\]")


def _simple_plain_text(wikitext: str) -> str | None:
    """Plain text of wikitext holding only words, links and web links, without the parser.

    Most talk page comments are such text around a signature; parsing them with
    mwparserfromhell costs most of the time of reading a page. None when the text
    holds anything else (templates, tags, bold, headings…), which the parser reads.
    """
    if (
        any(mark in wikitext for mark in ("{", "<", "&", "''", "\n=", "\n;"))
        or wikitext[:1] in "=;"
    ):
        return None

    def link(match: re.Match[str]) -> str:
        if _HIDDEN_LINK_PREFIXES.match(match[1]):
            return ""
        return match[2] if match[2] is not None else match[1].lstrip(":")

    text = _SIMPLE_LINK.sub(link, wikitext)
    text = _SIMPLE_URL_LINK.sub(lambda m: m[2] if m[2] is not None else m[1], text)
    return None if "[" in text or "]" in text else text


def _render(code: Wikicode) -> str:
    return "".join(_render_node(node) for node in code.nodes)


def _render_node(node: Node) -> str:
    if isinstance(node, Text):
        return str(node.value)
    if isinstance(node, Wikilink):
        if _HIDDEN_LINK_PREFIXES.match(str(node.title)):
            return ""
        return _render(node.text) if node.text is not None else _render(node.title).lstrip(":")
    if isinstance(node, ExternalLink):
        return _render(node.title) if node.title is not None else str(node.url)
    if isinstance(node, Template):
        return _render_template(node)
    if isinstance(node, Tag):
        return _render_tag(node)
    if isinstance(node, HTMLEntity):
        return node.normalize()
    if isinstance(node, Heading):
        return _render(node.title).strip() + "\n"
    if isinstance(node, CommentNode | Argument):
        return ""
    return str(node)


def _render_template(template: Template) -> str:
    name = " ".join(str(template.name).replace("_", " ").split()).casefold()
    if name in _QUOTE_TEMPLATES and template.has("1"):
        quoted = _render(template.get("1").value).strip()
        return f"{OPEN_QUOTE}{quoted}{CLOSE_QUOTE}"
    if name in _PING_TEMPLATES or name in _USER_TEMPLATES:
        names = [
            _render(param.value).strip()
            for param in template.params
            if not param.showkey and _render(param.value).strip()
        ]
        mark = "@" if name in _PING_TEMPLATES else ""
        return ", ".join(f"{mark}{user}" for user in names)
    return ""


def _render_tag(tag: Tag) -> str:
    name = str(tag.tag).strip().casefold()
    if name in _HIDDEN_TAGS:
        return ""
    if name == "br":
        return "\n"
    if tag.contents is None:
        return ""
    if name == "nowiki":
        return str(tag.contents)
    inner = _render(tag.contents)
    if name in _QUOTE_TAGS:
        return f"{OPEN_QUOTE}{inner.strip()}{CLOSE_QUOTE}"
    return inner
