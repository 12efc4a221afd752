"""A mail without Content-Language is answered in the language it is written in."""

from __future__ import annotations

import pytest

from tools.mail.language import guess


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bonjour, un utilisateur me suit sur toutes les pages et je ne sais pas quoi faire.",
            "fr",
        ),
        ("Olá, um usuário está me seguindo em todas as páginas e eu não sei o que fazer.", "pt"),
        ("Hello, a user follows me on every page and I do not know what to do about it.", "en"),
        ("مرحبا، هناك مستخدم يلاحقني في كل الصفحات ولا أعرف ماذا أفعل", "ar"),
        ("Subject: [TS-2026-00042]\n\nMerci pour votre réponse, voici les liens (diffs).", "fr"),
    ],
)
def test_the_language_of_a_mail_is_read_from_its_words(text: str, expected: str) -> None:
    assert guess(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "https://en.wikipedia.org/w/index.php?diff=123", "OK", "Merci. Thanks."],
)
def test_too_little_to_tell_leaves_the_address_language(text: str) -> None:
    assert guess(text) is None


def test_only_the_start_of_a_long_mail_is_read() -> None:
    long = "Bonjour, je vous écris pour une urgence sur la page. " + "x " * 100_000
    assert guess(long) == "fr"
