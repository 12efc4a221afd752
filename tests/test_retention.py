"""The retention job purges exactly the personal data of long-closed cases, and only once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from flaskapp.cli import cli
from tools import cases
from tools.base import clock, outbox
from tools.base.config import load_settings
from tools.base.db import session_factory
from tools.cases import retention
from tools.intake import spool
from tools.models import (
    AppendOnlyError,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    EvidenceLink,
    OutgoingMail,
    User,
)
from tools.models.mail import FAILED, PENDING, SENT
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects

FILED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _case(session: Session, title: str, closed_days_ago: int | None) -> str:
    """A case filed long ago with subjects, evidence and messages, closed ``closed_days_ago``."""
    settings = load_settings(database_url="sqlite://")
    requester = session.scalars(select(User).where(User.username == "Steward One")).first()
    requester = requester or User(username="Steward One")
    specialist = session.scalars(select(User).where(User.username == "Specialist One")).first()
    specialist = specialist or User(username="Specialist One")
    evidence, _ = parse_evidence_links("https://en.wikipedia.org/w/index.php?diff=123456")
    request = cases.NewRequest(
        category=Category.HARASSMENT,
        title=title,
        description=f"Vandal 192.0.2.7 harassed me: {title}",
        wikis=("enwiki",),
        subjects=parse_subjects("Example vandal\n192.0.2.7")[0],
        evidence=evidence,
    )
    with clock.frozen_at(FILED):
        case = cases.file_request(session, requester, request, settings)
        cases.note(session, case, specialist, "Checked the IP 192.0.2.7")
        cases.reply(session, case, specialist, "We are on it, Steward One.")
        for status in (CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED):
            cases.move(session, case, specialist, status)
    if closed_days_ago is not None:
        with clock.frozen_at(NOW - timedelta(days=closed_days_ago)):
            cases.move(session, case, specialist, CaseStatus.CLOSED)
    return case.reference or ""


@pytest.fixture
def session(migrated: Engine) -> Iterator[Session]:
    with Session(migrated) as session:
        yield session


def test_purge_removes_personal_data_of_long_closed_cases_and_keeps_the_statistics(
    session: Session,
) -> None:
    old = _case(session, "Old harassment", closed_days_ago=120)
    recent = _case(session, "Recent harassment", closed_days_ago=10)
    still_open = _case(session, "Open harassment", closed_days_ago=None)
    for reference in (old, recent):  # as a ReportIncident reporter, known by e-mail only
        reported = cases.find_by_reference(session, reference)
        reported.contact_name, reported.contact_email = "Reporter", "reporter@example.org"
    session.commit()

    report = retention.purge(session, 90, NOW)
    session.commit()
    assert report.references == [old]
    assert (report.subjects, report.evidence, report.events) == (2, 1, 2)

    session.expire_all()
    purged = cases.find_by_reference(session, old)
    assert purged.purged_at == NOW
    assert purged.subjects == [] and purged.evidence == []
    assert purged.title == purged.description == retention.TOMBSTONE
    assert purged.contact_name is None and purged.contact_email is None
    assert cases.find_by_reference(session, recent).contact_email == "reporter@example.org"
    assert all(e.body in (None, retention.TOMBSTONE) for e in purged.events)
    assert purged.events[-1].kind == "purged"
    assert purged.events[-1].actor_label == retention.ACTOR_LABEL
    # What the metrics need is still there.
    assert purged.category == Category.HARASSMENT and purged.status == CaseStatus.CLOSED
    assert purged.first_response_at == FILED and purged.resolved_at == FILED
    assert [w.wiki for w in purged.wikis] == ["enwiki"]
    assert [e.kind for e in purged.events][:3] == ["filed", "noted", "replied"]
    for untouched in (recent, still_open):
        case = cases.find_by_reference(session, untouched)
        assert case.purged_at is None and len(case.subjects) == 2
        assert "192.0.2.7" in case.description
    assert session.scalar(select(EvidenceLink).where(EvidenceLink.case_id == purged.id)) is None


def test_purge_is_idempotent_and_a_dry_run_changes_nothing(session: Session) -> None:
    old = _case(session, "Old harassment", closed_days_ago=120)
    session.commit()
    dry = retention.purge(session, 90, NOW, dry_run=True)
    session.commit()
    assert dry.references == [old]
    assert cases.find_by_reference(session, old).purged_at is None

    assert retention.purge(session, 90, NOW).references == [old]
    session.commit()
    again = retention.purge(session, 90, NOW + timedelta(days=400))
    session.commit()
    assert again.references == []
    kinds = [e.kind for e in cases.find_by_reference(session, old).events]
    assert kinds.count("purged") == 1


def test_the_timeline_stays_append_only_outside_the_purge(session: Session) -> None:
    _case(session, "Old harassment", closed_days_ago=120)
    session.commit()
    retention.purge(session, 90, NOW)
    session.commit()
    event = session.scalars(select(CaseEvent)).first()
    event.body = "rewritten"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def test_the_command_purges_with_the_setting_or_days_given(
    migrated: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(migrated) as session:
        old = _case(session, "Old harassment", closed_days_ago=120)
        middle = _case(session, "Middle harassment", closed_days_ago=40)
        session.commit()
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFETYDESK_RETENTION_DAYS", "100")
    runner = CliRunner()
    with clock.frozen_at(NOW):
        dry = runner.invoke(cli, ["retention", "run", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert dry.output.splitlines()[1:] == [old]
        assert dry.output.startswith("would purge 1 cases closed more than 100 days ago")
        run = runner.invoke(cli, ["retention", "run", "--days", "30"])
        assert run.exit_code == 0, run.output
        assert sorted(run.output.splitlines()[1:]) == sorted([old, middle])
        second = runner.invoke(cli, ["retention", "run", "--days", "30"])
        assert second.output.startswith("purged 0 cases")
    with Session(migrated) as session:
        assert session.scalar(select(Case).where(Case.purged_at.is_(None))) is None


def _mail(session: Session, subject: str, status: str, created_days_ago: int) -> None:
    created = NOW - timedelta(days=created_days_ago)
    session.add(
        OutgoingMail(
            to_address="reporter@example.org",
            subject=subject,
            body="" if status == SENT else f"Private reply: {subject}",
            status=status,
            attempts=outbox.MAX_ATTEMPTS if status == FAILED else 1,
            created_at=created,
            next_attempt_at=created,
            sent_at=created + timedelta(minutes=1) if status == SENT else None,
        )
    )


def test_outbox_mails_sent_or_given_up_on_before_the_period_are_deleted(
    session: Session,
) -> None:
    _mail(session, "sent long ago", SENT, 200)
    _mail(session, "sent lately", SENT, 10)
    _mail(session, "given up long ago", FAILED, 200)
    _mail(session, "given up lately", FAILED, 10)
    _mail(session, "still being tried", PENDING, 200)  # never dropped while it may go out
    session.commit()
    dry = retention.purge(session, 100, NOW, dry_run=True)
    assert dry.mails == 0 and session.scalar(select(func.count(OutgoingMail.id))) == 5
    report = retention.purge(session, 100, NOW)
    session.commit()
    assert report.mails == 2
    left = set(session.scalars(select(OutgoingMail.subject)))
    assert left == {"sent lately", "given up lately", "still being tried"}


def test_the_command_deletes_rejected_spool_lines_kept_past_the_period(
    migrated: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spool_file = tmp_path / "reportincident-spool.jsonl"
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFETYDESK_REPORTINCIDENT_SPOOL", str(spool_file))
    for days_ago, torn in ((120, '{"wiki": "enwiki", "requ'), (5, '{"wiki": "frwiki", "re')):
        spool_file.write_text(torn + "\n")
        with clock.frozen_at(NOW - timedelta(days=days_ago)):
            assert spool.replay(session_factory(migrated), load_settings()).rejected == 1
    rejected = tmp_path / "reportincident-spool.jsonl.rejected"
    assert len(rejected.read_text().splitlines()) == 2
    runner = CliRunner()
    with clock.frozen_at(NOW):
        dry = runner.invoke(cli, ["retention", "run", "--days", "30", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert len(rejected.read_text().splitlines()) == 2
        run = runner.invoke(cli, ["retention", "run", "--days", "30"])
    assert run.exit_code == 0, run.output
    assert "1 rejected ReportIncident spool lines" in run.output
    (kept,) = rejected.read_text().splitlines()
    assert json.loads(kept)["line"] == '{"wiki": "frwiki", "re'  # the recent one, as it came
