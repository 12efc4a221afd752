"""Mail goes to one checked address, through the outbox: never sent from a web request.

A real local SMTP server (aiosmtpd) that can refuse; the web tool in Flask's test client;
the on-call worker (``oncall.run_due``) delivers the outbox. SQLite and MariaDB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser
from sqlalchemy import func, select

from devwiki import free_port
from flaskapp.context import sessions
from tools import cases, oncall
from tools.base import clock
from tools.base.config import load_settings
from tools.base.db import make_engine, session_factory, transaction, upgrade
from tools.base.outbox import queue_mail
from tools.models import Case, CaseEvent, OutgoingMail

SECRET = "enwiki-secret-0123456789abcdefghijklmnop"
URL = f"/intake/reportincident/{SECRET}/api/v2/requests.json"


class RefusingMailbox(Mailbox):
    """A mailbox whose server refuses the next ``refusals`` messages (451, try later)."""

    refusals = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Iterator[tuple[int, RefusingMailbox]]:
    from aiosmtpd.controller import Controller

    box = RefusingMailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@pytest.fixture
def app(
    make_app: Callable[..., Flask], database_url: str, mailbox: tuple[int, RefusingMailbox]
) -> Flask:
    return make_app(
        database_url=database_url,
        reportincident_secrets={"enwiki": [SECRET]},
        smtp_host="127.0.0.1",
        smtp_port=mailbox[0],
    )


def _report(email: str) -> str:
    body = (
        "Reporting user: Concerned Editor\nReported user: Troubled User\n"
        "Link to page: https://en.wikipedia.org/w/index.php?oldid=123456\n\n"
        "Threat type: Threats of physical harm\nDetails: They will hurt someone."
    )
    requester = {"name": "Concerned Editor", "email": email}
    return json.dumps({"request": {"requester": requester, "comment": {"body": body}}})


def _file_report(app: Flask, email: str):  # type: ignore[no-untyped-def]
    return app.test_client().post(URL, data=_report(email), content_type="application/json")


def _reply(app: Flask, reference: str, text: str) -> object:
    specialist: FlaskClient = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    parser = FormParser()
    parser.feed(specialist.get(f"/queue/{reference}").text)
    token = parser.fields["reply-csrf_token"]
    return specialist.post(
        f"/queue/{reference}/reply", data={"reply-csrf_token": token, "reply-body": text}
    )


def _count(app: Flask, model: type) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "email",
    [
        "a@example.org\r\nBcc: b@evil.example",
        "a@example.org, b@evil.example",
        "Someone <a@example.org>",
        "not an address",
    ],
)
def test_a_report_whose_e_mail_is_not_one_address_is_refused(app: Flask, email: str) -> None:
    answer = _file_report(app, email)
    assert answer.status_code == 422 and answer.json["error"] == "RecordInvalid"
    assert "email" in answer.json["description"]
    assert _count(app, Case) == 0


def test_a_reply_is_queued_and_a_refusal_is_retried_until_delivered(
    app: Flask, mailbox: tuple[int, RefusingMailbox]
) -> None:
    _port, box = mailbox
    reference = cases_reference(app, _file_report(app, "concerned@example.org").json)
    box.refusals = 1
    assert _reply(app, reference, "We are on it.").status_code == 302
    assert box.messages == []  # nothing is mailed from inside the request
    factory, settings, start = sessions(app), app.config["SETTINGS"], clock.now()
    first = oncall.run_due(factory, settings, start, "w1")
    assert first.mails_failed and not first.mails_sent and box.messages == []
    assert not oncall.run_due(factory, settings, start + timedelta(seconds=10), "w1").mails_sent
    later = oncall.run_due(factory, settings, start + timedelta(seconds=31), "w1")
    assert later.mails_sent == first.mails_failed
    (mail,) = box.messages
    assert mail["To"] == "concerned@example.org" and "We are on it." in mail.get_content()
    with sessions(app)() as session:
        (row,) = session.scalars(select(OutgoingMail))
        assert (row.status, row.attempts, row.body) == ("sent", 2, "")  # the text is not kept
    assert not oncall.run_due(factory, settings, start + timedelta(minutes=5), "w1").mails_sent


def test_a_stored_address_that_is_not_valid_never_fails_the_reply(
    app: Flask, mailbox: tuple[int, RefusingMailbox]
) -> None:
    reference = cases_reference(app, _file_report(app, "concerned@example.org").json)
    with transaction(sessions(app)) as session:  # as an address stored before the check
        case = cases.find_by_reference(session, reference)
        assert case is not None
        case.contact_email = "a@example.org\r\nBcc: b@evil.example"
    assert _reply(app, reference, "We are on it.").status_code == 302
    with sessions(app)() as session:  # the reply stands
        assert session.scalars(select(CaseEvent).where(CaseEvent.body == "We are on it.")).one()
    assert _count(app, OutgoingMail) == 0
    oncall.run_due(sessions(app), app.config["SETTINGS"], clock.now(), "w1")
    assert mailbox[1].messages == []


def cases_reference(app: Flask, answer: dict) -> str:
    with sessions(app)() as session:
        case = session.get(Case, answer["request"]["id"])
        assert case is not None and case.reference
        return case.reference


def test_safetydesk_mail_send_delivers_the_outbox(
    tmp_path: Path, mailbox: tuple[int, RefusingMailbox]
) -> None:
    port, box = mailbox
    database = f"sqlite:///{tmp_path / 'mail.sqlite3'}"
    engine = make_engine(load_settings(database_url=database).database)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        queue_mail(session, "someone@example.org", "[TS-1] New reply", "Hello")
    engine.dispose()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    environment |= {
        "SAFETYDESK_DATABASE_URL": database,
        "SAFETYDESK_SMTP_HOST": "127.0.0.1",
        "SAFETYDESK_SMTP_PORT": str(port),
    }
    command = [str(Path(sys.executable).with_name("safetydesk")), "mail", "send"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "mail: 1 sent, 0 not delivered" in done.stdout, done
    (mail,) = box.messages
    assert mail["To"] == "someone@example.org" and mail.get_content().strip() == "Hello"
