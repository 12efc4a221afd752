"""Mail to the team's addresses becomes cases, against a real Dovecot (Debian's dovecot-imapd).

Messages are delivered with IMAP APPEND into a folder of their own per test; the
fetcher reads them as it does in production (``tools.mail.fetch`` and the
``safetydesk mail fetch`` command). Replies and callouts go to the local SMTP server.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Mailbox, signed_in_client, unavailable
from dovecot_server import DOVECOT, Dovecot
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from flaskapp.cli import cli
from tools import oncall
from tools.base import clock
from tools.base.config import Settings, load_settings
from tools.base.db import make_engine, session_factory, transaction
from tools.base.outbox import deliver_due
from tools.cases import retention
from tools.mail import fetch
from tools.models import (
    BotCheckpoint,
    Callout,
    Case,
    CaseEvent,
    CaseLink,
    CaseStatus,
    MailAttachment,
    MailMessage,
    OutgoingMail,
    RoleGrant,
    User,
)

EMERGENCY = "emergency@safetydesk.example.org"
HARASSMENT = "harassment@safetydesk.example.org"
ADDRESSES = {
    EMERGENCY: {"category": "threat", "severity": "emergency"},
    HARASSMENT: {"category": "harassment", "severity": "high", "language": "fr"},
}
PASS = "mx.example.org; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        unavailable("dovecot is not installed (apt-get install dovecot-imapd)")
    folder = Path(tempfile.mkdtemp(prefix="safetydesk-dovecot-"))
    folder.chmod(0o755)  # the server's own users must reach its mail folder
    server = Dovecot(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def folder(request: pytest.FixtureRequest) -> str:
    """A mailbox folder of this test's own."""
    return "T" + format(abs(hash(request.node.nodeid)), "x")[:12]


@pytest.fixture
def settings(
    dovecot: Dovecot, folder: str, database_url: str, smtp_server: tuple[str, int, Mailbox]
) -> Settings:
    return load_settings(
        database_url=database_url,
        mail_addresses=ADDRESSES,
        mail_reply_from="Trust and Safety <ts@safetydesk.example.org>",
        smtp_host=smtp_server[0],
        smtp_port=smtp_server[1],
        **dovecot.settings(folder),
    )


