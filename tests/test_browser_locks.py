"""Searching the global lock log in a real browser: an account, its history, a chart.

Signs in through the development sign-in against the local wiki's central API, then
uses the search form as a steward would. The charts are the tool's own SVG: the page
must run under the strict CSP without a single violation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from lock_samples import SAMPLE
from playwright.sync_api import Page, expect

from devwiki import DevWiki
from flaskapp.context import sessions
from tools import locks
from tools.base.db import transaction

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> str:
    server = live_server_factory(dev_login=True, central_api_url=devwiki.central_api_url)
    with transaction(sessions(server.app)) as session:
        locks.store_page(session, "metawiki", "metawiki:globalauth", SAMPLE)
    return server.url


def test_steward_searches_an_account_and_sees_its_history_and_a_chart(
    page: Page, page_log: PageLog, tool: str, devwiki: DevWiki
) -> None:
    page.goto(tool + "/locks/")
    page.get_by_label("Account on the development wiki").fill(devwiki.credentials.steward.name)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Global lock log")

    page.get_by_label("Account, IP address or range").fill("vandal")
    page.get_by_role("button", name="Search").click()
    results = page.locator(".sd-events tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Unlock")
    expect(results.last).to_contain_text("Long-term abuse")
    timeline = page.locator('svg[data-chart="timeline"]')
    expect(timeline).to_be_visible()
    expect(timeline.locator("rect.sd-chart__bar")).not_to_have_count(0)

    page.get_by_role("link", name="Vandal").first.click()
    expect(page.locator("h1")).to_have_text("Vandal")
    expect(page.locator('[data-status="lock"]')).to_have_text("Not locked")
    history = page.locator(".sd-events tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Lock")
    chart = page.locator('svg[data-chart="account-actions"]')
    expect(chart).to_be_visible()
    expect(chart.locator(".sd-chart__row")).to_have_count(2)
    fill = chart.locator("rect.sd-chart__bar").first.evaluate("bar => getComputedStyle(bar).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)"), "the bars are coloured by safetydesk.css"
    assert page_log.problems() == []
