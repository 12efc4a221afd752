"""A hash bank match in a real browser: the image stays hidden until a restricted specialist asks.

An image is uploaded to the local wiki and alerted as matching a doxxing bank. Steward
One (a restricted specialist) opens the alert: the bank and distance are there, and the
browser has not asked for the file; a click on "Show the file" fetches it (through the
tool, from the wiki) and shows it blurred and greyscale. Plain User (a specialist, not
restricted) is refused the alert and the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from conftest import oauth_settings
from playwright.sync_api import Browser, Page, expect
from uploading import Uploader, encoded, picture

from devwiki import DevWiki
from devwiki.wiki import Account
from flaskapp.context import sessions
from tools.base.config import load_settings
from tools.patrol import hash_banks, upload_matches
from tools.patrol.hash_banks import BankMatch
from tools.patrol.uploads import Upload

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


@pytest.fixture
def tool(live_server_factory: Callable[..., LiveServer], devwiki: DevWiki) -> LiveServer:
    return live_server_factory(
        **oauth_settings(devwiki),
        bootstrap_specialists="Plain User",
        bootstrap_restricted_specialists="Steward One",
        patrol_api_urls={"devwiki": devwiki.api_url},
    )


def _sign_in(page: Page, url: str, account: Account) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()


def test_restricted_specialist_sees_the_match_and_the_file_only_when_asking(
    page: Page, page_log: PageLog, chromium: Browser, devwiki: DevWiki, tool: LiveServer
) -> None:
    title = Uploader(devwiki).upload("Browser match.png", encoded(picture(7)))
    with sessions(tool.app)() as session, session.begin():
        bank = hash_banks.load_bank(session, "Doxxing photos", "doxxing", [("ab" * 32, None)])
        alert = upload_matches.raise_match_alert(
            session,
            Upload("devwiki", 1, title, "Uploader Person", "2026-12-03T08:00:00Z"),
            [BankMatch(bank.id, 1, 4, "original")],
            {bank.id: bank},
            load_settings(database_url="sqlite://"),
        )
        assert alert is not None
        alert_id = alert.id

    _sign_in(page, f"{tool.url}/alerts/{alert_id}", devwiki.credentials.steward)
    expect(page.locator(".sd-matches")).to_contain_text("Doxxing photos")
    expect(page.locator(".sd-matches")).to_contain_text("4 of 256 bits")
    image = page.locator(".sd-match-file img")
    expect(image).not_to_be_visible()
    file_url = f"{tool.url}/alerts/{alert_id}/file"
    assert file_url not in page_log.requests  # not fetched before the click

    with page.expect_response(file_url) as answer:
        page.get_by_text("Show the file").click()
    assert answer.value.status == 200
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    css_filter = image.evaluate("(img) => getComputedStyle(img).filter")
    assert "blur" in css_filter and "grayscale" in css_filter
    assert not [url for url in page_log.requests if devwiki.url.rstrip("/") in url]
    assert page_log.problems() == []

    context = chromium.new_context(locale="en-US")
    try:
        plain = context.new_page()
        _sign_in(plain, f"{tool.url}/alerts/{alert_id}", devwiki.credentials.plain)
        expect(plain.locator("body")).to_contain_text("Restricted alert")
        expect(plain.locator(".sd-matches")).to_have_count(0)
        assert plain.request.get(file_url).status == 403
    finally:
        context.close()
