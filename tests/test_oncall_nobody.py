"""An emergency never reaches nobody: when nobody on a step may open the case, the step's
people are paged anyway (reference only) and so are the admins; the rota warns ahead of
hours with no restricted specialist on duty; claiming an emergency acknowledges it.

Mail goes to the real local SMTP server; database tests run on SQLite and MariaDB.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from test_oncall import FILED, MONDAY, _people, _recipients, _run, _settings

from flaskapp.context import sessions
from tools import cases, oncall
from tools.base.clock import frozen_at
from tools.base.db import session_factory, transaction
from tools.models import (
    Callout,
    CalloutChain,
    CalloutStatus,
    Case,
    Category,
    ChainStatus,
    RoleGrant,
    User,
)


@pytest.fixture
def factory(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


@pytest.fixture
def rota(factory: sessionmaker[Session]) -> dict[str, int]:
    """Alice (a specialist, not restricted) on duty Monday 00:00-12:00, Bob 12:00-24:00;
    Dana is an admin and nothing else."""
    with transaction(factory) as session:
        people = _people(session, ("Alice Oncall", "Bob Oncall"))
        dana = User(username="Dana Admin", email="dana@example.org")
        dana.grants.append(RoleGrant(role="admin"))
        session.add(dana)
        session.flush()
        oncall.add_weekly_shift(session, dana.id, "Alice Oncall", 0, 0, 720, date(2026, 1, 1))
        oncall.add_weekly_shift(session, dana.id, "Bob Oncall", 0, 720, 720, date(2026, 1, 1))
        return {name: user.id for name, user in {**people, "Dana Admin": dana}.items()}


def _file(factory: sessionmaker[Session], settings: object, category: Category) -> Case:
    request = cases.NewRequest(
        category=category,
        title="Secret title naming a child",
        description="Private description of the abuse",
    )
    with frozen_at(FILED), transaction(factory) as session:
        return cases.file_request(session, None, request, settings)  # type: ignore[arg-type]


def test_a_restricted_emergency_nobody_on_duty_may_open_pages_them_by_reference_and_the_admins(
    factory: sessionmaker[Session], rota: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    case = _file(factory, settings, Category.CHILD_PROTECTION)
    _run(factory, settings, FILED)
    assert sorted(_recipients(mailbox)) == ["alice@example.org", "dana@example.org"]
    for mail in mailbox.messages:
        text = mail["Subject"] + mail.get_content()
        assert case.reference in text and "restricted specialist" in text
        for private in ("secret title", "abuse", "child", "/oncall/ack/"):
            assert private not in text.lower()  # no content, no category, no way to take it
    with factory() as session:
        stored = session.get_one(Case, case.id)
        (event,) = [e for e in stored.events if e.kind == "called_out"]
        assert event.data["may_not_open"] == ["Alice Oncall", "Dana Admin"]
        assert event.data["admins"] == ["Dana Admin"]
        chain = session.scalars(select(CalloutChain).where(CalloutChain.case_id == case.id)).one()
        assert chain.next_step_at == FILED + timedelta(minutes=10)  # they get time to react
    # The next step (Bob, next on the rota) is told too; the admins are not paged twice.
    _run(factory, settings, FILED + timedelta(minutes=10))
    assert _recipients(mailbox)[2:] == ["bob@example.org"]


def test_a_gap_in_the_rota_pages_the_admins_and_moves_on_at_once(
    factory: sessionmaker[Session], rota: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    tuesday = MONDAY + timedelta(days=1, hours=3)  # nobody is on duty on Tuesdays
    with frozen_at(tuesday), transaction(factory) as session:
        request = cases.NewRequest(category=Category.THREAT, title="x", description="y")
        case = cases.file_request(session, None, request, settings)
    _run(factory, settings, tuesday)
    _run(factory, settings, tuesday + timedelta(seconds=15))  # step 2: next on the rota
    assert _recipients(mailbox) == ["dana@example.org", "alice@example.org"]
    with factory() as session:
        stored = session.get_one(Case, case.id)
        steps = [(e.data["to"], e.data["admins"]) for e in stored.events if e.kind == "called_out"]
    assert steps == [(["Dana Admin"], ["Dana Admin"]), (["Alice Oncall"], [])]


def test_a_restricted_emergency_with_a_restricted_specialist_on_duty_calls_only_them(
    factory: sessionmaker[Session], rota: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    with transaction(factory) as session:
        session.add(RoleGrant(user_id=rota["Alice Oncall"], role="restricted-specialist"))
    _file(factory, settings, Category.CHILD_PROTECTION)
    _run(factory, settings, FILED)
    assert _recipients(mailbox) == ["alice@example.org"]
    assert "/oncall/ack/" in mailbox.messages[0].get_content()


def test_claiming_an_emergency_acknowledges_its_callout(
    factory: sessionmaker[Session], rota: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    case = _file(factory, settings, Category.THREAT)
    with frozen_at(FILED + timedelta(minutes=1)), transaction(factory) as session:
        bob = session.get_one(User, rota["Bob Oncall"])
        cases.claim(session, session.get_one(Case, case.id), bob)
    _run(factory, settings, FILED + timedelta(minutes=30))
    assert mailbox.messages == []  # Alice's callout was not needed any more
    with factory() as session:
        chain = session.scalars(select(CalloutChain).where(CalloutChain.case_id == case.id)).one()
        assert chain.status == ChainStatus.ACKNOWLEDGED
        assert chain.acknowledged_by_id == rota["Bob Oncall"]
        statuses = session.scalars(select(Callout.status).where(Callout.case_id == case.id))
        assert set(statuses) == {CalloutStatus.CANCELLED}
        stored = session.get_one(Case, case.id)
        (ack,) = [e for e in stored.events if e.kind == "acknowledged"]
        assert ack.actor_id == rota["Bob Oncall"] and ack.data == {"via": "claim"}


def test_claiming_on_the_case_page_says_it_acknowledged_the_emergency(
    make_app: Callable[..., Flask],
) -> None:
    from oauth_pages import FormParser

    app = make_app()
    case = _file(sessions(app), app.config["SETTINGS"], Category.THREAT)
    specialist = signed_in_client(app, "Bob Oncall", ("user",), ("specialist",))
    parser = FormParser()
    parser.feed(specialist.get(f"/queue/{case.reference}").text)
    csrf = {name: value for name, value in parser.fields.items() if name.endswith("csrf_token")}
    answer = specialist.post(f"/queue/{case.reference}/assign", data={**csrf, "expected": ""})
    assert answer.status_code == 302, answer.text
    page = specialist.get(f"/queue/{case.reference}").text
    assert "<bdi>Bob Oncall</bdi> acknowledged the emergency by claiming the case." in page


def test_the_rota_and_manage_pages_warn_of_hours_without_a_restricted_specialist(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    admin = signed_in_client(app, "Dana Admin", ("user",), ("admin", "specialist"))
    with transaction(sessions(app)) as session:
        people = _people(session, ("Alice Oncall",))
        oncall.add_weekly_shift(
            session, people["Alice Oncall"].id, "Alice Oncall", 0, 0, 720, date(2026, 1, 1)
        )
        alice = people["Alice Oncall"].id
    warning = "No restricted specialist on duty"
    with frozen_at(MONDAY + timedelta(days=1)):
        for page in ("/oncall", "/oncall/manage"):
            text = admin.get(page).text
            assert warning in text and "Alice Oncall." in text, page
        with transaction(sessions(app)) as session:
            session.add(RoleGrant(user_id=alice, role="restricted-specialist"))
        for page in ("/oncall", "/oncall/manage"):
            assert warning not in admin.get(page).text, page
