"""A steward makes an API token in a real browser and a script uses it against a live server.

Signs in through the development sign-in against the local wiki's central API, makes a
token on /account/tokens (CSRF form, shown once), then calls the API over HTTP with it,
as a script would. The token page and the API's documentation page must run under the
strict CSP without a single violation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import requests
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


def test_a_steward_makes_a_token_and_a_script_reads_a_lock_history_with_it(
    page: Page, page_log: PageLog, tool: str, devwiki: DevWiki
) -> None:
    page.goto(tool + "/account/tokens")
    page.get_by_label("Account on the development wiki").fill(devwiki.credentials.steward.name)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("API tokens")
    page.get_by_label("Name of the token").fill("lock checker")
    page.get_by_label("Search the global lock log").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("[data-token]").inner_text()
    assert secret.startswith("sdk_")
    expect(page.locator("tr[data-token-id]")).to_have_count(1)

    answer = requests.get(
        f"{tool}/api/v1/locks/accounts/Vandal",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert [row["log_id"] for row in answer.json()["history"]] == [3, 4]
    filing = requests.post(
        f"{tool}/api/v1/requests",
        json={"category": "other", "title": "t", "description": "d"},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert filing.status_code == 403  # the token has read-locks only

    page.goto(tool + "/account/tokens")
    expect(page.locator("[data-token]")).to_have_count(0)  # shown once
    expect(page.locator("tr[data-token-id]")).to_contain_text("127.0.0.1")
    page.get_by_role("link", name="API documentation").click()
    expect(page.locator("#lock_history_of_an_account")).to_be_visible()
    assert page_log.problems() == []
