"""Load on the ReportIncident intake, served as production serves it (issue #26).

The Procfile's ``web`` command (gunicorn, ``flaskapp.gunicorn_conf``) runs against a
MariaDB database of its own; C client threads send N reports, each as the extension's
ZendeskClient sends it, and each ``--copies`` times at the same moment (a retrying or
double-sending client). It prints the throughput, the latency percentiles and the
answers, then checks that every report answered 201 has exactly one case: the count of
cases equals the count of distinct ids answered 201, and every copy of a report got the
same id.

    python bench/intake_bench.py                          # 2,000 reports, 32 clients
    python bench/intake_bench.py --reports 200 --copies 16 --clients 16

MariaDB: ``--mariadb-url`` (default ``mysql+pymysql://root@127.0.0.1:3306``); the
database ``safetydesk_intake_bench`` is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tools.base.db import make_engine, upgrade
from tools.models import Case

REPOSITORY = Path(__file__).resolve().parents[1]
DATABASE = "safetydesk_intake_bench"
SECRET = "bench-secret-0123456789abcdefghijklmnopq"


def web_command() -> str:
    for line in (REPOSITORY / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise SystemExit("the Procfile has no web process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def report(number: int) -> bytes:
    """The JSON the extension sends, one distinct report per ``number``."""
    body = (
        f"Reporting user: Bench Reporter {number}\n"
        f"Reported user: Bench Subject {number}\n"
        f"Link to page: https://en.wikipedia.org/w/index.php?oldid={100000 + number}\n\n"
        "Threat type: Threats of physical harm\n"
        f"Details: Load test report number {number}."
    )
    request = {
        "requester": {"name": f"Bench Reporter {number}", "email": "bench@example.org"},
        "subject": "Incident Reporting System emergency report",
        "comment": {"body": body},
    }
    return json.dumps({"request": request}).encode()


def send(url: str, body: bytes) -> tuple[int, int | None, float]:
    """Status, case id (on 201) and seconds of one POST."""
    start = time.perf_counter()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, payload = answer.status, answer.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
    except OSError:
        status, payload = 0, b""
    seconds = time.perf_counter() - start
    case_id = json.loads(payload)["request"]["id"] if status == 201 else None
    return status, case_id, seconds


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace) -> int:
    server = make_url(args.mariadb_url)
    admin = make_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{DATABASE}`"))
        connection.execute(text(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4"))
    url = server.set(database=DATABASE).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    port = free_port()
    instance = tempfile.mkdtemp(prefix="intake-bench-")
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "SAFETYDESK_DATABASE_URL": url,
        "SAFETYDESK_SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "SAFETYDESK_INSTANCE_PATH": instance,
        "SAFETYDESK_REPORTINCIDENT_SECRETS": json.dumps({"enwiki": [SECRET]}),
    }
    log = Path(instance) / "web.log"
    with log.open("wb") as out:
        web = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {web_command()}"],
            cwd=REPOSITORY,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz/web", web)
        return measure(args, f"{base}/intake/reportincident/{SECRET}/api/v2/requests.json", engine)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(30)
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{DATABASE}`"))
        admin.dispose()


def measure(args: argparse.Namespace, url: str, engine: object) -> int:
    """Send, print the figures, check the cases; 0 when every check holds."""
    bodies = [report(n) for n in range(args.reports)]
    sends = [n for n in range(args.reports) for _ in range(args.copies)]
    results: dict[int, list[tuple[int, int | None, float]]] = {n: [] for n in range(args.reports)}
    lock = threading.Lock()

    def one(number: int) -> None:
        outcome = send(url, bodies[number])
        with lock:
            results[number].append(outcome)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(one, sends))
    elapsed = time.perf_counter() - start

    answers = [outcome for outcomes in results.values() for outcome in outcomes]
    latencies = [seconds * 1000 for _status, _id, seconds in answers]
    statuses = Counter(status for status, _id, _seconds in answers)
    created = {case_id for status, case_id, _s in answers if status == 201}
    split = [n for n, outcomes in results.items() if len({o[1] for o in outcomes}) > 1]
    with engine.connect() as connection:  # type: ignore[attr-defined]
        cases = connection.execute(select(func.count()).select_from(Case)).scalar_one()

    print(
        f"{len(answers)} requests ({args.reports} reports x {args.copies}) from "
        f"{args.clients} clients in {elapsed:.1f} s: {len(answers) / elapsed:.0f} requests/s"
    )
    print(
        "latency ms: "
        + ", ".join(
            f"p{int(share * 100)} {percentile(latencies, share):.0f}" for share in (0.5, 0.9, 0.99)
        )
        + f", max {max(latencies):.0f}, mean {statistics.mean(latencies):.0f}"
    )
    print(
        "answers: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    )
    print(f"cases stored: {cases}; distinct ids answered 201: {len(created)}")
    checks = {
        "every request answered 201": statuses == Counter({201: len(answers)}),
        "cases stored == distinct ids answered 201": cases == len(created),
        "every copy of a report got the same id": not split,
    }
    for name, held in checks.items():
        print(f"{'ok  ' if held else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--copies", type=int, default=1, help="times each report is sent")
    parser.add_argument("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
