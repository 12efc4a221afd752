"""Which rules a text can match at all, found with one search of the text.

A category's rules are one large alternation, and Python's regular expressions try
every alternative at every word of a comment: that was most of the rules' time.
Most rules need a literal string to match ("kill" for "I('ll| will) kill you"),
read here out of the parsed pattern. One trie-shaped search per text finds which of
a language's required strings it holds; only the rules whose string is there (and
the few that need none) are compiled into the pattern run on it. A rule left out
could not have matched, so the findings are the same, only sooner.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from re import _constants as _sre  # the parser's opcodes, to read literal words out of a rule
from re import _parser as _sre_parse
from typing import Any


def required(alternative: str) -> frozenset[str] | None:
    """Strings (lower case) one of which every match of ``alternative`` holds; None: unknown.

    A set whose shortest string is a single letter is no help ("a" is in every text).
    """
    found = _factors(_sre_parse.parse(alternative))
    if not found or min(map(_weight, found)) < 2:
        return None
    return frozenset(string.lower() for string in found)


def _factors(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of a parsed pattern contains (None: none known).

    Of the pieces a sequence must match, the set whose shortest string is longest
    wins: a gate of "kill" or "murder" skips more text than a gate of "i"; on a tie,
    the longer strings on average ("idiota", "fdp" rather than "ele", "ela").
    """
    candidates: list[frozenset[str]] = []
    run = ""
    for op, argument in items:
        if op is _sre.LITERAL:
            run += chr(argument)
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        found: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            found = _factors(argument[3])
        elif op is _sre.BRANCH:
            branches = [_factors(branch) for branch in argument[1]]
            if all(branches):
                found = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and argument[0] >= 1:
            found = _factors(argument[2])
        elif op is _sre.ASSERT and argument[0] == 1:  # a lookahead's text must be there too
            found = _factors(argument[1])
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({run}))
    return max(candidates, key=_rarity, default=None)


def _rarity(strings: frozenset[str]) -> tuple[int, float]:
    """How rarely a text holds one of ``strings``: their shortest length, then their mean."""
    lengths = [_weight(string) for string in strings]
    return min(lengths), sum(lengths) / len(lengths)


def _weight(string: str) -> int:
    """A string's length as a gate, a character beyond ASCII and Arabic (an emoji) as three."""
    return sum(1 if ord(c) < 0x0800 else 3 for c in string)


class Quick:
    """A pattern with a quick test before it: a text without any of its required strings
    (lower case) cannot match, and most comments hold none of a detector's words."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.strings = required(pattern.pattern)

    def finditer(self, text: str, lowered: str) -> Iterable[re.Match[str]]:
        """``pattern.finditer(text)``; ``lowered`` is ``text.lower()``, for the quick test."""
        if self.strings is not None and not any(s in lowered for s in self.strings):
            return ()
        return self.pattern.finditer(text)


class StringFinder:
    """Which of a fixed set of strings a text holds, in one search of the text.

    The strings make a trie-shaped pattern looked for (as a lookahead) at every
    position; its greedy branches give the longest string starting there, and the
    strings inside that one ("kill" and "ill" in "killing") are added from a table.
    """

    def __init__(self, strings: Iterable[str]) -> None:
        wanted = sorted(set(strings))
        self._pattern = re.compile(f"(?=({_trie(wanted)}))") if wanted else None
        self._inside = {s: frozenset(o for o in wanted if o in s) for s in wanted}

    def present(self, text: str) -> frozenset[str]:
        """The strings found in ``text`` (lower-cased as the strings are)."""
        if self._pattern is None:
            return frozenset()
        longest = {match[1] for match in self._pattern.finditer(text)}
        return frozenset().union(*(self._inside[s] for s in longest))


def _trie(strings: list[str]) -> str:
    """One pattern for ``strings`` whose alternatives share their prefixes."""
    root: dict[str, dict] = {}
    for string in strings:
        node = root
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branch(root)


def _branch(node: dict[str, dict]) -> str:
    alternatives = [re.escape(char) + _branch(child) for char, child in node.items() if char]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
    return f"(?:{body})?" if "" in node else body  # the longer string is tried first


@functools.lru_cache(maxsize=8192)
def alternation(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern of named alternatives, with the leading ``\\b`` most share tried once.

    Cached: the same subsets of a category's rules come back text after text (8,192
    holds every subset of eight runs of rules of four languages' seven categories).
    """
    bounded = [a.replace(">\\b", ">", 1) for a in alternatives if a.split(">", 1)[1][:2] == "\\b"]
    others = [a for a in alternatives if a.split(">", 1)[1][:2] != "\\b"]
    parts = [f"\\b(?:{'|'.join(bounded)})"] if bounded else []
    return re.compile("|".join(parts + others))
