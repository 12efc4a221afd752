"""On call (tools.oncall): the rota, callouts up the escalation policy, delivery, the worker.

Mail goes to the real local SMTP server; the clock is frozen; every database test runs on
SQLite and MariaDB. The worker's pass is ``run_due(factory, settings, now)``.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from conftest import Mailbox
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from devwiki import free_port
from tools import cases, oncall
from tools.base.clock import frozen_at
from tools.base.config import Settings, load_settings
from tools.base.db import make_engine, session_factory, transaction
from tools.models import (
    Callout,
    CalloutStatus,
    Case,
    CaseStatus,
    Category,
    ChainStatus,
    RoleGrant,
    Severity,
    ShiftKind,
    User,
)
from tools.oncall.worker import _claim
from tools.wiki.subjects import parse_subject

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
FILED = MONDAY + timedelta(hours=9)
TEAM = ("Alice Oncall", "Bob Oncall", "Carol Oncall")


def _settings(port: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "public_url": "https://safetydesk.example.org",
    }
    return load_settings(**(values | overrides))


@pytest.fixture
def factory(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


def _people(session: Session, names: tuple[str, ...] = TEAM) -> dict[str, User]:
    people = {}
    for name in names:
        address = name.lower().removesuffix(" oncall").replace(" ", ".")
        user = User(username=name, email=f"{address}@example.org")
        user.grants.append(RoleGrant(role="specialist"))
        session.add(user)
        people[name] = user
    session.flush()
    return people


@pytest.fixture
def team(factory: sessionmaker[Session]) -> dict[str, int]:
    """Alice on duty Monday 00:00-12:00 UTC, Bob 12:00-24:00, Carol in the team only."""
    with transaction(factory) as session:
        people = _people(session)
        admin = people["Carol Oncall"].id
        oncall.add_weekly_shift(session, admin, "Alice Oncall", 0, 0, 720, date(2026, 1, 1))
        oncall.add_weekly_shift(session, admin, "Bob Oncall", 0, 720, 720, date(2026, 1, 1))
        return {name: user.id for name, user in people.items()}


def _file_emergency(factory: sessionmaker[Session], settings: Settings, at: datetime) -> str:
    request = cases.NewRequest(
        category=Category.THREAT,
        title="Secret title: a threat against Jane Doe",
        description="Private description naming Jane Doe in Springfield",
        subjects=[parse_subject("Threatening Account")],
    )
    with frozen_at(at), transaction(factory) as session:
        case = cases.file_request(session, None, request, settings)
        return case.reference or ""


def _run(factory: sessionmaker[Session], settings: Settings, at: datetime, worker: str = "w1"):
    with frozen_at(at):
        return oncall.run_due(factory, settings, at, worker)


def _recipients(mailbox: Mailbox) -> list[str]:
    return [str(message["To"]) for message in mailbox.messages]


def _token(message: object) -> str:
    body = message.get_content()  # type: ignore[attr-defined]
    found = re.search(r"/oncall/ack/([\w-]+)", body)
    assert found, body
    return found.group(1)


# --- the rota -------------------------------------------------------------------------


def test_overrides_win_and_next_on_rota_is_the_next_newcomer(
    factory: sessionmaker[Session], team: dict[str, int]
) -> None:
    with transaction(factory) as session:
        carol = team["Carol Oncall"]
        start = MONDAY + timedelta(hours=10)
        oncall.add_shift(session, carol, "Carol Oncall", start, start + timedelta(hours=1))
        names = lambda users: [user.username for user in users]  # noqa: E731
        assert names(oncall.on_duty(session, MONDAY + timedelta(hours=9))) == ["Alice Oncall"]
        assert names(oncall.on_duty(session, start + timedelta(minutes=30))) == ["Carol Oncall"]
        upcoming = oncall.next_on_rota(session, MONDAY + timedelta(hours=9))
        assert upcoming is not None
        assert (upcoming.names, upcoming.starts_at) == (["Carol Oncall"], start)
        # A regular one-off adds a person beside the pattern instead of replacing it.
        extra = MONDAY + timedelta(hours=13)
        oncall.add_shift(
            session, carol, "Carol Oncall", extra, extra + timedelta(hours=1), ShiftKind.REGULAR
        )
        both = oncall.on_duty(session, extra + timedelta(minutes=1))
        assert names(both) == ["Bob Oncall", "Carol Oncall"]


def test_a_gap_in_the_rota_is_reported_days_before_it_happens(
    factory: sessionmaker[Session], team: dict[str, int]
) -> None:
    admin = team["Carol Oncall"]
    with transaction(factory) as session:
        for weekday in range(1, 7):  # Tuesday to Sunday, with a hole on Tuesday 03:00-07:00
            if weekday == 1:
                oncall.add_weekly_shift(session, admin, "Alice Oncall", 1, 0, 180, date(2026, 1, 1))
                oncall.add_weekly_shift(
                    session, admin, "Bob Oncall", 1, 420, 1020, date(2026, 1, 1)
                )
            else:
                oncall.add_weekly_shift(
                    session, admin, "Carol Oncall", weekday, 0, 1440, date(2026, 1, 1)
                )
        found = oncall.upcoming_gaps(session, load_settings(), FILED)
    tuesday = MONDAY + timedelta(days=1)
    assert [(gap.starts_at, gap.ends_at) for gap in found] == [
        (tuesday + timedelta(hours=3), tuesday + timedelta(hours=7))
    ]


# --- callouts up the policy ---------------------------------------------------------------


def test_unacknowledged_emergency_calls_out_on_duty_then_next_then_team_until_acknowledged(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    reference = _file_emergency(factory, settings, FILED)
    with factory() as session:  # filing only created the callout: the worker sends it
        assert [c.status for c in session.scalars(select(Callout))] == [CalloutStatus.PENDING]
    assert mailbox.messages == []

    _run(factory, settings, FILED)
    assert _recipients(mailbox) == ["alice@example.org"]
    _run(factory, settings, FILED + timedelta(minutes=9))
    assert len(mailbox.messages) == 1  # Alice still has time

    report = _run(factory, settings, FILED + timedelta(minutes=10))
    assert report.advanced == [reference]
    assert _recipients(mailbox)[1:] == ["bob@example.org"]  # next on the rota: Bob at 12:00

    _run(factory, settings, FILED + timedelta(minutes=20))
    assert sorted(_recipients(mailbox)[2:]) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    carol_token = _token(next(m for m in mailbox.messages if m["To"] == "carol@example.org"))

    at = FILED + timedelta(minutes=25)
    with frozen_at(at), transaction(factory) as session:
        callout = oncall.callout_by_token(session, carol_token)
        carol = session.get_one(User, team["Carol Oncall"])
        oncall.check_link(session, callout, carol, settings, at)
        assert callout is not None
        oncall.acknowledge(session, callout.case, carol, settings, via="link")

    for minutes in (30, 40, 60, 120):  # the chain stopped: nobody else is called out
        _run(factory, settings, FILED + timedelta(minutes=minutes))
    assert len(mailbox.messages) == 5
    with factory() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.assignee is not None and case.assignee.username == "Carol Oncall"
        kinds = [event.kind for event in case.events]
        assert kinds.count("called_out") == 3
        assert kinds[-2:] == ["acknowledged", "assigned"]
        steps = [e.data["to"] for e in case.events if e.kind == "called_out"]
        assert steps == [["Alice Oncall"], ["Bob Oncall"], list(TEAM)]
        assert oncall.open_emergencies(session) == []


def test_nobody_acknowledging_repeats_the_policy_then_says_so(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(
        port,
        oncall_policy=[{"targets": ["on_duty"], "delay_minutes": 5}],
        oncall_policy_repeat=1,
    )
    reference = _file_emergency(factory, settings, FILED)
    for minutes in (0, 5, 10, 15):
        report = _run(factory, settings, FILED + timedelta(minutes=minutes))
    assert _recipients(mailbox) == ["alice@example.org", "alice@example.org"]
    with factory() as session:
        [emergency] = oncall.open_emergencies(session)
    assert (emergency.reference, emergency.exhausted) == (reference, True)
    assert report.exhausted == [] and emergency.called == ["Alice Oncall"]


def test_a_restarted_worker_neither_loses_nor_repeats_a_callout(
    migrated: Engine, team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    url = migrated.url.render_as_string(hide_password=False)

    def process() -> tuple[Engine, sessionmaker[Session]]:
        """A worker process of its own: a new engine, nothing kept in memory."""
        engine = make_engine(url)
        return engine, session_factory(engine)

    engine, first = process()
    _file_emergency(first, settings, FILED)
    _run(first, settings, FILED, worker="first")
    engine.dispose()  # the worker stops mid-chain

    engine, second = process()
    _run(second, settings, FILED + timedelta(minutes=3), worker="second")
    _run(second, settings, FILED + timedelta(minutes=10), worker="second")
    _run(second, settings, FILED + timedelta(minutes=10), worker="second")
    engine.dispose()
    assert _recipients(mailbox) == ["alice@example.org", "bob@example.org"]


def test_a_worker_that_died_while_sending_leaves_the_callout_to_the_next_one(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    _file_emergency(factory, settings, FILED)
    with factory() as session:
        callout_id = session.scalars(select(Callout.id)).one()
    assert _claim(factory, callout_id, "dead worker", FILED) is not None  # then it died
    _run(factory, settings, FILED + timedelta(minutes=1))
    assert mailbox.messages == []  # its claim still holds
    _run(factory, settings, FILED + oncall.CLAIM_LEASE + timedelta(seconds=1))
    assert _recipients(mailbox) == ["alice@example.org"]


def test_two_workers_at_once_send_each_callout_once(
    factory: sessionmaker[Session], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port, oncall_policy=[{"targets": ["team"], "delay_minutes": 10}])
    names = tuple(f"Specialist {n}" for n in range(8))
    with transaction(factory) as session:
        _people(session, names)
    for n in range(3):
        _file_emergency(factory, settings, FILED + timedelta(seconds=n))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            oncall.run_due(factory, settings, FILED + timedelta(minutes=1), name)
        except BaseException as err:  # reported by the assertion below
            errors.append(err)

    with frozen_at(FILED + timedelta(minutes=1)):
        threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(mailbox.messages) == 3 * len(names)
    sent = sorted((str(m["To"]), str(m["Subject"])) for m in mailbox.messages)
    assert len(set(sent)) == len(sent)


# --- delivery failures ------------------------------------------------------------------


def test_with_the_mail_server_down_a_callout_is_retried_shown_undelivered_then_sent_once(
    factory: sessionmaker[Session], team: dict[str, int]
) -> None:
    port = free_port()  # nothing listens there yet: the mail server is down
    settings = _settings(port)
    reference = _file_emergency(factory, settings, FILED)
    report = _run(factory, settings, FILED)
    assert report.sent == [] and len(report.failed) == 1
    with factory() as session:
        [emergency] = oncall.open_emergencies(session)
        callout = session.scalars(select(Callout)).one()
    assert emergency.reference == reference
    assert [who for who, _why in emergency.undelivered] == ["Alice Oncall"]
    assert (callout.status, callout.attempts) == (CalloutStatus.PENDING, 1)
    assert callout.next_attempt_at == FILED + oncall.FIRST_RETRY

    _run(factory, settings, FILED + timedelta(seconds=40))  # retried, still down
    report = _run(factory, settings, FILED + timedelta(minutes=10))  # the chain moves on anyway
    assert report.advanced == [reference]

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()  # the mail server is back
    try:
        for minutes in (11, 12, 13, 15):
            _run(factory, settings, FILED + timedelta(minutes=minutes))
    finally:
        controller.stop()
    assert sorted(_recipients(mailbox)) == ["alice@example.org", "bob@example.org"]
    with factory() as session:
        [emergency] = oncall.open_emergencies(session)
        attempts = [c.attempts for c in session.scalars(select(Callout).order_by(Callout.id))]
    assert emergency.undelivered == []
    assert attempts[0] >= 3


def test_a_person_without_an_address_is_shown_undelivered_and_the_chain_goes_on(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    with transaction(factory) as session:
        session.get_one(User, team["Alice Oncall"]).email = None
    _file_emergency(factory, settings, FILED)
    _run(factory, settings, FILED)
    with factory() as session:
        [emergency] = oncall.open_emergencies(session)
    assert emergency.undelivered == [("Alice Oncall", "no e-mail address")]
    _run(factory, settings, FILED + timedelta(minutes=10))
    assert _recipients(mailbox) == ["bob@example.org"]


# --- the mail -------------------------------------------------------------------------------


def test_the_callout_mail_has_reference_category_and_link_and_nothing_private(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    reference = _file_emergency(factory, settings, FILED)
    _run(factory, settings, FILED)
    [message] = mailbox.messages
    text = str(message["Subject"]) + message.get_content()
    assert reference in text and "Threat of harm (violence, self-harm, terrorism)" in text
    assert "https://safetydesk.example.org/oncall/ack/" in text
    for private in ("Secret title", "Jane Doe", "Springfield", "Threatening Account"):
        assert private not in text
    with factory() as session:
        callout = oncall.callout_by_token(session, _token(message))
        assert callout is not None and callout.user.username == "Alice Oncall"
        assert session.scalars(select(Callout.token_hash)).one() != _token(message)


def test_a_callout_to_a_french_speaking_specialist_arrives_in_french(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    with transaction(factory) as session:
        session.get_one(User, team["Alice Oncall"]).language = "fr"
    reference = _file_emergency(factory, settings, FILED)
    _run(factory, settings, FILED)

    [message] = mailbox.messages
    assert str(message["Subject"]) == (
        f"[{reference}] Appel d\u2019astreinte d\u2019urgence (Menace d\u2019atteinte (violence, "
        "automutilation, terrorisme))"
    )
    body = message.get_content()
    assert f"Appel d\u2019astreinte d\u2019urgence pour le dossier {reference}" in body
    assert "Gravité\u00a0: Urgence" in body
    assert "Prenez-le en compte" in body and "Emergency callout" not in body
    assert "/oncall/ack/" in body


# --- raising a case to emergency -------------------------------------------------------------


def test_raising_a_case_to_emergency_calls_out(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    request = cases.NewRequest(category=Category.HARASSMENT, title="Attacks", description="…")
    with frozen_at(FILED), transaction(factory) as session:
        case = cases.file_request(session, None, request, settings)
        assert oncall.chain_of(session, case) is None
        carol = session.get_one(User, team["Carol Oncall"])
        cases.set_severity(session, case, carol, Severity.EMERGENCY, settings)
        chain = oncall.chain_of(session, case)
        assert chain is not None and chain.status == ChainStatus.ACTIVE
        assert case.first_response_due_at == FILED + timedelta(minutes=60)
    _run(factory, settings, FILED)
    assert _recipients(mailbox) == ["alice@example.org"]


def test_a_restricted_emergency_calls_out_only_restricted_specialists(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port, oncall_policy=[{"targets": ["team"], "delay_minutes": 10}])
    with transaction(factory) as session:
        session.add(RoleGrant(user_id=team["Bob Oncall"], role="restricted-specialist"))
    request = cases.NewRequest(category=Category.CHILD_PROTECTION, title="x", description="y")
    with frozen_at(FILED), transaction(factory) as session:
        cases.file_request(session, None, request, settings)
    _run(factory, settings, FILED)
    assert _recipients(mailbox) == ["bob@example.org"]


def test_a_step_that_finds_nobody_on_duty_moves_on_at_once(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    tuesday = MONDAY + timedelta(days=1, hours=3)  # nobody is on duty on Tuesdays
    reference = _file_emergency(factory, settings, tuesday)
    _run(factory, settings, tuesday)  # step 1 found nobody: step 2 (next on the rota) goes out
    _run(factory, settings, tuesday + timedelta(seconds=15))
    assert _recipients(mailbox) == ["alice@example.org"]  # Alice comes on duty next Monday
    with factory() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        steps = [event.data["to"] for event in case.events if event.kind == "called_out"]
    assert steps == [[], ["Alice Oncall"]]


def test_resolving_an_emergency_stops_its_callouts(
    factory: sessionmaker[Session], team: dict[str, int], smtp_server: tuple[str, int, Mailbox]
) -> None:
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    reference = _file_emergency(factory, settings, FILED)
    _run(factory, settings, FILED)
    with frozen_at(FILED + timedelta(minutes=2)), transaction(factory) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        carol = session.get_one(User, team["Carol Oncall"])
        for status in (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED):
            cases.move(session, case, carol, status)
    for minutes in (10, 20, 30):
        _run(factory, settings, FILED + timedelta(minutes=minutes))
    assert _recipients(mailbox) == ["alice@example.org"]
    with factory() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.events[-1].kind == "callouts_stopped"
        assert oncall.open_emergencies(session) == []


@pytest.mark.parametrize(
    ("language", "gender", "says", "not_says"),
    [
        ("fr", "female", ["Vous avez été appelée pour"], ["appelé pour", "vous a été adressé"]),
        ("fr", "male", ["Vous avez été appelé pour"], ["appelée pour", "vous a été adressé"]),
        ("fr", "unknown", ["Un appel d\u2019astreinte vous a été adressé"], ["avez été appel"]),
        ("ar", "female", ["لقد استُدعيتِ للطارئ", "أقرّي به (تتولين"], ["استُدعيتَ", "تتولى"]),
        ("ar", "male", ["لقد استُدعيتَ للطارئ", "أقرّ به (تتولى"], ["استُدعيتِ", "تتولين"]),
        ("ar", "unknown", ["وصلك استدعاء للطارئ", "أقرّ به (تتولى"], ["استُدعيت"]),
    ],
)
def test_a_callout_addresses_its_reader_in_the_gender_the_wiki_shares(
    factory: sessionmaker[Session],
    team: dict[str, int],
    smtp_server: tuple[str, int, Mailbox],
    language: str,
    gender: str,
    says: list[str],
    not_says: list[str],
) -> None:
    """MediaWiki's {{GENDER:}}: appelé / appelée in French, the verbs' forms in Arabic;
    the neutral wording when the preference is unknown."""
    _host, port, mailbox = smtp_server
    settings = _settings(port)
    with transaction(factory) as session:
        alice = session.get_one(User, team["Alice Oncall"])
        alice.language, alice.gender = language, gender
    reference = _file_emergency(factory, settings, FILED)
    _run(factory, settings, FILED)

    [message] = mailbox.messages
    body = message.get_content()
    assert reference in body and "You were called out" not in body
    for text in says:
        assert text in body
    for text in not_says:
        assert text not in body
