"""A specialist works an emergency from the queue to resolved, in a real browser.

Plain User (a specialist through ``bootstrap_specialists``) signs in through the local
OAuth provider, filters the queue to breaching emergencies, claims the case, adds an
internal note, replies in French from a canned response edited before sending,
escalates to Security (a task appears on the local Conduit server) and resolves the
case; Steward One, who filed it, then sees the reply and never the note.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from conftest import oauth_settings
from playwright.sync_api import Browser, Page, expect

from devwiki import Account, DevWiki
from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.cases import canned
from tools.models import Category, Severity, User

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration

NOTE = "Internal: the account looks like a known LTA."
CANNED_FR = "Bonjour {requester}, nous avons bien reçu {reference}."
EDITED = " Nous traitons votre demande en priorité."


@pytest.fixture
def tool(
    live_server_factory: Callable[..., LiveServer], devwiki: DevWiki, conduit_server: Any
) -> LiveServer:
    return live_server_factory(
        **oauth_settings(devwiki),
        bootstrap_specialists="Plain User",
        phabricator_url=conduit_server.url,
        phabricator_api_token=conduit_server.token,
        phabricator_security_project="PHID-PROJ-security",
    )


def _file(tool: LiveServer, title: str, severity: Severity, hours_ago: float) -> str:
    """A case filed by Steward One ``hours_ago``: its SLA clocks started then."""
    request = cases.NewRequest(
        category=Category.THREAT, severity=severity, title=title, description=f"About {title}"
    )
    with sessions(tool.app)() as session, session.begin():
        requester = session.query(User).filter_by(username="Steward One").one_or_none()
        requester = requester or User(username="Steward One")
        with clock.frozen_at(clock.now() - timedelta(hours=hours_ago)):
            case = cases.file_request(session, requester, request, tool.settings)
        return case.reference or ""


@pytest.fixture
def emergency(tool: LiveServer) -> str:
    """A breaching emergency, a fresh emergency and a canned response with French text."""
    reference = _file(tool, "Threat of violence at a meetup", Severity.EMERGENCY, 72)
    _file(tool, "A fresh threat", Severity.EMERGENCY, 0)
    with sessions(tool.app)() as session, session.begin():
        admin = User(username="Admin One")
        session.add(admin)
        session.flush()
        texts = {"en": "Hello {requester}, we received {reference}.", "fr": CANNED_FR}
        canned.save(session, admin.id, "received", "Received", texts, creating=True)
    return reference


def _sign_in(page: Page, url: str, account: Account) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(account.name)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Allow").click()


def _move(page: Page, status: str, label: str) -> None:
    page.locator("#status").select_option(status)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".sd-status")).to_have_text(label)


def test_specialist_works_a_breaching_emergency_and_the_requester_sees_only_the_reply(
    chromium: Browser,
    page: Page,
    page_log: PageLog,
    devwiki: DevWiki,
    tool: LiveServer,
    conduit_server: Any,
    emergency: str,
) -> None:
    _sign_in(page, f"{tool.url}/queue", devwiki.credentials.plain)
    page.locator("#severity").select_option("emergency")
    page.get_by_label("SLA breached").check()
    page.get_by_role("button", name="Show").click()
    rows = page.locator("tr[data-reference]")
    expect(rows).to_have_count(1)
    row = page.locator(f'tr[data-reference="{emergency}"]')
    expect(row).to_be_visible()
    row.get_by_role("link", name=emergency).click()  # the on-call banner links to it too

    page.get_by_role("button", name="Claim").click()
    expect(page.locator(".sd-assignee")).to_have_text("Plain User")
    page.locator("#note-body").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".sd-thread")).to_contain_text(NOTE)

    page.locator("#canned").select_option("received")
    page.locator("#language").select_option("fr")
    page.get_by_role("button", name="Use a canned response").click()
    reply_box = page.locator("#reply-body")
    filled = f"Bonjour Steward One, nous avons bien reçu {emergency}."
    expect(reply_box).to_have_value(filled)
    reply_box.press("End")
    reply_box.press_sequentially(EDITED)
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".sd-thread")).to_contain_text(filled + EDITED)

    _move(page, "triaged", "Triaged")
    _move(page, "in_progress", "In progress")
    page.locator("#escalate-target").select_option("security")
    page.get_by_role("button", name="Escalate", exact=True).click()
    expect(page.locator(".sd-status")).to_have_text("Escalated")
    (task,) = conduit_server.tasks
    assert task.projects == ["PHID-PROJ-security"]
    assert emergency in task.fields["title"] and NOTE not in task.fields["description"]
    expect(page.locator(".sd-tasks a")).to_have_text(f"T{task.id}")
    link = page.locator(".sd-tasks a").get_attribute("href") or ""
    assert link.startswith(conduit_server.url) and link.endswith(f"/T{task.id}")
    _move(page, "resolved", "Resolved")
    assert page_log.problems() == []

    context = chromium.new_context(locale="en-US")
    try:
        requester = context.new_page()
        _sign_in(requester, f"{tool.url}/requests/{emergency}", devwiki.credentials.steward)
        thread = requester.locator(".sd-thread")
        expect(thread).to_contain_text(filled + EDITED)
        expect(requester.locator("body")).not_to_contain_text(NOTE)
        expect(requester.locator(f'a[href*="{conduit_server.url}"]')).to_have_count(0)
    finally:
        context.close()
