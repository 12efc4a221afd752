"""Benchmark of the queue and case pages as a specialist, beside a hello-world route.

Also the case page, and the hello-world inside the tool's layout (what every page
of the tool costs at least: navigation, language switcher, assets).
All are served by the same ``create_app()`` through Flask's test client in one
run, so the ratios leave out the network and the WSGI server and measure what
the tool adds: session, permission check, the queue query, the template. Goal:
queue ≤ 3x hello-world. Rows are synthetic and bulk-inserted (not timed): open
and closed cases of every severity, ten events per case.

    python bench/queue_bench.py                 # the measure: 100,000 cases, 1M events
    python bench/queue_bench.py --cases 5000    # a quick look

MariaDB: ``--mariadb-url`` (default ``mysql+pymysql://root@127.0.0.1:3306``); the
database ``safetydesk_queue_bench`` is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from tools.base.config import load_settings
from tools.base.db import make_engine, upgrade
from tools.models import Audience, Case, CaseEvent, CaseStatus, Category, Severity, User

EVENTS_PER_CASE = 10
CHUNK = 5000
START = datetime(2025, 1, 1, tzinfo=UTC)


def fill(url: str, cases: int) -> None:
    """Migrate and bulk-insert ``cases`` cases and ten events each."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(5)
    statuses = list(CaseStatus)
    with engine.begin() as connection:
        connection.execute(insert(User), [{"username": f"User {n}"} for n in range(1, 51)])
        for first in range(1, cases + 1, CHUNK):
            rows, events = [], []
            for n in range(first, min(first + CHUNK, cases + 1)):
                filed = START + timedelta(minutes=n * 5)
                severity = rng.choice(list(Severity))
                rows.append(
                    {
                        "id": n,
                        "reference": f"TS-2025-{n:06d}",
                        "category": rng.choice(list(Category)),
                        "severity": severity,
                        "status": rng.choice(statuses),
                        "restricted": False,
                        "title": f"Synthetic case {n}",
                        "description": "synthetic",
                        "requester_id": rng.randint(1, 50),
                        "assignee_id": rng.choice([None, rng.randint(1, 50)]),
                        "created_at": filed,
                        "updated_at": filed,
                        "first_response_due_at": filed + timedelta(hours=4),
                        "resolution_due_at": filed + timedelta(days=3),
                    }
                )
                events.extend(
                    {
                        "case_id": n,
                        "kind": "viewed",
                        "actor_id": rng.randint(1, 50),
                        "audience": Audience.INTERNAL,
                        "created_at": filed + timedelta(minutes=k),
                    }
                    for k in range(EVENTS_PER_CASE)
                )
            connection.execute(insert(Case), rows)
            connection.execute(insert(CaseEvent), events)
    engine.dispose()


def measure(url: str, folder: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each page, interleaved in one run."""
    from flask import render_template_string

    from flaskapp import access, create_app
    from tools.base import clock
    from tools.models import RoleGrant

    settings = load_settings(database_url=url, secret_key="bench" * 8, instance_path=folder)
    app = create_app(settings)
    app.add_url_rule("/hello", "hello", access.public(lambda: "Hello, world!"))
    # The same greeting inside the tool's layout: what any page of the tool costs at least.
    in_layout = '{% extends "layout.html" %}{% block content %}Hello, world!{% endblock %}'
    app.add_url_rule(
        "/hello-layout", "hello_layout", access.public(lambda: render_template_string(in_layout))
    )
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(RoleGrant), [{"user_id": 1, "role": "specialist"}])
    engine.dispose()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie[access.USER_ID] = 1
        cookie[access.USERNAME] = "User 1"
        cookie[access.WIKI_ROLES] = ["user"]
        cookie[access.CHECKED_AT] = cookie[access.SIGNED_IN_AT] = clock.now().timestamp()

    def timed(path: str) -> Callable[[], float]:
        def run() -> float:
            began = time.perf_counter()
            answer = client.get(path)
            spent = time.perf_counter() - began
            assert answer.status_code == 200, (path, answer.status_code)
            return spent

        return run

    pages = {
        "queue": timed("/queue"),
        "case": timed("/queue/TS-2025-000042"),  # ten events, one more per look
        "hello": timed("/hello"),
        "hello in layout": timed("/hello-layout"),
    }
    for run in pages.values():  # warm caches and templates
        run()
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(repeat):
        for name, run in pages.items():
            times[name].append(run())
    return {name: statistics.median(spent) for name, spent in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="default: 100,000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306")
    parser.add_argument("--no-mariadb", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")]
        server = make_url(args.mariadb_url)
        name = "safetydesk_queue_bench"
        if not args.no_mariadb:
            targets.append(("MariaDB", server.set(database=name).render_as_string(False)))
            admin = make_engine(server)
            with admin.begin() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
                connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        try:
            for label, url in targets:
                began = time.perf_counter()
                fill(url, args.cases)
                filled = time.perf_counter() - began
                took = measure(url, Path(folder), args.repeat)
                hello, layout = took["hello"], took["hello in layout"]
                print(
                    f"{label}: {args.cases:,} cases, {args.cases * EVENTS_PER_CASE:,} events "
                    f"(filled in {filled:.0f} s); hello-world {hello * 1000:.2f} ms, "
                    f"hello-world in the layout {layout * 1000:.2f} ms"
                )
                for name in ("queue", "case"):
                    print(
                        f"  GET {name} page {took[name] * 1000:.1f} ms: "
                        f"{took[name] / hello:.1f}x hello-world (goal for the queue: ≤ 3x), "
                        f"{took[name] / layout:.1f}x hello-world in the layout"
                    )
        finally:
            if not args.no_mariadb:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
                admin.dispose()


if __name__ == "__main__":
    main()
