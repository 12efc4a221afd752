"""Legal threats and attacks read as structure, as threats of violence are.

"Mon avocat va porter plainte contre vous", "meu advogado vai processar vocês" and
"we will sue you and the Foundation" share no phrase, but each has an intent (the
threat structure's intent words, a first-person or future verb), a legal act
(lawyer, sue, plainte, processar, دعوى) and whom it is against (you, the
Foundation). An attack is an explosive (bomb, bombe, explodir, تفجير) with an
intent, or a word that carries the future in itself ("explosera"), and a place or
gathering (the conference, le siège, o encontro, اللقاء). The word lists are
``[acts.legal]`` and ``[acts.attack]`` in the rule files, stemmed once; the intent
and target words are the threat structure's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tools.triage import structure
from tools.triage.lexicon import Lexicon, rule_table
from tools.triage.normalise import normalise, stems, words
from tools.triage.verdict import Finding

SCORE = {"legal_threat": 0.7, "terrorism": 0.75, "harassment": 0.6}
#: Whom each kind of act must be against: a person ("sue *you*") or an ``against`` word
#: (a place: "the conference"), only an ``against`` word, or both: hounding is "*every*
#: edit *you* make", since "I will revert your edit" is an editor's everyday work.
AIM = {"legal_threat": "either", "terrorism": "against", "harassment": "both"}
KINDS = (("legal", "legal_threat"), ("attack", "terrorism"), ("hounding", "harassment"))
WINDOW = 8  # words between the act and whom or where it is against
CLOSE = 4  # words between the intent and the act: "my lawyer will file a *lawsuit*"


@dataclass(frozen=True)
class Act:
    """The words of one kind of act in one language (``[acts.<kind>]`` of its rule file)."""

    act: frozenset[str]  # stems: lawyer, sue, plainte; bomb, explosif
    against: frozenset[str]  # stems of whom or where besides pronouns: foundation, conference
    future: frozenset[str]  # words that carry the intent themselves: explosera, processarei
    aim: str  # see :data:`AIM`
    #: acts of everyday words whose place must come after them: "we will attack *the
    #: parade*", but "the town hall meeting will attack the housing problem" is no attack
    object_after: frozenset[str] = frozenset()

    @property
    def reach(self) -> int:
        """Words around the act searched for whom it is against ("… every article *until* you")."""
        return WINDOW + 4 if self.aim == "both" else WINDOW

    @functools.cached_property
    def first(self) -> frozenset[str]:
        """The first stem of each act: most words are none, and are passed at once."""
        return frozenset(entry.split(" ")[0] for entry in self.act)


@functools.cache
def _acts(language: str) -> dict[str, Act]:
    tables = rule_table(language, "acts")
    found = {}
    for kind, category in KINDS:
        spec = tables.get(kind)
        if spec:
            found[category] = Act(
                act=_stems(language, spec.get("act", [])),
                against=_stems(language, spec.get("against", [])),
                future=frozenset(normalise(w) for w in spec.get("future", [])),
                aim=AIM[category],
                object_after=_stems(language, spec.get("object_after", [])),
            )
    return found


def _stems(language: str, entries: list[str]) -> frozenset[str]:
    """Each entry stemmed word by word: "blown up" is "blown up", "lawsuits" "lawsuit"."""
    return frozenset(" ".join(stems(words(normalise(e)), language)) for e in entries)


def score(text: str, language: str) -> list[Finding]:
    """A legal-threat or terrorism finding for each kind of act ``text`` is built as."""
    lexicon = structure.lexicon_for(language)
    if lexicon is None:
        return []
    acts = _acts(lexicon.language)
    if not acts:
        return []
    parsed = structure.parse(text, lexicon.language)
    found = []
    for category, act in acts.items():
        phrase = next((p for _, t, s in parsed if (p := _built(lexicon, act, t, s))), None)
        if phrase:
            found.append(Finding(category, SCORE[category], (phrase,)))
    return found


def _built(lexicon: Lexicon, act: Act, tokens: list[str], stemmed: list[str]) -> str | None:
    """The words of a sentence that carry an intent, an act and its target, if it has them."""
    for index, stem in enumerate(stemmed):
        if lexicon.infix:
            named = [root for root in act.act if root in stem]
        elif stem in act.first:  # one word, or a phrase of two or three ("blow up")
            named = [p for n in (1, 2, 3) if (p := " ".join(stemmed[index : index + n])) in act.act]
        else:
            named = []
        if not named and tokens[index] not in act.future:
            continue
        before = tokens[max(0, index - CLOSE) : index]
        if any(w in lexicon.negation for w in before):
            continue
        start = index + 1 if named and set(named) <= act.object_after else index - act.reach
        near = range(max(0, start), min(len(tokens), index + act.reach + 1))
        # "my lawyer *will*", "*vamos*"; "I" alone is no intent ("I have contacted a lawyer")
        intent = any(
            (w in lexicon.intent and w not in lexicon.close) or w in lexicon.third for w in before
        )
        intent = intent or any(tokens[i] in act.future for i in near)  # "explosera"
        if lexicon.infix:  # سنفجر، سأرفع دعوى
            intent = intent or any(structure.arabic_future(w) for w in [*before, tokens[index]])
            intent = intent or any(w.startswith("سي") for w in before)  # سيرفع: he will
        if intent and _aimed(lexicon, act, tokens, stemmed, near):
            return " ".join(tokens[max(0, index - 3) : index + 4])
    return None


def _aimed(lexicon: Lexicon, act: Act, tokens: list[str], stemmed: list[str], near: range) -> bool:
    """Whether the words near an act say whom or where it is against, as its kind needs."""
    against = any(stemmed[i] in act.against for i in near)
    if act.aim == "against":
        return against
    person = any(structure.is_target(lexicon, tokens[i]) for i in near)
    if act.aim == "either":
        return against or person
    # hounding: "every edit *you* make", "كل تعديلاتك" (the reader in the word's ending)
    yours = lexicon.infix and any(tokens[i].endswith(structure.AR_YOUR) for i in near)
    return against and (person or yours)
