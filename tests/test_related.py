"""Related cases: cases sharing an account or IP, across wikis, without leaking restricted ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from test_queue import _file

from tools.models import Category


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def _related_part(page: str) -> str:
    return page[page.index("Related cases") : page.index("Evidence links")]


def test_cases_sharing_an_account_or_ip_on_any_wiki_are_shown_together(app: Flask) -> None:
    first = _file(app, "Harassment on enwiki", subjects="Example vandal\n192.0.2.7")
    same_ip = _file(app, "Spam on frwiki", wikis=("frwiki",), subjects="192.0.2.7")
    same_account = _file(app, "Threats on dewiki", wikis=("dewiki",), subjects="example_vandal")
    unrelated = _file(app, "Other trouble", subjects="Someone else")
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    part = _related_part(specialist.get(f"/queue/{first}").text)
    assert f'data-reference="{same_ip}"' in part and "Spam on frwiki" in part
    assert f'data-reference="{same_account}"' in part and "Example vandal" in part
    assert unrelated not in part and first not in part
    back = _related_part(specialist.get(f"/queue/{same_ip}").text)
    assert first in back and same_account not in back


def test_a_related_restricted_case_shows_only_its_reference_to_other_specialists(
    app: Flask,
) -> None:
    first = _file(app, "Harassment on enwiki", subjects="Example vandal")
    secret = _file(
        app, "Grooming attempt", category=Category.CHILD_PROTECTION, subjects="Example vandal"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    part = _related_part(specialist.get(f"/queue/{first}").text)
    assert f"A restricted case: {secret}" in part
    assert "Grooming" not in part and f'href="/queue/{secret}"' not in part
    restricted = signed_in_client(app, "Restricted One", ("user",), ("restricted-specialist",))
    part = _related_part(restricted.get(f"/queue/{first}").text)
    assert "Grooming attempt" in part and f'href="/queue/{secret}"' in part
