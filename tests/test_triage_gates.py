"""The rules' gates: a rule left out of a text's pattern could not have matched there."""

from __future__ import annotations

import random

import pytest

from tools.triage.gates import StringFinder, alternation, required
from tools.triage.rules import default_scorer, fold


def test_the_finder_sees_every_string_even_inside_a_longer_one() -> None:
    finder = StringFinder(["kill", "ill", "killing", "the ", "then", "قتل"])
    assert finder.present("stop killing them then") == {"kill", "ill", "killing", "then"}
    assert finder.present("the قتلك") == {"the ", "قتل"}
    assert finder.present("nothing here") == frozenset()
    assert StringFinder([]).present("anything") == frozenset()


def test_the_finder_agrees_with_looking_for_each_string_on_random_text() -> None:
    rng = random.Random(7)
    strings = {"".join(rng.choices("abc ", k=rng.randint(2, 5))) for _ in range(60)}
    finder = StringFinder(strings)
    for _ in range(300):
        text = "".join(rng.choices("abcd ", k=rng.randint(0, 40)))
        assert finder.present(text) == {s for s in strings if s in text}, text


def test_a_rule_requires_its_rarest_words_or_nothing() -> None:
    assert required(r"(?P<r0>\bi(?:'ll| will) (?:kill|murder) you\b)") == {"kill", "murder"}
    assert required(r"(?P<r1>\b\w+ you\b)") == {" you"}
    assert required(r"(?P<r2>\b[a-z]+\b)") is None


@pytest.mark.parametrize("language", ["en", "fr", "pt", "ar"])
def test_each_category_matches_as_its_whole_alternation_would(language: str) -> None:
    """Comments of every kind give the same matches through the gated pattern as through all."""
    rules = default_scorer().rules[language]
    comments = {
        "en": ["I'll kill you and your family", "you are a pathetic idiot", "Kill the process"],
        "fr": ["je vais te tuer sale con", "je vais porter plainte contre toi"],
        "pt": ["vou te matar seu lixo", "vou te processar por difamação"],
        "ar": ["سأقتلك يا حقير", "راح ارفع عليك قضية"],
    }[language]
    for comment in comments:
        lowered = fold(comment)[0].lower()
        present = rules.finder.present(lowered)
        for category in rules.categories:
            everything = alternation(category.alternatives)
            gated = category.pattern(present)
            expected = [m.span() for m in everything.finditer(lowered)]
            found = [m.span() for m in gated.finditer(lowered)] if gated else []
            assert found == expected, (comment, category.category)
        assert any(category.pattern(present) for category in rules.categories)
