"""Issue 16: death wishes, gendered abuse, farewells to be read later, and asks for a workplace.

Kinds the rules first missed when tried on sentences written for them: "I hope a
bus hits you", "women like you ruin this", "by the time you read this", "my client
will pursue you", "where does this guy work", and the same with letters spaced out
or a knife emoji. The sentences are written for these tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "violence", "I pray a truck hits you on the way home from the editathon."),
        ("fr", "violence", "J'espère qu'une voiture va te renverser demain matin."),
        ("pt", "violence", "Tomara que um ônibus te atropele amanhã."),
        ("ar", "violence", "يا رب تدهسك سيارة وأنت راجع"),
        ("en", "harassment", "Girls like you are why this project is dying. Back to the kitchen."),
        (
            "fr",
            "harassment",
            "Les nanas comme toi devraient rester chez elles, retourne à la cuisine.",
        ),
        ("pt", "harassment", "Mulheres como você deviam ficar caladas, volta pra cozinha."),
        ("ar", "harassment", "البنات مثلك مكانهن البيت، روحي للمطبخ"),
        ("en", "self_harm", "By the time anyone reads this I'll be gone. Thank you for the years."),
        ("fr", "self_harm", "Lorsque vous lirez ce message, je serai loin de tout."),
        ("pt", "self_harm", "Quando vocês lerem esta mensagem eu já terei ido embora."),
        (
            "en",
            "legal_threat",
            "Having reviewed the page, I am urging my client to bring proceedings.",
        ),
        (
            "pt",
            "legal_threat",
            "Aconselhei minha cliente a processar todos os editores envolvidos.",
        ),
        ("en", "doxxing", "Where does that editor work? Someone should call her boss."),
        ("pt", "doxxing", "Onde essa usuária trabalha? Vou ligar pro chefe dela."),
        ("en", "violence", "d i e  y o u  w h o r e, i'm coming for you"),
        ("en", "violence", "coming for u after the meetup 🔪"),
    ],
)
def test_the_kinds_first_missed_are_caught(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Great work on the knife-making article 🔪, thank you!"),
        ("en", "I hope someone reviews the bus route article before Friday."),
        ("fr", "J'espère qu'un relecteur passera sur l'article demain."),
        ("en", "My client asked me to thank the editors for the quick fix."),
    ],
)
def test_their_everyday_look_alikes_are_not_alerts(language: str, text: str) -> None:
    assert not alerted(text, language)


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "harassment", "At the editathon he grabbed me even though I said no, twice."),
        ("fr", "harassment", "Depuis la rencontre il m'envoie des messages toutes les nuits."),
        ("pt", "harassment", "Ele me agarrou no encontro depois que eu disse que não."),
        ("ar", "harassment", "زميل من اللقاء يراسلني كل ليلة ولا يتوقف"),
        ("en", "violence", "Put him on the panel and somebody will end up hurt, I promise you."),
        ("pt", "violence", "Se ele vier ao evento alguém vai sair ferido."),
        ("en", "self_harm", "Just swallowed a whole bottle of my antidepressants. Bye."),
        ("fr", "self_harm", "J'ai avalé toute la boîte de somnifères, adieu."),
        ("pt", "self_harm", "Tomei a cartela inteira de calmantes, adeus."),
        ("ar", "self_harm", "بلعت علبة الحبوب كلها، وداعا"),
        ("en", "legal_threat", "Your edits have been reported to the police and my solicitor."),
    ],
)
def test_event_harassment_overdoses_and_police_reports_are_caught(
    language: str, category: str, text: str
) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Someone is going to get hurt feelings over this merge, but it is right."),
        ("pt", "Tomei dois comprimidos para a dor de cabeça e voltei a editar."),
        ("en", "I reported the vandalism to the admins' noticeboard."),
    ],
)
def test_hurt_feelings_ordinary_pills_and_noticeboard_reports_are_not_alerts(
    language: str, text: str
) -> None:
    assert not alerted(text, language)


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("fr", "harassment", "Espèce de pouffiasse, personne ne lit tes articles."),
        ("ar", "harassment", "هاي المحررة الساقطة لازم تنحظر"),
        ("ar", "self_harm", "بكرا ما رح تلاقوني، سامحوني"),
        ("fr", "terrorism", "On va faire une tuerie à la foire du livre samedi."),
        ("fr", "child_safety", "Un homme demande à une fille de 13 ans de le rencontrer en privé."),
        ("pt", "child_safety", "Um homem pediu fotos para um menino de 12 anos no privado."),
        ("fr", "doxxing", "Voilà son Instagram @marie.dupont.lyon, elle habite à Lyon 3e."),
        ("ar", "doxxing", "هذا حسابها على انستغرام وعنوان بيتها في عمان شارع 12"),
        ("pt", "legal_threat", "Ficam V. Exas. por este meio notificados da ação a instaurar."),
        ("en", "violence", "you're dead meat after the meetup lol, not kidding"),
        ("pt", "violence", "vou te matar kkk sem brincadeira"),
    ],
)
def test_slurs_farewells_reports_and_jokes_taken_back(
    language: str, category: str, text: str
) -> None:
    assert category in alerted(text, language)


def test_a_joke_marker_still_lowers_a_threat_not_taken_back() -> None:
    assert "violence" not in alerted("vou te matar kkkk", "pt")
