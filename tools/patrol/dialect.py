"""A wiki's dialect: the localised words a signature is made of, and their patterns.

Namespaces, month names, special page aliases and the signature's date format differ
per wiki; :class:`WikiDialect` gathers them (from the API, or from the data captured in
``data/dialects.toml``) so that :mod:`tools.patrol.wikitext` can find signatures on any
wiki without Pywikibot.
"""

from __future__ import annotations

import functools
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DIALECTS_FILE = Path(__file__).parent / "data" / "dialects.toml"


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
