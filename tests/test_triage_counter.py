"""Issue 16: counter-speech names a threat or an insult to condemn it, and is not one.

Functional test suites for abuse detection count "Saying that X should be shot is
vile" as not abusive; a specialist would not want to be paged for it. A report of a
threat that also condemns it ("he threatened to kill me, this is unacceptable")
still alerts: the frame is what tells them apart. The sentences are written for
these tests.
"""

from __future__ import annotations

import pytest
from helpers import alerted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Calling refugees cockroaches is hate speech, full stop."),
        ("en", "Writing that atheists should all be hanged is unacceptable on this wiki."),
        ("fr", "Dire que les Roms méritent d'être abattus est un délit."),
        ("pt", "Dizer que os nordestinos deviam ser fuzilados é crime."),
        ("ar", "القول إن اللاجئين يجب إعدامهم جريمة"),
        ("en", "If you believe immigrants should be shot, please seek help."),
        ("fr", "Si tu penses que les juifs méritent de mourir, va te faire soigner."),
    ],
)
def test_condemning_a_threat_or_an_insult_is_not_an_alert(language: str, text: str) -> None:
    assert not alerted(text, language) & {"violence", "harassment"}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "He wrote that he will stab me after the meetup. This is unacceptable."),
        ("pt", "Ele disse que vai me matar, isso é crime!"),
    ],
)
def test_a_report_that_condemns_the_threat_still_alerts(language: str, text: str) -> None:
    assert "violence" in alerted(text, language)
