"""From a diff on the wiki to a reply in the thread, in a real browser.

A checkuser reads a diff on the local MediaWiki, where the "Report to Trust &
Safety" user script is loaded as their common.js; they click the link in the
Tools menu, sign in to Safety Desk through the wiki's OAuth, file a harassment
request from the prefilled form and follow it; a specialist's reply appears in
the thread and a notice reaches the local SMTP server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from conftest import Mailbox, oauth_settings
from playwright.sync_api import Browser, Page, expect

from devwiki import Account, DevWiki
from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.oncall import run_due

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration

USER_SCRIPT = Path(__file__).parents[1] / "flaskapp/static/userscript/report-to-trust-and-safety.js"
LINK_TEXT = {"en": "Report to Trust & Safety", "ar": "الإبلاغ إلى فريق الثقة والأمان"}


def _wiki_session(wiki: DevWiki, account: Account) -> requests.Session:
    """Log in to the wiki's API as a person (clientlogin), as the browser would."""
    session = requests.Session()
    session.trust_env = False
    token = session.get(
        wiki.api_url,
        params={"action": "query", "meta": "tokens", "type": "login", "format": "json"},
    ).json()["query"]["tokens"]["logintoken"]
    answer = session.post(
        wiki.api_url,
        data={
            "action": "clientlogin",
            "username": account.name,
            "password": account.password,
            "logintoken": token,
            "loginreturnurl": wiki.url,
            "format": "json",
        },
    ).json()
    assert answer["clientlogin"]["status"] == "PASS", answer
    return session


def _edit(session: requests.Session, wiki: DevWiki, title: str, text: str) -> int:
    token = session.get(
        wiki.api_url, params={"action": "query", "meta": "tokens", "format": "json"}
    ).json()["query"]["tokens"]["csrftoken"]
    answer = session.post(
        wiki.api_url,
        data={"action": "edit", "title": title, "text": text, "token": token, "format": "json"},
    ).json()
    assert answer.get("edit", {}).get("result") == "Success", answer
    return int(answer["edit"]["newrevid"])


@pytest.fixture
def tool(
    live_server_factory: Callable[..., LiveServer],
    devwiki: DevWiki,
    smtp_server: tuple[str, int, Mailbox],
) -> LiveServer:
    from tools.wiki.wikis import Wiki, register_wiki

    register_wiki(Wiki.local("devwiki", devwiki.url))
    host, port, _mailbox = smtp_server
    return live_server_factory(
        **oauth_settings(devwiki),
        bootstrap_specialists="Plain User",
        smtp_host=host,
        smtp_port=port,
    )


@pytest.fixture
def diff(devwiki: DevWiki, tool: LiveServer) -> tuple[int, int]:
    """A talk page with a hostile reply, and the checkuser's common.js pointing at this tool."""
    checkuser = _wiki_session(devwiki, devwiki.credentials.checkuser)
    script = f'window.safetyDeskUrl = "{tool.url}";\n' + USER_SCRIPT.read_text()
    _edit(checkuser, devwiki, "User:Checkuser One/common.js", script)
    plain = _wiki_session(devwiki, devwiki.credentials.plain)
    first = _edit(plain, devwiki, "Talk:Harassment example", "== Edits ==\nA question. ~~~~")
    second = _edit(
        plain, devwiki, "Talk:Harassment example", "== Edits ==\nA question. ~~~~\n:You again. ~~~~"
    )
    return first, second


def _report_from_the_diff(
    page: Page, devwiki: DevWiki, diff: tuple[int, int], language: str = "en"
) -> None:
    account = devwiki.credentials.checkuser
    page.goto(f"{devwiki.index_url}?title=Special:UserLogin")
    page.fill("#wpName1", account.name)
    page.fill("#wpPassword1", account.password)
    page.click("#wpLoginAttempt")
    # The user script passes the language the wiki is read in (wgUserLanguage) along.
    page.goto(f"{devwiki.index_url}?diff={diff[1]}&oldid={diff[0]}&uselang={language}")
    link = page.locator("#t-report-trust-and-safety a")
    expect(link).to_have_text(LINK_TEXT[language])  # the script's own words, in that language
    link.click()
    # Safety Desk asks for a sign-in first: the wiki's OAuth page.
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()