@pytest.fixture
def factory(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


def mail(
    to: str = HARASSMENT,
    sender: str = "Reporter <reporter@example.net>",
    subject: str = "Someone follows me across wikis",
    body: str = "They post my address on every talk page.",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="example.net")
    message["Authentication-Results"] = PASS
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def run_fetch(factory: sessionmaker[Session], settings: Settings) -> fetch.FetchReport:
    with fetch.connect(settings) as client:
        return fetch.fetch_new(factory, settings, client)


def deliver(dovecot: Dovecot, folder: str, *messages: EmailMessage) -> None:
    dovecot.append(folder, *(bytes(message) for message in messages))


def cases_of(factory: sessionmaker[Session]) -> list[Case]:
    with factory() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def test_a_new_mail_becomes_a_case_of_its_address_category(
    dovecot: Dovecot, folder: str, factory: sessionmaker[Session], settings: Settings
) -> None:
    deliver(dovecot, folder, mail())
    report = run_fetch(factory, settings)
    assert [one.outcome for one in report.outcomes] == ["filed"]
    (case,) = cases_of(factory)
    assert (case.category.value, case.severity.value, case.source.value) == (
        "harassment",
        "high",
        "mail",
    )
    assert case.title == "Someone follows me across wikis"
    assert "my address on every talk page" in case.description
    assert case.contact_email == "reporter@example.net" and case.intake_warning is None
    with factory() as session:  # the acknowledgement, once, in the address's language (fr)
        (ack,) = session.scalars(select(OutgoingMail)).all()
        assert ack.kind == "ack" and ack.headers["Auto-Submitted"] == "auto-replied"
        assert case.reference in ack.subject and "Nous avons reçu" in ack.subject
    assert run_fetch(factory, settings).outcomes == []  # read once: nothing new
    with dovecot.client() as client:  # flagged once its case was committed
        client.select_folder(folder)
        assert len(client.search(["SEEN"])) == 1


def test_a_mail_that_does_not_say_its_language_is_answered_in_the_one_it_is_written_in(
    dovecot: Dovecot, folder: str, factory: sessionmaker[Session], settings: Settings
) -> None:
    body = "Bonjour, un utilisateur a écrit sur ma page qu'il va me retrouver. Merci de votre aide."
    deliver(dovecot, folder, mail(to=EMERGENCY, subject="Menace sur ma page", body=body))
    assert [one.outcome for one in run_fetch(factory, settings).outcomes] == ["filed"]
    with factory() as session:  # the address is English; the writer is French
        (ack,) = session.scalars(select(OutgoingMail)).all()
        assert "Nous avons reçu" in ack.subject and ack.headers["Content-Language"] == "fr"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sender_known_as_a_tool_account_is_the_requester_and_sees_their_mail(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
    make_app: Callable[..., Flask],
) -> None:
    with transaction(factory) as session:
        session.add(User(username="Steward One", email="Steward.One@example.net"))
    first = mail(sender="steward.one@example.net", subject="A request by mail")
    deliver(dovecot, folder, first)
    run_fetch(factory, settings)
    (case,) = cases_of(factory)
    reference = case.reference or ""
    deliver(dovecot, folder, mail(sender="steward.one@example.net", subject=f"[{reference}] more"))
    assert [one.outcome for one in run_fetch(factory, settings).outcomes] == ["threaded"]
    with factory() as session:
        case = session.scalars(select(Case)).one()
        assert case.requester is not None and case.requester.username == "Steward One"
    app = make_app(database_url=settings.database_url)
    steward = signed_in_client(app, "Steward One", ("user", "functionary"))
    page = steward.get(f"/requests/{reference}").text
    assert "You wrote by mail:" in page and "They post my address" in page


def test_mail_to_the_emergency_address_calls_out_the_person_on_duty(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
    smtp_server: tuple[str, int, Mailbox],
) -> None:
    now = clock.now()
    with transaction(factory) as session:
        alice = User(username="Alice Oncall", email="alice@example.org")
        alice.grants.append(RoleGrant(role="specialist"))
        session.add(alice)
        session.flush()
        oncall.add_shift(
            session, alice.id, "Alice Oncall", now - timedelta(hours=1), now + timedelta(hours=2)
        )
    deliver(dovecot, folder, mail(to=EMERGENCY, subject="He says he will come to my house"))
    run_fetch(factory, settings)
    (case,) = cases_of(factory)
    assert (case.category.value, case.severity.value) == ("threat", "emergency")
    report = oncall.run_due(factory, settings, clock.now(), "w1")
    assert report.sent
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Callout)) >= 1
    received = [str(message["To"]) for message in smtp_server[2].messages]
    assert "alice@example.org" in received


def _reply_on_the_web(app: object, reference: str, text: str) -> None:
    from conftest import signed_in_client
    from oauth_pages import FormParser

    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))  # type: ignore[arg-type]
    parser = FormParser()
    parser.feed(specialist.get(f"/queue/{reference}").text)
    answer = specialist.post(
        f"/queue/{reference}/reply",
        data={"reply-csrf_token": parser.fields["reply-csrf_token"], "reply-body": text},
    )
    assert answer.status_code == 302


