"""Arabic self-harm and threats as dialects write them, and their look-alikes."""

from __future__ import annotations

import pytest

from tools.triage import classify


def alerted(text: str) -> set[str]:
    return {finding.category for finding in classify(text, "ar").above()}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("نغرق حالي فالبحر غدوة، صافي", "self_harm"),  # Maghrebi first person
        ("شو أسهل طريقة الواحد يموت فيها بدون ما يحس؟", "self_harm"),  # a method asked
        ("صاحبتي بدها تشنق حالها، شو أعمل؟", "self_harm"),  # reported by a friend
        ("عندي 45 حبة مخبية، بكرا بخلص", "self_harm"),  # pills counted
        ("كتبت وصيتي وسامحوني على كل شي", "self_harm"),
        ("هتشوف ايه اللي هيحصلك لو رجعت التعديل ده تاني", "violence"),
        ("بنتك بتروح المدرسة لوحدها كل يوم؟ الدنيا ما فيها أمان", "violence"),
        ("زي ما قلت لك، راح اضربك لو رجعت", "violence"),  # ما after زي is "as", not "not"
    ],
)
def test_dialect_self_harm_and_threats_alert(text: str, category: str) -> None:
    assert category in alerted(text)


@pytest.mark.parametrize(
    "text",
    [
        "الدنيا ما فيها أمان هالأيام، الله يحمي الجميع",  # a lament, nobody's child named
        "خبيت الدوا عن الأطفال في الخزانة العالية",  # medicine hidden from children
        "أسهل طريقة لتعلم البرمجة هي الممارسة",
        "الرواية تحكي عن رجل يحاول ان يغرق نفسه في النهر",  # a novel's plot
        "ما راح اضربك، بس رجع المقال زي ما كان",  # a real negation still negates
    ],
)
def test_their_look_alikes_stay_quiet(text: str) -> None:
    assert not alerted(text) & {"violence", "self_harm"}
