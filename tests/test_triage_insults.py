"""Issue 16: insults aimed at the reader, with words the phrase rules do not list.

The sentences are written for these tests. English keeps to strong insults:
Wikipedia talk raters did not count "you fool" or "what a loser" as insults, and
the patrol is judged against their labels.
"""

from __future__ import annotations

import pytest
from helpers import alerted

from tools.triage import insults


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Revert me again, you dumbass, and see who laughs."),
        ("en", "You complete wanker, the cite is right there."),
        ("fr", "Espèce de tocard, tu n'as même pas ouvert le livre."),
        ("fr", "T'es qu'une pauvre cassos, va jouer ailleurs."),
        ("pt", "Seu babaca, lê a fonte antes de apagar."),
        ("pt", "Você é um trouxa e um covarde."),
        ("ar", "يا تافه، اقرأ المصدر قبل أن تحذف."),
        ("ar", "أنت جبان ومنافق"),
    ],
)
def test_an_insult_aimed_at_the_reader_is_harassment(language: str, text: str) -> None:
    assert "harassment" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "You are not a moron for asking; the policy is confusing."),
        ("fr", "Tu n'es pas un idiot, la règle est mal écrite."),
        ("pt", "Meu mano, você revisou a fonte? Obrigado."),
        ("pt", "Seu trabalho nesta página ficou ótimo, parabéns."),
        ("ar", "أنت لست غبيا، القاعدة غير واضحة"),
        ("en", "The article calls him a bastard son of the king, as the sources do."),
    ],
)
def test_no_insult_aimed_at_the_reader_stays_quiet(language: str, text: str) -> None:
    assert "harassment" not in alerted(text, language)


def test_an_english_plural_insult_is_the_readers_only_right_after_you() -> None:
    # "you" is plural too: "you morons" insults the readers, "you protect morons" others
    assert insults.score("Stop it, you morons.", "en") is not None
    assert insults.score("Why do you protect morons like him?", "en") is None
