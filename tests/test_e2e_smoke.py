"""The promise, end to end, in small: bench/e2e_bench.py with a few events (#24).

The bench replays recentchange through the local EventStreams to the Procfile's patrol
and on-call worker (local wiki, MariaDB, Redis, SMTP). Here a few dozen events, two of
them threatening edits to watched boards: each one's mail reaches the person on duty,
its stages come in order (alert stored, emergency filed, callout queued, mail
accepted), and the mail goes out well before the worker's 15 s poll. The figures and
goals are the full bench's (bench/e2e_bench.py --rate 200 --events 4000).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from conftest import unavailable

from devwiki import missing_requirements

pytestmark = pytest.mark.integration

BENCH = Path(__file__).resolve().parents[1] / "bench" / "e2e_bench.py"


def test_a_threatening_edit_reaches_the_person_on_duty_in_order_and_soon(tmp_path: Path) -> None:
    problem = missing_requirements()
    if problem:
        unavailable(problem)
    try:
        redis.Redis(socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        unavailable(f"Redis does not answer: {err}")
    figures = tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--rate",
            "40",
            "--events",
            "80",
            "--threat-share",
            "0.025",
            "--backlog",
            "200",
            "--no-floor",
            "--json",
            str(figures),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "edit to mail p99:" in run.stdout
    patrol = json.loads(figures.read_text())["patrol"]
    assert patrol["threats"] == 2
    assert patrol["lost"] == {"alert": 0, "case": 0, "callout": 0, "mail": 0}
    for stages in patrol["edits"].values():
        times = [stages[name] for name in ("alert", "case", "callout", "mail")]
        assert times == sorted(times) and times[0] > 0, stages
        assert times[-1] < 10, f"the mail took {times[-1]:.1f} s; the worker polls every 15 s"
