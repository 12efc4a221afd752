"""Issue 16: hounding read as structure: an intent to undo or follow *every* edit of *yours*.

"I'll revert your edit" is an editor's everyday work; "I'll revert every edit you
make until you quit" is hounding, in any of the four languages, with no phrase of
the rule files. The sentences are written for these tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I am going to follow you to every page you touch until you give up editing."),
        ("fr", "Je vais traquer chacune de tes contributions jusqu'à ce que tu quittes le projet."),
        ("pt", "Vou perseguir cada edição sua até você desistir da Wikipédia."),
        ("ar", "سألاحق كل تعديلاتك حتى تترك المشروع"),
    ],
)
def test_a_promise_to_hound_every_edit_is_harassment(language: str, text: str) -> None:
    assert "harassment" in alerted(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I will revert your edit: the source does not say that."),
        ("en", "Please follow every step of the guide until the upload finishes."),
        ("fr", "Je vais annuler ta modification, la source ne dit pas cela."),
        ("pt", "Vou reverter sua edição, a fonte não diz isso."),
        ("ar", "سأتراجع عن تعديلك لأن المصدر لا يقول ذلك"),
    ],
)
def test_undoing_one_edit_is_everyday_work(language: str, text: str) -> None:
    assert "harassment" not in alerted(text, language)
