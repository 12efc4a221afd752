"""ReportIncident, checked against the extension's own ``ZendeskClient``: the link comes from
the ``$3: $4`` line only (protocol-relative too), the details keep their paragraphs, and a
report sent again after its case was closed is a new emergency linked to the old one.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from test_reportincident import SECRET, URL, extension_body

from flaskapp.context import sessions
from tools.base.db import transaction
from tools.cases.related import linked_cases
from tools.models import CalloutChain, Case, CaseStatus, ChainStatus, EvidenceKind


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(reportincident_secrets={"enwiki": [SECRET]})


def post(app: Flask, payload: dict) -> int:
    answer = app.test_client().post(
        URL, data=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json["request"]["id"]


def test_a_protocol_relative_page_link_is_the_evidence_not_a_url_from_the_details(
    app: Flask,
) -> None:
    """A report on a page without revision: ``Title::getFullURL()`` is ``//host/wiki/…``."""
    payload = extension_body(
        link="//en.wikipedia.org/wiki/Talk:Example",
        prefix="page",
        details="See also https://en.wikipedia.org/w/index.php?oldid=999 where it began.",
    )
    with sessions(app)() as session:
        case = session.get(Case, post(app, payload))
        assert case is not None
        (link,) = case.evidence
        assert (link.kind, link.page_title) == (EvidenceKind.PAGE, "Talk:Example")
        assert link.url == "https://en.wikipedia.org/wiki/Talk:Example"
        assert case.intake_warning is None


def test_a_link_only_in_the_details_is_not_taken_for_the_reported_content(app: Flask) -> None:
    request = extension_body()["request"]
    request["comment"]["body"] = (
        "Reporting user: Concerned Editor\n"
        "Reported user: Troubled User\n"
        "Link to page: \n\n"
        "Threat type: Threats of physical harm\n"
        "Details: It is at https://en.wikipedia.org/w/index.php?oldid=777 somewhere."
    )
    with sessions(app)() as session:
        case = session.get(Case, post(app, {"request": request}))
        assert case is not None
        assert case.evidence == []
        assert "no link to the reported content" in (case.intake_warning or "")


def test_the_details_keep_their_paragraph_breaks(app: Flask) -> None:
    details = "First paragraph, line one.\nLine two.\n\nSecond paragraph.\n\n\nThird."
    with sessions(app)() as session:
        case = session.get(Case, post(app, extension_body(details=details)))
        assert case is not None
        assert case.description.startswith(details + "\n\n--- Report as sent")


def test_portuguese_and_arabic_texts_are_not_read_as_threat_types() -> None:
    """The body is always English; texts the extension never sends are not guessed at."""
    from tools.intake.reportincident import THREAT_TEXTS

    texts = {text for values in THREAT_TEXTS.values() for text in values}
    assert "threats of self-harm" in texts and "menaces d'automutilation" in texts
    assert not {"ameaças de automutilação", "تهديدات بإيذاء النفس"} & texts


def test_a_report_sent_again_after_its_case_closed_is_a_new_linked_emergency_that_calls_out(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    app = make_app(reportincident_secrets={"enwiki": [SECRET]}, database_url=database_url)
    first = post(app, extension_body())
    factory = sessions(app)
    with transaction(factory) as session:
        old = session.get(Case, first)
        assert old is not None
        old.status = CaseStatus.CLOSED
    second = post(app, extension_body())
    assert second != first
    assert post(app, extension_body()) == second  # a retry of the repeat: the same new case
    with factory() as session:
        new = session.get(Case, second)
        assert new is not None and new.status == CaseStatus.NEW
        assert [c.id for c in linked_cases(session, new)] == [first]
        chain = session.scalar(select(CalloutChain).where(CalloutChain.case_id == second))
        assert chain is not None and chain.status == ChainStatus.ACTIVE  # it calls out
        kinds = [event.kind for event in new.events]
        assert "linked" in kinds
    with transaction(factory) as session:
        again = session.get(Case, second)
        assert again is not None
        again.status = CaseStatus.CLOSED
    third = post(app, extension_body())
    assert third not in (first, second)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_get_405_for_a_known_and_an_unknown_secret_alike(
    app: Flask, method: str
) -> None:
    """As the README says: 404 only answers a POST with an unknown secret."""
    unknown = URL.replace(SECRET, "unknown-secret-0123456789abcdefghijk")
    client = app.test_client()
    known_answer = client.open(URL, method=method)
    unknown_answer = client.open(unknown, method=method)
    assert known_answer.status_code == unknown_answer.status_code == 405
