"""A specialist adds a name pattern in a real browser; a new account then raises its alert.

Plain User (a specialist through ``bootstrap_specialists``) signs in through the local
OAuth provider, opens the name patterns from the alerts, types a plain word, tries it on
the newest names the watcher stored (one account created on the local wiki before
matches), saves it; an account created afterwards on the wiki is read by the watcher
(bots/account_watcher.py, its own process) and its alert shows in /alerts, with the
pattern's hit counted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import oauth_settings
from playwright.sync_api import Page, expect
from test_account_watcher import Watcher, create_account

from devwiki import DevWiki

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


@pytest.fixture
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> LiveServer:
    return live_server_factory(**oauth_settings(devwiki), bootstrap_specialists="Plain User")


def test_a_pattern_tried_then_saved_raises_an_alert_for_a_later_account(
    page: Page, page_log: PageLog, devwiki: DevWiki, tool: LiveServer, tmp_path: Path
) -> None:
    t = secrets.token_hex(3)
    start = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = f"Pizza Troll{t}"
    assert create_account(devwiki.api_url, before)
    watcher = Watcher(tmp_path, tool.settings.database_url, devwiki, "http://127.0.0.1:9/")
    watcher.run(f"-start:{start}")  # stores the name: no pattern yet, no alert

    account = devwiki.credentials.plain
    page.goto(f"{tool.url}/alerts")
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()
    page.get_by_role("link", name="Name patterns").click()

    page.get_by_label("Pattern").fill(f"troll{t}")
    page.get_by_label("Category").select_option("known_abuser")
    page.get_by_label("Note").fill("Long-term abuser of the pizza pages")
    page.get_by_role("button", name="Try on the newest names").click()
    expect(page.locator(".sd-trial-summary")).to_contain_text("1 of the newest")
    expect(page.locator(".sd-trial-matches")).to_contain_text(before)
    expect(page.get_by_label("Pattern")).to_have_value(f"troll{t}")  # kept for saving
    page.get_by_role("button", name="Save").click()
    row = page.locator("tr[data-pattern]", has_text=f"troll{t}")
    expect(row).to_contain_text("Plain User")
    expect(row.locator(".sd-hits")).to_have_text("0")

    after = f"Another TROLL{t}"
    assert create_account(devwiki.api_url, after)
    watcher.run()  # from its checkpoint: only the new account
    page.get_by_role("link", name="Alerts").first.click()
    alert_row = page.locator("tr[data-category='account_pattern']", has_text=after)
    expect(alert_row).to_contain_text("New account matching a pattern")
    expect(page.locator("tr[data-alert]", has_text=before)).to_have_count(0)
    page.goto(f"{tool.url}/alerts/patterns")
    expect(row.locator(".sd-hits")).to_have_text("1")
