"""The language a mail is written in, when its headers do not say.

Few mail programs send ``Content-Language``, so without a guess a reporter who
writes in French gets the acknowledgement and the replies in the address's
language, English by default. Four languages only (those of the desk), so a
count of the commonest short words is enough: Arabic by its script, French,
Portuguese and English by their function words. No guess when the counts are
few or close: the address's language is then the answer.
"""

from __future__ import annotations

import re

#: The commonest words of each Latin-script language, none shared by two of them.
COMMON = {
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "was",
            "you",
            "your",
            "have",
            "this",
            "that",
            "with",
            "for",
            "not",
            "but",
            "from",
            "they",
            "my",
            "what",
            "which",
            "would",
            "there",
            "been",
            "has",
            "please",
            "thank",
            "thanks",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "sont",
            "une",
            "des",
            "du",
            "je",
            "vous",
            "nous",
            "avec",
            "pour",
            "pas",
            "mais",
            "dans",
            "sur",
            "ce",
            "cette",
            "qui",
            "il",
            "elle",
            "mon",
            "ma",
            "mes",
            "merci",
            "bonjour",
            "sont",
            "été",
            "avez",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "os",
            "e",
            "é",
            "são",
            "um",
            "uma",
            "uns",
            "umas",
            "da",
            "dos",
            "das",
            "eu",
            "você",
            "vocês",
            "não",
            "mas",
            "com",
            "para",
            "pelo",
            "pela",
            "meu",
            "minha",
            "obrigado",
            "obrigada",
            "olá",
            "está",
            "foi",
            "isso",
        ]
    ),
}
_WORDS = re.compile(r"[^\W\d_]+")
_ARABIC = re.compile("[\u0600-\u06ff]")
ENOUGH = 3  # words of one language before a guess
MARGIN = 1.5  # how many times the runner-up's count the winner needs
READ = 4000  # characters read: the start of a mail says its language


def guess(text: str) -> str | None:
    """``ar``, ``fr``, ``pt`` or ``en`` when ``text`` clearly is in it, else None."""
    text = text[:READ]
    letters = sum(ch.isalpha() for ch in text)
    if letters and len(_ARABIC.findall(text)) / letters > 0.3:
        return "ar"
    counts = dict.fromkeys(COMMON, 0)
    for word in _WORDS.findall(text.lower()):
        for language, common in COMMON.items():
            if word in common:
                counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    (best, first), (_, second) = ranked[0], ranked[1]
    if first >= ENOUGH and first >= MARGIN * second:
        return best
    return None
