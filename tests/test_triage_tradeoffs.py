"""What the learned layer costs: look-alikes it flags that the rules leave alone.

The learned layer finds most of the threats the rules miss in comments written by
people who never saw the rules (issue #16: the rules alone caught 28 % of them).
Its thresholds are chosen for recall in emergency categories, within a budget of
alerts on clean Wikipedia comments and a precision on hard negatives, so some
everyday sentences built like threats alert. These tests keep that cost visible:
the rules stay quiet on them, and an alert there shows the specialist that only
the model's words fired it, so it is quick to dismiss.
"""

from __future__ import annotations

import pytest

from tools.triage import classify
from tools.triage.combine import LEARNED, CombinedScorer
from tools.triage.rules import default_scorer

LOOK_ALIKES = [
    ("fr", "Merci pour tout, à la semaine prochaine à la rencontre."),
    ("en", "The town hall meeting will attack the housing problem first."),
    ("fr", "La mairie va organiser un marché de Noël sur la place."),
    ("en", "I cut my hair again last week, it looks better."),
    ("pt", "Ele disse que vai revisar meu artigo amanhã."),
    ("pt", "Se eu te encontrar no encontro, te pago um café."),
    ("en", "Cigarettes will kill you long before the traffic does."),
    ("fr", "L'alcool va te tuer si tu continues comme ça."),
    ("fr", "J'ai ton adresse pour t'envoyer le livre, je passe ce soir à la poste."),
    ("en", "Say hi to your family, see you tonight at the meetup!"),
    ("en", "I took my pills this morning and feel much better, thanks for asking."),
    ("en", "The embassy's public number is +44 20 7946 0000."),
    ("pt", "minha irmã tem 13 anos e já sai sozinha com as amigas, acredita?"),
    ("pt", "Quando vocês lerem a página de ajuda, vão entender o procedimento."),
]


@pytest.mark.parametrize(("language", "text"), LOOK_ALIKES)
def test_the_rules_alone_leave_look_alikes_alone(language: str, text: str) -> None:
    rules_only = CombinedScorer(default_scorer(), None)
    assert rules_only.score(text, language).above() == ()


@pytest.mark.parametrize(("language", "text"), LOOK_ALIKES)
def test_a_look_alike_alert_shows_it_is_the_models_guess(language: str, text: str) -> None:
    for finding in classify(text, language).above():
        assert any(p.startswith(f"{LEARNED}: ") for p in finding.phrases), finding


def test_the_patrol_reads_a_comment_with_other_languages_rules_not_their_model() -> None:
    from tools.patrol.revisions import classify_comment

    # an English header read as French or Portuguese is words the model never saw there
    header = "Report incidents here. Sign your posts with four tildes."
    assert classify_comment(header, "en").above() == ()
    # a French threat on an English board is still read with the French rules
    french = classify_comment("Je vais te tuer, je sais où tu habites.", "en")
    assert french.language == "fr" and "violence" in {f.category for f in french.above()}
