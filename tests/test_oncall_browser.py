"""A specialist on duty follows a callout mail's link in a real browser and takes the case.

Plain User (a specialist through ``bootstrap_specialists``) is on duty; an emergency is
filed; the worker's pass mails the callout to the local SMTP server. The banner of the
queue shows it; the mail's link, opened signed out, goes through the OAuth sign-in to the
confirmation page, whose button acknowledges: the case is Plain User's and the banner is gone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from conftest import Mailbox, oauth_settings
from playwright.sync_api import Page, expect

from devwiki import DevWiki
from flaskapp.context import sessions
from tools import cases, oncall
from tools.base import clock
from tools.models import Category, User

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog

pytestmark = pytest.mark.integration


@pytest.fixture
def tool(
    live_server_factory: Callable[..., LiveServer],
    devwiki: DevWiki,
    smtp_server: tuple[str, int, Mailbox],
) -> LiveServer:
    host, port, _mailbox = smtp_server
    return live_server_factory(
        **oauth_settings(devwiki),
        bootstrap_specialists="Plain User",
        smtp_host=host,
        smtp_port=port,
    )


def test_the_person_on_duty_acknowledges_from_the_mail_and_gets_the_case(
    page: Page,
    page_log: PageLog,
    devwiki: DevWiki,
    tool: LiveServer,
    smtp_server: tuple[str, int, Mailbox],
) -> None:
    mailbox = smtp_server[2]
    now = clock.now()
    request = cases.NewRequest(category=Category.THREAT, title="A threat", description="…")
    with sessions(tool.app)() as session, session.begin():
        user = User(username="Plain User", email="plain@example.org", timezone="Europe/Lisbon")
        session.add(user)
        session.flush()
        oncall.add_shift(
            session, user.id, "Plain User", now - timedelta(hours=1), now + timedelta(hours=1)
        )
        reference = cases.file_request(session, None, request, tool.settings).reference
    oncall.run_due(sessions(tool.app), tool.settings, clock.now())
    [mail] = mailbox.messages
    link = re.search(r"/oncall/ack/[\w-]+", mail.get_content())
    assert link is not None

    page.goto(f"{tool.url}{link.group(0)}")  # signed out: the sign-in comes first
    page.get_by_label("Username").fill(devwiki.credentials.plain.name)
    page.get_by_label("Password").fill(devwiki.credentials.plain.password)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="Acknowledge an emergency")).to_be_visible()
    expect(page.locator("main")).to_contain_text(str(reference))

    page.goto(f"{tool.url}/queue")  # the GET changed nothing: the banner is still there
    expect(page.locator(f'[data-emergency="{reference}"]')).to_contain_text("Plain User")
    page.go_back()
    page.get_by_role("button", name="Acknowledge the emergency").click()
    expect(page.locator(".sd-assignee")).to_have_text("Plain User")
    expect(page.locator(".sd-thread")).to_contain_text("Plain User acknowledged the emergency.")

    page.goto(f"{tool.url}/queue")
    expect(page.locator(".sd-emergency")).to_have_count(0)
    page.get_by_role("link", name="On call", exact=True).first.click()
    expect(page.locator(".sd-on-duty")).to_contain_text("Plain User")
    expect(page.locator(".sd-on-duty")).to_contain_text("Europe/Lisbon")
    assert page_log.problems() == []