def test_a_conversation_threads_both_ways_and_strangers_and_machines_do_not_get_in(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
    smtp_server: tuple[str, int, Mailbox],
    make_app: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    first = mail()
    deliver(dovecot, folder, first)
    run_fetch(factory, settings)
    (case,) = cases_of(factory)
    reference = case.reference or ""
    app = make_app(
        **settings.model_dump(include={"database_url", "smtp_host", "smtp_port"}),  # type: ignore[operator]
        mail_addresses=ADDRESSES,
        mail_reply_from=settings.mail_reply_from,
    )
    _reply_on_the_web(app, reference, "Thank you. Which wiki was it?")
    sent, failed = deliver_due(factory, settings, clock.now(), "test")
    assert len(sent) == 2 and not failed  # the acknowledgement, then the reply
    ack, reply = smtp_server[2].messages
    original = str(first["Message-ID"])
    assert ack["Auto-Submitted"] == "auto-replied" and ack["In-Reply-To"] == original
    assert reply["In-Reply-To"] == original and original in reply["References"]
    assert str(ack["Message-ID"]) in reply["References"]
    assert f"[{reference}]" in reply["Subject"] and reply["From"].addresses[0].addr_spec == (
        "ts@safetydesk.example.org"
    )
    assert reply["Content-Language"] == "fr"  # the harassment address is the French desk
    assert "Confiance et sécurité écrit" in reply.get_content()
    assert "Which wiki was it?" in reply.get_content()

    # The requester answers the reply (In-Reply-To names it; no reference in the subject).
    answer = mail(
        subject="Re: your question", body="On frwiki.", In_Reply_To=str(reply["Message-ID"])
    )
    # …and again by the reference only.
    again = mail(subject=f"More [{reference}]", body="And on commons.")
    # A stranger copies the reference: a new case, linked to this one.
    stranger = mail(
        sender="Mallory <mallory@example.com>", subject=f"Re: [{reference}]", body="Close it."
    )
    # An out-of-office answer to our reply: noted on the case, never answered.
    away = mail(
        subject="Out of office",
        body="I am away.",
        In_Reply_To=str(reply["Message-ID"]),
        Auto_Submitted="auto-replied",
    )
    # Our own reply coming back (a copy to the team's mailbox) is ours: never filed.
    deliver(dovecot, folder, answer, again, stranger, away, reply)
    outcomes = [one.outcome for one in run_fetch(factory, settings).outcomes]
    assert outcomes == ["threaded", "threaded", "linked", "attached", "duplicate"]
    with factory() as session:
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        mailed = [event.body for event in events if event.kind == "mailed"]
        assert mailed == ["On frwiki.", "And on commons."]
        assert [event.kind for event in events if event.kind == "mail_automatic"] == [
            "mail_automatic"
        ]
        other = session.scalars(select(Case).where(Case.id != case.id)).one()
        assert other.contact_email == "mallory@example.com" and other.description == "Close it."
        assert session.scalar(select(func.count()).select_from(CaseLink)) == 1
        acks = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "ack")).all()
        # One acknowledgement each for the requester and the stranger; none for the machine.
        assert "post my address" not in caplog.text and "frwiki" not in caplog.text  # no body
        assert sorted(mail.to_address for mail in acks) == [
            "mallory@example.com",
            "reporter@example.net",
        ]


def _fetch_in_child(settings: Settings) -> None:
    """The fetcher in a forked process (a real process to kill, without a new interpreter)."""
    engine = make_engine(settings.database_url)
    run_fetch(session_factory(engine), settings)


