"""Issue 16: threats as they are reported on a noticeboard, and the euphemisms they use.

A twelfth round of sentences, written as functionaries file them, caught 18 of
50 on first try: "will be found and dealt with", "he knows my flat number",
"there will be blood at the meetup", a farewell that is only "I've made my
decision, it's tonight", a friend's overdose reported, bomb parts named together,
an account said to be a named person, a formal notice of libel, "mise en
demeure", "dame mahdour" (دمه مهدور). The sentences here are new ones.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "violence", "Whoever keeps reverting me will be tracked down and dealt with."),
        ("en", "violence", "He wrote that he knows where I live and where my kids go to school."),
        ("en", "violence", "There will be blood if the steward comes to the conference."),
        ("en", "violence", "Loading my rifle tonight and thinking about you, admin."),
        ("fr", "violence", "Il y aura du sang si cet admin vient au salon."),
        ("fr", "violence", "Il m'a écrit qu'il allait me faire la peau."),
        ("pt", "violence", "Se continuar assim, vai correr sangue no encontro."),
        ("pt", "violence", "Esse sujeito vai amanhecer com a boca cheia de formiga."),
        ("ar", "violence", "هذا المحرر دمه مهدور بعد ما كتب"),
        ("ar", "violence", "اقسم بالله لاخليك تندم"),
        ("en", "self_harm", "I've made my decision and it's happening tonight. Forgive me."),
        ("en", "self_harm", "My friend says she has swallowed all of her pills, what do I do?"),
        ("en", "self_harm", "A user says he is on the roof of his building and is going to jump."),
        ("fr", "self_harm", "J'ai pris ma décision, ce sera ce soir. Pardonnez-moi."),
        ("fr", "self_harm", "Elle a avalé toutes ses pilules, quelqu'un peut appeler ?"),
        ("pt", "self_harm", "Já tomei a decisão, vai ser hoje. Me perdoem."),
        ("ar", "self_harm", "اتخذت القرار وسيكون الليلة، سامحوني"),
        ("ar", "self_harm", "صديقتي بلعت كل الحبوب، ساعدوني"),
        ("en", "terrorism", "Get the ammonium nitrate and the detonators to the van."),
        ("fr", "terrorism", "Gloire aux martyrs, les mécréants mourront."),
        ("pt", "terrorism", "Vai ter bomba na reunião de sábado."),
        ("ar", "terrorism", "المجد للشهداء، الكفار سيدفعون الثمن"),
        ("en", "doxxing", 'Editor "Marlin" is Tomasz Kowalski, he runs a bakery in Hull.'),
        ("en", "doxxing", "I'm going to dig up everything I can on this editor."),
        ("en", "doxxing", "Reach him on mobile 07700 900456 any time."),
        ("pt", "doxxing", 'O usuário "Sabiá" é na verdade a Ana Prado, de Recife.'),
        ("ar", "doxxing", 'المستخدم "فهد" هو في الحقيقة سامي الحربي من الدمام'),
        ("en", "child_safety", "you look so grown up for 13, got snapchat?"),
        ("en", "harassment", "He's a filthy faggot and shouldn't be an admin."),
        ("fr", "harassment", "Il m'écrit tous les soirs, même après que je l'ai bloqué."),
        ("pt", "harassment", "Ele me manda mensagem todas as noites, mesmo depois que bloqueei."),
        ("ar", "harassment", "يا قبيحة يا بقرة"),
        ("en", "legal_threat", "Our clients will be seeking substantial damages for this libel."),
        ("en", "legal_threat", "The company's lawyers have been instructed regarding this page."),
        ("fr", "legal_threat", "Ceci vaut mise en demeure de supprimer la page."),
        ("fr", "legal_threat", "Des poursuites seront engagées contre les auteurs de cette page."),
    ],
)
def test_reported_and_euphemistic_threats_alert(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "There Will Be Blood is a 2007 film by Paul Thomas Anderson."),
        ("en", 'The novel "Carrie" is Stephen King\'s first.'),
        ("en", "The helpline phone is in the article's infobox."),
        ("en", "Thanks for everything you did on the GA review!"),
        ("en", "I've made my decision about the RfC: support."),
        ("en", "She's a well-known biologist and an admin on Commons."),
        ("pt", "Tomei a decisão de fechar a discussão hoje."),
        ("ar", "شكرا لكم على كل شيء، نلتقي في الاجتماع القادم"),
    ],
)
def test_look_alikes_stay_quiet(language: str, text: str) -> None:
    assert not alerted(text, language)
