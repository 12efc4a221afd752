"""Related cases: cases sharing an account or IP, across wikis, without leaking restricted ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from helpers import file_queue_case
from oauth_pages import FormParser

from tools.models import Category


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def _related_part(page: str) -> str:
    """The related cases section, without the link/merge form under it."""
    part = page[page.index("Related cases") : page.index("Evidence links")]
    return part.split('<form method="post" action="/queue/')[0]


def test_cases_sharing_an_account_or_ip_on_any_wiki_are_shown_together(app: Flask) -> None:
    first = file_queue_case(app, "Harassment on enwiki", subjects="Example vandal\n192.0.2.7")
    same_ip = file_queue_case(app, "Spam on frwiki", wikis=("frwiki",), subjects="192.0.2.7")
    same_account = file_queue_case(
        app, "Threats on dewiki", wikis=("dewiki",), subjects="example_vandal"
    )
    unrelated = file_queue_case(app, "Other trouble", subjects="Someone else")
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
    first = file_queue_case(app, "Harassment on enwiki", subjects="Example vandal")
    secret = file_queue_case(
        app, "Grooming attempt", category=Category.CHILD_PROTECTION, subjects="Example vandal"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    part = _related_part(specialist.get(f"/queue/{first}").text)
    assert f"A restricted case: {secret}" in part
    assert "Grooming" not in part and f'href="/queue/{secret}"' not in part
    restricted = signed_in_client(app, "Restricted One", ("user",), ("restricted-specialist",))
    part = _related_part(restricted.get(f"/queue/{first}").text)
    assert "Grooming attempt" in part and f'href="/queue/{secret}"' in part


def _join(client: FlaskClient, reference: str, action: str, other: str) -> str:
    """Post the link/merge form of a case page as a browser would, and follow the redirect."""
    parser = FormParser()
    parser.feed(client.get(f"/queue/{reference}").text)
    token = parser.fields["join-csrf_token"]
    answer = client.post(
        f"/queue/{reference}/{action}",
        data={"join-csrf_token": token, "join-other": other},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    return answer.text


def test_a_specialist_links_two_cases_and_both_timelines_say_so(app: Flask) -> None:
    first = file_queue_case(app, "Harassment on enwiki", subjects="Example vandal")
    second = file_queue_case(
        app, "Spam wave on frwiki", wikis=("frwiki",), subjects="Other account"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = _join(specialist, first, "link", second.lower())
    assert "The cases are linked." in page
    assert f'data-reference="{second}" data-linked="yes"' in _related_part(page)
    assert f"<bdi>Specialist One</bdi> linked this case to {second}." in page
    back = specialist.get(f"/queue/{second}").text
    assert f'data-reference="{first}" data-linked="yes"' in _related_part(back)
    assert f"<bdi>Specialist One</bdi> linked this case to {first}." in back
    again = _join(specialist, second, "link", first)
    assert "These cases are linked already." in again


def test_merging_closes_the_case_and_the_other_takes_its_subjects_and_evidence(
    app: Flask,
) -> None:
    kept = file_queue_case(app, "Harassment on enwiki", subjects="Example vandal")
    merged = file_queue_case(
        app, "Same abuser on frwiki", wikis=("frwiki",), subjects="Second sock\n192.0.2.9"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = _join(specialist, merged, "merge", kept)
    assert "The case was merged." in page
    assert f'<span class="sd-reference">{kept}</span>' in page  # it lands on the kept case
    assert 'data-subject="Second sock"' in page and 'data-subject="192.0.2.9"' in page
    assert "frwiki" in page
    assert f"<bdi>Specialist One</bdi> merged {merged} into this case." in page
    assert f'data-reference="{merged}">{merged}</a>' in page
    old = specialist.get(f"/queue/{merged}").text
    assert f"This case was merged into {kept}" in old
    assert f"<bdi>Specialist One</bdi> merged this case into {kept}." in old
    assert 'class="sd-status">Closed<' in old
    assert "Details of Same abuser on frwiki" in old  # its own timeline and text stay
    assert 'action="/queue/' + merged + '/link"' not in old  # no second merge from here
    again = _join(specialist, kept, "merge", merged)
    assert f"{merged} was merged into another case already." in again


def test_a_restricted_case_cannot_be_found_linked_or_merged_by_other_specialists(
    app: Flask,
) -> None:
    first = file_queue_case(app, "Harassment on enwiki", subjects="Example vandal")
    secret = file_queue_case(
        app, "Grooming attempt", category=Category.CHILD_PROTECTION, subjects="Kid"
    )
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    for action in ("link", "merge"):
        page = _join(specialist, first, action, secret)
        assert "No case has this reference." in page
        assert f'data-reference="{secret}"' not in _related_part(page)
    restricted = signed_in_client(app, "Restricted One", ("user",), ("restricted-specialist",))
    page = _join(restricted, secret, "merge", first)
    assert "A restricted case can only be merged into a restricted case." in page
    page = _join(restricted, secret, "link", first)
    assert "The cases are linked." in page
    shown = _related_part(specialist.get(f"/queue/{first}").text)
    assert f"A restricted case: {secret}" in shown and "Grooming" not in shown
