"""On call in the web tool: the acknowledgement link, the queue's banner and gap warning,
the rota pages, the case page's buttons, and ``safetydesk oncall run``.

The link comes from a real callout mail (local SMTP server); the clock is frozen.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser
from sqlalchemy import select

from devwiki import free_port
from flaskapp.context import sessions
from tools import cases, oncall
from tools.base import clock
from tools.base.clock import frozen_at
from tools.models import Case, Category, ChainStatus, Severity, User, WeeklyShift

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
FILED = MONDAY + timedelta(hours=9)
SOON = FILED + timedelta(minutes=5)


@pytest.fixture
def mailbox(smtp_server: tuple[str, int, Mailbox]) -> Mailbox:
    return smtp_server[2]


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]) -> Flask:
    host, port, _mailbox = smtp_server
    return make_app(smtp_host=host, smtp_port=port, public_url="https://sd.example.org")


def _specialist(app: Flask, name: str, zone: str = "UTC") -> FlaskClient:
    client = signed_in_client(app, name, ("user",), ("specialist",))
    with sessions(app)() as session, session.begin():
        user = session.scalars(select(User).where(User.username == name)).one()
        user.email = f"{name.split()[0].lower()}@example.org"
        user.timezone = zone
    return client


@pytest.fixture
def alice(app: Flask) -> FlaskClient:
    """On duty Mondays 00:00-12:00 UTC, living in Paris."""
    client = _specialist(app, "Alice Oncall", "Europe/Paris")
    with sessions(app)() as session, session.begin():
        admin = session.scalars(select(User.id)).first() or 0
        oncall.add_weekly_shift(session, admin, "Alice Oncall", 0, 0, 720, date(2026, 1, 1))
    return client


@pytest.fixture
def bob(app: Flask) -> FlaskClient:
    return _specialist(app, "Bob Oncall")


def _emergency(app: Flask, at: datetime = FILED) -> str:
    request = cases.NewRequest(category=Category.THREAT, title="Private", description="Private")
    with frozen_at(at), sessions(app)() as session, session.begin():
        return cases.file_request(session, None, request, app.config["SETTINGS"]).reference or ""


def _work(app: Flask, at: datetime = FILED) -> oncall.RunReport:
    with frozen_at(at):
        return oncall.run_due(sessions(app), app.config["SETTINGS"], at, "test worker")


def _link(mailbox: Mailbox, to: str = "alice@example.org") -> str:
    message = next(m for m in mailbox.messages if m["To"] == to)
    found = re.search(r"https://sd\.example\.org(/oncall/ack/[\w-]+)", message.get_content())
    assert found
    return found.group(1)


def _form_token(html: str) -> str:
    parser = FormParser()
    parser.feed(html)
    return parser.fields["csrf_token"]


def _case(app: Flask, reference: str) -> tuple[str | None, ChainStatus | None, list[str]]:
    with sessions(app)() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        chain = oncall.chain_of(session, case)
        assignee = case.assignee.username if case.assignee else None
        return assignee, chain.status if chain else None, [e.kind for e in case.events]


# --- the acknowledgement link ------------------------------------------------------------


def test_the_link_confirms_on_get_acknowledges_on_post_and_works_once(
    app: Flask, alice: FlaskClient, mailbox: Mailbox
) -> None:
    reference = _emergency(app)
    _work(app)
    link = _link(mailbox)
    with frozen_at(SOON):
        page = alice.get(link)
        assert page.status_code == 200
        assert reference in page.text and "Acknowledge the emergency" in page.text
        assert _case(app, reference)[:2] == (None, ChainStatus.ACTIVE)  # a GET changes nothing

        assert alice.post(link).status_code == 400  # no CSRF token
        done = alice.post(link, data={"csrf_token": _form_token(page.text)})
        assert done.status_code == 302 and done.location.endswith(f"/queue/{reference}")
        assignee, chain, kinds = _case(app, reference)
        assert (assignee, chain) == ("Alice Oncall", ChainStatus.ACKNOWLEDGED)
        assert kinds[-2:] == ["acknowledged", "assigned"]

        again = alice.get(link)
        assert again.status_code == 409 and "already used" in again.text
        twice = alice.post(link, data={"csrf_token": _form_token(page.text)})
        assert twice.status_code == 409
    assert _case(app, reference)[2].count("acknowledged") == 1


def test_the_link_page_addresses_the_reader_in_their_gender(
    app: Flask, alice: FlaskClient, mailbox: Mailbox
) -> None:
    """French says appelée to a woman (the wiki's gender preference), with the reference
    isolated for right-to-left pages."""
    with sessions(app)() as session, session.begin():
        user = session.scalars(select(User).where(User.username == "Alice Oncall")).one()
        user.gender = "female"
    reference = _emergency(app)
    _work(app)
    with frozen_at(SOON):
        page = alice.get(f"{_link(mailbox)}?uselang=fr")
    assert f"Vous avez été appelée pour l\u2019urgence <bdi>{reference}</bdi>" in page.text


def test_the_link_refuses_someone_else_and_asks_the_signed_out_to_sign_in(
    app: Flask, alice: FlaskClient, bob: FlaskClient, mailbox: Mailbox
) -> None:
    reference = _emergency(app)
    _work(app)
    link = _link(mailbox)
    with frozen_at(SOON):
        refused = bob.get(link)
        assert refused.status_code == 403
        assert "sent to Alice Oncall" in refused.text
        token = _form_token(bob.get("/oncall").text)
        assert bob.post(link, data={"csrf_token": token}).status_code == 403
        signed_out = app.test_client().get(link)
        assert signed_out.status_code == 302 and signed_out.location.startswith("/login")
        assert alice.get("/oncall/ack/not-a-token").status_code == 404
    assert _case(app, reference)[:2] == (None, ChainStatus.ACTIVE)


def test_the_link_expires(app: Flask, alice: FlaskClient, mailbox: Mailbox) -> None:
    _emergency(app)
    _work(app)
    hours = app.config["SETTINGS"].oncall_ack_link_hours
    with frozen_at(FILED + timedelta(hours=hours, minutes=1)):
        expired = alice.get(_link(mailbox))
    assert expired.status_code == 410 and "expired" in expired.text


# --- the case page ----------------------------------------------------------------------------


def test_any_specialist_acknowledges_from_the_case_page(
    app: Flask, alice: FlaskClient, bob: FlaskClient, mailbox: Mailbox
) -> None:
    reference = _emergency(app)
    with frozen_at(SOON):
        page = bob.get(f"/queue/{reference}")
        assert "Nobody has acknowledged this emergency yet." in page.text
        token = _form_token(page.text)
        done = bob.post(f"/oncall/cases/{reference}/acknowledge", data={"csrf_token": token})
        assert done.status_code == 302
        after = bob.get(f"/queue/{reference}").text
    assert "Bob Oncall acknowledged the emergency." in after
    assert _case(app, reference)[:2] == ("Bob Oncall", ChainStatus.ACKNOWLEDGED)
    _work(app, FILED + timedelta(hours=1))
    assert mailbox.messages == []  # the pending callout to Alice was cancelled


def test_raising_a_case_to_emergency_from_its_page_calls_out(
    app: Flask, alice: FlaskClient, bob: FlaskClient, mailbox: Mailbox
) -> None:
    request = cases.NewRequest(category=Category.HARASSMENT, title="t", description="d")
    with frozen_at(FILED), sessions(app)() as session, session.begin():
        reference = cases.file_request(session, None, request, app.config["SETTINGS"]).reference
    with frozen_at(FILED):
        token = _form_token(bob.get(f"/queue/{reference}").text)
        bob.post(f"/oncall/cases/{reference}/emergency", data={"csrf_token": token})
        page = bob.get(f"/queue/{reference}").text
    assert "changed the severity" in page and "called out Alice Oncall" in page
    with sessions(app)() as session:
        severity = session.scalars(select(Case.severity).where(Case.reference == reference))
        assert severity.one() == Severity.EMERGENCY
    _work(app)
    assert [m["To"] for m in mailbox.messages] == ["alice@example.org"]


# --- the queue and the rota ------------------------------------------------------------------


def test_the_queue_shows_unacknowledged_emergencies_undelivered_callouts_and_gaps(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(smtp_host="127.0.0.1", smtp_port=free_port())  # the mail server is down
    alice = _specialist(app, "Alice Oncall")
    with sessions(app)() as session, session.begin():
        oncall.add_weekly_shift(session, 1, "Alice Oncall", 0, 0, 720, date(2026, 1, 1))
    reference = _emergency(app)
    _work(app)
    with frozen_at(SOON):
        queue = alice.get("/queue").text
        rota = alice.get("/oncall").text
    assert f'data-emergency="{reference}"' in queue
    assert "not acknowledged, filed 5 minutes ago" in queue
    assert "Called out: <bdi>Alice Oncall</bdi>." in queue
    assert "Not delivered to <bdi>Alice Oncall</bdi>" in queue
    gap = "No one on duty from Mon 2 Mar 12:00 to Mon 9 Mar 00:00 UTC."
    assert gap in queue and gap in rota


def test_the_queue_says_when_the_worker_is_not_running(app: Flask, alice: FlaskClient) -> None:
    _emergency(app)
    with frozen_at(SOON):
        assert "The on-call worker is not running" in alice.get("/queue").text
        _work(app, SOON)
        assert "The on-call worker is not running" not in alice.get("/queue").text


def test_the_rota_page_shows_who_is_on_duty_in_their_own_time(
    app: Flask, alice: FlaskClient
) -> None:
    with frozen_at(FILED):
        page = alice.get("/oncall").text
    assert 'data-user="Alice Oncall"><bdi>Alice Oncall</bdi>' in page
    assert "Mon 10:00 Europe/Paris" in page  # 09:00 UTC in Paris, in March
    assert "the person on duty" in page  # the escalation policy


def test_an_admin_edits_the_rota_and_a_specialist_sets_their_time_zone(
    app: Flask, alice: FlaskClient
) -> None:
    admin = signed_in_client(app, "Admin One", ("user",), ("admin",))
    page = admin.get("/oncall/manage")
    assert page.status_code == 200 and "No one on duty from" in page.text  # gaps ahead
    token = _form_token(page.text)
    added = admin.post(
        "/oncall/manage/weekly",
        data={
            "csrf_token": token,
            "weekly-username": "bob oncall",
            "weekly-weekday": "1",
            "weekly-starts": "22:00",
            "weekly-ends": "06:00",
            "weekly-valid_from": "2026-01-01",
        },
    )
    assert added.status_code == 302
    override = admin.post(
        "/oncall/manage/shifts",
        data={
            "csrf_token": token,
            "shift-username": "Alice Oncall",
            "shift-kind": "override",
            "shift-starts_at": "2026-03-03T22:00",
            "shift-ends_at": "2026-03-04T06:00",
            "shift-note": "swap with Bob",
        },
    )
    assert override.status_code == 302
    with sessions(app)() as session:
        shift = session.scalars(select(WeeklyShift).where(WeeklyShift.weekday == 1)).one()
        assert (shift.user.username, shift.start_minute, shift.duration_minutes) == (
            "Bob oncall",
            22 * 60,
            8 * 60,
        )
        on_duty = oncall.on_duty(session, datetime(2026, 3, 3, 23, tzinfo=UTC))
        assert [user.username for user in on_duty] == ["Alice Oncall"]

    token = _form_token(alice.get("/oncall").text)
    wrong = alice.post("/oncall/preferences", data={"csrf_token": token, "timezone": "Mars/Base"})
    assert wrong.status_code == 400 and "not a time zone" in wrong.text
    saved = alice.post(
        "/oncall/preferences",
        data={"csrf_token": token, "timezone": "America/Sao_Paulo", "email": "a@example.org"},
    )
    assert saved.status_code == 302
    with sessions(app)() as session:
        user = session.scalars(select(User).where(User.username == "Alice Oncall")).one()
        assert (user.timezone, user.email) == ("America/Sao_Paulo", "a@example.org")


# --- the command ------------------------------------------------------------------------------


def test_safetydesk_oncall_run_once_sends_due_callouts(
    app: Flask, alice: FlaskClient, mailbox: Mailbox, smtp_server: tuple[str, int, Mailbox]
) -> None:
    now = clock.now()  # the command runs on the real clock
    with sessions(app)() as session, session.begin():
        end = now + timedelta(hours=1)
        oncall.add_shift(session, 1, "Alice Oncall", now - timedelta(hours=1), end)
    _emergency(app, now)
    settings = app.config["SETTINGS"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    environment |= {
        "SAFETYDESK_DATABASE_URL": settings.database_url,
        "SAFETYDESK_SMTP_HOST": smtp_server[0],
        "SAFETYDESK_SMTP_PORT": str(smtp_server[1]),
    }
    command = [str(Path(sys.executable).with_name("safetydesk")), "oncall", "run", "--once"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 sent")
    assert [m["To"] for m in mailbox.messages] == ["alice@example.org"]
    with sessions(app)() as session:
        assert oncall.last_heartbeat(session) is not None
