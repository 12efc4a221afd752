"""Two replicas of the webservice behind one proxy: nothing one holds in memory matters.

Toolforge may run the webservice as several processes or pods. Each request can land
on any of them, so a session made by one must work on the other, and the hourly
filing limit must count across them (Flask-Limiter's counters in Redis, as
``SAFETYDESK_RATELIMIT_STORAGE_URL`` sets on Toolforge).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conftest import signed_in_client, unavailable
from flask import Flask

from flaskapp import create_app
from tools.base.config import load_settings

pytestmark = pytest.mark.integration

#: A database of its own on the local Redis, emptied before each test.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        unavailable("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def _file(client: object, title: str) -> int:
    from helpers import file_request_form

    return file_request_form(client, title=title).status_code


def test_a_session_and_the_hourly_limit_hold_across_two_replicas(
    make_app: Callable[..., Flask], redis_url: str
) -> None:
    first = make_app(requests_per_hour=2, ratelimit_storage_url=redis_url)
    second = create_app(load_settings(**first.config["SETTINGS"].model_dump()))
    second.config.update(TESTING=True)
    on_first = signed_in_client(first, "Steward One", ("user", "functionary"))
    on_second = second.test_client()
    # The same signed cookie, presented to the other replica.
    on_second.set_cookie("safetydesk_session", on_first.get_cookie("safetydesk_session").value)
    assert on_second.get("/requests").status_code == 200
    assert _file(on_first, "One") == 302
    assert _file(on_second, "Two") == 302
    assert _file(on_first, "Three") == 429  # the second replica's request counted too
    assert _file(on_second, "Four") == 429
