"""Insults aimed at the reader, read as address + insult rather than as fixed phrases.

"You absolute muppet", "t'es qu'un gros naze", "seu otário", "يا فاشل" share no
phrase, but each names the reader (you, tu, espèce de, seu, يا) and, within a few
words, calls them something from a long list of insults. An exclamation ("quel
abruti", "يا لك من أحمق") is built the same way. The lists are ``[insults]`` in the
rule files: ``words`` (as listed or with a plural s; stemmed in Arabic, whose words
carry articles and suffixes) and ``address`` (the words that turn an insult on the
reader). A negation between them ("you are *not* an idiot") cancels it, as a joke
marker lowers it in ``combine``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tools.triage import structure
from tools.triage.lexicon import Lexicon, rule_table
from tools.triage.normalise import normalise, stems
from tools.triage.verdict import Finding

SCORE = 0.65
REACH = 2  # words between the address and the insult: "you *absolute* muppet"


@dataclass(frozen=True)
class Insults:
    """The insults of one language and the words that aim them at the reader."""

    words: frozenset[str]  # normalised words (stems in Arabic)
    address: frozenset[str]  # normalised words: you, tu, seu, يا
    plural_next: bool  # English "you" is also plural: a plural insult must follow it


@functools.cache
def _insults(language: str) -> Insults | None:
    spec = rule_table(language, "insults")
    lexicon = structure.lexicon_for(language)
    if not spec or lexicon is None:
        return None
    listed = [normalise(w) for w in spec.get("words", [])]
    # Arabic words carry their articles and suffixes (بالحمار): stem them. Elsewhere a
    # stem is too wide ("mano", bro, stems as "mane"): the word as listed, or its plural.
    return Insults(
        words=frozenset(stems(listed, language) if lexicon.infix else listed),
        address=frozenset(normalise(w) for w in spec.get("address", [])),
        plural_next=bool(spec.get("plural_next", False)),
    )


def score(text: str, language: str) -> Finding | None:
    """A harassment finding where a sentence calls its reader an insult."""
    lexicon = structure.lexicon_for(language)
    if lexicon is None:
        return None
    insults = _insults(lexicon.language)
    if insults is None:
        return None
    for _sentence, tokens, stemmed in structure.parse(text, lexicon.language):
        if lexicon.infix:
            found = stemmed
        else:  # idiotas, connards: the plural of a listed word
            found = [w if w in insults.words else w.removesuffix("s") for w in tokens]
        for index, word in enumerate(found):
            if word not in insults.words:
                continue
            start = _addressed(lexicon, insults, tokens, index)
            plural = word != tokens[index]
            if start is not None and plural and insults.plural_next and start != index - 1:
                continue  # "you protecting *morons*": someone else
            if start is not None:
                return Finding("harassment", SCORE, (" ".join(tokens[start : index + 1]),))
    return None


def _addressed(lexicon: Lexicon, insults: Insults, tokens: list[str], index: int) -> int | None:
    """Where the word that aims the insult at ``index`` at the reader stands, if one does."""
    for at in range(index - 1, max(-1, index - 2 - REACH), -1):
        word = tokens[at]
        if word in lexicon.negation:
            return None
        if word in insults.address:
            return at
    return None
