# ruff: noqa: RUF002  (Arabic letters are the point)
"""What frames a comment's words: a joke, counter-speech, a talk about the policy itself.

The threat, insult and legal findings read words; these read what the comment does
with them. "I'll kill you 😂", "Saying that X should be shot is vile" and "per
WP:NLT, no legal threats" each name a harm without meaning it, and ``combine``
lowers those findings. The word lists are the threat structure's (``joke``,
``policy``, ``frame``, ``condemn`` in ``[structure]`` of the rule files).
"""

from __future__ import annotations

from tools.triage import structure
from tools.triage.normalise import normalise


def is_policy_talk(text: str, language: str) -> bool:
    """Whether ``text`` discusses the no-legal-threats policy (WP:NLT) rather than threatens."""
    lexicon = structure.lexicon_for(language)
    return bool(lexicon and lexicon.policy and lexicon.policy.search(normalise(text)))


def is_counter_speech(text: str, language: str) -> bool:
    """Whether ``text`` names a threat or an insult to condemn it.

    "Saying that women should be killed is disgusting", "Chamar gays de vermes é
    discurso de ódio": a sentence that starts by framing the words as a subject
    (saying, calling, dire, القول) and a condemnation in the comment.
    """
    lexicon = structure.lexicon_for(language)
    if lexicon is None or not lexicon.frame:
        return False
    parsed = structure.parse(text, lexicon.language)
    # "Saying…", "Calling…", "If you think…": the frame opens the sentence
    framed = any(any(w in lexicon.frame for w in tokens[:3]) for _, tokens, _ in parsed)
    return framed and any(c in normalise(text) for c in lexicon.condemn)


def is_joke(text: str, language: str) -> bool:
    """Whether ``text`` marks itself as a joke (emoji, "jk", "brincadeira", "هههه")."""
    lexicon = structure.lexicon_for(language)
    return bool(lexicon and lexicon.jokes(normalise(text)))
