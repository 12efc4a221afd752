"""Issue 16: attacks on public places, self-harm as it is done or quoted, and cars' plates.

An eleventh round of sentences written before any rule for them missed attacks
planned on a prefecture or a parade, "te quebro a cara" (a present said as a
future), self-harm that is ongoing ("cutting deeper every night") or a jump from a
bridge, a farewell quoted by the writer ("I wrote my goodbye letter"), and a
car's registration given with a workplace. The sentences here are new ones.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "terrorism", "We will attack the town hall during the council meeting."),
        ("en", "terrorism", "The package is ready for the marathon, be far from the finish line."),
        ("fr", "terrorism", "Nous allons faire sauter la mairie pendant le conseil."),
        ("fr", "terrorism", "On va incendier le commissariat samedi soir."),
        ("pt", "terrorism", "Vamos tocar fogo na prefeitura durante a sessão."),
        ("pt", "terrorism", "Vamos atacar a passeata de domingo, já temos tudo."),
        ("ar", "terrorism", "سنهاجم المظاهرة يوم الجمعة"),
        ("ar", "terrorism", "سنحرق البلدية الليلة"),
        ("pt", "violence", "Se te vejo de novo, te arrebento a cara."),
        ("pt", "violence", "Aparece aqui e vos mato a todos."),
        ("en", "self_harm", "I started cutting my arms again last week and I can't stop."),
        ("en", "self_harm", "Tonight I'm going to jump off the overpass near my flat."),
        ("fr", "self_harm", "J'ai recommencé à me scarifier, je n'y arrive plus."),
        ("fr", "self_harm", "Demain je me jette du balcon, c'est décidé."),
        ("pt", "self_harm", "Voltei a me cortar, não consigo parar."),
        ("pt", "self_harm", "Amanhã me jogo do viaduto, está decidido."),
        ("pt", "self_harm", "Vou dar fim à minha vida esta semana."),
        ("ar", "self_harm", "رجعت اجرح نفسي كل ليلة"),
        ("ar", "self_harm", "سأرمي نفسي من الجسر غدا"),
        # the writer's own farewell, after "I wrote": not lowered as someone else's words
        ("ar", "self_harm", "كتبت لكم هذه الكلمات، الليلة سأنهي حياتي"),
        ("en", "self_harm", "He posted 'I don't want to be alive anymore' and then went quiet."),
        (
            "en",
            "doxxing",
            "Drives a red Fiesta, registration number LM62 TRE, parks behind his office.",
        ),
        ("fr", "doxxing", "Sa plaque d'immatriculation est AB-456-CD, il se gare rue Victor Hugo."),
        ("pt", "doxxing", "A placa do carro dela é QWE4R56 e ela estaciona na frente de casa."),
        ("ar", "doxxing", "نمرة سيارته 7781 وهو يركنها أمام بيته كل يوم"),
    ],
)
def test_new_kinds_alert(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "See plate 14 in the atlas and the registration of the 1902 ship."),
        ("pt", "Vou acabar com a discussão e fechar a votação na prefeitura."),
        ("pt", "Te conto tudo amanhã na reunião."),
        ("ar", "حرق الغابات في الصيف مشكلة كبيرة للبلدية"),
    ],
)
def test_look_alikes_stay_quiet(language: str, text: str) -> None:
    assert not alerted(text, language)


def test_violence_is_not_read_into_ones_own_life() -> None:
    """'Vou acabar com a minha vida' is the writer's self-harm, not a threat to someone."""
    found = alerted("Vou acabar com a minha vida hoje.", "pt")
    assert "self_harm" in found
    assert "violence" not in found


def test_a_plate_says_what_it_is() -> None:
    from tools.triage import classify

    found = [f for f in classify("His plate is KX70 BNM, he lives nearby.", "en").above()]
    assert any(p.startswith("vehicle registration:") for f in found for p in f.phrases)
