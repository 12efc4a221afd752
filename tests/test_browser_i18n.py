"""The language switcher in a real Chromium: Arabic, right to left, by keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import PageLog

pytestmark = pytest.mark.integration

SCREENSHOT = "/tmp/safetydesk-home-ar.png"


def test_switching_to_arabic_turns_the_page_right_to_left_and_stays(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    page.goto(live_server + "/")
    switcher = page.get_by_role("navigation", name="Language")
    arabic = switcher.get_by_role("link", name="العربية")
    for _ in range(12):  # skip link, title, sign-in, English, Français, then العربية
        page.keyboard.press("Tab")
        if arabic.evaluate("link => link === document.activeElement"):
            break
    expect(arabic).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url("**/?uselang=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text("Safety Desk")
    expect(page.get_by_role("link", name="سجّل الدخول بحساب ويكيميديا الخاص بك")).to_be_visible()
    # The header mirrors: the title on the right, the switcher on the left.
    title = page.locator(".sd-header__title").bounding_box()
    languages = page.get_by_role("navigation", name="اللغة").bounding_box()
    assert title and languages
    width = page.viewport_size["width"] if page.viewport_size else 1280
    assert title["x"] > width / 2
    assert languages["x"] + languages["width"] < title["x"]
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The choice is remembered: the next page, without ?uselang, is still in Arabic.
    page.locator(".sd-header__title").click()
    page.wait_for_url(live_server + "/")
    expect(html).to_have_attribute("dir", "rtl")
    current = page.get_by_role("navigation", name="اللغة").locator("[aria-current=true]")
    expect(current).to_have_text("العربية")
    assert page_log.problems() == []
