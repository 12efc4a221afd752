"""tools.locks storage and queries, on SQLite and on MariaDB (the ``migrated`` fixture).

Pages of API entries are stored exactly once with their checkpoint; searches,
statistics, account statuses, the daily report and the CSV export read them back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from conftest import new_mariadb_database
from lock_samples import SAMPLE, api_entry, lock
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tools.base.db import make_engine, session_factory, transaction, upgrade
from tools.locks import (
    Action,
    HiddenLevel,
    LockQuery,
    LockQueryError,
    Position,
    csv_lines,
    daily_summaries,
    iter_events,
    load_checkpoint,
    lock_statuses,
    read_page,
    recategorise,
    search,
    statistics,
    store_page,
    stream_name,
    summary_wikitext,
)
from tools.models import BotCheckpoint, LockEvent

WIKI = "metawiki"
STREAM = stream_name(WIKI, "globalauth")


@pytest.fixture
def sessions(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)]
)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """SAMPLE stored once per backend, for the tests that only read it (quicker than each)."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('locks') / 'shared.sqlite3'}", None
    else:
        url, drop = new_mariadb_database("locks")
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        store_page(session, WIKI, STREAM, SAMPLE)
    yield sessions
    engine.dispose()
    if drop:
        drop()


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as session:
        store_page(session, WIKI, STREAM, SAMPLE)
    return sessions


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(LockEvent)) or 0


# --- storing -------------------------------------------------------------------------


def test_a_page_is_stored_with_its_checkpoint(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        result = store_page(session, WIKI, STREAM, SAMPLE)
    assert (result.read, result.stored, result.unparsed) == (7, 7, 1)
    assert result.position == Position(datetime(2024, 5, 5, tzinfo=UTC), 7)
    with sessions() as session:
        assert load_checkpoint(session, STREAM) == result.position
        checkpoint = session.scalars(select(BotCheckpoint)).one()
        assert checkpoint.position == {"timestamp": "2024-05-05T00:00:00Z", "log_id": 7}
    assert count(sessions) == 7


def test_reading_a_page_again_stores_nothing_twice(stored: sessionmaker[Session]) -> None:
    with transaction(stored) as session:
        store_page(session, WIKI, STREAM, SAMPLE)
    with transaction(stored) as session:
        again = store_page(session, WIKI, STREAM, SAMPLE, after=load_checkpoint(session, STREAM))
    assert (again.read, again.stored) == (7, 0)
    assert count(stored) == 7


def test_rows_and_checkpoint_are_one_transaction(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        store_page(session, WIKI, STREAM, SAMPLE)
        raise RuntimeError("killed between the rows and the commit")
    assert count(sessions) == 0
    with sessions() as session:
        assert load_checkpoint(session, STREAM) is None


def test_only_entries_after_the_checkpoint_are_new(stored: sessionmaker[Session]) -> None:
    newer = lock(8, "Late", 5)
    same_second = api_entry(
        9, "globalauth", "lock", "User:Tie@global", timestamp="2024-05-05T00:00:00Z"
    )
    with transaction(stored) as session:
        after = load_checkpoint(session, STREAM)
        result = store_page(session, WIKI, STREAM, [SAMPLE[-1], same_second, newer], after=after)
    assert result.stored == 2
    assert result.position == Position(datetime(2024, 5, 5, 10, 0, 8, tzinfo=UTC), 8)


def test_an_entry_read_again_is_updated_in_place(stored: sessionmaker[Session]) -> None:
    changed = dict(SAMPLE[0], comment="Compromised account")
    with transaction(stored) as session:
        store_page(session, WIKI, STREAM, [changed])
    with stored() as session:
        row = session.scalars(select(LockEvent).where(LockEvent.log_id == 1)).one()
        assert (row.reason, row.reason_category) == ("Compromised account", "compromised")
    assert count(stored) == 7


def test_an_empty_page_is_a_heartbeat(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        assert store_page(session, WIKI, STREAM, []).position is None
    with sessions() as session:
        checkpoint = session.scalars(select(BotCheckpoint)).one()
        assert checkpoint.position == {} and checkpoint.heartbeat_at is not None


# --- searching ---------------------------------------------------------------------


def targets(sessions: sessionmaker[Session], **fields: Any) -> list[tuple[str, int]]:
    fields.setdefault("include_suppressed", False)
    with sessions() as session:
        return [(row.target, row.log_id) for row in search(session, LockQuery(**fields)).rows]


def test_search_by_account_exact_and_prefix(shared: sessionmaker[Session]) -> None:
    assert targets(shared, target="Vandal") == [("Vandal", 4), ("Vandal", 3)]
    assert targets(shared, target="User:vandal@global") == [("Vandal", 4), ("Vandal", 3)]
    assert targets(shared, target="Spambot") == []
    assert targets(shared, target="spambot", prefix=True) == [("Spambot 2", 2), ("Spambot 1", 1)]
    assert targets(shared, target="192.0.2.7") == [("192.0.2.7", 5)]


def test_search_by_performer_reason_action_category_and_dates(
    shared: sessionmaker[Session],
) -> None:
    assert targets(shared, performer="Steward_Two") == [("Spambot 2", 2)]
    assert targets(shared, reason="term ABUSE") == [("Vandal", 3)]
    assert targets(shared, reason="50%") == []
    assert targets(shared, action=Action.UNLOCK) == [("Vandal", 4)]
    assert targets(shared, action=Action.BLOCK) == [("192.0.2.7", 5)]
    assert targets(shared, category="proxy") == [("192.0.2.7", 5)]
    assert targets(shared, since=date(2024, 5, 2), until=date(2024, 5, 3)) == [
        ("192.0.2.7", 5),
        ("Vandal", 4),
        ("Vandal", 3),
    ]
    assert targets(shared, wiki="enwiki") == []


def test_suppressed_events_only_for_those_allowed(shared: sessionmaker[Session]) -> None:
    assert targets(shared, target="Doxxer") == []
    assert targets(shared, target="Doxxer", include_suppressed=True) == [("Doxxer", 6)]
    assert targets(shared, action=Action.SUPPRESS, include_suppressed=True) == [("Doxxer", 6)]
    assert targets(shared, action=Action.LOCK) == [
        ("Vandal", 3),
        ("Spambot 2", 2),
        ("Spambot 1", 1),
    ]


def test_search_pages_and_export_everything(shared: sessionmaker[Session]) -> None:
    with shared() as session:
        first = search(session, LockQuery(), per_page=4)
        second = search(session, LockQuery(), page=2, per_page=4)
        everything = list(iter_events(session, LockQuery(), batch=2))
    assert first.has_next and not second.has_next
    assert [row.log_id for row in first.rows + second.rows] == [7, 5, 4, 3, 2, 1]
    assert [row.log_id for row in everything] == [7, 5, 4, 3, 2, 1]
    block = next(row for row in everything if row.log_id == 5)
    assert block.expiry == datetime(2030, 1, 1, tzinfo=UTC) and block.flags == ["anon-only"]
    assert block.timestamp.tzinfo is UTC and block.parsed and not block.suppressed


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "nuke"}, "unknown action"),
        ({"category": "aliens"}, "unknown reason category"),
        ({"since": "yesterday"}, "since: 'yesterday' is not a date"),
        ({"since": "2024-05-02", "until": "2024-05-01"}, "start date is after"),
    ],
)
def test_a_bad_search_form_names_the_field(params: dict[str, str], message: str) -> None:
    with pytest.raises(LockQueryError, match=message):
        LockQuery.from_params(params, include_suppressed=False)


