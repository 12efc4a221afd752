"""Look-alike names: a new account that passes for a steward, a checkuser or a staff member.

Two names look alike when their *skeletons* are equal (or one edit apart): the skeleton
is UTS #39's idea, built here from the confusables data of ``confusable-homoglyphs``
(Unicode's confusables.txt): each letter becomes the ASCII letter it is confused with
(Cyrillic "\u0430" is "a", fullwidth "\uff33" is "S"), then the tricks of ASCII itself are undone
("I", "1" and "|" are "l", "0" is "o", "rn" is "m", "vv" is "w"), case, accents,
spaces and invisible characters are dropped. Protected names (the functionaries and
staff of the wikis, the desk's own people, a settings list) are indexed by skeleton and
by every skeleton with one letter deleted, so a name is checked against ten thousand
protected names with a few dictionary look-ups.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from confusable_homoglyphs import categories, confusables

#: Letters ASCII itself confuses, undone before case is dropped ("I" and "l" are one).
ASCII_TRICKS = str.maketrans({"I": "l", "1": "l", "|": "l", "0": "o", "!": "l"})
#: Pairs of letters read as one, undone after case is dropped.
MULTI_LETTER = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))
#: Separators a name may add or drop without looking different.
SEPARATORS = frozenset(" _-.\u00b7'\u2019")
#: Skeletons shorter than this must match exactly: one edit of a short name is another name.
NEAR_MIN_LENGTH = 6


@cache
def _confusable_map() -> dict[str, str]:
    """Each non-ASCII character mapped to the ASCII text it is confused with."""
    mapping: dict[str, str] = {}
    for char, glyphs in confusables.confusables_data.items():
        if char.isascii():
            continue
        options = [glyph["c"].replace("\u200e", "") for glyph in glyphs]
        ascii_options = [text for text in options if text.isascii() and text.isalnum()]
        if ascii_options:
            single = [text for text in ascii_options if len(text) == 1]
            mapping[char] = (single or ascii_options)[0]
    return mapping


@lru_cache(maxsize=8192)
def skeleton(name: str) -> str:
    """The name as it looks: what two names that are read alike have in common."""
    text = unicodedata.normalize("NFKC", name)
    mapping = _confusable_map()
    text = "".join(mapping.get(char, char) for char in text)
    text = text.translate(ASCII_TRICKS).casefold()
    text = "".join(
        char
        for char in unicodedata.normalize("NFD", text)
        if char not in SEPARATORS and unicodedata.category(char) not in ("Mn", "Cf", "Zs")
    )
    for pair, single in MULTI_LETTER:
        text = text.replace(pair, single)
    return text


def scripts(name: str) -> list[str]:
    """The scripts the name's letters are written in (COMMON left out), sorted."""
    return sorted(categories.unique_aliases(name) - {"COMMON"})


def mixed_scripts(name: str) -> bool:
    return len(scripts(name)) > 1


def _deletions(text: str) -> set[str]:
    return {text[:at] + text[at + 1 :] for at in range(len(text))}


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one insertion, deletion, substitution or swap apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diffs = [at for at in range(len(a)) if a[at] != b[at]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:at] + long[at + 1 :] == short for at in range(len(long)))


@dataclass(frozen=True)
class Lookalike:
    """A new name that imitates a protected one; ``exact`` when the skeletons are equal."""

    name: str
    protected: str
    skeleton: str
    protected_skeleton: str
    exact: bool
    scripts: tuple[str, ...]


class ProtectedNames:
    """Protected names indexed by skeleton, and by skeleton with one letter deleted."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.deleted: dict[str, set[str]] = defaultdict(set)
        for name in names:
            self.add(name)

    def __len__(self) -> int:
        return len(self.names)

    def add(self, name: str) -> None:
        name = name.strip()
        if not name or name in self.names:
            return
        self.names.add(name)
        skel = skeleton(name)
        self.exact[skel].add(name)
        if len(skel) >= NEAR_MIN_LENGTH:
            for shorter in _deletions(skel):
                self.deleted[shorter].add(name)

    def find(self, name: str) -> list[Lookalike]:
        """Protected names ``name`` imitates (never itself): exact skeletons first."""
        if name in self.names:
            return []
        skel = skeleton(name)
        found: dict[str, bool] = {other: True for other in self.exact.get(skel, ())}
        if len(skel) >= NEAR_MIN_LENGTH - 1:
            near: set[str] = set(self.deleted.get(skel, ()))
            for shorter in _deletions(skel):
                near |= self.exact.get(shorter, set()) | self.deleted.get(shorter, set())
            for other in near - set(found):
                if _one_edit(skel, skeleton(other)):
                    found[other] = False
        if not found:
            return []
        written_in = tuple(scripts(name))
        return [
            Lookalike(name, other, skel, skeleton(other), exact, written_in)
            for other, exact in sorted(found.items(), key=lambda item: (not item[1], item[0]))
        ]


def marked_pair(new: str, protected: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both names cut into pieces, each marked True where the two differ (for the page)."""
    matcher = difflib.SequenceMatcher(a=new, b=protected, autojunk=False)
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if new[a1:a2]:
            left.append((new[a1:a2], tag != "equal"))
        if protected[b1:b2]:
            right.append((protected[b1:b2], tag != "equal"))
    return left, right


def describe_characters(text: str) -> list[str]:
    """The Unicode name of each non-ASCII character of ``text`` ("CYRILLIC SMALL LETTER IE")."""
    return [
        f"{char} U+{ord(char):04X} {unicodedata.name(char, '?')}"
        for char in dict.fromkeys(text)
        if not char.isascii()
    ]