def _file_harassment(page: Page, title: str, description: str) -> str:
    page.locator('a[href*="category=harassment"]').click()
    page.locator("#title").fill(title)
    page.locator("#description").fill(description)
    page.locator("#email").fill("checkuser@example.org")
    page.locator("form.sd-form button[type=submit]").click()
    reference = page.locator(".sd-reference").inner_text()
    assert reference.startswith("TS-")
    return reference


def _specialist_replies(
    chromium: Browser, tool: LiveServer, devwiki: DevWiki, reference: str, text: str
) -> None:
    """A specialist, in a browser of their own, answers from the case page of the queue."""
    context = chromium.new_context(locale="en-US")
    try:
        page = context.new_page()
        specialist = devwiki.credentials.plain  # a specialist through bootstrap_specialists
        page.goto(f"{tool.url}/queue/{reference}")
        page.get_by_label("Username").fill(specialist.name)
        page.get_by_label("Password").fill(specialist.password)
        page.get_by_role("button", name="Allow").click()
        page.locator("#reply-body").fill(text)
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator("body")).to_contain_text(text)
    finally:
        context.close()


def test_checkuser_reports_a_diff_and_follows_the_request(
    chromium: Browser,
    page: Page,
    page_log: PageLog,
    devwiki: DevWiki,
    tool: LiveServer,
    diff: tuple[int, int],
    smtp_server: tuple[str, int, Mailbox],
) -> None:
    _report_from_the_diff(page, devwiki, diff)
    expect(page.locator("h1")).to_contain_text("File a request")
    reference = _file_harassment(page, "Hostile replies on a talk page", "See the diff.")

    evidence = page.locator(".sd-description")
    expect(evidence).to_contain_text("See the diff.")
    page.goto(tool.url + "/requests")
    expect(page.locator(f'tr[data-reference="{reference}"]')).to_be_visible()

    _specialist_replies(chromium, tool, devwiki, reference, "Thank you, we are on it.")
    page.goto(f"{tool.url}/requests/{reference}")
    expect(page.locator(".sd-thread")).to_contain_text("Thank you, we are on it.")
    run_due(sessions(tool.app), tool.app.config["SETTINGS"], clock.now(), "w1")  # the outbox
    (mail,) = smtp_server[2].messages
    assert reference in mail["Subject"] and mail["To"] == "checkuser@example.org"

    with sessions(tool.app)() as session:
        case = cases.find_by_reference(session, reference)
        assert case is not None
        link = case.evidence[0]
        assert (link.wiki, link.rev_id, link.old_rev_id) == ("devwiki", diff[1], diff[0])
    # The wiki's own pages log their 404s (favicon); what matters is no CSP violation in
    # the tool and no request leaving this machine.
    assert [p for p in page_log.problems() if p.startswith(("CSP", "foreign"))] == []


def test_the_same_flow_in_arabic_reads_right_to_left(
    chromium: Browser, page: Page, devwiki: DevWiki, tool: LiveServer, diff: tuple[int, int]
) -> None:
    _report_from_the_diff(page, devwiki, diff, language="ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    reference = _file_harassment(page, "ردود عدائية", "انظر الفرق.")
    _specialist_replies(chromium, tool, devwiki, reference, "شكرًا لك، نحن نعمل على ذلك.")
    page.goto(f"{tool.url}/requests/{reference}")
    expect(page.locator(".sd-thread")).to_contain_text("شكرًا لك")
    title = page.locator("h1").bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 1280
    assert title is not None and title["x"] + title["width"] > width / 2  # starts on the right
    page.screenshot(path="/tmp/safetydesk-request-ar.png", full_page=True)
