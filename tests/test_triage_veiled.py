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
        ("fr", "J'ai ton adresse pour t'envoyer le livre, je passe ce soir à la poste."),
        ("pt", "Tenho seu endereço para enviar o certificado do concurso."),
        ("ar", "عندي عنوانك لإرسال الشهادة، شكرا لمشاركتك."),
        ("en", "Say hi to your family, see you tonight at the meetup!"),
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
