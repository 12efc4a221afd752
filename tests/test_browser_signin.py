"""Signing in in a real browser: the tool, the local OAuth provider and the local wiki.

Each person clicks "Sign in", types their wiki password on the wiki's page, presses
Allow, and lands back on Safety Desk seeing what their role lets them do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from conftest import oauth_settings
from playwright.sync_api import Page, expect

from devwiki import Account, DevWiki

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> str:
    # The default consumer's callback prefix admits any port on 127.0.0.1.
    return live_server_factory(
        **oauth_settings(devwiki),
        bootstrap_specialists="Plain User",
    ).url


def _sign_in(page: Page, tool: str, account: Account) -> None:
    page.goto(tool + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()


@pytest.mark.parametrize(
    ("who", "roles", "can", "cannot"),
    [
        ("steward", {"user", "functionary"}, "file-request", "view-queue"),
        ("checkuser", {"user", "functionary"}, "view-own-requests", "act-on-cases"),
        ("plain", {"user", "specialist"}, "act-on-cases", "view-restricted-cases"),
    ],
)
def test_person_signs_in_and_sees_their_name_and_role(
    page: Page,
    page_log: PageLog,
    tool: str,
    devwiki: DevWiki,
    who: str,
    roles: set[str],
    can: str,
    cannot: str,
) -> None:
    account: Account = getattr(devwiki.credentials, who)
    _sign_in(page, tool, account)
    expect(page.locator(".sd-header__user")).to_contain_text(account.name)
    page.goto(tool + "/me")
    expect(page.locator("h1")).to_have_text(account.name)
    shown = set(
        page.locator(".sd-roles [data-role]").evaluate_all(
            "items => items.map(item => item.dataset.role)"
        )
    )
    assert shown == roles
    expect(page.locator(f'[data-permission="{can}"]')).to_have_count(1)
    expect(page.locator(f'[data-permission="{cannot}"]')).to_have_count(0)
    assert page_log.problems() == []


def test_blocked_person_is_refused_with_the_reason(
    page: Page, page_log: PageLog, tool: str, devwiki: DevWiki
) -> None:
    _sign_in(page, tool, devwiki.credentials.blocked)
    expect(page.locator("h1")).to_have_text("Sign-in refused")
    expect(page.get_by_role("alert")).to_contain_text("blocked")
    expect(page.get_by_role("alert")).to_contain_text("Vandalism")
    page.goto(tool + "/me")
    assert page.url.startswith(tool + "/login") or "/oauth2/authorize" in page.url
    # Chromium reports the refusal page's own 403 status on the console; nothing else.
    assert [p for p in page_log.problems() if "status of 403" not in p] == []


def test_sign_out_by_keyboard(page: Page, tool: str, devwiki: DevWiki) -> None:
    _sign_in(page, tool, devwiki.credentials.steward)
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    expect(page.locator(".sd-header__user")).not_to_contain_text("Steward One")
