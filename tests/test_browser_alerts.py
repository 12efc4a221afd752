"""A specialist reviews the patrol's alerts in a real browser and turns one into a case.

Plain User (a specialist through ``bootstrap_specialists``) signs in through the local
OAuth provider, opens the alerts from the navigation, opens a violence alert, sees the
phrases that made it fire marked in the comment (and the comment's markup shown as
text), edits the prefilled case form and files it: an emergency case from an alert.
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
from tools.models import Alert, AlertStatus, Case, CaseSource, Severity
from tools.patrol import alerts
from tools.patrol.wikitext import Comment
from tools.triage import classify

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration

BOARD = "Wikipedia:Administrators' noticeboard/Incidents"
TEXT = "You reverted me again <b>twice</b>. I know where you live and I am going to kill you."


@pytest.fixture
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> LiveServer:
    return live_server_factory(**oauth_settings(devwiki), bootstrap_specialists="Plain User")


@pytest.fixture
def alert_id(tool: LiveServer) -> int:
    """A violence alert as the patrol raises it: the real classifier's verdict."""
    comment = Comment(
        key="c-Example-20261124210500",
        thread="Threats against an editor",
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
            rev_id=1_234_567,
            comment=comment,
            verdict=classify(TEXT, "en"),
            language="en",
        )
        assert alert is not None and alert.category == "violence"
        return alert.id


def test_specialist_sees_why_an_alert_fired_and_turns_it_into_a_case(
    page: Page, page_log: PageLog, devwiki: DevWiki, tool: LiveServer, alert_id: int
) -> None:
    account = devwiki.credentials.plain
    page.goto(f"{tool.url}/alerts")
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_role("navigation").get_by_role("link", name="Alerts")).to_be_visible()
    row = page.locator(f'tr[data-alert="{alert_id}"]')
    expect(row).to_contain_text("Violence")
    row.get_by_role("link", name="Violence").click()

    marks = page.locator(".sd-excerpt mark")
    expect(marks.first).to_be_visible()
    marked = " ".join(marks.all_inner_texts())
    assert "kill you" in marked or "where you live" in marked
    expect(page.locator(".sd-excerpt")).to_contain_text("<b>twice</b>")  # shown, not markup
    expect(page.locator(".sd-excerpt b")).to_have_count(0)
    expect(page.locator(".sd-phrases mark").first).to_be_visible()
    expect(page.locator(".sd-diff-link")).to_have_attribute(
        "href", "https://en.wikipedia.org/w/index.php?diff=1234567"
    )

    page.get_by_role("link", name="Turn into a case").click()
    expect(page.locator("#category")).to_have_value("threat")
    expect(page.locator("#severity")).to_have_value("emergency")
    expect(page.locator("#subjects")).to_have_value("Example")
    expect(page.locator("#evidence")).to_have_value(
        "https://en.wikipedia.org/w/index.php?diff=1234567"
    )
    page.locator("#title").fill("Death threat on ANI")
    page.get_by_role("button", name="File the case").click()

    expect(page.locator("h1")).to_contain_text("Death threat on ANI")
    expect(page.locator("body")).to_contain_text("The alert became case")
    assert page_log.problems() == []
    with sessions(tool.app)() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.status == AlertStatus.CASE
        case = session.get(Case, alert.case_id)
        assert case is not None
        assert (case.source, case.severity) == (CaseSource.ALERT, Severity.EMERGENCY)
