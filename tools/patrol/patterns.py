"""Name patterns: a regular expression or a plain word, checked before it may be saved.

Specialists add patterns that new account names are matched against (SULWatcher's job).
A regular expression is one of the ``regex`` module, which takes a ``timeout``: a
pattern is tried on adversarial probe names when it is saved and refused if any probe
takes longer than :data:`PROBE_TIMEOUT` (catastrophic backtracking); at match time
every search has a time-out too, so one bad pattern that slipped by never stalls the
watcher. A plain word matches anywhere in the name, ignoring case, and also in the
name's look-alike skeleton ("K1ll" is "kill").
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import regex

from tools.base.messages import N_, TranslatableError
from tools.models.accounts import PATTERN_MAX
from tools.patrol.lookalikes import skeleton

#: The categories a pattern may have.
CATEGORIES = ("impersonation", "threat", "personal_data", "known_abuser", "other")
#: The longest name MediaWiki allows ($wgMaxNameChars, in bytes): probes are this long.
NAME_MAX = 255
#: Seconds one search may take while the watcher matches a name.
MATCH_TIMEOUT = 0.01
#: Seconds one probe may take before the pattern is refused as too slow: no more than a
#: search at match time, or a saved pattern would time out on every long name.
PROBE_TIMEOUT = MATCH_TIMEOUT
#: Seconds all probes together may take.
CHECK_BUDGET = 0.4
FLAGS = regex.IGNORECASE | regex.VERSION0
#: Regular expressions joined into one alternation, searched before each on its own.
GROUP = 256


class PatternError(TranslatableError):
    """A pattern that cannot be saved; the message says why."""


@dataclass(frozen=True)
class Rule:
    """A pattern ready to match: its id (None before it is saved), text and category."""

    id: int | None
    text: str
    is_regex: bool
    category: str
    compiled: regex.Pattern[str]
    skeleton: str = ""  # a plain word's look-alike skeleton

    def search(self, name: str, folded: str, skel: str) -> str | None:
        """The part of the name this rule matches, or None; raises TimeoutError when slow."""
        if not self.is_regex:
            if self.text.casefold() in folded or (self.skeleton and self.skeleton in skel):
                return self.text
            return None
        found = self.compiled.search(name, timeout=MATCH_TIMEOUT)
        return found.group(0) if found is not None else None


def compile_rule(
    text: str, is_regex: bool, category: str = "other", rule_id: int | None = None
) -> Rule:
    """The pattern compiled, or :class:`PatternError` saying what is wrong with it."""
    text = text.strip()
    if not text:
        raise PatternError(N_("Give a pattern."))
    if len(text) > PATTERN_MAX:
        raise PatternError(N_("A pattern is at most %(count)s characters."), count=str(PATTERN_MAX))
    if category not in CATEGORIES:
        raise PatternError(N_("Choose a category."))
    try:
        compiled = regex.compile(text if is_regex else regex.escape(text), FLAGS)
    except (regex.error, OverflowError, RecursionError) as err:
        raise PatternError(
            N_("This is not a valid regular expression: %(reason)s"), reason=str(err)
        ) from None
    return Rule(rule_id, text, is_regex, category, compiled, "" if is_regex else skeleton(text))


def probes(text: str) -> Iterator[str]:
    """Names built to make a backtracking pattern slow: runs of its own characters.

    A pattern such as ``(a+)+$`` or ``(\\w|\\d)+x`` takes exponential time on a long run
    of what it repeats followed by something that fails the match; the run is built
    from the pattern's own letters and a few of each class, at the longest name length.
    """
    own = [c for c in dict.fromkeys(text) if c.isalnum() or c in " _-."]
    alphabet = list(dict.fromkeys([*own[:24], "a", "1", " ", "_", "."]))
    enders = ("", "!", "\x00", "\u0416")
    for char in alphabet:
        for end in enders:
            yield char * (NAME_MAX - len(end)) + end
    for first, second in itertools.pairwise(alphabet):
        yield (first + second) * (NAME_MAX // 2) + "!"
    if own:
        word = "".join(own)
        yield (word * (NAME_MAX // len(word) + 1))[: NAME_MAX - 1] + "!"


def check_speed(rule: Rule) -> None:
    """Refuse a regular expression that is slow on some name (catastrophic backtracking)."""
    if not rule.is_regex:
        return
    started = time.monotonic()
    for probe in probes(rule.text):
        if _too_slow(rule, probe):
            raise PatternError(
                N_(
                    "This pattern is too slow on some names (catastrophic backtracking): "
                    "nested repetition such as (a+)+ or (a|a)* tries every way to split a "
                    "long name. Write it without repeating a repetition."
                )
            )
        if time.monotonic() - started > CHECK_BUDGET:
            raise PatternError(N_("This pattern is too slow to match every new account name."))


def _too_slow(rule: Rule, probe: str) -> bool:
    """True when the search times out twice: once may be the machine, not the pattern."""
    for _ in range(2):
        try:
            rule.compiled.search(probe, timeout=PROBE_TIMEOUT)
            return False
        except TimeoutError:
            continue
    return True


def check_rule(text: str, is_regex: bool, category: str = "other") -> Rule:
    """A pattern as it may be saved: valid, not matching every name, never slow."""
    rule = compile_rule(text, is_regex, category)
    if rule.is_regex and rule.compiled.search("", timeout=PROBE_TIMEOUT) is not None:
        raise PatternError(N_("This pattern matches every name."))
    check_speed(rule)
    return rule


@dataclass(frozen=True)
class Match:
    rule: Rule
    matched: str


class RuleSet:
    """Every active pattern, matched against one name at a time.

    Plain words are looked up, not searched one by one: every piece of the name (and of
    its skeleton) of a length some word has is looked up in a dictionary of the words,
    so a thousand words cost what a dozen do. The regular expressions are tried first
    as one alternation: most names match none, and one search tells so; only a name
    that matches is tried pattern by pattern, to know which ones. A search that times
    out is skipped (and counted in ``timeouts``).
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        self.words: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if not rule.is_regex:
                for key in {rule.text.casefold(), rule.skeleton} - {""}:
                    self.words.setdefault(key, []).append(rule)
        self.lengths = sorted({len(key) for key in self.words})
        self.regexes = [rule for rule in self.rules if rule.is_regex]
        self.timeouts = 0
        self.groups = [
            (_combined(self.regexes[at : at + GROUP]), self.regexes[at : at + GROUP])
            for at in range(0, len(self.regexes), GROUP)
        ]

    def matches(self, name: str) -> list[Match]:
        found: dict[int, Match] = {}
        pieces: set[str] = set()
        for text in (name.casefold(), skeleton(name)):
            pieces.update(
                text[start : start + length]
                for length in self.lengths
                for start in range(len(text) - length + 1)
            )
        for piece in sorted(pieces & self.words.keys()):
            for rule in self.words[piece]:
                found.setdefault(id(rule), Match(rule, rule.text))
        for combined, rules in self.groups:
            if not _may_match(combined, name):
                continue
            for rule in rules:
                try:
                    hit = rule.search(name, "", "")
                except TimeoutError:
                    self.timeouts += 1
                    continue
                if hit is not None:
                    found.setdefault(id(rule), Match(rule, hit))
        return list(found.values())


def _may_match(combined: regex.Pattern[str] | None, name: str) -> bool:
    """False when no rule of the group can match (one search for the whole group)."""
    if combined is None:
        return True
    try:
        return combined.search(name, timeout=MATCH_TIMEOUT * 5) is not None
    except TimeoutError:
        return True


def _combined(rules: list[Rule]) -> regex.Pattern[str] | None:
    """One alternation of the rules that can be joined (no back-references, no flags)."""
    if not rules or any(_not_joinable(rule.text) for rule in rules):
        return None
    try:
        return regex.compile("|".join(f"(?:{rule.text})" for rule in rules), FLAGS)
    except (regex.error, OverflowError, RecursionError):
        return None


def _not_joinable(text: str) -> bool:
    return ("\\" in text and any(f"\\{d}" in text for d in "123456789")) or "(?" in text
