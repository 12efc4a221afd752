"""Issue 16: noticeboard reports alert as what they report.

On a noticeboard the harm is most often told by the person it was aimed at: "he
wrote that he would break my legs", "someone published my address". A specialist
must read those as much as the threat itself. The sentences are written for these
tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        (
            "en",
            "violence",
            "This IP posted on my user page that he is going to stab me at the meetup.",
        ),
        ("fr", "violence", "Il m'a envoyé un message disant qu'il allait me crever les yeux."),
        ("pt", "violence", "Ele escreveu no meu mural que ia me esfaquear na saída do evento."),
        ("ar", "violence", "كتب لي في صفحة النقاش أنه سيذبحني"),
        ("en", "doxxing", "A sock keeps leaking the workplace and phone numbers of two admins."),
        (
            "fr",
            "doxxing",
            "Un compte a divulgué le lieu de travail d'une administratrice sur sa page.",
        ),
        ("pt", "doxxing", "Um perfil falso vazou o endereço e o telefone de uma editora."),
        ("ar", "doxxing", "قام حساب جديد بنشر رقم هاتف محررة ومكان عملها"),
        (
            "en",
            "self_harm",
            "A new user says on their talk page they are planning to take their own life.",
        ),
        ("ar", "self_harm", "كتب محرر أنه قرر أن ينتحر بعد هذا الحظر"),
        (
            "en",
            "harassment",
            "He follows me to every article I touch and keeps calling me a stupid cow.",
        ),
        (
            "fr",
            "harassment",
            "Cet utilisateur me harcèle partout et me traite de grosse sur les pages.",
        ),
        ("pt", "harassment", "Um usuário me chamou de piranha e me persegue por todas as páginas."),
        ("ar", "harassment", "هذا الحساب يطاردني في كل المقالات ويصفني بالحمار"),
    ],
)
def test_a_report_of_harm_alerts_as_that_harm(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "He wrote that my sources were outdated, so I updated them."),
        ("en", "She said she will review my draft tomorrow."),
        ("fr", "Il a écrit que mon article manquait de sources."),
        ("ar", "كتب لي أنه سيراجع مقالتي غدا"),
    ],
)
def test_a_report_of_ordinary_talk_is_not_an_alert(language: str, text: str) -> None:
    assert not alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Someone has been sending me death threats by e-mail since the RfA."),
        ("en", "Death threats from an IP on the reference desk, please revdelete."),
        ("fr", "Je reçois des menaces de mort depuis que j'ai bloqué ce compte."),
        ("pt", "Estou recebendo ameaças de morte de um usuário anônimo."),
    ],
)
def test_death_threats_received_or_reported_alert(language: str, text: str) -> None:
    assert "violence" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The paragraph on the death threats the senator received needs a source."),
        ("en", "She was convicted of threatening to kill a journalist in 2011, per the BBC."),
        ("fr", "Le chapitre sur les menaces de mort contre le journal est trop long."),
        ("pt", "O parágrafo sobre as ameaças de morte ao jornalista precisa de fonte."),
    ],
)
def test_death_threats_as_an_articles_subject_do_not_alert(language: str, text: str) -> None:
    assert "violence" not in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "violence", "An IP wrote on my user page that he'd find my flat and hurt my wife."),
        ("ar", "violence", "كتب أحدهم في بريدي أنه سيلحق بي إلى العمل ويضربني."),
        ("pt", "self_harm", "Um editor comentou na Esplanada hoje que vai se suicidar."),
        (
            "en",
            "doxxing",
            "Someone keeps posting the real name and home address of an admin on IRC.",
        ),
        ("en", "harassment", "He has stalked me across a dozen articles since the AfD closed."),
        ("en", "terrorism", "A user posted that they'll bring explosives to the Wikimania party."),
    ],
)
def test_a_report_in_the_third_person_alerts_as_its_harm(
    language: str, category: str, text: str
) -> None:
    assert category in alerted(text, language)


def test_someone_elses_suicide_reported_is_not_an_insult() -> None:
    assert "harassment" not in alerted("Ela escreveu que vai se matar, alguém ajude.", "pt")


def test_a_reminder_of_where_to_report_threats_is_no_threat() -> None:
    text = "Reminder: threats of violence go to the emergency address, not this board."
    assert not alerted(text, "en")
