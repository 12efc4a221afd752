"""The life of a case (tools.cases): allowed moves only, no assignment surprises, SLA clocks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools import cases
from tools.base.clock import frozen_at
from tools.base.config import load_settings
from tools.base.db import session_factory
from tools.models import Audience, Case, CaseStatus, Category, User

S = CaseStatus
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _file(session: Session, category: Category = Category.HARASSMENT) -> Case:
    requester = User(username="Steward One")
    request = cases.NewRequest(category=category, title="Attacks", description="On a talk page")
    with frozen_at(FILED):
        case = cases.file_request(session, requester, request, load_settings())
    return case


@pytest.fixture
def session(migrated: Engine) -> Session:
    with session_factory(migrated)() as session:
        yield session


@pytest.fixture
def specialists(session: Session) -> tuple[User, User]:
    one, two = User(username="Specialist One"), User(username="Specialist Two")
    session.add_all([one, two])
    session.flush()
    return one, two


def test_the_transition_table_covers_every_status_and_reopens_only_to_in_progress() -> None:
    assert set(cases.TRANSITIONS) == set(CaseStatus)
    assert cases.allowed_moves(S.CLOSED) == [S.IN_PROGRESS]
    assert cases.allowed_moves(S.IN_PROGRESS) == [S.WAITING, S.ESCALATED, S.RESOLVED]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], S.IN_PROGRESS),
        ([], S.RESOLVED),
        ([S.TRIAGED], S.CLOSED),
        ([S.TRIAGED, S.IN_PROGRESS, S.WAITING], S.RESOLVED),
        ([S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED], S.NEW),
    ],
)
def test_illegal_transitions_are_refused_naming_both_states(
    session: Session, specialists: tuple[User, User], path: list[CaseStatus], illegal: CaseStatus
) -> None:
    case = _file(session)
    for target in path:
        cases.move(session, case, specialists[0], target)
    before = len(case.events)
    with pytest.raises(cases.CaseError) as refused:
        cases.move(session, case, specialists[0], illegal)
    assert refused.value.variables == {"current": case.status.value, "target": illegal.value}
    assert f"from {case.status.value} to {illegal.value}" in str(refused.value)
    assert len(case.events) == before


def test_a_whole_life_is_on_the_timeline_with_the_requester_told_what_concerns_them(
    session: Session, specialists: tuple[User, User]
) -> None:
    case = _file(session)
    me = specialists[0]
    cases.claim(session, case, me)
    for target in (S.TRIAGED, S.IN_PROGRESS, S.WAITING, S.IN_PROGRESS, S.ESCALATED, S.RESOLVED):
        cases.move(session, case, me, target)
    assert case.resolved_at is not None
    cases.move(session, case, me, S.CLOSED)
    cases.move(session, case, me, S.IN_PROGRESS)  # reopened
    assert case.resolved_at is None and case.closed_at is None
    session.commit()

    moves = [(e.data["to"], e.audience) for e in case.events if e.kind == "moved"]
    assert moves == [
        ("triaged", Audience.INTERNAL),
        ("in_progress", Audience.REQUESTER),
        ("waiting", Audience.REQUESTER),
        ("in_progress", Audience.REQUESTER),
        ("escalated", Audience.INTERNAL),
        ("resolved", Audience.REQUESTER),
        ("closed", Audience.REQUESTER),
        ("in_progress", Audience.REQUESTER),
    ]
    assigned = [e for e in case.events if e.kind == "assigned"]
    assert assigned[0].audience == Audience.INTERNAL and assigned[0].data["to"] == me.username
    assert all(e.actor_id == me.id for e in case.events if e.kind != "filed")


def test_a_claimed_case_is_only_taken_by_an_explicit_take_over(
    session: Session, specialists: tuple[User, User]
) -> None:
    one, two = specialists
    case = _file(session)
    cases.claim(session, case, one)
    with pytest.raises(cases.CaseError, match="held by Specialist One"):
        cases.claim(session, case, two)
    with pytest.raises(cases.CaseError, match="Only the specialist"):
        cases.release(session, case, two)
    cases.take_over(session, case, two, expected_assignee_id=one.id)
    assert case.assignee_id == two.id
    cases.release(session, case, two)
    assert case.assignee_id is None
    kinds = [(e.kind, e.data) for e in case.events if e.kind in ("assigned", "released")]
    assert kinds == [
        ("assigned", {"from": None, "to": "Specialist One"}),
        ("assigned", {"from": "Specialist One", "to": "Specialist Two"}),
        ("released", {"from": "Specialist Two", "to": None}),
    ]


def test_a_claim_on_a_stale_page_loses_to_the_claim_already_committed(migrated: Engine) -> None:
    factory = session_factory(migrated)
    with factory() as session:
        case_id = _file(session).id
        session.add_all([User(username="Specialist One"), User(username="Specialist Two")])
        session.commit()
    with factory() as first, factory() as second:
        mine = first.get(Case, case_id)
        theirs = second.get(Case, case_id)
        assert mine.assignee_id is None and theirs.assignee_id is None  # both saw it free
        cases.claim(first, mine, first.query(User).filter_by(username="Specialist One").one())
        first.commit()
        with pytest.raises(cases.CaseError, match="held by Specialist One"):
            two = second.query(User).filter_by(username="Specialist Two").one()
            cases.claim(second, theirs, two)
        second.rollback()
    with factory() as session:
        case = session.get(Case, case_id)
        assert case.assignee.username == "Specialist One"
        assert [e.kind for e in case.events].count("assigned") == 1


def test_two_simultaneous_claims_cannot_both_win(migrated: Engine) -> None:
    factory = session_factory(migrated)
    with factory() as session:
        case_id = _file(session).id
        session.add_all([User(username=f"Specialist {n}") for n in (1, 2)])
        session.commit()
    start, outcomes = threading.Barrier(2), {}

    def claim(name: str) -> None:
        with factory() as session:
            case = session.get(Case, case_id)
            me = session.query(User).filter_by(username=name).one()
            start.wait()
            try:
                cases.claim(session, case, me)
                session.commit()
                outcomes[name] = "won"
            except cases.CaseError:
                session.rollback()
                outcomes[name] = "refused"

    threads = [threading.Thread(target=claim, args=(f"Specialist {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "won"]
    with factory() as session:
        case = session.get(Case, case_id)
        winner = next(name for name, outcome in outcomes.items() if outcome == "won")
        assert case.assignee.username == winner
        assert [e.kind for e in case.events].count("assigned") == 1


def test_a_move_on_a_stale_page_is_refused(migrated: Engine) -> None:
    factory = session_factory(migrated)
    with factory() as session:
        case_id = _file(session).id
        session.add(User(username="Specialist One"))
        session.commit()
    with factory() as first, factory() as second:
        me = first.query(User).filter_by(username="Specialist One").one()
        stale = second.get(Case, case_id)
        cases.move(first, first.get(Case, case_id), me, S.TRIAGED)
        first.commit()
        # The stale page still shows "new"; moving it to triaged again must not double up.
        with pytest.raises(cases.CaseError, match="changed this case meanwhile"):
            cases.move(second, stale, second.merge(me), S.TRIAGED)


def test_who_else_has_the_case_open_comes_from_recent_views(
    session: Session, specialists: tuple[User, User]
) -> None:
    one, two = specialists
    case = _file(session)
    with frozen_at(FILED + timedelta(minutes=1)):
        cases.record_view(session, case, two)
    with frozen_at(FILED + timedelta(minutes=30)):
        cases.record_view(session, case, one)
    assert cases.viewers_since(session, case, one, FILED) == ["Specialist Two"]
    assert cases.viewers_since(session, case, one, FILED + timedelta(minutes=10)) == []


def _clock_states(case: Case, at: datetime) -> dict[str, str]:
    return {clock.name: clock.state.value for clock in cases.sla_clocks(case, at, 0.75)}


def test_sla_clocks_warn_before_a_breach_and_stop_when_met(session: Session) -> None:
    case = _file(session)  # high: first answer in 4 hours, resolution in 72 hours
    assert _clock_states(case, FILED) == {"first_response": "ok", "resolution": "ok"}
    assert _clock_states(case, FILED + timedelta(hours=2, minutes=59))["first_response"] == "ok"
    assert _clock_states(case, FILED + timedelta(hours=3))["first_response"] == "warning"
    assert _clock_states(case, FILED + timedelta(hours=4))["first_response"] == "breached"
    assert _clock_states(case, FILED + timedelta(hours=54)) == {
        "first_response": "breached",
        "resolution": "warning",
    }
    case.first_response_at = FILED + timedelta(hours=1)
    clocks = cases.sla_clocks(case, FILED + timedelta(hours=80), 0.75)
    assert [c.state.value for c in clocks] == ["met", "breached"]
    assert cases.nearest_running_clock(clocks) == clocks[1]
    assert clocks[1].left == timedelta(hours=-8)
