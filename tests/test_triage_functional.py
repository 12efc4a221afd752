"""Short threats against groups, as functional test suites (HateCheck) write them,
and their contrasts: a pest or a program as the harm's object, counter-speech,
news of an arrest. Each sentence differs from the suite the rules were fixed on.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Les migrants devraient être noyés avant d'arriver."),
        ("fr", "Ces militantes méritent d'être violées."),
        ("fr", "Les musulmans devraient tous être éliminés."),
        ("pt", "Os ciganos deveriam ser estrangulados um por um."),
        ("ar", "سيشنق الملحدون في الساحة قريبا."),
        ("ar", "سيتم ذبح اللاجئين في المخيم."),
        ("ar", "سأدهس كل مهاجر أراه."),
        ("ar", "يجب إغراق المهاجرين في البحر."),
    ],
)
def test_a_threat_against_a_group_is_violence(language: str, text: str) -> None:
    assert "violence" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm going to kill all the wasps in the attic tomorrow."),
        ("fr", "Demain je vais tuer toutes les fourmis de la cuisine."),
        ("pt", "Vou matar todas as baratas da cozinha hoje."),
        ("pt", "Amanhã vou matar esse bug do servidor."),
        ("ar", "سأقتل كل الذباب في المطبخ."),
        ("en", "Whoever says refugees should be drowned is a monster."),
        ("pt", "Quem diz que ciganos deviam morrer é um monstro."),
        ("en", "The man who threatened to stab his neighbours was arrested on Monday."),
    ],
)
def test_pests_counter_speech_and_news_are_not_threats(language: str, text: str) -> None:
    assert "violence" not in alerted(text, language)
