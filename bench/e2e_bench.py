"""Benchmark of the promise: from an edit on a wiki to the on-call specialist's mail (#24).

A local EventStreams replays ``recentchange`` in EventStreams' schema at ``--rate``
events a second, ``--events`` in all: mostly edits of pages nobody watches on many
wikis (with log events and canaries, as the real stream has), and a share
(``--threat-share``) of edits to watched boards of the local wiki that add a
threatening comment; the wiki holds those revisions. The noticeboard patrol
(``-stream``) and the on-call worker run as the Procfile's commands, the database is
MariaDB, the mail server aiosmtpd, and Redis wakes the worker (``--no-redis``: its
poll only). For each threatening edit, the time from the edit (the event's
``meta.dt``) to: alert stored, case filed (emergency raised), callout queued, mail
accepted by the SMTP server; p50, p99, max of each.

Then a backlog of ``--backlog`` unwatched events followed by one threatening edit,
held back until all are there and then let go at once, measures how many events a
second the patrol reads: at any lower rate its lag stops growing. Beside them, the
floor: the same stream, wiki and mail server with the classifier and the database
replaced by nothing (bench/e2e_floor.py).

``--burst N`` sends the events N at a time (the same average rate), as the real
stream's bursts of several hundred; ``--drop-at N`` drops the patrol's stream
connection after N events (it resumes from the last event id); ``--faults`` then adds
a mail server that refuses for 30 s and an on-call worker killed with ``kill -9``
while a callout waits. ``--repo PATH`` runs the
jobs from another checkout (the figures before a change).

    python bench/e2e_bench.py --rate 200 --events 4000
    python bench/e2e_bench.py --rate 500 --events 10000 --burst 250 --drop-at 5100 --faults
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from e2e_stack import REPOSITORY, WIKI, Stack, epoch, wait_until
from sqlalchemy import text

from devwiki.eventstreams import EventStreamsServer, canary, log_event, recentchange

STAGES = (
    ("alert", "alert stored"),
    ("case", "case filed / emergency"),
    ("callout", "callout queued"),
    ("mail", "mail accepted by SMTP"),
)
WIKIS = [
    ("enwiki", "en.wikipedia.org"),
    ("dewiki", "de.wikipedia.org"),
    ("frwiki", "fr.wikipedia.org"),
    ("eswiki", "es.wikipedia.org"),
    ("jawiki", "ja.wikipedia.org"),
    ("ruwiki", "ru.wikipedia.org"),
    ("itwiki", "it.wikipedia.org"),
    ("zhwiki", "zh.wikipedia.org"),
    ("ptwiki", "pt.wikipedia.org"),
    ("arwiki", "ar.wikipedia.org"),
    ("plwiki", "pl.wikipedia.org"),
    ("nlwiki", "nl.wikipedia.org"),
    ("wikidatawiki", "www.wikidata.org"),
    ("commonswiki", "commons.wikimedia.org"),
    ("metawiki", "meta.wikimedia.org"),
    ("enwiktionary", "en.wiktionary.org"),
    ("frwiktionary", "fr.wiktionary.org"),
    ("enwikisource", "en.wikisource.org"),
    ("dewikivoyage", "de.wikivoyage.org"),
    ("ukwiki", "uk.wikipedia.org"),
]


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1000):03d}Z"


def unwatched(rng: random.Random, wiki_url: str) -> dict[str, Any]:
    """One event of the real stream's kinds that concerns no watched board."""
    now = _now_dt()
    roll = rng.random()
    if roll < 0.002:
        return canary(now)
    if roll < 0.03:
        dbname, host = rng.choice(WIKIS)
        return log_event(
            wiki=dbname,
            server_url=f"https://{host}",
            log_type=rng.choice(["block", "delete", "newusers", "protect"]),
            log_action="create",
            log_params=rng.choice([{}, [], ""]),
            title=f"User:Someone{rng.randrange(10**6)}",
            user="Someone",
            at=now,
        )
    if roll < 0.05:  # the watched wiki, another page
        dbname, server = WIKI, wiki_url
    else:
        dbname, host = rng.choice(WIKIS)
        server = f"https://{host}"
    new = rng.randrange(10**6, 10**9)
    return recentchange(
        wiki=dbname,
        server_url=server,
        title=f"Page {rng.randrange(10**7)}",
        namespace=rng.choice([0, 0, 0, 1, 2, 3, 4, 14]),
        user=f"Editor{rng.randrange(10**5)}",
        old_rev=new - rng.randrange(1, 1000),
        new_rev=new,
        at=now,
        length=(rng.randrange(10**5), rng.randrange(10**5)),
    )


