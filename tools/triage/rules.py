"""The rule scorer: each language's rule file, a category's rules matched as one alternation.

A rule file (``rules/<language>.toml``) lists, per category, patterns with a
weight between 0 and 1, and false friends: patterns that, where they match, cancel
the category's rules ("kill the process" is not violence). Beside them, per
language:

- ``negation``: a word that, between the last clause start and a match, cancels it
  ("I will *not* hurt you"); ``clause_break`` says where a clause starts, so that
  "if you don't stop I'll kill you" is still a threat;
- ``reported``: a word before a match in the same sentence that makes it someone
  else's words ("he *wrote* …"); such a match, and one inside quotation marks, is
  multiplied by ``reported_factor``: still worth a look on a noticeboard, but lower.
  A category with ``lowered_when_reported = false`` (self-harm) is not lowered:
  someone's suicidal words quoted by a friend are as urgent as said.

A category's score combines its rules' weights as independent evidence,
``1 - Π(1 - w)``, each rule counted once. Text and patterns are compared with
case, Latin accents and Arabic letter variants folded, so rules need not spell
every variant; phrases are reported as the comment wrote them. A text is matched
only against the rules that can match it (:mod:`tools.triage.gates`): the same
findings as the whole alternation, in less than half the time.
"""

from __future__ import annotations

import bisect
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tools.triage.gates import StringFinder, alternation, required
from tools.triage.verdict import CATEGORIES, Finding, Verdict

RULES_DIR = Path(__file__).parent / "rules"
#: Runs of rules a category's pattern is made of (see :meth:`CategoryRules.pattern`): at
#: most 2**8 patterns per category, which the cache of :func:`gates.alternation` holds.
CHUNKS = 8
FALLBACK_LANGUAGE = "en"


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message names the file and the rule."""


# --- folding ----------------------------------------------------------------------


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and len(base) == 1 and base.isascii():
            table[code] = base
    table.update({ord(k): v for k, v in {"\u2019": "'", "\u2018": "'", "\u02bc": "'"}.items()})
    arabic = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}  # noqa: RUF001
    table.update({ord(k): v for k, v in arabic.items()})
    for digit in range(10):
        table[0x660 + digit] = str(digit)
        table[0x6F0 + digit] = str(digit)
    return table


_FOLD = _fold_table()
#: Arabic short vowels and the tatweel: dropped, so "قَتَلَ" reads as "قتل".
_DROPPED = re.compile("[\u064b-\u065f\u0670\u0640]")


def fold(text: str) -> tuple[str, list[int] | None]:
    """Text with case-insensitive-friendly folds, and where each folded character came from.

    The offsets are None when folding kept every character in place (the usual case).
    """
    folded = text.translate(_FOLD)
    if not _DROPPED.search(folded):
        return folded, None
    kept = [index for index, char in enumerate(folded) if not _DROPPED.match(char)]
    return "".join(folded[index] for index in kept), kept


# --- compiled rules ---------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRules:
    """One category of one language: its rules, and the pattern of those a text can match."""

    category: str
    alternatives: tuple[str, ...]  # one named group per rule, lower case
    weights: Mapping[str, float]  # group name -> weight
    reports: frozenset[str]  # group names of rules that already describe a report
    false_friends: re.Pattern[str] | None
    #: per rule, strings one of which every match holds (lower case); None: not known
    required: tuple[frozenset[str] | None, ...] = ()

    @functools.cached_property
    def _by_string(self) -> dict[str, tuple[int, ...]]:
        """Each required string, and the runs of rules that hold a rule needing it."""
        by_string: dict[str, set[int]] = {}
        for index, strings in enumerate(self.required):
            for string in strings or ():
                by_string.setdefault(string, set()).add(self._chunk(index))
        return {k: tuple(v) for k, v in by_string.items()}

    def _chunk(self, index: int) -> int:
        return index * CHUNKS // max(1, len(self.alternatives))

    @functools.cached_property
    def _always(self) -> tuple[int, ...]:
        return tuple({self._chunk(i) for i, need in enumerate(self.required) if need is None})

    @property
    def strings(self) -> Iterable[str]:
        """Every string a rule of this category may require."""
        return self._by_string.keys()

    def pattern(self, present: frozenset[str]) -> re.Pattern[str] | None:
        """The rules a text holding the strings ``present`` can match, as one pattern.

        Rules go in :data:`CHUNKS` runs, and a run is in when one of its rules can
        match: a pattern per exact set of rules was a new compile for one real comment
        in five, while eight runs make at most 256 patterns per category, all cached.
        """
        chosen = set(self._always)
        for string in present:
            chosen.update(self._by_string.get(string, ()))
        if not chosen:
            return None
        return alternation(tuple(rule for run in sorted(chosen) for rule in self._runs[run]))

    @functools.cached_property
    def _runs(self) -> tuple[tuple[str, ...], ...]:
        runs: list[list[str]] = [[] for _ in range(CHUNKS)]
        for index, rule in enumerate(self.alternatives):
            runs[self._chunk(index)].append(rule)
        return tuple(map(tuple, runs))


@dataclass(frozen=True)
class LanguageRules:
    """The compiled rules of one language."""

    language: str
    categories: tuple[CategoryRules, ...]
    negation: re.Pattern[str]
    clause_break: re.Pattern[str]
    reported: re.Pattern[str]
    reported_factor: float

    @functools.cached_property
    def finder(self) -> StringFinder:
        """One search for the strings any of the language's rules require."""
        return StringFinder(s for category in self.categories for s in category.strings)


