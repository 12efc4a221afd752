"""Emergency alerts call out by themselves (tools.patrol.alert_emergency, issue #24).

An alert in an emergency category pages the person on duty at once: its case is filed
as an emergency without waiting for a specialist, the callout mail links to the alert,
and a specialist who dismisses the alert stops the callouts, as acknowledging does;
one who takes it gets that very case. Other categories wait for a specialist.
Mail goes to the local SMTP server; every database test runs on SQLite and MariaDB.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Mailbox
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from test_alerts import comment, verdict

from tools import oncall
from tools.base import clock
from tools.base.config import Settings, load_settings
from tools.base.db import session_factory, transaction
from tools.models import (
    Alert,
    AlertStatus,
    Callout,
    CalloutStatus,
    CaseSource,
    ChainStatus,
    RoleGrant,
    Severity,
    User,
)
from tools.patrol import alert_emergency, alerts

BOARD = "Wikipedia:Administrators' noticeboard/Incidents"


@pytest.fixture
def factory(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


@pytest.fixture
def settings(smtp_server: tuple[str, int, Mailbox]) -> Settings:
    return load_settings(
        smtp_host=smtp_server[0], smtp_port=smtp_server[1], public_url="https://sd.example.org"
    )


@pytest.fixture
def on_duty(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        user = User(username="Dana Oncall", email="dana.oncall@example.org")
        user.grants.append(RoleGrant(role="specialist"))
        session.add(user)
        session.flush()
        now = clock.now()
        oncall.add_shift(
            session, user.id, user.username, now - timedelta(hours=1), now + timedelta(hours=1)
        )
        return user.id


def _stored(factory: sessionmaker[Session], settings: Settings, category: str) -> int:
    """What the patrol does with a comment that fires: the alert, and the emergency."""
    with transaction(factory) as session:
        alert = alerts.raise_alert(
            session,
            wiki="enwiki",
            page_title=BOARD,
            rev_id=100,
            comment=comment(),
            verdict=verdict(category, 0.9),
            language="en",
            threshold=0.5,
        )
        assert alert is not None
        alert_emergency.raise_emergency(session, alert, settings)
        return alert.id


def test_an_emergency_alert_pages_the_person_on_duty_with_a_link_to_it(
    factory: sessionmaker[Session],
    settings: Settings,
    on_duty: int,
    smtp_server: tuple[str, int, Mailbox],
) -> None:
    alert_id = _stored(factory, settings, "violence")
    with factory() as session:
        alert = session.get_one(Alert, alert_id)
        assert alert.status == AlertStatus.NEW  # still for a specialist to review
        assert alert.case is not None
        assert (alert.case.severity, alert.case.source) == (Severity.EMERGENCY, CaseSource.ALERT)
        reference = alert.case.reference
    oncall.run_due(factory, settings, clock.now())
    [mail] = smtp_server[2].messages
    assert mail["To"] == "dana.oncall@example.org" and f"[{reference}]" in str(mail["Subject"])
    assert f"https://sd.example.org/alerts/{alert_id}" in mail.get_content()


def test_dismissing_the_alert_stops_its_callouts_and_taking_it_gives_its_case(
    factory: sessionmaker[Session], settings: Settings, on_duty: int
) -> None:
    dismissed, taken = _stored(factory, settings, "violence"), None
    with transaction(factory) as session:
        reviewer = session.get_one(User, on_duty)
        alerts.dismiss(session, session.get_one(Alert, dismissed), reviewer, "a quote from a film")
    with factory() as session:
        case = session.get_one(Alert, dismissed).case
        assert case is not None
        assert oncall.chain_of(session, case).status == ChainStatus.STOPPED
        statuses = session.scalars(select(Callout.status).where(Callout.case_id == case.id))
        assert set(statuses) == {CalloutStatus.CANCELLED}  # nobody is mailed any more
    with transaction(factory) as session:
        alert = alerts.raise_alert(
            session,
            wiki="enwiki",
            page_title=BOARD,
            rev_id=101,
            comment=comment(key="c-Other-20261124210600"),
            verdict=verdict("self_harm", 0.8),
            language="en",
        )
        assert alert is not None
        paged = alert_emergency.raise_emergency(session, alert, settings)
        reviewer = session.get_one(User, on_duty)
        taken = alerts.turn_into_case(session, alert, reviewer, settings)
        assert paged is not None and taken.id == paged.id
        assert alert.status == AlertStatus.CASE


def test_an_alert_outside_the_emergency_categories_waits_for_a_specialist(
    factory: sessionmaker[Session], settings: Settings, on_duty: int
) -> None:
    alert_id = _stored(factory, settings, "harassment")
    with factory() as session:
        assert session.get_one(Alert, alert_id).case is None
        assert session.scalars(select(Callout)).all() == []
