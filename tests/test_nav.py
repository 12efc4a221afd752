"""The navigation offers exactly the places a person's permissions open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def _places(page: str) -> list[str]:
    if 'class="sd-nav"' not in page:
        return []
    nav = page.split('class="sd-nav"', 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0] for part in nav.split('href="')[1:]]


def test_anonymous_visitors_get_no_navigation(app: Flask) -> None:
    assert _places(app.test_client().get("/").text) == []


def test_functionary_sees_their_requests_and_the_lock_log(app: Flask) -> None:
    client = signed_in_client(app, "Steward One", ("user", "functionary"))
    assert _places(client.get("/").text) == [
        "/requests/new",
        "/requests",
        "/locks/",
        "/account/tokens",
    ]


def test_specialist_sees_the_queue_and_metrics(app: Flask) -> None:
    client = signed_in_client(app, "Spec One", grants=["specialist"])
    assert {"/queue", "/metrics"} <= set(_places(client.get("/").text))


def test_admin_sees_the_admin_pages_and_not_the_queue(app: Flask) -> None:
    places = _places(signed_in_client(app, "Lead One", grants=["admin"]).get("/").text)
    assert "/admin/roles" in places and "/admin/canned" in places
    assert "/queue" not in places