_QUOTED = re.compile(
    "\u201c[^\u201d\n]{1,600}\u201d|\u201e[^\u201c\u201d\n]{1,600}[\u201c\u201d]"
    "|\u00ab[^\u00bb]{1,600}\u00bb|\"[^\"\n]{1,600}\"|(?<!\\w)'[^'\n]{2,600}'(?!\\w)"
)
_SENTENCE_BREAK = re.compile(r"[.!?\u061f\u06d4\n]")
_FLAGS = re.IGNORECASE


def _compile(source: str, what: str, file: Path) -> re.Pattern[str]:
    folded = fold(source)[0]
    try:
        compiled = re.compile(folded, _FLAGS)
    except re.error as err:
        raise RuleFileError(f"{file.name}: {what}: {err}") from None
    if compiled.groups:
        raise RuleFileError(f"{file.name}: {what}: use (?:...) instead of capturing groups")
    return compiled


def _expand(pattern: str, defines: Mapping[str, str], file: Path) -> str:
    """Replace each ``<name>`` of the file's ``[define]`` table by its pattern."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in defines:
            raise RuleFileError(f"{file.name}: <{match.group(1)}> is not in [define]")
        return f"(?:{defines[match.group(1)]})"

    return re.sub(r"<([a-z_]+)>", replace, pattern)


def _lower(pattern: str) -> str:
    """A pattern in lower case, its escapes (``\\b``, ``\\u201c``…) left alone.

    Category patterns run on lower-cased text without ``re.IGNORECASE``, which
    makes Python's regular expressions about twice as quick.
    """
    return re.sub(r"\\.|[^\\]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern)


def load_language(file: Path) -> LanguageRules:
    """Read and compile one rule file."""
    with file.open("rb") as handle:
        data = tomllib.load(handle)
    defines = data.get("define", {})
    categories = []
    for category, spec in data.get("categories", {}).items():
        if category not in CATEGORIES:
            raise RuleFileError(f"{file.name}: unknown category {category!r}")
        alternatives, weights, reports = [], {}, set()
        for index, rule in enumerate(spec.get("rules", ())):
            weight = float(rule["weight"])
            if not 0 < weight <= 1:
                raise RuleFileError(f"{file.name}: {category} rule {index}: weight not in (0, 1]")
            pattern = _expand(rule["pattern"], defines, file)
            _compile(pattern, f"{category} rule {index}", file)
            alternatives.append(f"(?P<r{index}>{_lower(fold(pattern)[0])})")
            weights[f"r{index}"] = weight
            # self-harm quoted on a noticeboard is as urgent as said: not lowered
            if rule.get("report", False) or not spec.get("lowered_when_reported", True):
                reports.add(f"r{index}")
        friends = [
            _compile(_expand(p, defines, file), f"{category} false friend {i}", file).pattern
            for i, p in enumerate((*spec.get("false_friends", ()), *data.get("false_friends", ())))
        ]
        categories.append(
            CategoryRules(
                category=category,
                alternatives=tuple(alternatives),
                weights=weights,
                reports=frozenset(reports),
                required=tuple(required(alternative) for alternative in alternatives),
                false_friends=re.compile("|".join(friends), _FLAGS) if friends else None,
            )
        )
    return LanguageRules(
        language=data["language"],
        categories=tuple(categories),
        negation=_compile(_expand(data["negation"], defines, file), "negation", file),
        clause_break=_compile(_expand(data["clause_break"], defines, file), "clause_break", file),
        reported=_compile(_expand(data["reported"], defines, file), "reported", file),
        reported_factor=float(data.get("reported_factor", 0.6)),
    )


# --- scoring ----------------------------------------------------------------------


class RuleScorer:
    """The default :class:`tools.triage.Scorer`: rules from ``rules/*.toml``."""

    def __init__(self, rules: Mapping[str, LanguageRules]) -> None:
        self.rules = dict(rules)

    @classmethod
    def from_directory(cls, directory: Path = RULES_DIR) -> RuleScorer:
        loaded = (load_language(file) for file in sorted(directory.glob("*.toml")))
        return cls({rules.language: rules for rules in loaded})

    def for_language(self, language: str) -> LanguageRules:
        """The rules of ``language``, of its base language (pt-br: pt), else English."""
        return (
            self.rules.get(language)
            or self.rules.get(language.split("-")[0])
            or self.rules[FALLBACK_LANGUAGE]
        )

    def score(self, text: str, language: str) -> Verdict:
        rules = self.for_language(language)
        folded, offsets = fold(text)
        lowered = folded.lower()
        if len(lowered) != len(folded):  # a letter whose lower case is longer: keep offsets
            lowered = folded
        context = _Context(folded, rules)
        present = rules.finder.present(lowered)
        findings = []
        for category in rules.categories:
            pattern = category.pattern(present)
            if pattern is None:
                continue
            finding = _score_category(category, pattern, text, lowered, offsets, context)
            if finding is not None:
                findings.append(finding)
        findings.sort(key=lambda finding: (-finding.score, CATEGORIES.index(finding.category)))
        return Verdict(language=language, findings=tuple(findings))


class _Context:
    """What several categories ask of one text, computed at most once."""

    def __init__(self, folded: str, rules: LanguageRules) -> None:
        self.folded = folded
        self.rules = rules
        self._quotes: list[tuple[int, int]] | None = None

    def quoted(self, start: int) -> bool:
        if self._quotes is None:
            self._quotes = [m.span() for m in _QUOTED.finditer(self.folded)]
        index = bisect.bisect_right(self._quotes, (start, len(self.folded))) - 1
        return index >= 0 and self._quotes[index][0] < start < self._quotes[index][1]

    def negated(self, start: int) -> bool:
        """Whether a negation stands between the start of the clause and ``start``."""
        if self.rules.clause_break.match(self.folded, start):
            return False  # the match starts its own clause ("... I'll kill you")
        window = self.folded[max(0, start - 60) : start]
        breaks = list(self.rules.clause_break.finditer(window))
        clause = window[breaks[-1].end() :] if breaks else window
        return bool(self.rules.negation.search(clause))

    def reported(self, start: int) -> bool:
        window = self.folded[max(0, start - 160) : start]
        breaks = list(_SENTENCE_BREAK.finditer(window))
        sentence = window[breaks[-1].end() :] if breaks else window
        return bool(self.rules.reported.search(sentence))


def _score_category(
    category: CategoryRules,
    pattern: re.Pattern[str],
    text: str,
    folded: str,
    offsets: list[int] | None,
    context: _Context,
) -> Finding | None:
    best: dict[str, float] = {}
    phrases: list[str] = []
    friends: list[tuple[int, int]] | None = None
    for match in pattern.finditer(folded):
        start, end = match.span()
        if category.false_friends is not None:
            if friends is None:
                friends = [m.span() for m in category.false_friends.finditer(folded)]
            if any(s < end and start < e for s, e in friends):
                continue
        if context.negated(start):
            continue
        rule = match.lastgroup or ""
        weight = category.weights[rule]
        if rule not in category.reports and (context.quoted(start) or context.reported(start)):
            weight *= context.rules.reported_factor
        best[rule] = max(best.get(rule, 0.0), weight)
        phrase = original_span(text, offsets, start, end)
        if phrase not in phrases:
            phrases.append(phrase)
    if not best:
        return None
    remaining = 1.0
    for weight in best.values():
        remaining *= 1 - weight
    return Finding(
        category=category.category, score=round(1 - remaining, 3), phrases=tuple(phrases)
    )


def original_span(text: str, offsets: list[int] | None, start: int, end: int) -> str:
    """The text as written behind ``folded[start:end]`` (see :func:`fold`)."""
    if offsets is None:
        return text[start:end]
    # marks dropped after the last character (a final short vowel) belong to the phrase
    stop = offsets[end] if end < len(offsets) else len(text)
    return text[offsets[start] : stop]


@functools.cache
def default_scorer() -> RuleScorer:
    """The scorer of the shipped rule files, compiled once per process."""
    return RuleScorer.from_directory()
