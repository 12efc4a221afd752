"""A specialist sees why an alert of the triage's learned layer fired (issue 16).

The comment below uses no phrase of the rule files: only the learned layer flags it.
Its alert page lists the words that weighed most ("learned: …") and marks them in
the comment, so a specialist can judge the alert instead of trusting a number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from conftest import oauth_settings
from playwright.sync_api import Page, expect

from devwiki import DevWiki
from flaskapp.context import sessions
from tools.patrol import alerts
from tools.patrol.wikitext import Comment
from tools.triage import classify
from tools.triage.combine import LEARNED

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration

BOARD = "Wikipedia:Administrators' noticeboard/Incidents"
TEXT = "nobody wants your ugly face here, you pathetic disgusting pig"


@pytest.fixture
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> LiveServer:
    return live_server_factory(**oauth_settings(devwiki), bootstrap_specialists="Plain User")


@pytest.fixture
def alert_id(tool: LiveServer) -> int:
    """A harassment alert raised from the real classifier's verdict: the learned layer's."""
    verdict = classify(TEXT, "en")
    assert verdict.top is not None and verdict.top.category == "harassment"
    assert all(phrase.startswith(f"{LEARNED}: ") for phrase in verdict.top.phrases)
    comment = Comment(
        key="c-Example-20261124210500",
        thread="Insults",
        author="Example",
        timestamp=datetime(2026, 11, 24, 21, 5, tzinfo=UTC),
        text=TEXT,
        wikitext=TEXT,
        signed=True,
    )
    with sessions(tool.app)() as session, session.begin():
        alert = alerts.raise_alert(
            session,
            wiki="enwiki",
            page_title=BOARD,
            rev_id=7_654_321,
            comment=comment,
            verdict=verdict,
            language="en",
        )
        assert alert is not None and alert.category == "harassment"
        return alert.id


def test_specialist_sees_the_words_that_fired_a_learned_alert(
    page: Page, page_log: PageLog, devwiki: DevWiki, tool: LiveServer, alert_id: int
) -> None:
    account = devwiki.credentials.plain
    page.goto(f"{tool.url}/alerts/{alert_id}")
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()

    listed = page.locator(".sd-phrases mark")
    expect(listed.first).to_contain_text(f"{LEARNED}: ")
    words = [text.split(": ", 1)[1] for text in listed.all_inner_texts()]
    assert words and all(word in TEXT for word in words)
    marked = page.locator(".sd-excerpt mark").all_inner_texts()
    assert set(marked) == set(words)
    assert page_log.problems() == []
