"""The ReportIncident intake: what the extension POSTs becomes an emergency case, once.

Bodies are built here as the extension's ZendeskClient builds them: the message
``reportincident-notification-message-body`` formatted with the reporting user, the
reported user, a link prefix, the ``index.php?oldid=N[#thread]`` link, the threat type's
message and the details; JSON ``{"request": {"requester", "subject", "comment": {"body"}}}``
sent with ``Content-Type: application/json`` and no credentials.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import Mailbox, signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser
from sqlalchemy import func, select

from flaskapp.context import sessions
from tools import cases, oncall
from tools.base.clock import frozen_at
from tools.base.clock import now as clock_now
from tools.base.db import transaction
from tools.models import (
    Case,
    CaseSource,
    Category,
    EvidenceKind,
    RoleGrant,
    Severity,
    SubjectKind,
    User,
)

SECRET = "enwiki-secret-0123456789abcdefghijklmnop"
OLD_SECRET = "enwiki-old-secret-0123456789abcdefghijkl"
URL = f"/intake/reportincident/{SECRET}/api/v2/requests.json"
SUBJECT_LINE = "Incident Reporting System emergency report"

#: The English message texts the extension formats the body with.
THREAT_MESSAGES = {
    "physical-harm": "Threats of physical harm",
    "self-harm": "Threats of self-harm",
    "public-harm": "Threats of public harm",
}
LINK_PREFIXES = {
    "page": "Link to page",
    "comment": "Link to reported comment",
    "topic": "Link to reported topic",
}


def extension_body(
    reporter: str = "Concerned Editor",
    reported: str = "Troubled User",
    threat: str = "physical-harm",
    details: str = "They wrote that they will hurt someone at the meetup.",
    link: str = "https://en.wikipedia.org/w/index.php?oldid=123456#c-Troubled_User-20261124201500",
    prefix: str = "comment",
    email: str = "concerned@example.org",
) -> dict:
    """The JSON the extension sends (its English message; each parameter on its line)."""
    body = (
        f"Reporting user: {reporter}\n"
        f"Reported user: {reported}\n"
        f"{LINK_PREFIXES[prefix]}: {link}\n\n"
        f"Threat type: {THREAT_MESSAGES.get(threat, threat)}\n"
        f"Details: {details}"
    )
    return {
        "request": {
            "requester": {"name": reporter, "email": email},
            "subject": SUBJECT_LINE,
            "comment": {"body": body},
        }
    }


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(reportincident_secrets={"enwiki": [SECRET, OLD_SECRET]})


def post(client: FlaskClient, payload: object, url: str = URL) -> object:
    return client.post(url, data=json.dumps(payload), headers={"Content-Type": "application/json"})


def stored(app: Flask, case_id: int) -> Case:
    session = sessions(app)()
    case = session.get(Case, case_id)
    assert case is not None
    return case


def case_count(app: Flask) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count(Case.id))) or 0


@pytest.mark.parametrize("threat", ["physical-harm", "self-harm", "public-harm"])
def test_each_threat_type_becomes_an_emergency_case_with_link_subject_and_reporter(
    app: Flask, threat: str
) -> None:
    answer = post(app.test_client(), extension_body(threat=threat))
    assert answer.status_code == 201
    case = stored(app, answer.json["request"]["id"])
    assert case.source == CaseSource.REPORTINCIDENT
    assert case.category == Category.THREAT and case.severity == Severity.EMERGENCY
    assert case.title.startswith(THREAT_MESSAGES[threat].replace("Threats", "Threat"))
    assert "Troubled User" in case.title and [w.wiki for w in case.wikis] == ["enwiki"]
    (subject,) = case.subjects
    assert (subject.kind, subject.value) == (SubjectKind.ACCOUNT, "Troubled User")
    (link,) = case.evidence
    assert (link.kind, link.wiki, link.rev_id) == (EvidenceKind.PERMALINK, "enwiki", 123456)
    assert case.description.startswith("They wrote that they will hurt someone at the meetup.")
    assert "Reporting user: Concerned Editor" in case.description  # the body as sent, kept
    assert (case.contact_name, case.contact_email) == ("Concerned Editor", "concerned@example.org")
    assert case.requester is None and case.intake_warning is None
    assert case.events[0].data["threat"] == threat


def test_a_report_without_revision_or_reported_user_still_files_with_the_page_link(
    app: Flask,
) -> None:
    payload = extension_body(
        reported="", link="https://en.wikipedia.org/wiki/Talk:Example", prefix="page"
    )
    case = stored(app, post(app.test_client(), payload).json["request"]["id"])
    assert case.subjects == [] and "about" not in case.title
    (link,) = case.evidence
    assert (link.kind, link.page_title) == (EvidenceKind.PAGE, "Talk:Example")
    assert case.severity == Severity.EMERGENCY and case.intake_warning is None


def test_a_french_wiki_report_is_read_by_its_structure_and_threat_text(app: Flask) -> None:
    body = (
        "Utilisateur signalant : Éditrice inquiète\n"
        "Utilisateur signalé : Utilisateur troublé\n"
        "Lien vers le commentaire signalé : "
        "https://en.wikipedia.org/w/index.php?oldid=99#c-x-20261124\n\n"
        "Type de menace : Menaces d'automutilation\n"
        "Détails : Il dit vouloir se faire du mal ce soir."
    )
    payload = {
        "request": {
            "requester": {"name": "Éditrice inquiète", "email": "e@example.org"},
            "subject": SUBJECT_LINE,
            "comment": {"body": body},
        }
    }
    case = stored(app, post(app.test_client(), payload).json["request"]["id"])
    assert case.title.startswith("Threat of self-harm") and case.intake_warning is None
    assert [s.value for s in case.subjects] == ["Utilisateur troublé"]
    assert case.description.startswith("Il dit vouloir se faire du mal ce soir.")


def test_a_body_that_does_not_parse_is_still_an_emergency_with_the_raw_text_and_a_flag(
    app: Flask,
) -> None:
    payload = {
        "request": {
            "requester": {"name": "Someone", "email": "someone@example.org"},
            "subject": SUBJECT_LINE,
            "comment": {"body": "Please help, a user posted something frightening on my talk."},
        }
    }
    case = stored(app, post(app.test_client(), payload).json["request"]["id"])
    assert case.severity == Severity.EMERGENCY and case.category == Category.THREAT
    assert "no link to the reported content" in (case.intake_warning or "")
    assert "threat type not recognised" in (case.intake_warning or "")
    assert "Please help, a user posted something frightening" in case.description
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = specialist.get(f"/queue/{case.reference}").text
    assert "The intake could not read all of this report" in page
    assert "Incident Reporting System (ReportIncident)" in page


def test_the_same_report_sent_twice_is_one_case(app: Flask) -> None:
    client = app.test_client()
    first = post(client, extension_body())
    second = post(client, extension_body())
    assert first.status_code == second.status_code == 201
    assert first.json["request"]["id"] == second.json["request"]["id"]
    assert case_count(app) == 1
    other = post(client, extension_body(details="A second, different report."))
    assert other.json["request"]["id"] != first.json["request"]["id"]


def test_an_unknown_secret_gets_404_whatever_is_sent_and_files_nothing(app: Flask) -> None:
    client = app.test_client()
    unknown = "/intake/reportincident/unknown-secret-0123456789abcdefghijk/api/v2/requests.json"
    answers = [
        post(client, extension_body(), unknown),
        client.post(unknown, data=b"not json", headers={"Content-Type": "application/json"}),
        client.post(unknown, data=b"x", headers={"Content-Type": "text/plain"}),
    ]
    assert {(a.status_code, a.data) for a in answers} == {
        (404, b'{"description":"Not found","error":"RecordNotFound"}\n')
    }
    # A GET is refused the same way for a known and an unknown secret.
    assert client.get(URL).status_code == client.get(unknown).status_code == 405
    assert case_count(app) == 0


def test_the_old_secret_works_during_a_rotation(app: Flask) -> None:
    url = f"/intake/reportincident/{OLD_SECRET}/api/v2/requests.json"
    assert post(app.test_client(), extension_body(), url).status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type", "status", "error"),
    [
        (b"{not json", "application/json", 422, "RecordInvalid"),
        (b'{"ticket": {}}', "application/json", 422, "RecordInvalid"),
        (b'{"request": {"comment": {"body": ""}}}', "application/json", 422, "RecordInvalid"),
        (b'{"request": {}}', "text/plain", 415, "UnsupportedMediaType"),
        (b"{" + b" " * 70_000 + b"}", "application/json", 413, "PayloadTooLarge"),
    ],
)
def test_bad_requests_get_a_zendesk_shaped_error_and_file_nothing(
    app: Flask, data: bytes, content_type: str, status: int, error: str
) -> None:
    answer = app.test_client().post(URL, data=data, headers={"Content-Type": content_type})
    assert answer.status_code == status
    assert answer.json["error"] == error and answer.json["description"]
    assert case_count(app) == 0


def test_a_specialists_reply_is_mailed_with_its_text_to_the_reporter(
    make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]
) -> None:
    host, port, mailbox = smtp_server
    app = make_app(
        reportincident_secrets={"enwiki": [SECRET]},
        smtp_host=host,
        smtp_port=port,
        mail_from="safetydesk@example.org",
    )
    case = stored(app, post(app.test_client(), extension_body()).json["request"]["id"])
    reference = case.reference
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    parser = FormParser()
    parser.feed(specialist.get(f"/queue/{reference}").text)
    answer = specialist.post(
        f"/queue/{reference}/reply",
        data={"reply-csrf_token": parser.fields["reply-csrf_token"], "reply-body": "We are on it."},
    )
    assert answer.status_code == 302
    assert mailbox.messages == []  # queued with the reply; the worker sends it
    oncall.run_due(sessions(app), app.config["SETTINGS"], clock_now(), "w1")
    (mail,) = [m for m in mailbox.messages if m["To"] == "concerned@example.org"]
    assert mail["From"] == "safetydesk@example.org" and reference in mail["Subject"]
    body = mail.get_content()
    assert "We are on it." in body and "Hello Concerned Editor," in body
    assert "hurt someone" not in body  # the report itself is not sent back
    with sessions(app)() as session:
        again = cases.find_by_reference(session, reference)
        assert again is not None and again.first_response_at is not None


def test_a_report_calls_out_the_person_on_duty_by_mail(
    make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]
) -> None:
    """The emergency goes through the on-call chain like any other: filed, then called out."""
    host, port, mailbox = smtp_server
    app = make_app(
        reportincident_secrets={"enwiki": [SECRET]},
        smtp_host=host,
        smtp_port=port,
        public_url="https://safetydesk.example",
    )
    factory = sessions(app)
    monday = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with transaction(factory) as session:
        duty = User(username="Duty Specialist", email="duty@example.org")
        duty.grants.append(RoleGrant(role="specialist"))
        session.add(duty)
        session.flush()
        oncall.add_weekly_shift(session, duty.id, "Duty Specialist", 0, 0, 720, date(2026, 1, 1))
    with frozen_at(monday):
        answer = post(app.test_client(), extension_body(threat="self-harm"))
    case = stored(app, answer.json["request"]["id"])
    with frozen_at(monday + timedelta(seconds=20)):
        oncall.run_due(factory, app.config["SETTINGS"], monday + timedelta(seconds=20), "w1")
    (mail,) = [m for m in mailbox.messages if m["To"] == "duty@example.org"]
    body = mail.get_content()
    assert case.reference in mail["Subject"] + body
    assert "https://safetydesk.example/oncall/ack/" in body
    assert "Troubled User" not in body and "hurt" not in body  # nothing of the report itself


def test_a_body_without_its_reported_user_line_names_nobody_rather_than_the_link() -> None:
    from tools.intake.reportincident import Threat, parse_report

    request = extension_body()["request"]
    request["comment"]["body"] = (
        "Reporting user: Concerned Editor\n"
        "Link to page: https://en.wikipedia.org/w/index.php?oldid=5\n"
        "Threat type: Threats of public harm\n"
        "Details: A bomb threat against the meetup venue."
    )
    report = parse_report("enwiki", request)
    assert report.reported_user is None
    assert report.link == "https://en.wikipedia.org/w/index.php?oldid=5"
    assert report.threat == Threat.PUBLIC_HARM
    assert report.details == "A bomb threat against the meetup venue."
