"""The front page in a real Chromium: Codex from our own origin, keyboard use, right-to-left."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask, flash, render_template
from playwright.sync_api import Page, expect

from flaskapp.access import public

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


def _layout_test_pages(app: Flask) -> None:
    """Pages that render the layout with context production code does not set yet."""
    bp = Blueprint("layout_test", __name__)

    @bp.get("/test/rtl")
    @public
    def rtl() -> str:
        flash("A warning, written from right to left.", "warning")
        return render_template("home.html", page_language="he", page_direction="rtl")

    @bp.get("/test/signed-in")
    @public
    def signed_in() -> str:
        user = SimpleNamespace(username="Example Steward", roles=["functionary", "specialist"])
        return render_template("home.html", current_user=user)

    app.register_blueprint(bp)


@pytest.fixture(scope="module")
def test_server(live_server_factory: Callable[..., LiveServer]) -> str:
    return live_server_factory(setup=_layout_test_pages).url


def _stylesheets(page: Page) -> list[str]:
    return page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(l => l.href)")


def test_home_page_styles_itself_with_codex_served_by_the_tool(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    page.goto(live_server + "/")

    origin = urlsplit(live_server).netloc
    sheets = _stylesheets(page)
    assert [urlsplit(url).path for url in sheets] == [
        "/static/codex/theme-wikimedia-ui.css",
        "/static/codex/codex.style.css",
        "/static/safetydesk.css",
    ]
    assert all(urlsplit(url).netloc == origin for url in sheets)
    # Codex's card and its design tokens apply: a border in Codex's base border colour.
    card = page.locator(".cdx-card").first
    expect(card).to_have_css("border-top-color", "rgb(162, 169, 177)")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("-apple-system")
    assert page_log.problems() == []


def test_skip_link_appears_on_first_tab_and_moves_focus_to_the_content(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    page.goto(live_server + "/")
    skip = page.locator(".sd-skip-link")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    expect(skip).to_have_css("outline-style", "solid")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#content$"))
    expect(page.locator("main#content")).to_be_focused()
    assert page_log.problems() == []


def test_right_to_left_page_loads_codex_right_to_left_stylesheet(
    page: Page, page_log: PageLog, test_server: str
) -> None:
    page.goto(test_server + "/test/rtl")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "he"
    paths = [urlsplit(url).path for url in _stylesheets(page)]
    assert "/static/codex/codex.style-rtl.css" in paths
    assert "/static/codex/codex.style.css" not in paths
    # Codex's RTL build puts the message text's gap on the right, after the icon.
    content = page.locator(".sd-messages .cdx-message__content")
    expect(content).to_have_css("margin-right", "8px")
    expect(content).to_have_css("margin-left", "0px")
    assert page_log.problems() == []


def test_signed_in_header_shows_name_roles_and_a_sign_out_button_reachable_by_keyboard(
    page: Page, page_log: PageLog, test_server: str
) -> None:
    page.goto(test_server + "/test/signed-in")

    header = page.locator("header")
    assert header.locator(".sd-user__name").inner_text() == "Example Steward"
    roles = header.locator(".sd-user__roles li").all_inner_texts()
    assert roles == ["functionary", "specialist"]
    sign_out = header.get_by_role("button", name="Sign out")
    for _ in range(3):  # skip link, tool name, sign-out button
        page.keyboard.press("Tab")
    expect(sign_out).to_be_focused()
    assert page_log.problems() == []


def test_page_log_catches_what_the_policy_refuses(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    """The fixture checks itself: a refused style that went unseen would make "no problems" void."""
    page.goto(live_server + "/")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<style>p { color: red }</style>')"
    )

    assert any(problem.startswith("CSP: style-src-elem") for problem in page_log.problems())
