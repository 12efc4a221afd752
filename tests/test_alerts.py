"""Alerts (tools.alerts): raised once per comment, listed for specialists, dismissed or filed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tools import cases
from tools.base.clock import frozen_at
from tools.base.config import load_settings
from tools.base.db import session_factory
from tools.cases import metrics, retention
from tools.models import AlertStatus, CaseSource, CaseStatus, Category, EvidenceKind, Severity, User
from tools.patrol import alerts, revisions
from tools.patrol.wikitext import Comment
from tools.triage import Finding, Verdict

BOARD = "Wikipedia:Administrators' noticeboard/Incidents"
AT = datetime(2026, 11, 24, 21, 5, tzinfo=UTC)


def comment(key: str = "c-Example-20261124210500", text: str = "I will find you.") -> Comment:
    return Comment(
        key=key,
        thread="Threats against an editor",
        author="Example",
        timestamp=AT,
        text=text,
        wikitext=text + " [[User:Example|Example]] 21:05, 24 November 2026 (UTC)",
        signed=True,
    )


def verdict(category: str = "violence", score: float = 0.9, *more: Finding) -> Verdict:
    findings = (Finding(category, score, ("find you",)), *more)
    return Verdict("en", tuple(sorted(findings, key=lambda f: -f.score)))  # best first


@pytest.fixture
def session(migrated: Engine) -> Iterator[Session]:
    with session_factory(migrated)() as session:
        yield session


def _raise(session: Session, rev_id: int = 100, **kwargs: object) -> alerts.Alert | None:
    values: dict[str, object] = {
        "wiki": "enwiki",
        "page_title": BOARD,
        "rev_id": rev_id,
        "comment": comment(),
        "verdict": verdict(),
        "language": "en",
    }
    values.update(kwargs)
    return alerts.raise_alert(session, **values)  # type: ignore[arg-type]


def test_a_comment_is_alerted_once_whatever_revision_shows_it_again(session: Session) -> None:
    with frozen_at(AT):
        first = _raise(session, 100)
    assert first is not None
    assert (first.category, first.score, first.author, first.section) == (
        "violence",
        0.9,
        "Example",
        "Threats against an editor",
    )
    assert first.phrases == ["find you"] and first.excerpt == "I will find you."
    assert _raise(session, 100) is None  # the same revision read again
    assert _raise(session, 105) is None  # a later revision that still shows the comment
    assert _raise(session, 106, page_title="Wikipedia:Village pump") is not None
    assert len(alerts.list_alerts(session)) == 2


def test_below_the_threshold_or_without_findings_nothing_is_raised(session: Session) -> None:
    assert _raise(session, verdict=verdict(score=0.4), threshold=0.5) is None
    assert _raise(session, verdict=Verdict("en", ())) is None
    assert _raise(session, verdict=verdict(score=0.5), threshold=0.5) is not None


def test_every_finding_is_kept_with_its_phrases(session: Session) -> None:
    both = verdict("doxxing", 0.7, Finding("violence", 0.95, ("kill",)))
    alert = _raise(session, verdict=both)
    assert alert is not None
    assert alert.category == "violence" and alert.categories == ["violence", "doxxing"]
    assert alert.phrases == ["kill", "find you"]


def test_list_is_newest_first_then_highest_score_and_pages_by_cursor(session: Session) -> None:
    with frozen_at(AT):
        low = _raise(session, 1, comment=comment("a"), verdict=verdict(score=0.6))
        high = _raise(session, 1, comment=comment("b"), verdict=verdict("doxxing", 0.8))
    with frozen_at(AT + timedelta(minutes=5)):
        newest = _raise(session, 2, comment=comment("c"), verdict=verdict(score=0.5))
    assert alerts.list_alerts(session) == [newest, high, low]
    assert alerts.list_alerts(session, limit=2) == [newest, high]
    assert newest is not None and high is not None
    assert alerts.list_alerts(session, limit=2, after=high.id) == [low]
    assert alerts.list_alerts(session, category="doxxing") == [high]
    assert alerts.list_alerts(session, wiki="frwiki") == []
    assert alerts.list_alerts(session, status="new", after=newest.id) == [high, low]


def test_child_protection_alerts_only_for_those_who_may_see_restricted_cases(
    session: Session,
) -> None:
    hidden = _raise(session, verdict=verdict("child_safety", 0.9))
    assert alerts.list_alerts(session, include_restricted=False) == []
    assert alerts.list_alerts(session) == [hidden]
    assert hidden is not None and alerts.is_restricted(hidden)


def test_dismissing_keeps_the_reason_and_counts_for_precision(session: Session) -> None:
    specialist = User(username="Specialist One")
    session.add(specialist)
    alert = _raise(session)
    assert alert is not None
    with pytest.raises(alerts.AlertError):
        alerts.dismiss(session, alert, specialist, "   ")
    with frozen_at(AT):
        alerts.dismiss(session, alert, specialist, "A quote from a film")
    assert alert.status == AlertStatus.DISMISSED
    assert alert.dismiss_reason == "A quote from a film"
    assert alert.reviewed_by == specialist and alert.reviewed_at == AT
    with pytest.raises(alerts.AlertError, match="already reviewed"):
        alerts.dismiss(session, alert, specialist, "again")
    rows = metrics.alert_precision(session, AT - timedelta(days=1), AT + timedelta(days=1))
    assert next((r.category, r.to_case, r.dismissed) for r in rows) == ("violence", 0, 1)


def test_a_threat_alert_becomes_an_emergency_case_with_its_data(session: Session) -> None:
    specialist = User(username="Specialist One")
    session.add(specialist)
    alert = _raise(session, 1_234_567)
    assert alert is not None
    draft = alerts.draft_request(alert)
    assert draft.category == Category.THREAT and draft.severity == Severity.EMERGENCY
    with frozen_at(AT):
        case = alerts.turn_into_case(session, alert, specialist, load_settings())
    assert case.source == CaseSource.ALERT and case.severity == Severity.EMERGENCY
    assert [w.wiki for w in case.wikis] == ["enwiki"]
    assert [s.value for s in case.subjects] == ["Example"]
    [evidence] = case.evidence
    assert (evidence.kind, evidence.wiki, evidence.rev_id) == (EvidenceKind.DIFF, "enwiki", 1234567)
    assert "I will find you." in case.description
    assert case.events[0].data["alert_id"] == alert.id
    assert (alert.status, alert.case_id) == (AlertStatus.CASE, case.id)
    with pytest.raises(alerts.AlertError):
        alerts.turn_into_case(session, alert, specialist, load_settings())
    rows = metrics.alert_precision(session, AT - timedelta(days=1), AT + timedelta(days=1))
    assert next((r.category, r.to_case, r.dismissed) for r in rows) == ("violence", 1, 0)


def test_an_edited_draft_is_filed_as_the_specialist_left_it(session: Session) -> None:
    specialist = User(username="Specialist One")
    session.add(specialist)
    alert = _raise(session, verdict=verdict("doxxing", 0.8))
    assert alert is not None
    draft = alerts.draft_request(alert)
    assert draft.severity is None  # privacy is not an emergency: the category's default
    edited = alerts.replace(draft, title="Doxxing on ANI", category=Category.HARASSMENT)
    case = alerts.turn_into_case(session, alert, specialist, load_settings(), edited)
    assert (case.title, case.category, case.severity) == (
        "Doxxing on ANI",
        Category.HARASSMENT,
        Severity.HIGH,
    )


def test_checkpoints_move_and_beat(session: Session) -> None:
    assert revisions.load_position(session, "enwiki:" + BOARD) is None
    with frozen_at(AT):
        revisions.save_position(session, "enwiki:" + BOARD, {"rev_id": 7})
    with frozen_at(AT + timedelta(minutes=1)):
        revisions.heartbeat(session, ["enwiki:" + BOARD])
    assert revisions.load_position(session, "enwiki:" + BOARD) == {"rev_id": 7}


def test_purging_a_case_drops_the_alerts_words_and_keeps_its_category(session: Session) -> None:
    specialist = User(username="Specialist One")
    session.add(specialist)
    alert = _raise(session, verdict=verdict("doxxing", 0.8))
    assert alert is not None
    with frozen_at(AT):
        case = alerts.turn_into_case(session, alert, specialist, load_settings())
        for status in (
            CaseStatus.TRIAGED,
            CaseStatus.IN_PROGRESS,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        ):
            cases.move(session, case, specialist, status)
    retention.purge(session, 90, AT + timedelta(days=120))
    session.refresh(alert)
    assert (alert.excerpt, alert.author, alert.phrases) == (retention.TOMBSTONE, None, [])
    assert (alert.category, alert.status) == ("doxxing", AlertStatus.CASE)
