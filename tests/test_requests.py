"""Functionaries file requests and follow them, in the web tool (Flask's test client)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from helpers import file_request_form, request_form_fields
from oauth_pages import FormParser

from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.base.notify import notify_requester_of_reply
from tools.models import Case, CaseEvent, User
from tools.oncall import run_due

STEWARD = ("Steward One", ("user", "functionary"))


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def steward(app: Flask) -> FlaskClient:
    return signed_in_client(app, *STEWARD)


def _cases(app: Flask) -> list[Case]:
    with sessions(app)() as session:
        return list(session.query(Case).order_by(Case.id))


def test_functionary_files_a_request_and_sees_it_with_its_promise(steward: FlaskClient) -> None:
    response = file_request_form(steward)
    assert response.status_code == 302
    reference = response.location.rsplit("/", 1)[1]
    assert reference.startswith("TS-20") and reference.endswith("-00001")
    page = steward.get(response.location).text
    assert reference in page and "Harassment on a talk page" in page
    assert "a first answer within 4 hours, a resolution within 3 days" in page
    listing = steward.get("/requests").text
    assert f'data-reference="{reference}"' in listing and "Received" in listing
    # Isolated from the page's direction, so a right-to-left page keeps them whole (#27).
    assert f"<bdi>{reference}</bdi>" in page and "<bdi>Harassment on a talk page</bdi>" in page
    assert f"<bdi>{reference}</bdi>" in listing


def test_the_request_keeps_its_wikis_subjects_and_parsed_evidence(
    app: Flask, steward: FlaskClient
) -> None:
    file_request_form(steward, subjects="Example vandal\n192.0.2.7\n2001:db8::/48")
    with sessions(app)() as session:
        case = session.query(Case).one()
        assert [w.wiki for w in case.wikis] == ["enwiki"]
        assert (case.subjects[0].kind, case.subjects[0].value) == ("account", "Example vandal")
        assert [s.kind for s in case.subjects] == ["account", "ip", "range"]
        evidence = case.evidence[0]
        assert (evidence.wiki, evidence.rev_id, evidence.old_rev_id) == ("enwiki", 123456, 123400)
        assert not case.restricted and case.severity == "high"


def test_emergency_categories_show_the_guidance_first(steward: FlaskClient) -> None:
    page = steward.get("/requests/new?category=threat").text
    assert page.index("contact the local emergency services now") < page.index(
        '<form method="post"'
    )
    assert (
        "contact the local emergency services now"
        not in steward.get("/requests/new?category=technical").text
    )


def test_child_protection_requests_are_restricted(app: Flask, steward: FlaskClient) -> None:
    file_request_form(steward, category="child_protection")
    (case,) = _cases(app)
    assert case.restricted and case.severity == "emergency"


def test_a_link_from_the_wiki_opens_the_form_filled_in(steward: FlaskClient) -> None:
    page = steward.get(
        "/requests/new?category=harassment&wiki=enwiki&page=Talk:Example"
        "&diff=123456&oldid=123400&user=Example+vandal"
    ).text
    assert "https://en.wikipedia.org/w/index.php?diff=123456&amp;oldid=123400" in page
    assert ">Example vandal</textarea>" in page
    assert 'value="enwiki"' in page and 'value="Talk:Example"' in page


def test_the_category_step_keeps_the_wiki_link(steward: FlaskClient) -> None:
    page = steward.get("/requests/new?wiki=enwiki&diff=42").text
    assert "category=harassment" in page and "diff=42" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 300, "255"),
        ("evidence", "not a link at all", "not a link at all"),
        ("evidence", "https://example.org/w/index.php?diff=1", "example.org"),
        ("wikis", "enwiki, nosuchwiki", "nosuchwiki"),
        ("subjects", "Bad#name", "Bad#name"),
        ("email", "not-an-address", "mail"),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_typed_is_lost(
    app: Flask, steward: FlaskClient, field: str, value: str, message: str
) -> None:
    response = file_request_form(
        steward, **{field: value, "description": "Everything I typed, kept."}
    )
    assert response.status_code == 400
    page = response.text
    assert message in page.split(f'id="{field}"', 1)[1], page
    assert 'aria-invalid="true"' in page
    assert "Everything I typed, kept." in page and value in page
    assert _cases(app) == []


def test_a_double_submission_files_one_request(app: Flask, steward: FlaskClient) -> None:
    hidden = request_form_fields(steward)
    data = {
        **hidden,
        "category": "technical",
        "title": "Spambot wave",
        "description": "Hundreds of new accounts.",
    }
    first = steward.post("/requests/new", data=data)
    second = steward.post("/requests/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert len(_cases(app)) == 1


def test_hourly_limit_keeps_the_form_and_never_holds_back_an_emergency(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(requests_per_hour=2)
    client = signed_in_client(app, *STEWARD)
    assert [file_request_form(client).status_code for _ in range(2)] == [302, 302]
    held = file_request_form(client, title="Third one today")
    assert held.status_code == 429
    assert "Please wait" in held.text and 'value="Third one today"' in held.text
    assert held.headers.get("Retry-After")
    assert (
        file_request_form(client, category="threat", title="Threat of violence").status_code == 302
    )
    assert len(_cases(app)) == 3


def test_thread_shows_replies_and_answers_but_never_notes(app: Flask, steward: FlaskClient) -> None:
    reference = file_request_form(steward).location.rsplit("/", 1)[1]
    with sessions(app)() as session, session.begin():
        case = cases.find_by_reference(session, reference)
        specialist = User(username="Specialist One")
        cases.note(session, case, specialist, "INTERNAL: checked the CU log")
        cases.reply(session, case, specialist, "Thank you, we are looking into it.")
    page = steward.get(f"/requests/{reference}").text
    assert "Thank you, we are looking into it." in page
    assert "INTERNAL" not in page

    form = FormParser()
    form.feed(page)
    answered = steward.post(
        f"/requests/{reference}/answer",
        data={"csrf_token": form.fields["csrf_token"], "body": "Here is one more diff."},
    )
    assert answered.status_code == 302
    assert "Here is one more diff." in steward.get(f"/requests/{reference}").text


def test_every_view_of_a_request_is_on_its_timeline(app: Flask, steward: FlaskClient) -> None:
    reference = file_request_form(steward).location.rsplit("/", 1)[1]
    steward.get(f"/requests/{reference}")
    steward.get(f"/requests/{reference}")
    with sessions(app)() as session:
        kinds = [e.kind for e in session.query(CaseEvent).order_by(CaseEvent.id)]
    assert kinds == ["filed", "viewed", "viewed"]


def test_someone_elses_request_does_not_exist_for_you(app: Flask, steward: FlaskClient) -> None:
    reference = file_request_form(steward).location.rsplit("/", 1)[1]
    other = signed_in_client(app, "Checkuser One", ("user", "functionary"))
    assert other.get(f"/requests/{reference}").status_code == 404
    assert reference not in other.get("/requests").text


def test_reply_notice_reaches_the_mail_server_without_the_reply(
    make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]
) -> None:
    host, port, mailbox = smtp_server
    app = make_app(smtp_host=host, smtp_port=port, public_url="https://safetydesk.example")
    client = signed_in_client(app, *STEWARD)
    reference = file_request_form(client, email="steward@example.org").location.rsplit("/", 1)[1]
    with sessions(app)() as session, session.begin():
        case = cases.find_by_reference(session, reference)
        cases.reply(session, case, User(username="Specialist One"), "Private reply text")
        settings = app.config["SETTINGS"]
        assert notify_requester_of_reply(session, settings, case, "Private reply text")
    assert mailbox.messages == []  # queued; the worker sends it
    run_due(sessions(app), settings, clock.now(), "w1")
    (mail,) = mailbox.messages
    assert mail["To"] == "steward@example.org"
    assert reference in mail["Subject"]
    body = mail.get_content()
    assert f"https://safetydesk.example/requests/{reference}" in body
    assert "Private reply text" not in body and "Harassment" not in body
