# ruff: noqa: RUF001  (look-alike letters are the point)
"""Issue 16: threats in disguise: look-alike letters, "!" for "i", weapon emoji, Arabizi.

A thirteenth round of disguised sentences caught 20 of 35 on first try: Greek and
Cyrillic letters slipped into Latin words, "k!ll", "I will 🔫 you", SMS French
("j'vé te tuer"), a dot stretched inside an Arabic word (شرمـ.ـوطة) and Arabic
written in Latin letters with digits ("ha2telak", "hadba7ak"). The sentences here
are new ones; the look-alikes stay quiet.
"""

from __future__ import annotations

import pytest
from helpers import alerted

from tools.triage.normalise import normalise


@pytest.mark.parametrize(
    ("language", "category", "text"),
    [
        ("en", "violence", "Ι аm gоіng tо ѕtаb уоu"),  # Cyrillic and Greek letters
        ("en", "violence", "i'm gonna 🔪 you after the meetup"),
        ("en", "self_harm", "gonna k!ll mys3lf after this"),
        ("fr", "violence", "j'vé te 🔫 demain"),
        ("fr", "self_harm", "j've m suicider demain"),
        ("fr", "harassment", "connard de merde"),
        ("pt", "violence", "vou te 🔪 na saída"),
        ("ar", "violence", "wallahi ha2telak bokra"),
        ("ar", "violence", "ra7 adba7ak ya kalb"),
        ("ar", "self_harm", "ana 3ayza amoot"),
        ("ar", "harassment", "enta kalb w ibn el sharmouta"),
        ("ar", "harassment", "يا حقيـ.ـر"),
    ],
)
def test_disguised_threats_alert(language: str, category: str, text: str) -> None:
    assert category in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Wow!Great work on the FA, thanks!!!"),
        ("en", "Ρlease see the Greek spelling Φιλοσοφία in the lead."),
        ("fr", "Merci de me répondre sur ma pdd, j've pas eu le temps."),
        ("ar", "ana 3ayez a3mel maqala 3an el tarikh"),
        ("ar", "#السعودية_العظمى موقفها واضح"),
    ],
)
def test_look_alikes_stay_quiet(language: str, text: str) -> None:
    assert not alerted(text, language)


def test_a_greek_or_russian_comment_keeps_its_letters() -> None:
    """Look-alikes are undone only in mostly Latin text: Russian is not rewritten."""
    assert normalise("Привет, как дела?") == "привет, как дела?"


def test_a_dot_between_arabic_sentences_is_not_a_disguise() -> None:
    assert normalise("انتم.تبغونها") == "انتم.تبغونها"