def _now_dt() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def threat_event(stack: Stack, edit: tuple[str, int, int]) -> dict[str, Any]:
    title, old, new = edit
    return recentchange(
        wiki=WIKI,
        server_url=stack.wiki.url,
        title=title,
        namespace=4,
        user=stack.editor_name,
        old_rev=old,
        new_rev=new,
        at=_now_dt(),
        length=(100, 200),
    )


def replay(
    server: EventStreamsServer, events: list[dict[str, Any]], rate: float, burst: int = 1
) -> list[float]:
    """Add the events at ``rate`` a second on average, ``burst`` at a time, each stamped
    when it is added; those times."""
    added = []
    start = time.perf_counter()
    for index, event in enumerate(events):
        delay = start + (index // burst) * burst / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        now = time.time()
        event["meta"]["dt"] = _iso(now)
        if "timestamp" in event:
            event["timestamp"] = int(now)
        server.add(event)
        added.append(now)
    return added


def summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return {"p50": statistics.median(ordered), "p99": p99, "max": ordered[-1], "n": len(values)}


def latencies(rows: dict[int, dict[str, float]], edits: dict[int, float]) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {stage: [] for stage, _ in STAGES}
    for rev_id, at in edits.items():
        for stage, _ in STAGES:
            if stage in rows.get(rev_id, {}):
                found[stage].append(rows[rev_id][stage] - at)
    return found


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


# --- the phases -----------------------------------------------------------------------


def backlog_rate(
    server: EventStreamsServer, stack: Stack, count: int, marker: dict[str, Any], done: Any
) -> float | None:
    """Events a second read from a backlog of ``count`` unwatched events and the marker
    edit after them: ``done`` gives when the marker was handled (None until then)."""
    rng = random.Random(7)
    server.paused = True  # the whole backlog is there before the reader sees any of it
    for event in [*(unwatched(rng, stack.wiki.url) for _ in range(count)), marker]:
        server.add(event)
    start = time.time()
    server.resume()
    finished = wait_until(done, 300, step=0.02)
    return count / (finished - start) if finished else None


def floor_phase(
    stack: Stack, args: argparse.Namespace, plan: list[Any], titles: list[str]
) -> dict[str, Any]:
    """The same stream and edits read by the floor client alone (no classifier, no database)."""
    server = EventStreamsServer().start()
    floor = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("e2e_floor.py")),
            server.url,
            stack.wiki.api_url,
            str(stack.smtp_port),
            WIKI,
            *titles,
        ],
        cwd=REPOSITORY,
        env=stack.env,
    )
    try:
        wait_until(lambda: server.last_event_ids, 60)
        events = [threat_event(stack, item) if isinstance(item, tuple) else item for item in plan]
        added = replay(server, events, args.rate, args.burst)
        edits = {item[2]: added[n] for n, item in enumerate(plan) if isinstance(item, tuple)}

        def mailed(rev: int) -> float | None:
            return stack.mail.first_with(f"[floor-{rev}]")

        wait_until(lambda: all(mailed(rev) for rev in edits), 60)
        mails = [mailed(rev) - at for rev, at in edits.items() if mailed(rev)]
        marker = stack.spare[0]
        rate = backlog_rate(
            server, stack, args.backlog, threat_event(stack, marker), lambda: mailed(marker[2])
        )
        return {"mail": summary(mails), "lost": len(edits) - len(mails), "keeps_up": rate}
    finally:
        floor.kill()
        floor.wait(10)
        server.stop()


