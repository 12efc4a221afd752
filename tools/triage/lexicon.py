"""The word lists of the threat structure, one :class:`Lexicon` per language.

Each rule file's ``[structure]`` table lists intents, harms, targets and the rest;
they are normalised and stemmed once here, so that :mod:`tools.triage.structure`
and the readers beside it (acts, insults, derogation) look words up, not patterns.
Tables of their own (``[acts]``, ``[insults]``) are read by :func:`rule_table`.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tools.triage.normalise import normalise, stems, words

RULES_DIR = Path(__file__).parent / "rules"


@dataclass(frozen=True)
class Lexicon:
    """The stemmed word lists of one language (see ``[structure]`` in the rule files)."""

    language: str
    intent: frozenset[str]
    harm: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]  # harms of several words ("tirer sur", "partir a cara")
    exact: frozenset[str]  # "=faca": this word as written, not its stem (faço stems as faca)
    weak: tuple[str, ...]  # harm only with the target right after it ("end you", "finish you")
    target: frozenset[str]
    negation: frozenset[str]
    possessive: frozenset[str]
    dear: tuple[str, ...]
    menace: tuple[str, ...]
    joke: re.Pattern[str] | None
    serious: re.Pattern[str] | None  # "not joking", "sem brincadeira": the joke marker undone
    policy: re.Pattern[str] | None  # a discussion of the no-legal-threats policy itself
    infix: bool  # harm and target may be one word (Arabic: سأقتلك)
    normative: frozenset[str] = frozenset()  # should, must, deserve (one or two words)
    passive: frozenset[str] = frozenset()  # be, get, être, ser: "should *be* shot"
    death: tuple[str, ...] = ()  # die, mourir, morrer: "deserve to die" needs no "be"
    people: frozenset[str] = frozenset()  # women, musulmans, imigrantes: a group as target
    quantifier: frozenset[str] = frozenset()  # anyone, whoever: a target, not a group
    head: frozenset[str] = frozenset()  # "the *next* admin who blocks me gets a bullet"
    who: frozenset[str] = frozenset()  # the head is a person: "next *one*", "prochain *qui*"
    plain: str = ""  # the first of ``people``: "people", "gens", a group named neutrally
    close: frozenset[str] = frozenset()  # "i", "we": an intent only right before the harm
    hortative: frozenset[str] = frozenset()  # "tuons", "matemos": harm and intent in one word
    me: frozenset[str] = frozenset()  # me, moi, mim: the writer as the target of a report
    report: frozenset[str] = frozenset()  # wrote, a écrit, escreveu, كتب: a threat reported
    frame: frozenset[str] = frozenset()  # "*Saying* that X should die is…": words as a subject
    condemn: tuple[str, ...] = ()  # "… is disgusting", "discours de haine", "جريمة"
    agent: frozenset[str] = frozenset()  # smoking, ça, isso: a subject that is no speaker
    third: frozenset[str] = frozenset()  # he'll, they'd: someone else's intent (reports, acts)
    present_after: frozenset[str] = frozenset()  # te, vos: "te *quebro* a cara" is a threat
    present_ending: str = ""  # -o: the first-person present that, after a clitic, threatens
    things: frozenset[str] = frozenset()  # mosquito, weeds, bug: a harm's object, no person
    things_skip: frozenset[str] = frozenset()  # every, the, those: words before the object

    def jokes(self, normal: str) -> bool:
        """Whether normalised text marks itself a joke, and does not take it back."""
        if self.joke is None or not self.joke.search(normal):
            return False
        return self.serious is None or not self.serious.search(normal)

    @functools.cached_property
    def harm_set(self) -> frozenset[str]:
        return frozenset(self.harm)

    @functools.cached_property
    def phrase_starts(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """The harms of several words by their first stem (one lookup per word)."""
        starts: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            starts.setdefault(phrase[0], []).append(phrase)
        return {first: tuple(found) for first, found in starts.items()}


def _stemmed(language: str, entries: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(stems([normalise(e) for e in entries], language)))


def _phrases(language: str, entries: list[str]) -> tuple[tuple[str, ...], ...]:
    found = (tuple(stems(words(normalise(e)), language)) for e in entries if " " in e.strip())
    return tuple(dict.fromkeys(p for p in found if len(p) > 1))


def load(file: Path) -> Lexicon | None:
    """The lexicon of one rule file, or None when it has no ``[structure]`` table."""
    with file.open("rb") as handle:
        data = tomllib.load(handle)
    spec = data.get("structure")
    if not spec:
        return None
    language = data["language"]
    joke = spec.get("joke")
    return Lexicon(
        language=language,
        intent=frozenset(normalise(w) for w in spec["intent"]),
        harm=_stemmed(language, [h for h in spec["harm"] if " " not in h.strip() and h[0] != "="]),
        phrases=_phrases(language, spec["harm"]),
        exact=frozenset(normalise(h[1:]) for h in spec["harm"] if h[0] == "="),
        weak=_stemmed(language, spec.get("weak", [])),
        target=frozenset(normalise(w) for w in spec["target"]),
        negation=frozenset(normalise(w) for w in spec["negation"]),
        possessive=frozenset(normalise(w) for w in spec["possessive"]),
        dear=_stemmed(language, spec["dear"]),
        menace=tuple(normalise(m) for m in spec["menace"]),
        joke=re.compile(normalise(joke)) if joke else None,
        serious=re.compile(normalise(spec["serious"])) if spec.get("serious") else None,
        policy=re.compile(normalise(spec["policy"])) if spec.get("policy") else None,
        infix=bool(spec.get("infix", False)),
        normative=frozenset(normalise(w) for w in spec.get("normative", [])),
        passive=frozenset(normalise(w) for w in spec.get("passive", [])),
        death=_stemmed(language, spec.get("death", [])),
        people=frozenset(normalise(w) for w in spec.get("people", [])),
        quantifier=frozenset(normalise(w) for w in spec.get("quantifier", [])),
        head=frozenset(normalise(w) for w in spec.get("head", [])),
        who=frozenset(normalise(w) for w in spec.get("who", [])),
        plain=normalise(spec["people"][0]) if spec.get("people") else "",
        close=frozenset(normalise(w) for w in spec.get("close", [])),
        hortative=frozenset(normalise(w) for w in spec.get("hortative", [])),
        me=frozenset(normalise(w) for w in spec.get("me", [])),
        report=frozenset(normalise(w) for w in spec.get("report", [])),
        frame=frozenset(normalise(w) for w in spec.get("frame", [])),
        condemn=tuple(normalise(w) for w in spec.get("condemn", [])),
        agent=frozenset(normalise(w) for w in spec.get("agent", [])),
        third=frozenset(normalise(w) for w in spec.get("third", [])),
        present_after=frozenset(normalise(w) for w in spec.get("present", {}).get("after", [])),
        present_ending=spec.get("present", {}).get("ending", ""),
        things=frozenset(normalise(w) for w in spec.get("things", {}).get("words", [])),
        things_skip=frozenset(normalise(w) for w in spec.get("things", {}).get("skip", [])),
    )


@functools.cache
def rule_table(language: str, name: str) -> dict:
    """The table ``name`` of ``language``'s rule file (``insults``, ``acts``), or {}.

    The readers beside the threat structure (acts, insults, derogation) each keep
    their words in a table of their own; the file is read once per table and process.
    """
    file = RULES_DIR / f"{language}.toml"
    if not file.is_file():
        return {}
    with file.open("rb") as handle:
        return tomllib.load(handle).get(name, {})


@functools.cache
def lexicons() -> dict[str, Lexicon]:
    """The lexicons of the shipped rule files, read once per process."""
    found = (load(file) for file in sorted(RULES_DIR.glob("*.toml")))
    return {lexicon.language: lexicon for lexicon in found if lexicon is not None}
