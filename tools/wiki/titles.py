"""Page titles read the way MediaWiki's title codec does, kept simple.

Underscores and runs of white space become one space; a known namespace prefix is recognised
and spelled as MediaWiki spells it; the first letter is upper-cased unless the wiki is
case-sensitive for that namespace. Text MediaWiki would refuse raises :class:`InvalidTitle`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.wiki.namespaces import _ALWAYS_CAPITALISED, MAIN, _fold, _language_of
from tools.wiki.registry import Wiki


class InvalidTitle(ValueError):
    """MediaWiki would not accept this text as a page title; the message says why."""


# White space MediaWiki folds into one "_" in titles, and bidi marks it drops (TitleCodec).
_SPACES = re.compile(r"[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e]")
# Outside $wgLegalTitleChars: ASCII controls, DEL and "#<>[]|{}"; and the replacement char.
_ILLEGAL = re.compile(r"[\x00-\x1f\x7f#<>\[\]|{}\ufffd]")
_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|&[A-Za-z0-9\x80-\U0010ffff]+;")
_PREFIX = re.compile(r"^(.+?) ?: ?(.*)$", re.DOTALL)
_GEORGIAN = re.compile(r"[\u10d0-\u10fa\u10fd-\u10ff]")  # Wikimedia keeps their case
MAX_TITLE_BYTES = 255


def clean_spaces(text: str) -> str:
    """Underscores and runs of white space as one space, bidi marks dropped, ends trimmed."""
    return _SPACES.sub(" ", _BIDI.sub("", text)).strip(" ")


def ucfirst(text: str) -> str:
    """Upper-case the first letter, as MediaWiki does for titles and user names.

    A letter whose upper case is more than one letter (``ß``) is kept, and so are Georgian
    letters, as on Wikimedia's wikis; Turkish dotted ``i`` rules are not applied.
    """
    if not text:
        return text
    first = text[0]
    upper = first.upper()
    if len(upper) != 1 or _GEORGIAN.match(first):
        return text
    return upper + text[1:]


def title_problem(text: str) -> str | None:
    """Why MediaWiki would refuse ``text`` (a title without its prefix), or None if it would not.

    The reason reads after "it" or "the title": ``contains '[', which titles may not contain``.
    """
    bad = _ILLEGAL.search(text)
    if bad:
        char = bad.group()
        if not char.isprintable():
            return "contains a control character"
        return f"contains {char!r}, which titles may not contain"
    if _ESCAPES.search(text):
        return "contains an escape sequence (%xx or &…;), which titles may not contain"
    if (
        text in (".", "..")
        or text.startswith(("./", "../"))
        or "/./" in text
        or "/../" in text
        or text.endswith(("/.", "/.."))
    ):
        return "is a relative path (./ or ../)"
    if "~~~" in text:
        return "contains three tildes (~~~), a signature"
    if len(text.encode("utf-8")) > MAX_TITLE_BYTES:
        return f"is longer than {MAX_TITLE_BYTES} bytes"
    return None


@dataclass(frozen=True)
class Title:
    """A page title taken apart: its namespace, the prefix as written, the rest."""

    namespace: int
    prefix: str  # the namespace name used, spelled as MediaWiki spells it; "" in main
    text: str  # the title without its prefix: "Jean Dupont", "Contributions/Jean Dupont"

    def __str__(self) -> str:
        return f"{self.prefix}:{self.text}" if self.prefix else self.text


def parse_title(wiki: Wiki | None, text: str) -> Title:
    """A title as a wiki reads it: ``talk:foo_bar`` -> ``Talk:Foo bar``.

    The namespace prefix keeps the name used (``User:`` or ``Utilisateur:`` on a French wiki:
    both are right, and sites rename namespaces beyond what the data knows), spelled the
    wiki's way. Raises :class:`InvalidTitle` with the reason MediaWiki would give.
    """
    rest = clean_spaces(text)
    namespace, prefix = MAIN, ""
    if rest.startswith(":"):  # explicit main namespace
        rest = rest[1:].lstrip(" ")
    match = _PREFIX.match(rest)
    if match:
        found = _language_of(wiki).namespaces.get(_fold(match.group(1)))
        if found is not None:
            (namespace, prefix), rest = found, match.group(2)
    rest = rest.split("#", 1)[0].rstrip(" ")  # a fragment is not part of the title
    if not rest:
        raise InvalidTitle("the title is empty")
    problem = title_problem(rest)
    if problem:
        raise InvalidTitle(f"the title {problem}")
    if rest.startswith(":"):
        raise InvalidTitle("the title starts with a colon")
    if wiki is None or not wiki.case_sensitive or namespace in _ALWAYS_CAPITALISED:
        rest = ucfirst(rest)
    return Title(namespace, prefix.replace("_", " "), rest)


def normalize_title(wiki: Wiki | None, text: str) -> str:
    """A title as the wiki shows it: ``"utilisatrice:marie_x"`` -> ``"Utilisatrice:Marie x"``."""
    return str(parse_title(wiki, text))