def test_search_form_fields_become_a_query() -> None:
    query = LockQuery.from_params(
        {"target": " Vandal ", "prefix": "1", "action": "lock", "since": "2024-05-01"},
        include_suppressed=True,
    )
    assert query == LockQuery(
        target="Vandal",
        prefix=True,
        action=Action.LOCK,
        since=date(2024, 5, 1),
        include_suppressed=True,
    )
    assert not query.is_empty and LockQuery().is_empty


# --- statistics, statuses, reports ---------------------------------------------------------


def test_statistics_of_a_search(shared: sessionmaker[Session]) -> None:
    with shared() as session:
        stats = statistics(session, LockQuery())
        everything = statistics(session, LockQuery(include_suppressed=True))
    assert (stats.total, stats.unparsed) == (6, 1)
    assert dict(stats.by_action) == {"lock": 3, "unlock": 1, "block": 1, "unknown": 1}
    assert dict(everything.by_action)["suppress"] == 1
    assert stats.per_day == [
        (date(2024, 5, 1), 2),
        (date(2024, 5, 2), 1),
        (date(2024, 5, 3), 2),
        (date(2024, 5, 5), 1),
    ]
    assert stats.per_week() == [(date(2024, 4, 29), 6)]
    assert stats.top_performers == [("Steward One", 5), ("Steward Two", 1)]
    assert dict(stats.top_categories) == {"spam": 3, "lta": 1, "other": 1, "proxy": 1}


