"""Issue 16: groups as targets of threats and of abuse, and groups merely named.

"Let's kill all the …", "tuons les …", "لنقتل …" threaten a group with no "you" in
them; "… are vermin" demeans one. "I am gay" or "je suis musulmane" only names a
group: the learned layer, which met those words mostly in abuse, must not alert on
them. The sentences are written for these tests, in each language's own forms.
"""

from __future__ import annotations

import pytest
from helpers import alerted

from tools.triage.derogation import neutral


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Let's hang every last one of the feminists from the bridge."),
        ("en", "We're going to burn the refugees out of that camp, alive if need be."),
        ("en", "I'll stab anybody who votes to keep this page."),
        ("fr", "Massacrons ces gauchistes avant qu'ils ne votent."),
        ("fr", "Il est temps de fusiller les traîtres et les immigrés."),
        ("pt", "Matemos esses comunistas antes da eleição."),
        ("pt", "Está na hora de queimar vivos esses macumbeiros."),
        ("ar", "لنذبح هؤلاء الكفار واحدا واحدا"),
        ("ar", "سألاحق الملحدين وأذبحهم في بيوتهم"),
        ("ar", "حان الوقت لحرق الروافض في قراهم"),
        ("en", "The first steward who locks my account gets a knife in the back."),
        ("fr", "Le prochain type qui supprime ma page, je le poignarde."),
        ("pt", "Vamos esmagar esses ciganos um por um."),
    ],
)
def test_threats_to_a_group_with_no_you_in_them_alert(language: str, text: str) -> None:
    assert "violence" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Refugees are nothing but parasites living off our taxes."),
        ("en", "Filthy immigrants ruin every article they touch."),
        ("fr", "Les féministes sont des hystériques, toutes."),
        ("pt", "Esses nordestinos são uns preguiçosos imundos."),
        ("ar", "اليهود خنازير ولا يستحقون شيئا"),
    ],
)
def test_a_group_demeaned_as_a_group_is_harassment(language: str, text: str) -> None:
    assert "harassment" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I am a gay man and I wrote most of this article."),
        ("en", "i dont think he is gay, the source says otherwise"),
        ("en", "Women are not stupid, and the survey shows it."),
        ("en", "Anyone makes a stupid typo now and then."),
        ("fr", "Je suis une femme musulmane et je relis cette page."),
        ("pt", "Sou lésbica e nordestina, e revisei as fontes."),
        ("ar", "انا امرأة مسلمة واعمل على هذه المقالة"),
    ],
)
def test_naming_a_group_is_not_abuse(language: str, text: str) -> None:
    assert not alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Give it a shot if everyone agrees, then we can move the page."),
        ("en", "You're not going to get a bullet list, the issues are structure and weight."),
        ("en", "I would rather not shoot my mouth off and get blocked."),
        ("en", "Adding colours is within the tools, without breaking any rule."),
        ("en", "Nice work on the article. Your school project must have taken weeks."),
        ("en", "The next release will kill the old bug for good."),
        ("pt", "Vamos esmagar o Porto no domingo, três a zero."),
        ("pt", "Esmague o alho e junte ao molho."),
    ],
)
def test_idioms_and_scattered_words_are_not_threats(language: str, text: str) -> None:
    assert "violence" not in alerted(text, language)


def test_a_menace_next_to_someone_dear_is_still_a_veiled_threat() -> None:
    text = "Nice little car your wife drives. Shame if something happened to it."
    assert "violence" in alerted(text, "en")


def test_a_group_is_written_as_a_neutral_word_to_ask_the_model_again() -> None:
    assert neutral("I am gay, she is a Muslim woman", "en") == "I am people, she is a people people"
    assert neutral("Les musulmans", "fr") == "Les gens"
    assert neutral("سأقتل المسلمين", "ar") == "سأقتل ناس"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Refugees should be wiped off the face of the earth."),
        ("fr", "Il faut rayer de la carte tous ces migrants."),
        ("fr", "J'aimerais voir les lesbiennes brûlées vives."),
        ("pt", "Os ciganos deviam ser varridos do país, todos eles."),
        ("pt", "Devemos pegar os gays e enforcá-los na praça."),
        ("pt", "Vou machucar qualquer imigrante que aparecer aqui."),
        ("ar", "يجب محو اليهود من الوجود"),
        ("ar", "سأؤذي كل المهاجرين في الحي"),
    ],
)
def test_eliminationist_and_wishful_threats_against_groups_are_caught(
    language: str, text: str
) -> None:
    assert "violence" in alerted(text, language)


def test_condemning_a_threat_against_a_group_in_arabic_is_not_one() -> None:
    assert "violence" not in alerted("القول بأن اللاجئين يستحقون الموت كلام مقزز.", "ar")
