"""Issue 16: threats that name no harm, and farewells that name no suicide.

"I have your address. See you soon" threatens without a harm word; "you'll end
up in hospital" names only where the reader will be; "I won't wake up tomorrow"
is a farewell. Each is caught in the four languages, and the everyday sentences
that share their words (an organiser who has your address for a prize) are not.
The sentences are written for these tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "We've got your home address now. Be ready."),
        ("fr", "On a trouvé ton adresse. Prépare-toi, on passe te voir."),
        ("pt", "Descobri o teu endereço. Se prepara que eu passo aí."),
        ("ar", "عرفت عنوانك، انتظرني."),
        ("ar", "راح تنام في المستشفى يا حلو"),
    ],
)
def test_holding_someones_address_and_announcing_a_visit_is_a_threat(
    language: str, text: str
) -> None:
    assert "violence" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt", "Tenho seu endereço para enviar o certificado do concurso."),
        ("ar", "عندي عنوانك لإرسال الشهادة، شكرا لمشاركتك."),
    ],
)
def test_an_address_for_a_parcel_is_no_threat(language: str, text: str) -> None:
    assert "violence" not in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm not going to wake up again, and that's fine. Goodbye everyone."),
        ("fr", "Demain je ne me réveillerai plus. Merci pour tout."),
        ("pt", "Eu não vou acordar mais, obrigado por tudo."),
        ("ar", "لن أصحو غدا، شكرا لكم."),
    ],
)
def test_not_waking_up_is_a_farewell(language: str, text: str) -> None:
    assert "self_harm" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        (
            "en",
            "violence",
            "Your little boy takes the 7:40 bus alone, doesn't he? Be careful out there.",
        ),
        ("en", "violence", "I'll see to it that you don't edit here again, by any means."),
        ("pt", "violence", "Vou garantir que tu nunca mais escreva aqui, por bem ou por mal."),
        ("en", "legal_threat", "Take it down or face serious legal consequences, last warning."),
        ("fr", "legal_threat", "Supprimez cela ou vous en assumerez les conséquences judiciaires."),
        ("pt", "legal_threat", "Apague isso ou vai enfrentar as consequências legais."),
        ("ar", "legal_threat", "احذف المقال وإلا ستتحمل العواقب القانونية."),
        ("en", "self_harm", "Standing on the roof of my building. I won't be coming back down."),
        ("pt", "self_harm", "Estou no viaduto agora. Não vou voltar."),
    ],
)
def test_ultimatums_and_edges_say_what_they_mean(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'll see to it that the bot doesn't run again before the fix is merged."),
        ("en", "The roof photo is lovely; I'm coming back to Commons to categorise it."),
        ("pt", "Vou garantir que a predefinição não quebre de novo."),
    ],
)
def test_the_same_words_in_everyday_work_are_not_alerts(language: str, text: str) -> None:
    assert not alerted(text, language)
