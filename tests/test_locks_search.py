# ruff: noqa: RUF001, RUF003
"""The lock log reads every shape and finds every name, reason and range (issue #19).

On SQLite and MariaDB (the ``migrated`` fixture): modern ``suppressed`` statuses,
case-insensitive reason search in every script served by the full-text index, names
in NFC, and IP searches that show the ranges covering the address, through an index.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from lock_samples import api_entry, lock
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from tools.base.db import downgrade, session_factory, transaction, upgrade
from tools.locks import LockQuery, lock_statuses, normalise, search, store_page, stream_name
from tools.locks.search_text import search_form
from tools.models import LockEvent

WIKI = "metawiki"
STREAM = stream_name(WIKI, "globalauth")
REASONS = {
    10: "Спам-бот",
    11: "Cross-wiki ΣΠΑΜ",
    12: "تخريب متكرر",
    13: "İstanbul vandal",
    14: "Irregular edits from DIYARBAKIR",
    15: "Spambot",
    16: "Λογαριασμός βανδάλων",
}


@pytest.fixture
def sessions(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


def _store(sessions: sessionmaker[Session], entries: list[dict[str, Any]]) -> None:
    with transaction(sessions) as session:
        store_page(session, WIKI, STREAM, entries)


def _found(sessions: sessionmaker[Session], **fields: Any) -> list[int]:
    with sessions() as session:
        result = search(session, LockQuery(include_suppressed=True, **fields), per_page=100)
    return sorted(row.log_id for row in result.rows)


def _block(logid: int, target: str, **kwargs: Any) -> dict[str, Any]:
    params = {"expiry": "infinity", "flags": []}
    return api_entry(logid, "gblblock", "gblock", f"User:{target}", params, **kwargs)


@pytest.mark.parametrize(
    ("params", "action"),
    [
        ({"added": ["suppressed"], "removed": []}, "suppress"),
        ({"added": [], "removed": ["suppressed"]}, "unsuppress"),
        ({"added": ["locked", "suppressed"], "removed": []}, "lock+suppress"),
        ({"0": "suppressed", "1": "(none)"}, "suppress"),
    ],
)
def test_modern_suppressed_status_reads_like_the_legacy_one(params: Any, action: str) -> None:
    row = normalise(api_entry(1, "suppress", "setstatus", "User:X@global", params), WIKI)
    assert (row["action"], row["parsed"]) == (action, True)


def test_rows_stored_as_unknown_are_read_again_by_the_migration(migrated: Engine) -> None:
    downgrade(migrated, "0009")
    with migrated.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO lock_events (wiki, log_id, log_type, log_action, action, timestamp,"
                " target, target_kind, reason, params, parsed, suppressed) VALUES"
                " ('metawiki', 1, 'suppress', 'setstatus', 'unknown', '2024-05-01 10:00:00',"
                " 'X', 'account', 'СПАМ', :params, 0, 1)"
            ),
            {"params": '{"added": ["suppressed"], "removed": []}'},
        )
    upgrade(migrated)
    sessions = session_factory(migrated)
    with sessions() as session:
        row = session.execute(select(LockEvent)).scalar_one()
        assert (row.action, row.parsed, row.reason_search) == ("suppress", True, "спам")
    assert _found(sessions, reason="Спам") == [1]


def test_reason_search_ignores_case_in_every_script(sessions: sessionmaker[Session]) -> None:
    _store(sessions, [lock(logid, f"User {logid}", comment=r) for logid, r in REASONS.items()])
    for query in ("Спам", "спам", "СПАМ", "спам-БОТ", "бот"):
        assert _found(sessions, reason=query) == [10], query
    for query in ("σπαμ", "Σπαμ", "ΣΠΑΜ"):
        assert _found(sessions, reason=query) == [11], query
    for query in ("λογαριασμός", "ΛΟΓΑΡΙΑΣΜΌΣ"):  # final sigma ς meets Σ
        assert _found(sessions, reason=query) == [16], query
    assert _found(sessions, reason="تخريب") == [12]
    # Turkish: İ/i and I/ı are pairs; a searcher cannot know which i was typed.
    for query in ("istanbul", "İSTANBUL", "ıstanbul", "ISTANBUL"):
        assert _found(sessions, reason=query) == [13], query
    for query in ("diyarbakır", "Diyarbakir", "DİYARBAKIR"):
        assert _found(sessions, reason=query) == [14], query
    assert _found(sessions, reason="SPAM") == [15]  # not σπαμ: another script
    assert _found(sessions, reason="vandal edits") == []


def test_reason_search_uses_the_full_text_index(sessions: sessionmaker[Session]) -> None:
    _store(sessions, [lock(logid, f"User {logid}", comment=r) for logid, r in REASONS.items()])
    with sessions() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in session.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT rowid FROM lock_reason_fts WHERE "
                        "lock_reason_fts MATCH '\"спам\"'"
                    )
                )
            )
            assert "VIRTUAL TABLE INDEX" in plan
        else:
            plan = (
                session.execute(
                    text(
                        "EXPLAIN SELECT id FROM lock_events WHERE MATCH (reason_search) "
                        "AGAINST ('+спам*' IN BOOLEAN MODE)"
                    )
                )
                .mappings()
                .one()
            )
            assert plan["type"] == "fulltext"
    # A word too short for the index still finds by scanning.
    assert _found(sessions, reason="-б") == [10]


def test_names_are_found_in_any_unicode_form(sessions: sessionmaker[Session]) -> None:
    composed = "José Vandal"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    _store(
        sessions,
        [lock(20, decomposed), lock(21, composed, user=unicodedata.normalize("NFD", "Stéward"))],
    )
    assert _found(sessions, target=composed) == [20, 21]
    assert _found(sessions, target=decomposed) == [20, 21]
    assert _found(sessions, target="jose\u0301", prefix=True) == [20, 21]
    assert _found(sessions, performer="Stéward") == [21]
    assert search_form("Je\u0301SUS") == "jésus"


def test_an_ip_search_shows_the_ranges_that_cover_it(sessions: sessionmaker[Session]) -> None:
    _store(
        sessions,
        [
            _block(30, "2001:db8:2a::/48"),
            _block(31, "2001:db8::/32"),
            _block(32, "2001:db8:2b::/48"),  # next door: does not cover
            _block(33, "198.51.100.0/24"),
            _block(34, "198.51.0.0/16"),
            _block(35, "198.51.101.0/24"),
            _block(36, "198.51.100.7"),
        ],
    )
    assert _found(sessions, target="2001:db8:2a::5") == [30, 31]
    assert _found(sessions, target="2001:0DB8:002A:0:0:0:0:5") == [30, 31]
    assert _found(sessions, target="2001:db8:2a:7::/64") == [30, 31]
    assert _found(sessions, target="198.51.100.7") == [33, 34, 36]
    assert _found(sessions, target="198.51.100.8") == [33, 34]
    assert _found(sessions, target="198.51.100.0/24") == [33, 34]
    with sessions() as session:
        status = lock_statuses(
            session, ["2001:db8:2a::5", "2001:db9:3::1"], include_suppressed=False
        )
    assert status["2001:db8:2a::5"].blocked
    assert status["2001:db8:2a::5"].covered_by == "2001:DB8:2A:0:0:0:0:0/48"
    assert not status["2001:db9:3::1"].blocked


def test_an_ip_search_is_served_by_the_target_index(sessions: sessionmaker[Session]) -> None:
    _store(sessions, [_block(40, "2001:db8:2a::/48")])
    from tools.locks.query import _conditions, _filters

    with sessions() as session:
        connection = session.connection()
        shape, values = _filters(LockQuery(target="2001:db8:2a::5"), connection.dialect.name)
        statement = select(LockEvent.__table__.c.id).where(*_conditions(shape))
        prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
        compiled = statement.compile(dialect=connection.dialect)
        parameters: Any = (
            tuple(values[name] for name in compiled.positiontup or ())
            if compiled.positional
            else {name: values[name] for name in compiled.params}
        )
        plan = connection.exec_driver_sql(prefix + str(compiled), parameters).all()
    described = " ".join(str(part) for row in plan for part in row)
    assert "ix_lock_events_target" in described
    assert "SCAN lock_events" not in described


@pytest.mark.parametrize("window", [5000, 70, 10])
def test_a_common_word_pages_alike_from_the_newest_rows_or_the_index(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    from tools.locks import query as query_module

    monkeypatch.setattr(query_module, "RECENT_WINDOW", window)
    entries = [
        lock(100 + n, f"User {n}", day=1 + n % 28, comment="Spam" if n % 2 else "Vandalism")
        for n in range(120)
    ]
    _store(sessions, entries)
    with sessions() as session:
        pages = [
            search(session, LockQuery(reason="SPAM"), page=page, per_page=25) for page in (1, 2, 3)
        ]
    found = [row.log_id for result in pages for row in result.rows]
    expected = sorted(
        (entry for entry in entries if entry["comment"] == "Spam"),
        key=lambda entry: (entry["timestamp"], entry["logid"]),
        reverse=True,
    )
    assert found == [entry["logid"] for entry in expected]
    assert [result.has_next for result in pages] == [True, True, False]
