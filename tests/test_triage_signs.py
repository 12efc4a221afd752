"""Issue 16: warning signs without the usual words, and personal data put together.

A fourteenth round caught 20 of 51 on first try. It missed an encounter promised
with its outcome ("you won't walk away"), a lethal dose looked up, pets and
belongings given away, a grade asked with a meeting after school, a full name
beside a workplace, "one by one until you quit", "make a sandwich", and formal
legal register ("remedies available at law", "saisir les tribunaux", "recorrer ao
Judiciário", "اللجوء إلى القضاء"). The sentences here are new ones.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "violence", "If I ever catch you at the meetup you won't make it home."),
        ("fr", "violence", "Si je te chope dehors, tu ne rentreras pas entier."),
        ("pt", "violence", "Se eu te encontrar, tu não sai vivo."),
        ("ar", "violence", "لو لقيتك ما راح ترجع سالم"),
        ("pt", "violence", "Vai ver o que acontece com tua casa."),
        ("ar", "violence", "راح تشوف شو رح يصير لبيتك"),
        ("en", "self_harm", "I keep googling how much paracetamol it would take."),
        ("fr", "self_harm", "Combien de somnifères il faudrait, vous pensez ?"),
        ("pt", "self_harm", "Quantos calmantes bastam, alguém sabe?"),
        ("ar", "self_harm", "كم قرص يكفي؟ تعبت"),
        ("en", "self_harm", "I gave my dog to my sister and sorted out my affairs. It's time."),
        ("pt", "self_harm", "Dei meu cachorro e organizei minhas coisas. Chegou a hora."),
        ("en", "child_safety", "Your parents don't need to know about our chats, ok?"),
        ("pt", "child_safety", "Você tá em que série? Podemos nos ver depois da aula."),
        ("en", "doxxing", "His full name is Owen Price and he works at Harland Motors."),
        ("pt", "doxxing", "Ela se chama Luana Costa e trabalha na Padaria Central."),
        ("ar", "doxxing", "اسمها نورة الشمري وتعمل في مستشفى الملك خالد"),
        (
            "en",
            "harassment",
            "I'll go through every article you wrote, one by one, until you leave.",
        ),
        ("en", "harassment", "Typical woman. Go make me a sandwich."),
        ("ar", "harassment", "سأسترجع كل تعديلاتك حتى ترحل"),
        ("en", "legal_threat", "We shall pursue every remedy available under the law."),
        ("en", "legal_threat", "I have no choice but to involve my solicitors."),
        ("fr", "legal_threat", "Je vais saisir la justice si rien ne change."),
        ("pt", "legal_threat", "Vou recorrer à Justiça contra os editores."),
        ("ar", "legal_threat", "سنلجأ إلى المحاكم إن لم يحذف المقال"),
        # a fifteenth round (first try 14 of 29): waiting with a weapon, an account no
        # longer needed, a bloodbath promised at a march, a summons to expect
        ("en", "violence", "We'll be waiting outside your flat with a crowbar."),
        ("pt", "violence", "Te espero lá fora com uma barra de ferro."),
        ("ar", "violence", "بستناك عند بيتك بسكين"),
        ("en", "self_harm", "I won't be needing my account anymore. Sorry for everything."),
        ("pt", "self_harm", "Não vou mais precisar das minhas coisas. Desculpem tudo."),
        ("fr", "terrorism", "Le défilé de dimanche va finir en bain de sang."),
        ("pt", "terrorism", "O desfile de domingo vai virar um banho de sangue."),
        ("en", "legal_threat", "Expect a subpoena by the end of the month."),
        ("fr", "legal_threat", "Attendez-vous à recevoir une assignation."),
    ],
)
def test_warning_signs_alert(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "She works at the BBC as a science producer."),
        ("fr", "Le maire s'appelle Thomas Girard depuis 2020."),
        ("en", "I gave my cat to my neighbour for the holidays, I'm ready for the trip!"),
        ("en", "If I ever see you at Wikimania, the coffee is on me."),
        ("en", "The article lists the remedies available at common law? Needs a source."),
    ],
)
def test_look_alikes_stay_quiet(language: str, text: str) -> None:
    assert not alerted(text, language)
