"""Specialists work the queue in the web tool: list, case page, actions, restricted cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from helpers import file_queue_case
from oauth_pages import FormParser

from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.models import Category, LockEvent, LockTargetKind, Severity, User
from tools.oncall import run_due
from tools.wiki.subjects import parse_subject

STEWARD = ("Steward One", ("user", "functionary"))


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def specialist(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Specialist One", ("user",), ("specialist",))


@pytest.fixture
def restricted_specialist(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Restricted One", ("user",), ("restricted-specialist",))


def _csrf(client: FlaskClient, reference: str) -> str:
    parser = FormParser()
    parser.feed(client.get(f"/queue/{reference}").text)
    return parser.fields["csrf_token"]


def _post(client: FlaskClient, reference: str, action: str, **data: str) -> str:
    token = _csrf(client, reference)
    if action in ("note", "reply"):  # two text forms on one page: their fields are prefixed
        data = {f"{action}-{name}": value for name, value in data.items()}
    response = client.post(f"/queue/{reference}/{action}", data={"csrf_token": token, **data})
    assert response.status_code == 302, response.status_code
    return client.get(response.location).text


def _events(app: Flask, reference: str) -> list[tuple[str, str | None]]:
    with sessions(app)() as session:
        case = cases.find_by_reference(session, reference)
        return [(e.kind, e.actor.username if e.actor else None) for e in case.events]


def _order(page: str, references: list[str]) -> list[str]:
    return sorted(references, key=lambda ref: page.index(f'data-reference="{ref}"'))


def test_queue_puts_the_most_severe_and_then_the_nearest_deadline_first(
    app: Flask, specialist: FlaskClient
) -> None:
    low = file_queue_case(app, "Low one", severity=Severity.LOW)
    high_late = file_queue_case(app, "High later", severity=Severity.HIGH)
    emergency = file_queue_case(app, "A threat", category=Category.THREAT)
    with sessions(app)() as session, session.begin():
        case = cases.find_by_reference(session, high_late)
        case.first_response_due_at += timedelta(hours=1)
    high_soon = file_queue_case(app, "High sooner", severity=Severity.HIGH)
    page = specialist.get("/queue").text
    assert _order(page, [low, high_late, emergency, high_soon]) == [
        emergency,
        high_soon,
        high_late,
        low,
    ]
    assert 'data-clock="first_response" data-state="ok"' in page


def test_queue_filters_and_search(app: Flask, specialist: FlaskClient) -> None:
    spam = file_queue_case(app, "Spambot wave", category=Category.TECHNICAL, subjects="192.0.2.7")
    talk = file_queue_case(app, "Talk page attacks", wikis=("frwiki",), subjects="jean_dupont")

    def listed(query: str) -> set[str]:
        page = specialist.get(f"/queue?{query}").text
        return {ref for ref in (spam, talk) if f'data-reference="{ref}"' in page}

    assert listed("") == {spam, talk}
    assert listed("category=technical") == {spam}
    assert listed("wiki=frwiki") == {talk}
    assert listed("q=spambot") == {spam}
    assert listed("q=Jean_dupont") == {talk}  # as MediaWiki stores the name
    assert listed("q=192.0.2.7") == {spam}
    assert listed(f"q={talk.lower()}") == {talk}
    assert listed("unassigned=y") == {spam, talk}
    assert listed("mine=y") == set()
    assert listed("breaching=y") == set()
    _post(specialist, talk, "assign", expected="")
    assert listed("mine=y") == {talk}
    assert listed("assignee=Specialist+One") == {talk}
    assert listed("status=new") == {spam, talk}
    assert listed("status=closed") == set()
    with sessions(app)() as session, session.begin():
        overdue = cases.find_by_reference(session, spam)
        overdue.first_response_due_at = clock.now() - timedelta(minutes=1)
    assert listed("breaching=y") == {spam}
    assert 'data-clock="first_response" data-state="breached"' in specialist.get("/queue").text


def test_queue_pages_through_many_cases(app: Flask, specialist: FlaskClient) -> None:
    from tools.cases.queue import PAGE_SIZE

    references = [file_queue_case(app, f"Case {n}") for n in range(PAGE_SIZE + 1)]
    first = specialist.get("/queue").text
    assert "Next page" in first and references[-1] not in first
    second = specialist.get("/queue?page=2").text
    assert references[-1] in second and "Previous page" in second


def test_case_page_shows_everything_and_records_every_view(
    app: Flask, specialist: FlaskClient
) -> None:
    reference = file_queue_case(app, subjects="Example vandal\n192.0.2.7")
    page = specialist.get(f"/queue/{reference}").text
    assert "Harassment on a talk page" in page and "Details of" in page
    assert "Example vandal" in page and "192.0.2.7" in page and "enwiki" in page
    assert '<a href="https://en.wikipedia.org/w/index.php?diff=123456"' in page
    specialist.get(f"/queue/{reference}")
    assert _events(app, reference) == [
        ("filed", "Steward One"),
        ("viewed", "Specialist One"),
        ("viewed", "Specialist One"),
    ]


def test_a_second_specialist_is_told_who_else_has_the_case_open(
    app: Flask, specialist: FlaskClient
) -> None:
    reference = file_queue_case(app)
    other = signed_in_client(app, "Specialist Two", ("user",), ("specialist",))
    assert "Also open by" not in specialist.get(f"/queue/{reference}").text
    assert "Also open by <bdi>Specialist One</bdi>" in other.get(f"/queue/{reference}").text


def test_working_a_case_puts_every_change_on_the_timeline_and_the_requester_sees_only_theirs(
    make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]
) -> None:
    host, port, mailbox = smtp_server
    app = make_app(smtp_host=host, smtp_port=port)
    reference = file_queue_case(app)
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    _post(specialist, reference, "assign", expected="")
    _post(specialist, reference, "move", status="triaged")
    _post(specialist, reference, "move", status="in_progress")
    _post(specialist, reference, "note", body="INTERNAL: checked the CU log")
    page = _post(specialist, reference, "reply", body="We are on it.")
    assert "INTERNAL: checked the CU log" in page and "We are on it." in page
    kinds = [kind for kind, _ in _events(app, reference) if kind != "viewed"]
    assert kinds == ["filed", "assigned", "moved", "moved", "noted", "replied"]
    assert mailbox.messages == []  # queued with the reply: the worker sends it
    run_due(sessions(app), app.config["SETTINGS"], clock.now(), "w1")
    assert [mail["Subject"] for mail in mailbox.messages] == [f"[{reference}] New reply"]

    requester = signed_in_client(app, *STEWARD)
    thread = requester.get(f"/requests/{reference}").text
    assert "We are on it." in thread
    assert "INTERNAL" not in thread and "Specialist One" not in thread


def test_an_illegal_move_is_refused_with_both_states_named(
    app: Flask, specialist: FlaskClient
) -> None:
    reference = file_queue_case(app)
    page = _post(specialist, reference, "move", status="resolved")
    assert "A case cannot move from New to Resolved." in page
    assert [kind for kind, _ in _events(app, reference)].count("moved") == 0


def test_a_claimed_case_shows_take_over_to_others_and_only_that_takes_it(
    app: Flask, specialist: FlaskClient
) -> None:
    reference = file_queue_case(app)
    _post(specialist, reference, "assign", expected="")
    other = signed_in_client(app, "Specialist Two", ("user",), ("specialist",))
    assert "Take over from Specialist One" in other.get(f"/queue/{reference}").text
    refused = _post(other, reference, "assign", expected="")  # a stale "Claim" button
    assert "held by Specialist One" in refused
    with sessions(app)() as session:
        owner_id = cases.find_by_reference(session, reference).assignee_id
    taken = _post(other, reference, "assign", expected=str(owner_id))
    assert "Release" in taken
    assigned = [who for kind, who in _events(app, reference) if kind == "assigned"]
    assert assigned == ["Specialist One", "Specialist Two"]


def test_restricted_cases_never_show_their_content_to_other_specialists(
    app: Flask, specialist: FlaskClient, restricted_specialist: FlaskClient
) -> None:
    secret = file_queue_case(
        app, "Secret grooming report", Category.CHILD_PROTECTION, subjects="Hidden kid"
    )
    listing = specialist.get("/queue").text
    assert f'data-reference="{secret}"' in listing and 'data-restricted="hidden"' in listing
    assert "Restricted case" in listing
    for query in ("", "?q=grooming", "?q=Hidden+kid", "?category=child_protection", "?wiki=enwiki"):
        page = specialist.get(f"/queue{query}").text
        assert "Secret grooming report" not in page and "Details of" not in page, query
        assert "Hidden kid" not in page or "Hidden+kid" in query, query  # only the query
    assert f'data-reference="{secret}"' not in specialist.get("/queue?q=Hidden+kid").text
    assert f'data-reference="{secret}"' not in specialist.get("/queue?q=grooming").text

    refused = specialist.get(f"/queue/{secret}")
    assert refused.status_code == 403
    assert "restricted case" in refused.text and "grooming" not in refused.text.lower()
    token = _csrf(specialist, file_queue_case(app))
    for action, data in (("note", {"note-body": "x"}), ("assign", {"expected": ""})):
        response = specialist.post(f"/queue/{secret}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 403
    # Filed, and (an emergency) called out by the on-call worker: nothing by the specialist.
    assert [who for _, who in _events(app, secret)] == ["Steward One", None]

    allowed = restricted_specialist.get(f"/queue/{secret}").text
    assert "Secret grooming report" in allowed and "Hidden kid" in allowed
    assert "Secret grooming report" in restricted_specialist.get("/queue?q=grooming").text


def test_a_case_that_does_not_exist_is_not_found(specialist: FlaskClient) -> None:
    assert specialist.get("/queue/TS-2026-99999").status_code == 404


def test_requesters_cannot_open_the_queue(app: Flask) -> None:
    reference = file_queue_case(app)
    requester = signed_in_client(app, *STEWARD)
    assert requester.get("/queue").status_code == 403
    assert requester.get(f"/queue/{reference}").status_code == 403


def test_case_page_shows_each_subjects_standing_in_the_lock_log(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    with sessions(app)() as session, session.begin():
        requester = User(username="Steward One")
        session.add(requester)
        case = cases.file_request(
            session,
            requester,
            cases.NewRequest(
                category=Category.TECHNICAL,
                title="Spambots",
                description="A wave.",
                subjects=[parse_subject("Spambot 1"), parse_subject("Innocent editor")],
            ),
            app.config["SETTINGS"],
        )
        session.add(
            LockEvent(
                wiki="metawiki",
                log_id=1,
                log_type="globalauth",
                log_action="setstatus",
                action="lock",
                timestamp=datetime(2026, 1, 1, tzinfo=UTC),
                performer="Steward One",
                target="Spambot 1",
                target_kind=LockTargetKind.ACCOUNT,
                reason="Spambot",
                params={"added": ["locked"], "removed": []},
            )
        )
        reference = case.reference
    page = signed_in_client(app, "Spec One", grants=["specialist"]).get(f"/queue/{reference}").text
    spambot = page.split('data-subject="Spambot 1"', 1)[1].split("</li>", 1)[0]
    assert 'data-lock="locked"' in spambot and "/locks/account/Spambot%201" in spambot
    innocent = page.split('data-subject="Innocent editor"', 1)[1].split("</li>", 1)[0]
    assert "data-lock" not in innocent


def test_hand_over_goes_only_to_a_specialist_who_may_open_the_case(
    app: Flask, specialist: FlaskClient, restricted_specialist: FlaskClient
) -> None:
    signed_in_client(app, "Plain Functionary", ("user", "functionary"))
    colleague = signed_in_client(app, "Specialist Two", ("user",), ("specialist",))
    reference = file_queue_case(app)
    token = _csrf(specialist, reference)

    def hand_over(client: FlaskClient, name: str, expected: str = "") -> str:
        response = client.post(
            f"/queue/{reference}/hand-over",
            data={"csrf_token": token, "handover-username": name, "handover-expected": expected},
        )
        assert response.status_code == 302
        return client.get(response.location).text

    page = hand_over(specialist, "Plain Functionary")
    assert "Plain Functionary is not a specialist who may open this case." in page
    hand_over(specialist, "specialist_Two")  # the canonical form of the name is found
    assert ("assigned", "Specialist One") in _events(app, reference)
    with sessions(app)() as session:
        case = cases.find_by_reference(session, reference)
        assert case is not None and case.assignee is not None
        assert case.assignee.username == "Specialist Two"
    assert reference in colleague.get("/queue?mine=y").text

    restricted = file_queue_case(app, category=Category.CHILD_PROTECTION, title="Restricted one")
    token = _csrf(restricted_specialist, restricted)
    refused = restricted_specialist.post(
        f"/queue/{restricted}/hand-over",
        data={"csrf_token": token, "handover-username": "Specialist Two", "handover-expected": ""},
    )
    page = restricted_specialist.get(refused.location).text
    assert "Specialist Two is not a specialist who may open this case." in page
