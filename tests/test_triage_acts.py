"""Issue 16: legal threats and attacks read as structure, as threats of violence are.

A legal threat is an intent, a legal act and whom it is against; an attack, an
intent, an explosive and a place or a gathering. Neither needs the rule files'
exact phrases. The sentences are written for these tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Our lawyers will be filing a lawsuit against you and the Foundation on Monday."),
        ("fr", "Mes avocats vont déposer une plainte contre vous dès demain."),
        ("pt", "Vou processar vocês e a fundação por calúnia."),
        ("ar", "سأرفع دعوى ضدك وضد المؤسسة الأسبوع القادم"),
    ],
)
def test_a_legal_threat_in_words_of_its_own_is_caught(language: str, text: str) -> None:
    assert "legal_threat" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "We are going to set off explosives at the editathon next week."),
        ("fr", "Une bombe explosera dans les locaux de l'association vendredi."),
        ("pt", "Vamos detonar explosivos na sede da associação amanhã."),
        ("ar", "سنفجر عبوة في مقر الجمعية غدا"),
    ],
)
def test_an_attack_on_a_place_or_gathering_is_terrorism(language: str, text: str) -> None:
    assert "terrorism" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The article on the 2004 lawsuit needs a better source for the settlement."),
        ("en", "I have contacted every lawyer on the list of sources; none replied."),
        ("en", "I will refer to Sue as her in the biography, as the sources do."),
        ("en", "Where did I personally attack anyone? Show me the diff."),
        ("en", "The bomb plot article says he used plastic explosive, which needs a detonator."),
        ("fr", "L'article sur l'attentat de 1995 cite trois sources contradictoires."),
        ("pt", "O advogado do clube deu entrevista; a fonte está no artigo."),
        ("ar", "المقالة عن تفجير المرفأ تحتاج إلى مصادر أفضل"),
        ("en", "You will be unblocked once you withdraw the legal threat above."),
        ("en", "Cease and desist from adding unsourced claims to biographies, please."),
    ],
)
def test_talking_about_lawsuits_and_bombings_is_not_a_threat(language: str, text: str) -> None:
    assert not alerted(text, language) & {"legal_threat", "terrorism"}


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("fr", "terrorism", "Pendant la réunion du conseil on va tout faire péter."),
        ("pt", "terrorism", "Vamos explodir tudo durante a reunião da associação."),
        ("ar", "terrorism", "سنفجر القاعة أثناء الاجتماع القادم"),
        ("ar", "legal_threat", "وكلنا محاميا لمقاضاتكم بتهمة التشهير."),
        ("en", "legal_threat", "We have retained our lawyers over this defamatory article."),
    ],
)
def test_attacks_and_legal_threats_in_other_words(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)
