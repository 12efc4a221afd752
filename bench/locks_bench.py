"""Benchmark of the lock log: ingest beside its floor, search beside a raw indexed query.

Prints two ratios per database backend, each measured in one run:

- ingest/floor: entries per second through :func:`tools.locks.store_page` (JSON
  parsing, normalisation, upsert, checkpoint, one transaction per page), divided by
  the floor: the same pages parsed with plain ``json.loads`` and the same rows put in
  with a plain bulk ``INSERT``. Goal: at least 0.5.
- search/raw: time of :func:`tools.locks.search` for one account in the full table,
  divided by the same indexed ``SELECT`` sent straight to the database driver.
  Goal: at most 2.

Then, beside that point query: a reason search (its first page of 50, newest first)
for a rare word in another script and case (``СПАМ``, in 0.2 % of the reasons, as
``Спам-бот``) and for a common one (``abuse``), the same rare search as a plain
``LIKE`` over the table (what it cost before the full-text index), and the search of
an IP, which also finds every range that covers it.

The entries are synthetic but in the API's real JSON shape (``list=logevents``,
``formatversion=2``, pages of 5,000 as a bot with apihighlimits gets them), in the
mix of shapes CentralAuth and GlobalBlocking write; the network is left out. Making
the pages is not timed.

    python bench/locks_bench.py --rows 1000000   # the measure: 1M entries, SQLite and MariaDB
    python bench/locks_bench.py                  # a quick look: 100,000 entries

Floor and ingest take the same pages in turns, each into a database of its own, so a
busy machine slows both alike; they are measured on the first ``--ingest-rows``
entries (100,000), then the rest of ``--rows`` is bulk loaded (:func:`bulk_load`:
the tool's rows, multi-row INSERTs in one transaction, indexes built after), which
puts 1M rows in a few minutes, and the searches run on the whole table. MariaDB:
``--mariadb-url`` (default ``mysql+pymysql://root@127.0.0.1:3306``); the databases
``safetydesk_bench_<pid>`` and ``safetydesk_bench_floor_<pid>`` are created there and
dropped at the end, so one run per ``--backend`` may go side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from tools import locks
from tools.base.db import make_engine, session_factory, transaction, upgrade
from tools.locks.rows import _ROW_COLUMNS
from tools.locks.search_text import FTS_TABLE
from tools.models import LockEvent

WIKI = "metawiki"
PAGE = 5000
REASONS = (
    "Spambot",
    "Spam-only account",
    "Long-term abuse",
    "[[m:LTA|Long-term abuse]]: cross-wiki vandalism",
    "Cross-wiki abuse",
    "Abusive user name",
    "Compromised account",
    "[[m:NOP|Open proxy]]: webhost",
    "Sockpuppetry, block evasion",
    "Harassment",
    "Vandalism-only account",
    "Per request",
)

#: A reason a few entries in a thousand carry, in Cyrillic: what a reason search is for.
RARE_REASON = "Спам-бот: межвики"
RARE_SHARE = 0.002
#: Reason searches timed: a rare word (any case, another script) and a common one.
REASON_QUERIES = (("rare", "СПАМ"), ("common", "abuse"))


@dataclass(frozen=True)
class Backend:
    name: str
    floor_url: str
    url: str  # where the tool ingests and searches
    cleanup: Callable[[], None]


# --- synthetic API pages -------------------------------------------------------------


def entry(logid: int, when: datetime, rng: random.Random, accounts: int) -> dict[str, Any]:
    """One log entry as api.php returns it, in a realistic mix of shapes."""
    name = f"Spambot {rng.randrange(accounts)}"
    ip = f"198.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
    roll = rng.random()
    log_type, action, title = "globalauth", "setstatus", f"User:{name}@global"
    if roll < 0.55:
        params: Any = {"added": ["locked"], "removed": []}
    elif roll < 0.63:
        params = {"added": [], "removed": ["locked"]}
    elif roll < 0.66:
        log_type, params = "suppress", {"added": ["locked", "hidden"], "removed": []}
    elif roll < 0.74:
        params = {"0": rng.choice(["locked", "locked, hidden"]), "1": "(none)"}
    elif roll < 0.78:
        action, params = rng.choice(["lock", "unlock", "lockandhid"]), {}
    elif roll < 0.93:
        log_type, action, title = "gblblock", "gblock", f"User:{ip}"
        expiry = rng.choice(["infinity", "20300101000000", "2031-06-01T00:00:00Z"])
        params = {"expiry": expiry, "flags": rng.choice([[], ["anon-only"]])}
    elif roll < 0.97:
        log_type, action, title, params = "gblblock", "gunblock", f"User:{ip}", {}
    else:
        log_type, action, title = "gblblock", "gblock2", f"User:{ip}"
        params = {"0": "anonymous only, expiration 12:00, 1 January 2011", "1": ip}
    return {
        "logid": logid,
        "ns": 2,
        "title": title,
        "pageid": 0,
        "logpage": 0,
        "params": params,
        "type": log_type,
        "action": action,
        "user": f"Steward {rng.randrange(40)}",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "comment": RARE_REASON if rng.random() < RARE_SHARE else rng.choice(REASONS),
    }


def pages(rows: int, seed: int = 7) -> Iterator[str]:
    """The API responses, as JSON text, oldest first; the same for every run of one seed."""
    for first, entries in page_entries(rows, seed):
        body: dict[str, Any] = {"batchcomplete": True, "query": {"logevents": entries}}
        if first + len(entries) < rows:
            body["continue"] = {"lecontinue": f"x|{first + len(entries) + 1}", "continue": "-||"}
        yield json.dumps(body)


def page_entries(rows: int, seed: int = 7) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(entries before, entries) of each API page, as :func:`pages` sends them decoded."""
    rng = random.Random(seed)
    accounts = max(rows // 3, 1)
    start = datetime(2008, 1, 1, tzinfo=UTC)
    for first in range(0, rows, PAGE):
        count = min(PAGE, rows - first)
        yield (
            first,
            [
                entry(logid, start + timedelta(minutes=7 * logid), rng, accounts)
                for logid in range(first + 1, first + count + 1)
            ],
        )


# --- the measures ---------------------------------------------------------------------


def fresh(url: str) -> Engine:
    """An engine on an empty, migrated database."""
    engine = make_engine(url)
    if engine.dialect.name == "mysql":
        _drop_everything(engine)
    upgrade(engine)
    return engine


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as connection:
        names = [row[0] for row in connection.execute(text("SHOW TABLES"))]
        connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        for name in names:
            connection.execute(text(f"DROP TABLE `{name}`"))


def measure_ingest(floor_url: str, ingest_url: str, rows: int) -> tuple[float, float, Engine]:
    """Seconds for the floor and for the tool's ingest, of the same pages, interleaved.

    The floor: ``json.loads`` and a plain bulk INSERT of the very rows ingest stores
    (made beforehand, untimed). The ingest: what the bot does with each page once the
    API answered. Each page goes to both, in turn first, into two databases that grow
    alike, so a busy machine slows both the same.
    """
    floor_engine, ingest_engine = fresh(floor_url), fresh(ingest_url)
    sessions = session_factory(ingest_engine)
    stream = locks.stream_name(WIKI, "globalauth")
    table = LockEvent.__table__
    position = None
    floor = ingest = 0.0
    for number, page in enumerate(pages(rows)):
        prepared = [locks.normalise(item, WIKI) for item in json.loads(page)["query"]["logevents"]]

        def plain(page: str = page, prepared: list[dict[str, Any]] = prepared) -> float:
            started = time.perf_counter()
            json.loads(page)
            with floor_engine.begin() as connection:
                connection.execute(insert(table), prepared)
            return time.perf_counter() - started

        def tool(page: str = page) -> float:
            nonlocal position
            started = time.perf_counter()
            entries = json.loads(page)["query"]["logevents"]
            with transaction(sessions) as session:
                position = locks.store_page(session, WIKI, stream, entries, after=position).position
            return time.perf_counter() - started

        if number % 2:
            floor, ingest = floor + plain(), ingest + tool()
        else:
            ingest, floor = ingest + tool(), floor + plain()
    floor_engine.dispose()
    return floor, ingest, ingest_engine


def bulk_load(engine: Engine, rows: int, skip: int) -> tuple[float, float]:
    """Seconds (wall, and this process's CPU) to put entries ``skip`` to ``rows`` in.

    The rows are those the tool stores (:func:`tools.locks.normalise`: the same search
    forms and categories), inserted in multi-row statements in one transaction, with the
    secondary and full-text indexes dropped before and built again after, as a dump is
    restored: sorting once is far cheaper than a million B-tree (and trigram) inserts.
    The table ends as the bot's ingest would leave it, in minutes instead of an hour. The
    CPU seconds tell what it costs where other work shares the machine.
    """
    table = LockEvent.__table__
    started, cpu = time.perf_counter(), time.process_time()
    with _indexes_built_after(engine), engine.begin() as connection:
        for first, entries in page_entries(rows):  # decoded: the JSON round trip is no load
            if first + len(entries) <= skip:
                continue
            batch = [locks.normalise(item, WIKI) for item in entries if item["logid"] > skip]
            connection.execute(insert(table), batch)
    return time.perf_counter() - started, time.process_time() - cpu


@contextmanager
def _indexes_built_after(engine: Engine) -> Iterator[None]:
    """The lock table's secondary indexes (and full-text index) dropped, then rebuilt."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            found = connection.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'lock_events'"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            ).all()
            for kind, name, _ in found:
                connection.exec_driver_sql(f"DROP {kind} {name}")
        yield
        with engine.begin() as connection:
            for _, _, sql in found:
                connection.exec_driver_sql(sql)
            connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        return
    with engine.begin() as connection:
        columns: dict[tuple[str, str], list[str]] = {}
        for row in connection.exec_driver_sql("SHOW INDEX FROM lock_events").mappings():
            if row["Non_unique"] == 0:
                continue  # the primary key and (wiki, log_id) stay
            part = f"`{row['Column_name']}`" + (f"({row['Sub_part']})" if row["Sub_part"] else "")
            columns.setdefault((row["Key_name"], row["Index_type"]), []).append(part)
        for name, _ in columns:
            connection.exec_driver_sql(f"ALTER TABLE lock_events DROP INDEX `{name}`")
    yield
    with engine.begin() as connection:
        for (name, kind), parts in columns.items():
            fulltext = "FULLTEXT " if kind == "FULLTEXT" else ""
            connection.exec_driver_sql(
                f"ALTER TABLE lock_events ADD {fulltext}INDEX `{name}` ({', '.join(parts)})"
            )


def measure_search(engine: Engine, rows: int, searches: int) -> tuple[float, float]:
    """Seconds per account search, the tool's and the raw indexed query's (best of 3 rounds).

    Every name is searched once by both before timing, so neither pays for reading the
    index from disk; the rounds alternate which of the two goes first.
    """
    rng = random.Random(11)
    names = [f"Spambot {rng.randrange(max(rows // 3, 1))}" for _ in range(searches)]
    columns = ", ".join(column.name for column in _ROW_COLUMNS)
    placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
    raw_sql = (
        f"SELECT {columns} FROM lock_events WHERE target = {placeholder} AND suppressed = 0"
        " ORDER BY timestamp DESC, id DESC LIMIT 51"
    )
    sessions = session_factory(engine)
    with sessions() as session, engine.raw_connection() as connection:
        cursor = connection.cursor()

        def raw() -> float:
            started = time.perf_counter()
            for name in names:
                cursor.execute(raw_sql, (name,))
                cursor.fetchall()
            return (time.perf_counter() - started) / len(names)

        def ours() -> float:
            started = time.perf_counter()
            for name in names:
                locks.search(session, locks.LockQuery(target=name))
            return (time.perf_counter() - started) / len(names)

        for name in names:  # the same answers, and everything read once
            cursor.execute(raw_sql, (name,))
            found = cursor.fetchall()
            assert len(locks.search(session, locks.LockQuery(target=name)).rows) == len(found)
        timings = [(raw(), ours()) if rep % 2 else (ours(), raw())[::-1] for rep in range(3)]
        cursor.close()
    return min(t[1] for t in timings), min(t[0] for t in timings)


def measure_reasons(engine: Engine, repeats: int = 5) -> dict[str, float]:
    """Seconds per first page of a reason search (best of ``repeats``), and of the scan.

    The scan is the same search as plain SQL with ``LIKE`` on the case-folded column:
    what every reason search cost before the full-text index.
    """
    sessions = session_factory(engine)
    columns = ", ".join(column.name for column in _ROW_COLUMNS)
    placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
    scan_sql = (
        f"SELECT {columns} FROM lock_events WHERE reason_search LIKE {placeholder}"
        " AND suppressed = 0 ORDER BY timestamp DESC, id DESC LIMIT 51"
    )
    timings: dict[str, float] = {}
    with sessions() as session, engine.raw_connection() as connection:
        cursor = connection.cursor()
        for label, words in REASON_QUERIES:
            query = locks.LockQuery(reason=words)
            found = locks.search(session, query).rows
            assert found and all(words.casefold() in (row.reason or "").casefold() for row in found)
            timings[label] = _best(lambda query=query: locks.search(session, query), repeats)
        pattern = f"%{words_of(REASON_QUERIES[0][1])}%"
        timings["scan"] = _best(
            lambda: (cursor.execute(scan_sql, (pattern,)), cursor.fetchall()), 3
        )
        cursor.close()
    return timings


def words_of(query: str) -> str:
    return query.casefold()


def measure_ip(engine: Engine, repeats: int = 20) -> float:
    """Seconds per search of an IP, which also finds the ranges covering it."""
    sessions = session_factory(engine)
    with sessions() as session:
        query = locks.LockQuery(target="198.51.100.7")
        return _best(lambda: locks.search(session, query), repeats)


def _best(action: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


# --- backends and report ---------------------------------------------------------------


def sqlite_backend(folder: Path) -> Backend:
    return Backend(
        "SQLite",
        f"sqlite:///{folder / 'floor.sqlite3'}",
        f"sqlite:///{folder / 'ingest.sqlite3'}",
        lambda: None,
    )


def mariadb_backend(server_url: str) -> Backend:
    server = make_url(server_url)
    admin = make_engine(server.set(database=None))
    names = (f"safetydesk_bench_floor_{os.getpid()}", f"safetydesk_bench_{os.getpid()}")

    def cleanup() -> None:
        with admin.begin() as connection:
            for name in names:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))

    cleanup()
    with admin.begin() as connection:
        for name in names:
            connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    floor_url, ingest_url = (
        server.set(database=name).render_as_string(hide_password=False) for name in names
    )
    return Backend("MariaDB", floor_url, ingest_url, cleanup)


def run(backend: Backend, rows: int, ingest_rows: int, searches: int) -> dict[str, float]:
    ingest_rows = min(rows, ingest_rows)
    print(f"{backend.name}: ingest and floor of {ingest_rows:,}…", end="", flush=True)
    floor, ingest, engine = measure_ingest(backend.floor_url, backend.url, ingest_rows)
    load = load_cpu = 0.0
    if rows > ingest_rows:
        print(f" bulk load to {rows:,}…", end="", flush=True)
        load, load_cpu = bulk_load(engine, rows, ingest_rows)
        print(f" {load:.0f} s ({load_cpu:.0f} s of CPU)", end="", flush=True)
    print(" search…", flush=True)
    ours, raw = measure_search(engine, rows, searches)
    print(f"{backend.name}: reason and IP searches…", flush=True)
    reasons = measure_reasons(engine)
    ip = measure_ip(engine)
    engine.dispose()
    return {
        "load_s": load,
        "load_cpu_s": load_cpu,
        "floor_rate": ingest_rows / floor,
        "ingest_rate": ingest_rows / ingest,
        "ingest_ratio": floor / ingest,
        "search_us": ours * 1e6,
        "raw_us": raw * 1e6,
        "search_ratio": ours / raw,
        "reason_rare_ms": reasons["rare"] * 1e3,
        "reason_common_ms": reasons["common"] * 1e3,
        "reason_scan_ms": reasons["scan"] * 1e3,
        "ip_us": ip * 1e6,
    }


def report(rows: int, ingest_rows: int, results: dict[str, dict[str, float]]) -> None:
    print()
    print(
        f"Lock log benchmark: {rows:,} entries; ingest and floor of the first {ingest_rows:,}"
        f" in API pages of {PAGE:,}, network excluded"
    )
    header = (
        f"{'backend':<8} {'floor/s':>9} {'ingest/s':>9} {'ingest/floor':>12} (goal ≥ 0.5)"
        f"   {'raw µs':>7} {'search µs':>9} {'search/raw':>10} (goal ≤ 2)"
    )
    print(header)
    for name, result in results.items():
        ingest_ok = "ok" if result["ingest_ratio"] >= 0.5 else "MISSED"
        search_ok = "ok" if result["search_ratio"] <= 2 else "MISSED"
        print(
            f"{name:<8} {result['floor_rate']:>9,.0f} {result['ingest_rate']:>9,.0f}"
            f" {result['ingest_ratio']:>12.2f} {ingest_ok:<12}"
            f"   {result['raw_us']:>7.1f} {result['search_us']:>9.1f}"
            f" {result['search_ratio']:>10.2f} {search_ok}"
        )
    print()
    print(
        f"Reason search (first page of 50, newest first) beside the indexed point query;"
        f" rare: {REASON_QUERIES[0][1]!r} in {RARE_SHARE:.1%} of reasons,"
        f" common: {REASON_QUERIES[1][1]!r}"
    )
    print(
        f"{'backend':<8} {'point µs':>9} {'IP+ranges µs':>12} {'rare ms':>8} {'common ms':>9}"
        f" {'LIKE scan ms':>12} {'bulk load s':>11} {'(CPU s)':>7}"
    )
    for name, result in results.items():
        print(
            f"{name:<8} {result['search_us']:>9.1f} {result['ip_us']:>12.1f}"
            f" {result['reason_rare_ms']:>8.2f} {result['reason_common_ms']:>9.2f}"
            f" {result['reason_scan_ms']:>12.1f} {result['load_s']:>11.0f}"
            f" {result['load_cpu_s']:>7.0f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="entries (default 100,000; measure with 1000000)"
    )
    parser.add_argument(
        "--ingest-rows",
        type=int,
        default=100_000,
        help="entries through the bot's ingest and the floor (default 100,000); the rest bulk",
    )
    parser.add_argument("--searches", type=int, default=2000, help="accounts searched")
    parser.add_argument(
        "--backend",
        action="append",
        choices=("sqlite", "mariadb"),
        help="repeat for several (default: both)",
    )
    parser.add_argument("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="safetydesk-bench-") as folder:
        for choice in args.backend or ("sqlite", "mariadb"):
            if choice == "sqlite":
                backend = sqlite_backend(Path(folder))
            else:
                backend = mariadb_backend(args.mariadb_url)
            try:
                results[backend.name] = run(backend, args.rows, args.ingest_rows, args.searches)
            finally:
                backend.cleanup()
    report(args.rows, min(args.rows, args.ingest_rows), results)


if __name__ == "__main__":
    main()
