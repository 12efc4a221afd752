"""The language switcher in a real Chromium: Arabic, right to left, by keyboard; names and
addresses kept whole in a right-to-left page."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from flask import Blueprint, Flask, render_template
from playwright.sync_api import Page, expect

from flaskapp.access import public

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

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


# --- right to left, with names and addresses kept whole ---------------------------------

# Where each character of an element's text is drawn, left to right on the screen.
_CHARACTER_X = """element => {
    const text = element.textContent, xs = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            xs.push([node.data[i], range.getBoundingClientRect().left]);
        }
    }
    return xs;
}"""


def _lock_page_of(app: Flask) -> None:
    """The lock log's page of a name it knows nothing about, as locks.account renders it."""
    bp = Blueprint("rtl_test", __name__)

    @bp.get("/test/lock-page/<path:name>")
    @public
    def lock_page(name: str) -> str:
        status = SimpleNamespace(known=False, target=None)
        return render_template("locks/account.html", name=name, status=status)

    app.register_blueprint(bp)


def _order_on_screen(page: Page, selector: str, text: str) -> str:
    """The characters of ``text`` inside ``selector``, in the order they appear left to right."""
    drawn = page.locator(selector).evaluate(_CHARACTER_X)
    joined = "".join(char for char, _x in drawn)
    start = joined.index(text)
    mine = drawn[start : start + len(text)]
    return "".join(char for char, _x in sorted(mine, key=lambda pair: pair[1]))


@pytest.mark.parametrize("name", ["2001:db8::/32", "Example!"])
def test_arabic_pages_show_ranges_and_names_in_their_own_order(
    live_server_factory: Callable[..., LiveServer], page: Page, name: str
) -> None:
    server = live_server_factory(setup=_lock_page_of)
    page.goto(f"{server.url}/test/lock-page/{name}?uselang=ar")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert _order_on_screen(page, "h1", name) == name
    assert "سجل الحساب العام" in page.locator(".sd-empty").inner_text()
    assert _order_on_screen(page, ".sd-empty", name) == name
