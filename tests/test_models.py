"""Model round trips on both backends: what is stored is what comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.db import session_factory, transaction
from tools.models import (
    Alert,
    AppendOnlyError,
    Audience,
    BotCheckpoint,
    Case,
    CaseEvent,
    CaseSubject,
    CaseWiki,
    Category,
    EvidenceKind,
    EvidenceLink,
    LockEvent,
    Severity,
    SubjectKind,
    User,
)

FILED = datetime(2026, 11, 24, 21, 5, 30, 123456, tzinfo=UTC)


def _file_case(session: Session) -> Case:
    requester = User(username="Steward One", central_id=4242)
    case = Case(
        category=Category.HARASSMENT,
        severity=Severity.HIGH,
        title="تحرش مستمر على صفحة نقاش",  # Arabic title: utf8mb4 end to end
        description="Repeated personal attacks, see diffs. 🙁",
        requester=requester,
        wikis=[CaseWiki(wiki="arwiki"), CaseWiki(wiki="metawiki")],
        subjects=[
            CaseSubject(kind=SubjectKind.ACCOUNT, value="Müller Ünlü", wiki="arwiki"),
            CaseSubject(kind=SubjectKind.RANGE, value="2001:DB8:0:0:0:0:0:0/32"),
        ],
        evidence=[
            EvidenceLink(
                url="https://ar.wikipedia.org/w/index.php?diff=123456789&oldid=123456700",
                kind=EvidenceKind.DIFF,
                wiki="arwiki",
                rev_id=123456789,
                old_rev_id=123456700,
            )
        ],
    )
    case.events.append(CaseEvent(kind="filed", actor=requester, audience=Audience.REQUESTER))
    session.add(case)
    session.flush()
    return case


def test_case_round_trip_keeps_text_times_and_children(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    with clock.frozen_at(FILED), transaction(sessions) as session:
        case_id = _file_case(session).id

    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert case.title == "تحرش مستمر على صفحة نقاش"
        assert case.description.endswith("🙁")
        assert case.category is Category.HARASSMENT and case.severity is Severity.HIGH
        assert case.status == "new"
        # Microseconds and the UTC zone survive, MariaDB included.
        assert case.created_at == FILED and case.created_at.tzinfo is UTC
        assert sorted(w.wiki for w in case.wikis) == ["arwiki", "metawiki"]
        assert [s.value for s in case.subjects] == ["Müller Ünlü", "2001:DB8:0:0:0:0:0:0/32"]
        assert case.evidence[0].rev_id == 123456789
        assert [(e.kind, e.actor.username) for e in case.events] == [("filed", "Steward One")]


def test_times_in_other_zones_are_stored_as_utc(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    paris = timezone(timedelta(hours=1))
    with transaction(sessions) as session:
        user = User(username="Checkuser One", last_login_at=datetime(2026, 1, 1, 12, tzinfo=paris))
        session.add(user)
    with sessions() as session:
        stored = session.scalars(select(User)).one().last_login_at
        assert stored == datetime(2026, 1, 1, 11, tzinfo=UTC)


def test_naive_datetimes_are_refused(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    with pytest.raises(Exception, match="naive datetime"), transaction(sessions) as session:
        session.add(User(username="Plain User", last_login_at=datetime(2026, 1, 1)))


def test_usernames_differing_only_in_case_are_different_accounts(migrated: Engine) -> None:
    """MediaWiki names are case-sensitive after the first letter; so is the users table."""
    sessions = session_factory(migrated)
    with transaction(sessions) as session:
        session.add_all([User(username="Foo bar"), User(username="Foo Bar")])
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(User(username="Foo bar"))


def test_case_timeline_is_append_only(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    with transaction(sessions) as session:
        event_id = _file_case(session).events[0].id
    with pytest.raises(AppendOnlyError), transaction(sessions) as session:
        session.get_one(CaseEvent, event_id).body = "rewritten"
    with pytest.raises(AppendOnlyError), transaction(sessions) as session:
        session.delete(session.get_one(CaseEvent, event_id))
    with sessions() as session:
        assert session.get_one(CaseEvent, event_id).body is None


def test_lock_event_is_unique_per_wiki_and_log_id_and_keeps_raw_params(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    params = {"added": ["locked"], "removed": []}

    def lock_event() -> LockEvent:
        return LockEvent(
            wiki="metawiki",
            log_id=3_000_000_001,  # past 2**31: log ids of big wikis need BIGINT
            log_type="globalauth",
            log_action="setstatus",
            action="lock",
            timestamp=FILED,
            performer="Steward One",
            target="Spambot 123",
            target_kind=SubjectKind.ACCOUNT,
            reason="Spam-only account",
            params=params,
        )

    with transaction(sessions) as session:
        session.add(lock_event())
    with sessions() as session:
        stored = session.scalars(select(LockEvent)).one()
        assert stored.params == params and stored.log_id == 3_000_000_001
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(lock_event())


def test_same_comment_in_same_revision_is_one_alert(migrated: Engine) -> None:
    sessions = session_factory(migrated)

    def alert() -> Alert:
        return Alert(
            wiki="enwiki",
            page_title="Wikipedia:Administrators' noticeboard/Incidents",
            rev_id=1_234_567_890,
            comment_key="c-Example-20261124210500",
            category="threat",
            language="en",
            score=0.93,
            excerpt="…",
        )

    with transaction(sessions) as session:
        session.add(alert())
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(alert())


def test_bot_checkpoint_holds_a_json_position(migrated: Engine) -> None:
    sessions = session_factory(migrated)
    position = {"log_id": 987654, "timestamp": "2026-11-24T21:05:30Z"}
    with transaction(sessions) as session:
        session.add(
            BotCheckpoint(bot="lock_logger", stream="metawiki:globalauth", position=position)
        )
    with sessions() as session:
        checkpoint = session.scalars(select(BotCheckpoint)).one()
        assert checkpoint.position == position


def test_the_database_keeps_the_queue_order_columns_true_after_any_update(
    migrated: Engine,
) -> None:
    """urgency_rank/urgency_due_at are computed by the database, even after a bulk UPDATE."""
    from sqlalchemy import update

    from tools.cases import OPEN_STATUSES
    from tools.models import CLOSED_RANK, CaseStatus

    with transaction(session_factory(migrated)) as session:
        case = _file_case(session)
        case.first_response_due_at = FILED + timedelta(hours=4)
        case.resolution_due_at = FILED + timedelta(days=3)
        session.flush()
        case_id = case.id
    ranks = {Severity.EMERGENCY: 0, Severity.HIGH: 1, Severity.NORMAL: 2, Severity.LOW: 3}
    for status in CaseStatus:
        for severity, rank in ranks.items():
            with transaction(session_factory(migrated)) as session:
                session.execute(
                    update(Case).where(Case.id == case_id).values(status=status, severity=severity)
                )
                stored = session.execute(
                    select(Case.urgency_rank, Case.urgency_due_at).where(Case.id == case_id)
                ).one()
            assert stored.urgency_rank == (rank if status in OPEN_STATUSES else CLOSED_RANK)
            assert stored.urgency_due_at == FILED + timedelta(hours=4)
    with transaction(session_factory(migrated)) as session:
        session.execute(update(Case).where(Case.id == case_id).values(first_response_at=FILED))
        due = session.scalar(select(Case.urgency_due_at).where(Case.id == case_id))
    assert due == FILED + timedelta(days=3)  # answered: the resolution clock is the nearest