def patrol_phase(stack: Stack, args: argparse.Namespace, plan: list[Any]) -> dict[str, Any]:
    """The real path: the Procfile's patrol and on-call worker."""
    server = stack.server
    if args.drop_at:
        server.drop_after = args.drop_at  # the patrol's first connection ends there
    patrol = stack.start_job("patrol", profile=args.profile)
    stack.start_job("oncall")
    if not wait_until(lambda: server.last_event_ids or not patrol.alive(), 120):
        raise SystemExit(f"the patrol did not connect:\n{patrol.tail()}")
    if not patrol.alive():
        raise SystemExit(f"the patrol stopped:\n{patrol.tail()}")
    wait_until(lambda: worker_beat(stack), 60)
    events = [threat_event(stack, item) if isinstance(item, tuple) else item for item in plan]
    added = replay(server, events, args.rate, args.burst)
    edits = {item[2]: added[n] for n, item in enumerate(plan) if isinstance(item, tuple)}
    stage = "mail" if not args.repo else "alert"  # an older checkout may not call out

    def complete() -> bool:
        rows = stack.rows()
        return all(stage in rows.get(rev, {}) for rev in edits)

    wait_until(complete, args.poll + 60, step=0.25)

    def alerted(rev_id: int) -> float | None:
        query = text("SELECT MIN(created_at) FROM alerts WHERE rev_id = :rev")
        with stack.engine.connect() as connection:
            found = connection.execute(query, {"rev": rev_id}).scalar()
        return epoch(found) if found else None

    rows = stack.rows()
    found = latencies(rows, edits)
    per_edit = {
        rev: {stage: rows[rev][stage] - at for stage, _ in STAGES if stage in rows.get(rev, {})}
        for rev, at in edits.items()
    }
    marker = stack.spare[0]
    rate = backlog_rate(
        server,
        stack,
        args.backlog,
        threat_event(stack, marker),
        lambda: alerted(marker[2]),
    )
    return {
        "stages": {name: summary(values) for name, values in found.items()},
        "lost": {name: len(edits) - len(values) for name, values in found.items()},
        "threats": len(edits),
        "edits": per_edit,
        "reconnections": len(server.last_event_ids) - 1,
        "keeps_up": rate,
    }


def worker_beat(stack: Stack) -> bool:
    query = text("SELECT COUNT(*) FROM bot_checkpoints WHERE bot = 'oncall'")
    with stack.engine.connect() as connection:
        return bool(connection.execute(query).scalar())


def one_threat(stack: Stack, edit: tuple[str, int, int]) -> float:
    """Put one threatening edit on the stream now; when it was made."""
    event = threat_event(stack, edit)
    at = time.time()
    event["meta"]["dt"] = _iso(at)
    stack.server.add(event)
    return at


def reached(stack: Stack, rev_id: int, stage: str, timeout: float) -> float | None:
    """When the edit ``rev_id`` reached ``stage`` (None: not within ``timeout``)."""
    return wait_until(lambda: stack.rows().get(rev_id, {}).get(stage), timeout, step=0.1)


def fault_phase(stack: Stack) -> dict[str, Any]:
    """A mail server refusing for 30 s; the on-call worker killed with kill -9."""
    refusing, killed = stack.spare[1], stack.spare[2]
    stack.mail.refuse_until = time.time() + 30
    at = one_threat(stack, refusing)
    mailed = reached(stack, refusing[2], "mail", 240)
    reference = stack.rows().get(refusing[2], {}).get("reference")
    results: dict[str, Any] = {
        "smtp_refuses_30s": {
            "edit_to_mail": mailed - at if mailed else None,
            "refusals": stack.mail.refused,
            "mails": stack.mail.count_with(f"[{reference}]") if reference else 0,
        }
    }
    stack.jobs["oncall"].kill(signal.SIGKILL)
    at = one_threat(stack, killed)
    queued = reached(stack, killed[2], "callout", 60)
    restarted = time.time()
    stack.start_job("oncall")
    mailed = reached(stack, killed[2], "mail", 120)
    time.sleep(3)  # a second mail, were there one, would come now
    reference = stack.rows().get(killed[2], {}).get("reference")
    results["worker_kill9"] = {
        "edit_to_callout": queued - at if queued else None,
        "restart_to_mail": mailed - restarted if mailed else None,
        "edit_to_mail": mailed - at if mailed else None,
        "mails": stack.mail.count_with(f"[{reference}]") if reference else 0,
    }
    return results


# --- running and reporting ------------------------------------------------------------


def make_plan(stack: Stack, args: argparse.Namespace, titles: list[str]) -> list[Any]:
    """The events in order: unwatched ones, and the threatening edits spread among them."""
    rng = random.Random(args.seed)
    threats = max(1, round(args.events * args.threat_share))
    edits = stack.threats(titles, threats + 3)
    stack.spare = edits[threats:]  # the backlog's marker, then one edit per fault
    positions = set(rng.sample(range(args.events), threats))
    plan: list[Any] = []
    threat_edits = iter(edits[:threats])
    for index in range(args.events):
        plan.append(next(threat_edits) if index in positions else unwatched(rng, stack.wiki.url))
    return plan