def test_kill_9_mid_batch_then_a_restart_files_every_message_exactly_once(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    total = 12
    deliver(dovecot, folder, *(mail(subject=f"Message {n:02d}") for n in range(total)))
    fetcher = multiprocessing.get_context("fork").Process(target=_fetch_in_child, args=(settings,))
    fetcher.start()
    stored = 0
    deadline = time.monotonic() + 60
    while stored < 2 and time.monotonic() < deadline and fetcher.is_alive():
        time.sleep(0.01)
        with factory() as session:
            stored = session.scalar(select(func.count()).select_from(MailMessage)) or 0
    os.kill(fetcher.pid or 0, signal.SIGKILL)
    fetcher.join()
    with factory() as session:
        at_kill = session.scalar(select(func.count()).select_from(Case)) or 0
    assert 0 < at_kill < total, "the fetcher was not killed mid-batch"
    run_fetch(factory, settings)  # the restart
    titles = [case.title for case in cases_of(factory)]
    assert sorted(titles) == [f"Message {n:02d}" for n in range(total)]
    # The mailbox rebuilt (a new UIDVALIDITY): read again, nothing filed twice.
    with transaction(factory) as session:
        checkpoint = session.scalars(select(BotCheckpoint)).one()
        checkpoint.position = {"uidvalidity": 1, "uid": total}
    report = run_fetch(factory, settings)
    assert report.rescanned and report.count("duplicate") == total
    assert len(cases_of(factory)) == total


def _odd_mails() -> list[bytes]:
    html = EmailMessage()
    html["From"], html["To"], html["Subject"] = "a@example.net", HARASSMENT, "HTML only"
    html["Message-ID"] = make_msgid(domain="example.net")
    html.set_content(
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>"
        "<p>Hello <b>there</b></p><img src='http://tracker.example/p.png' alt='logo'>"
        "<a href='https://evil.example/'>click</a></body></html>",
        subtype="html",
    )
    files = mail(
        subject="Screenshots",
        body="See the attached files.\n\nOn Monday, Someone wrote:\n> an older message\n",
    )
    files.add_attachment(PNG, maintype="image", subtype="png", filename="../../shot.png")
    files.add_attachment(b"<script>x</script>", maintype="text", subtype="html", filename="p.html")
    files.add_attachment(b"\0" * 30_000, maintype="application", subtype="zip", filename="big.zip")
    huge = mail(subject="A very long message", body="words " * 20_000)
    broken = (
        b"From: not an address\r\nSubject: =?utf-8?q?broken\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: text/plain; charset=unknown-8bit\r\n\r\n\xff\xfe help me\r\n"
    )
    return [bytes(html), bytes(files), bytes(huge), broken]


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def test_html_attachments_huge_and_broken_mail_are_all_filed_readably(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
    make_app: Callable[..., Flask],
) -> None:
    dovecot.append(folder, *_odd_mails())
    environment = {
        f"SAFETYDESK_{name.upper()}": str(value)
        for name, value in settings.model_dump(include=set(dovecot.settings(folder))).items()
    } | {
        "SAFETYDESK_MAIL_IMAP_PASSWORD": settings.mail_imap_password.get_secret_value(),
        "SAFETYDESK_DATABASE_URL": settings.database_url,
        "SAFETYDESK_MAIL_MAX_MESSAGE_BYTES": "65536",
        "SAFETYDESK_MAIL_MAX_ATTACHMENT_BYTES": "20000",
    }
    result = CliRunner().invoke(cli, ["mail", "fetch", "--once"], env=environment)
    assert result.exit_code == 0, result.output
    assert "mail: 4 read (4 filed" in result.output
    html, files, huge, broken = cases_of(factory)
    assert "Hello there" in html.description and "[logo]" in html.description
    assert "click <https://evil.example/>" in html.description
    assert "alert" not in html.description and "color" not in html.description
    assert "tracker.example" not in html.description
    with factory() as session:
        stored = session.scalars(
            select(MailAttachment)
            .where(MailAttachment.case_id == files.id)
            .order_by(MailAttachment.id)
        ).all()
        assert [(one.filename, one.content_type) for one in stored] == [
            ("_.._shot.png", "image/png"),
            ("p.html", "text/html"),
            ("big.zip", "application/zip"),
        ]
        assert stored[0].data == PNG and stored[2].data is None and stored[2].size == 30_000
        kept = session.scalars(select(MailMessage).where(MailMessage.case_id == broken.id)).one()
        assert kept.raw is not None and b"help me" in kept.raw
    assert "over the size cap" in (huge.intake_warning or "")
    assert huge.title == "A very long message"
    assert "no valid sender address" in (broken.intake_warning or "")
    assert "help me" in broken.description

    # On the case page: folded quotes, the sender's proof, attachments as safe downloads.
    app = make_app(database_url=settings.database_url)
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = specialist.get(f"/queue/{files.reference}").text
    assert "The receiving server confirmed the sender" in page
    own, quoted = page.split("Quoted text and signature", 1)
    assert "See the attached files." in own and "an older message" in quoted
    assert 'class="sd-media__unblur"' in page  # the image is behind the wellness blur
    assert "not kept (over the size limit" in page  # big.zip
    assert "Not authenticated" in specialist.get(f"/queue/{broken.reference}").text
    png_id, html_id, zip_id = (one.id for one in stored)
    base = f"/queue/{files.reference}/attachments"
    image = specialist.get(f"{base}/{png_id}")
    assert image.data == PNG and image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith("attachment;")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    script = specialist.get(f"{base}/{html_id}")
    assert script.headers["Content-Type"] == "application/octet-stream"
    assert specialist.get(f"{base}/{zip_id}").status_code == 404
    assert specialist.get(f"/queue/{html.reference}/attachments/{png_id}").status_code == 404
    with factory() as session:
        opened = session.scalars(select(CaseEvent).where(CaseEvent.kind == "attachment_viewed"))
        assert len(opened.all()) == 2  # every download is on the timeline


def test_retention_purges_the_mail_of_a_long_closed_case(
    dovecot: Dovecot, folder: str, factory: sessionmaker[Session], settings: Settings
) -> None:
    first = mail(body="My home address is 1 Main Street.")
    first.add_attachment(PNG, maintype="image", subtype="png", filename="street.png")
    deliver(dovecot, folder, first)
    run_fetch(factory, settings)
    deliver(dovecot, folder, mail(subject=f"Re [{cases_of(factory)[0].reference}]", body="More."))
    run_fetch(factory, settings)
    with transaction(factory) as session:
        case = session.scalars(select(Case)).one()
        case.status = CaseStatus.CLOSED
        case.closed_at = clock.now() - timedelta(days=100)
    with transaction(factory) as session:
        report = retention.purge(session, 90, clock.now())
    assert len(report.references) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(MailAttachment)) == 0
        messages = session.scalars(select(MailMessage).where(MailMessage.direction == "in"))
        assert [(one.from_address, one.subject, one.raw) for one in messages] == [
            (None, None, None)
        ] * 2
        events = session.scalars(select(CaseEvent).where(CaseEvent.kind == "mailed")).all()
        assert [event.body for event in events] == [retention.TOMBSTONE]
        assert "from" not in (events[0].data or {})
        case = session.scalars(select(Case)).one()
        assert case.contact_email is None and "Main Street" not in case.description
    # The Message-IDs stay: the same mail read again is still not a new case.
    with transaction(factory) as session:
        session.scalars(select(BotCheckpoint)).one().position = {"uidvalidity": 7, "uid": 0}
    assert run_fetch(factory, settings).count("duplicate") == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_robot_writing_again_and_again_gets_one_acknowledgement_an_hour(
    dovecot: Dovecot, folder: str, factory: sessionmaker[Session], settings: Settings
) -> None:
    # An autoresponder that marks nothing as automatic, answering our acknowledgements.
    robot = "Robot <robot@example.com>"
    deliver(dovecot, folder, *(mail(sender=robot, subject=f"Auto {n}") for n in range(3)))
    deliver(dovecot, folder, mail(sender="list@example.com", subject="News", Precedence="bulk"))
    outcomes = [one.outcome for one in run_fetch(factory, settings).outcomes]
    assert outcomes == ["filed", "filed", "filed", "ignored"]
    with factory() as session:
        acks = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "ack")).all()
        assert [ack.to_address for ack in acks] == ["robot@example.com"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_healthz_watches_the_fetcher_once_a_mailbox_is_set(
    dovecot: Dovecot,
    folder: str,
    factory: sessionmaker[Session],
    settings: Settings,
    make_app: Callable[..., Flask],
) -> None:
    # Monitoring as production has it (at home, a job that never ran is only listed).
    production = {
        "environment": "production",
        "secret_key": "x" * 40,
        "oauth_client_id": "consumer",
        "oauth_client_secret": "secret",
    }
    app = make_app(
        database_url=settings.database_url,
        health_jobs={},
        **dovecot.settings(folder),
        **production,
    )
    stopped = app.test_client().get("/healthz")
    assert stopped.status_code == 503 and not stopped.json["jobs"]["mail_fetch"]["healthy"]
    deliver(dovecot, folder, mail())
    run_fetch(factory, settings)
    alive = app.test_client().get("/healthz")
    assert alive.status_code == 200 and alive.json["jobs"]["mail_fetch"]["healthy"]
    unset = make_app(database_url=settings.database_url, health_jobs={})
    assert "mail_fetch" not in unset.test_client().get("/healthz").json["jobs"]
