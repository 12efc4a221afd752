"""The ``safetydesk`` command as an operator meets it: the README's run command, and its errors."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SAFETYDESK = str(Path(sys.executable).with_name("safetydesk"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    return subprocess.run(
        [SAFETYDESK, *args],
        cwd=cwd,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`safetydesk db upgrade` then `safetydesk serve`, on the default SQLite, in a fresh folder."""
    upgraded = _run("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    port = _free_port()
    server = subprocess.Popen(
        [SAFETYDESK, "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"safetydesk serve exited: {server.stderr.read()}")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_on_default_sqlite_shows_the_home_page(served: str, tmp_path: Path) -> None:
    with urllib.request.urlopen(served) as response:
        assert response.status == 200
        assert "Safety Desk" in response.read().decode()
    assert (tmp_path / "instance" / "safetydesk.sqlite3").exists()


def test_db_upgrade_reports_the_revision_and_current_says_latest(tmp_path: Path) -> None:
    upgraded = _run("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database at revision ")
    assert "(latest)" in _run("db", "current", cwd=tmp_path).stdout
    assert "base" in _run("db", "downgrade", "base", cwd=tmp_path).stdout


def test_serve_refuses_a_database_without_migrations(tmp_path: Path) -> None:
    refused = _run("serve", cwd=tmp_path)
    assert refused.returncode == 1
    assert "run `safetydesk db upgrade` first" in refused.stderr


def test_bad_database_url_stops_start_up_with_one_line_naming_it(tmp_path: Path) -> None:
    for command in (["db", "upgrade"], ["serve"]):
        refused = _run(*command, cwd=tmp_path, SAFETYDESK_DATABASE_URL="not a url")
        assert refused.returncode == 1
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, refused.stderr
        assert "SAFETYDESK_DATABASE_URL" in lines[0]


def test_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    url = f"mysql+pymysql://tool:s3cret@127.0.0.1:{_free_port()}/s1__safetydesk"
    refused = _run("db", "upgrade", cwd=tmp_path, SAFETYDESK_DATABASE_URL=url)
    assert refused.returncode == 1
    assert "cannot use the database mysql+pymysql://tool:***@127.0.0.1" in refused.stderr
    assert "s3cret" not in refused.stderr


def test_oncall_worker_stops_cleanly_on_sigterm_between_passes(tmp_path: Path) -> None:
    """Toolforge stops a continuous job with SIGTERM: the worker ends its pass and exits 0."""
    assert _run("db", "upgrade", cwd=tmp_path).returncode == 0
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    worker = subprocess.Popen(
        [SAFETYDESK, "oncall", "run", "--poll", "600"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    database = tmp_path / "instance" / "safetydesk.sqlite3"
    try:
        deadline = time.monotonic() + 30
        while not _oncall_heartbeat(database):  # its first pass is done: it sleeps
            assert worker.poll() is None and time.monotonic() < deadline, worker.stdout
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0  # not the 600 s sleep, not killed by the signal
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.stdout is not None and "Stopped between passes." in worker.stdout.read()


def _oncall_heartbeat(database: Path) -> bool:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT 1 FROM bot_checkpoints WHERE bot = 'oncall'").fetchall()
    return bool(rows)