def test_lock_statuses_of_a_case_s_accounts(shared: sessionmaker[Session]) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with shared() as session:
        statuses = lock_statuses(
            session,
            ["Spambot 1", "User:Vandal", "192.0.2.7", "Doxxer", "Nobody"],
            include_suppressed=False,
            now=now,
        )
        allowed = lock_statuses(session, ["Doxxer"], include_suppressed=True, now=now)
    assert statuses["Spambot 1"].locked and statuses["Spambot 1"].known
    vandal = statuses["User:Vandal"]
    assert not vandal.locked and [row.action for row in vandal.history] == ["lock", "unlock"]
    proxy = statuses["192.0.2.7"]
    assert proxy.blocked and proxy.block_expiry == datetime(2030, 1, 1, tzinfo=UTC)
    assert not statuses["Doxxer"].known  # the hiding is in the suppression log
    assert not statuses["Nobody"].known and statuses["Nobody"].last_change is None
    doxxer = allowed["Doxxer"]
    assert doxxer.locked and doxxer.hidden is HiddenLevel.SUPPRESSED
    later = datetime(2031, 1, 1, tzinfo=UTC)
    with shared() as session:
        expired = lock_statuses(session, ["192.0.2.7"], include_suppressed=False, now=later)
    assert not expired["192.0.2.7"].blocked


def test_daily_report_never_shows_suppressed_events(shared: sessionmaker[Session]) -> None:
    with shared() as session:
        days = daily_summaries(session, WIKI, date(2024, 5, 1), date(2024, 5, 4))
    assert [(day.day.day, day.total) for day in days] == [(1, 2), (2, 1), (3, 2), (4, 0)]
    text = summary_wikitext(days, generated=datetime(2024, 5, 5, tzinfo=UTC))
    assert '{| class="wikitable sortable"' in text
    assert "| 2024-05-03 || 0 || 1 || 0 || 1 || 0 || 0 || 2" in text
    assert "Doxxer" not in text and text.index("2024-05-04") < text.index("2024-05-01")


def test_csv_export_is_safe_to_open_in_a_spreadsheet(shared: sessionmaker[Session]) -> None:
    with shared() as session:
        rows = list(iter_events(session, LockQuery(include_suppressed=True)))
    parsed = list(csv.DictReader(io.StringIO("".join(csv_lines(rows)))))
    assert len(parsed) == 7
    doxxer = next(row for row in parsed if row["target"] == "Doxxer")
    assert doxxer["reason"] == "'=HYPERLINK(evil)"
    proxy = next(row for row in parsed if row["log_id"] == "5")
    assert (proxy["expiry"], proxy["flags"], proxy["action"]) == (
        "2030-01-01T00:00:00Z",
        "anon-only",
        "block",
    )
    assert next(row for row in parsed if row["log_id"] == "7")["parsed"] == "no"


def test_recategorise_applies_new_rules_to_stored_rows(stored: sessionmaker[Session]) -> None:
    with transaction(stored) as session:
        session.execute(LockEvent.__table__.update().values(reason_category=None))
    with transaction(stored) as session:
        assert recategorise(session, batch=3) == 7
    with transaction(stored) as session:
        assert recategorise(session) == 0
    with stored() as session:
        stats = statistics(session, LockQuery(category="spam"))
    assert stats.total == 3


def test_reading_a_page_without_storing_it(sessions: sessionmaker[Session]) -> None:
    """What the bot does under -simulate: the same rows and checkpoint, nothing written."""
    after = Position(datetime(2024, 5, 3, 10, 0, 4, tzinfo=UTC), 4)
    rows, result = read_page(WIKI, SAMPLE, after=after)
    assert [row["log_id"] for row in rows] == [5, 6, 7]
    assert (result.read, result.stored, result.unparsed) == (7, 3, 1)
    assert result.position == Position(datetime(2024, 5, 5, tzinfo=UTC), 7)
    assert count(sessions) == 0


def test_recategorise_command(stored: sessionmaker[Session], database_url: str) -> None:
    from click.testing import CliRunner

    from flaskapp.cli import cli

    with transaction(stored) as session:
        session.execute(LockEvent.__table__.update().values(reason_category="other"))
    result = CliRunner().invoke(
        cli, ["locks", "recategorise"], env={"SAFETYDESK_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    assert result.output == "5 entries changed category\n"


def test_export_in_batches_keeps_entries_of_the_same_second(
    sessions: sessionmaker[Session],
) -> None:
    same = [
        api_entry(
            100 + n, "globalauth", "lock", f"User:Wave {n}@global", timestamp="2024-06-01T00:00:00Z"
        )
        for n in range(5)
    ]
    with transaction(sessions) as session:
        store_page(session, WIKI, STREAM, same)
    with sessions() as session:
        exported = [row.log_id for row in iter_events(session, LockQuery(), batch=2)]
    assert exported == [104, 103, 102, 101, 100]