def report(args: argparse.Namespace, real: dict[str, Any], floor: dict[str, Any]) -> None:
    how = "no Redis: the worker's poll" if not args.redis else "Redis wakes the worker"
    print(
        f"e2e: {args.events} events at {args.rate:g}/s, {real['threats']} threatening edits "
        f"({args.threat_share:.1%}); {how}, poll {args.poll:g} s"
        + (f"; code of {args.repo}" if args.repo else "")
        + (f"; in bursts of {args.burst}" if args.burst > 1 else "")
        + (f"; stream dropped at event {args.drop_at}" if args.drop_at else "")
    )
    print(f"{'from the edit to':<26}{'p50':>10}{'p99':>10}{'max':>10}{'lost':>7}")
    for name, label in STAGES:
        stats = real["stages"][name] or {}
        print(
            f"{label:<26}{_fmt(stats.get('p50')):>10}{_fmt(stats.get('p99')):>10}"
            f"{_fmt(stats.get('max')):>10}{real['lost'][name]:>7}"
        )
    mail = real["stages"]["mail"]
    floor_mail = floor.get("mail") or {}
    print(
        f"edit to mail p99: {_fmt(mail['p99'] if mail else None)} "
        f"(goal ≤ 10 s at 500 events/s; promise 60 s); floor p50 {_fmt(floor_mail.get('p50'))}"
        f", p99 {_fmt(floor_mail.get('p99'))}, max {_fmt(floor_mail.get('max'))}"
    )
    keeps, floor_keeps = real["keeps_up"], floor.get("keeps_up")
    floor_text = f"{floor_keeps:,.0f} events/s" if floor_keeps else "not run"
    print(
        f"patrol keeps up with: {keeps or 0:,.0f} events/s (goal ≥ 2,000/s, nothing watched "
        f"touched; backlog of {args.backlog}); floor {floor_text}"
    )
    lost = real["lost"]["mail" if not args.repo else "alert"]
    print(
        f"threatening edits lost: {lost} of {real['threats']} (goal 0); "
        f"stream reconnections: {real['reconnections']}"
    )
    for name, fault in real.get("faults", {}).items():
        print(
            f"fault {name}: "
            + ", ".join(f"{k} {_fmt(v) if isinstance(v, float) else v}" for k, v in fault.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="events a second")
    parser.add_argument("--events", type=int, default=4000, help="events in all")
    parser.add_argument("--threat-share", type=float, default=0.01, help="share of threats")
    parser.add_argument("--burst", type=int, default=1, help="events sent at once (same rate)")
    parser.add_argument("--backlog", type=int, default=10000, help="events of the keep-up run")
    parser.add_argument("--boards", type=int, default=3, help="watched boards")
    parser.add_argument("--poll", type=float, default=15, help="the on-call worker's --poll")
    parser.add_argument("--no-redis", dest="redis", action="store_false")
    parser.add_argument("--drop-at", type=int, default=0, help="drop the stream after N events")
    parser.add_argument("--faults", action="store_true", help="SMTP refusing; kill -9 worker")
    parser.add_argument("--no-floor", dest="floor", action="store_false")
    parser.add_argument("--repo", type=Path, help="run the jobs from this checkout")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="cProfile the patrol into this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as root:
        stack = Stack(
            Path(root),
            redis=args.redis,
            poll=args.poll,
            repository=(args.repo or REPOSITORY).resolve(),
        )
        stack.server = EventStreamsServer().start()
        try:
            titles = stack.start(stack.server.url, args.boards)
            plan = make_plan(stack, args, titles)
            floor = floor_phase(stack, args, plan, titles) if args.floor else {}
            real = patrol_phase(stack, args, plan)
            if args.faults:
                real["faults"] = fault_phase(stack)
            if args.profile:
                stack.jobs["patrol"].kill(signal.SIGTERM)  # a clean stop writes the profile
        except BaseException:
            for job in stack.jobs.values():
                print(f"----- {job.name}\n{job.tail()}", file=sys.stderr)
            raise
        finally:
            stack.stop()
            stack.server.stop()
    report(args, real, floor)
    if args.json:
        args.json.write_text(json.dumps({"patrol": real, "floor": floor}, indent=2))


if __name__ == "__main__":
    main()
