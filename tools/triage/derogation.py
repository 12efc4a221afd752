"""Groups demeaned as groups: "immigrants are parasites", "sales arabes", "المثليين حشرات".

The insult rules read abuse aimed at one person ("you are an idiot"). Abuse aimed
at a group is built differently: a group (the ``people`` of the threat structure,
"women", "musulmans", "المهاجرين") next to a demeaning word (vermin, parasites,
"praga", "حشرات"), before it with a copula or none ("X are vermin", "X, des
parasites") or right after it ("filthy immigrants", "bicha nojenta"). Naming a
group alone is not abuse (the learned layer is checked for that, see
``combine``); a negation before the demeaning word ("women are *not* stupid")
cancels it. The demeaning words are ``[derogation] words`` in the rule files,
stemmed once.
"""

from __future__ import annotations

import functools
import re

from tools.triage import structure
from tools.triage.lexicon import Lexicon, rule_table
from tools.triage.normalise import normalise, stems
from tools.triage.verdict import Finding

_WORDS = re.compile(r"[^\W\d_]+")
SCORE = 0.65
GAP = 3  # words between the group and the demeaning word: "are nothing but", "sont des"


@functools.cache
def _lists(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """The stemmed demeaning words of ``language`` and the words that end the search.

    A relative pronoun or a conjunction starts another clause: in "liberals *who*
    hate Michael Savage" the last word is not said of the liberals.
    """
    spec = rule_table(language, "derogation")
    listed = [normalise(w) for w in spec.get("words", [])]
    stop = frozenset(normalise(w) for w in spec.get("stop", []))
    return frozenset(stems(listed, language)), stop


def score(text: str, language: str) -> Finding | None:
    """A harassment finding where a sentence demeans a group it names."""
    lexicon = structure.lexicon_for(language)
    if lexicon is None:
        return None
    demeaning, stop = _lists(lexicon.language)
    if not demeaning or not lexicon.people:
        return None
    for _sentence, tokens, stemmed in structure.parse(text, lexicon.language):
        for index, word in enumerate(tokens):
            if word == lexicon.plain or not structure.is_group(lexicon, word):
                continue
            found = _demeaned(lexicon, tokens, stemmed, index, demeaning, stop)
            if found is not None:
                phrase = tokens[min(index, found) : max(index, found) + 1]
                return Finding("harassment", SCORE, (" ".join(phrase),))
    return None


def _demeaned(
    lexicon: Lexicon,
    tokens: list[str],
    stemmed: list[str],
    index: int,
    demeaning: frozenset[str],
    stop: frozenset[str],
) -> int | None:
    """Where a demeaning word stands next to the group at ``index``, if one does."""
    if index > 0 and stemmed[index - 1] in demeaning:
        return index - 1  # "filthy immigrants", "sales arabes"
    if index + 1 < len(tokens) and tokens[index + 1] == lexicon.plain:
        index += 1  # "transgender people are …"
    for at in range(index + 1, min(len(tokens), index + 2 + GAP)):
        if tokens[at] in lexicon.negation or tokens[at] in stop:
            return None
        if stemmed[at] in demeaning:
            return at
    return None


def neutral(text: str, language: str) -> str:
    """``text`` with each group it names (women, muçulmanos, المهاجرين) as a neutral word.

    The neutral word is the first of the rule file's ``people`` ("people", "gens").
    """
    lexicon = structure.lexicon_for(language)
    if lexicon is None or not lexicon.people:
        return text

    def swap(match: re.Match[str]) -> str:
        word = normalise(match.group())
        named = word != lexicon.plain and structure.is_group(lexicon, word)
        return lexicon.plain if named else match.group()

    return _WORDS.sub(swap, text)
