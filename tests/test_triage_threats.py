"""Issue 16: threats against people and groups, in four languages, read as structure.

A threat against a group ("the next … I see", "they should all be shot") and a
normative threat ("… deserve to die", "يجب قتلهم") have no "you" in them; they are
caught by their grammar, not by a phrase list. The sentences here are written for
these tests from the kinds, in each language's own forms (clitics, dialects).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import alerted
from sklearn.feature_extraction.text import HashingVectorizer

from tools.triage import classify
from tools.triage.combine import CombinedScorer
from tools.triage.learned import CHAR_FEATURES, Features, _hash
from tools.triage.rules import default_scorer


def violent(text: str, language: str) -> bool:
    return any(finding.category == "violence" for finding in classify(text, language).above())


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Next protester who blocks my road, I'm running him over."),
        ("en", "Every one of those refugees ought to be lined up and shot."),
        ("en", "Bankers like you deserve to die slowly."),
        ("fr", "J'vais tirer sur le premier flic que je croise demain."),
        ("fr", "Ces migrants méritent tous d'être pendus."),
        ("fr", "Il faudrait tous les brûler vifs, ces traîtres."),
        ("pt", "Vou-te partir a cara toda quando te apanhar."),
        ("pt", "Esses políticos deviam ser todos fuzilados."),
        ("pt", "Tem que matar todos esses bandidos de uma vez."),
        ("ar", "بدي اطخهم كلهم واحد واحد"),
        ("ar", "هؤلاء الخونة يجب إعدامهم في الساحة"),
        ("ar", "الصحفيين دول لازم يموتوا"),
    ],
)
def test_threats_against_people_and_groups_are_caught(language: str, text: str) -> None:
    assert violent(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Civilians should never be killed, whatever the war."),
        ("en", "Thousands must have been killed in that famine; the article needs sources."),
        ("en", "Immigrants should be welcomed and helped."),
        ("fr", "Les réfugiés devraient être accueillis dignement."),
        ("pt", "Os imigrantes deviam ser bem recebidos aqui."),
        ("pt", "Eu faço muito mais edições do que você, com certeza."),
        ("ar", "يجب احترام جميع اللاجئين"),
    ],
)
def test_should_without_a_harm_is_not_a_threat(language: str, text: str) -> None:
    assert not violent(text, language)


def test_the_learned_layer_hashes_as_the_public_hashing_vectorizer() -> None:
    """The model's columns are those of scikit-learn's public ``HashingVectorizer``."""
    grams = ["ki", "kil", "kill", "تل", "é q"]
    public = HashingVectorizer(
        analyzer=lambda doc: doc, n_features=CHAR_FEATURES, alternate_sign=False, norm=None
    ).transform([grams])

    assert sorted(_hash(grams, CHAR_FEATURES).tolist()) == sorted(public.indices.tolist())
    indices, values = Features().hashed("kill kill", "en")
    assert len(indices) == len(set(indices.tolist())) and np.all(values > 0)


def test_a_language_can_have_a_threshold_of_its_own() -> None:
    scorer = CombinedScorer(default_scorer(), None, {"harassment": 0.6, "harassment@pt": 0.3})

    assert scorer.threshold("harassment", "pt-br") == 0.3
    assert scorer.threshold("harassment", "fr") == 0.6
    assert scorer.threshold("violence", "pt") == 0.5


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt", "O cigarro vai te matar, diz o estudo citado."),
    ],
)
def test_a_thing_that_kills_is_no_threat(language: str, text: str) -> None:
    assert not alerted(text, language) & {"violence", "harassment"}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I will kill you if you revert me again."),
        ("fr", "j3 v4is t3 p3ter l4 gu3ul3 et t3 d3f0nc3r"),
        ("pt", "Você ainda vai levar uma facada, seu lixo."),
    ],
)
def test_the_speaker_threatening_is_still_caught(language: str, text: str) -> None:
    assert "violence" in alerted(text, language)


@pytest.mark.parametrize(
    "text",
    [
        "لازم نغير المقدمة او نحذف الجزء الثاني من المقال",  # مقدمة holds دم
        "ندمت على التعديل، سأعيده غدا إن شاء الله",  # ندم holds دم
        "وين الصورة القديمة اشتقتلها",  # اشتقت لها holds قتل
        "ياخسارة أموال اهلنا في هذا المشروع",  # a pity, and "our family", not yours
    ],
)
def test_arabic_words_that_hold_a_harm_root_are_not_threats(text: str) -> None:
    assert "violence" not in alerted(text, "ar")


@pytest.mark.parametrize(
    "text",
    ["والله لأشرب من دمك يا خاين", "عندك بنات حلوين، خسارة لو صار لهم شي"],
)
def test_arabic_threats_with_short_roots_and_you_have_are_caught(text: str) -> None:
    assert "violence" in alerted(text, "ar")
