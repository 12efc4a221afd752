"""A database that hangs or refuses: requests end fast, probes answer, start-up says why (#26).

The silent database is a real TCP server in a thread that accepts every connection and
never sends a byte (MariaDB's greeting never comes), as a hung ToolsDB looks from the
tool. The refusing one is a port nobody listens on, given to the Procfile's own web
command (gunicorn).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_production_like import REPOSITORY, VENV_BIN, procfile
from test_reportincident import SECRET, URL, extension_body

from devwiki import free_port
from flaskapp import access, create_app
from tools.base import clock
from tools.base.config import load_settings

TIMEOUT = 1.0  # seconds: each of the driver's timeouts and the pool's, in these tests
PASSWORD = "hunter2-database-password"


class SilentDatabase:
    """Accepts TCP connections and never answers: a hung database server."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)  # kept open, never written to

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_database() -> Iterator[SilentDatabase]:
    server = SilentDatabase()
    yield server
    server.close()


@pytest.fixture
def silent_app(silent_database: SilentDatabase, tmp_path: Path) -> Any:
    settings = load_settings(
        database_url=f"mysql+pymysql://tool:{PASSWORD}@127.0.0.1:{silent_database.port}/tool",
        secret_key="test-secret-key",
        instance_path=tmp_path,
        reportincident_secrets={"enwiki": [SECRET]},
        database_connect_timeout=TIMEOUT,
        database_read_timeout=TIMEOUT,
        database_write_timeout=TIMEOUT,
        database_pool_timeout=TIMEOUT,
    )
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


def timed(call: Callable[[], Any], limit: float) -> tuple[Any, float]:
    """``call``'s answer and its duration; fails (instead of hanging) after ``limit`` s."""
    result: dict[str, Any] = {}

    def run() -> None:
        start = time.monotonic()
        result["answer"] = call()
        result["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    assert "answer" in result, f"no answer within {limit} s"
    return result["answer"], result["seconds"]


def test_with_the_database_silent_every_request_fails_fast_with_a_503(silent_app: Any) -> None:
    client = silent_app.test_client()
    body = json.dumps(extension_body())
    intake, seconds = timed(
        lambda: client.post(URL, data=body, headers={"Content-Type": "application/json"}),
        limit=10,
    )
    assert seconds < 5 * TIMEOUT
    # A 503 here, or a 201 once the report is spooled (the intake's own fallback).
    assert intake.status_code in (201, 503) and intake.is_json

    api, seconds = timed(
        lambda: client.get("/api/v1/requests", headers={"Authorization": "Bearer sdk_x"}), 10
    )
    assert seconds < 5 * TIMEOUT
    assert api.status_code == 503
    assert api.json["error"]["code"] == "unavailable"
    assert api.headers["Retry-After"]

    signed_in(client)
    page, seconds = timed(lambda: client.get("/requests"), 10)
    assert seconds < 5 * TIMEOUT
    assert page.status_code == 503
    assert "The database does not answer" in page.text


def signed_in(client: Any) -> None:
    """The cookie a sign-in leaves (the database cannot be asked to make one)."""
    now = clock.now().timestamp()
    with client.session_transaction() as cookie:
        cookie[access.USER_ID] = 1
        cookie[access.USERNAME] = "Steward One"
        cookie[access.WIKI_ROLES] = ["user", "functionary"]
        cookie[access.CHECKED_AT] = now
        cookie[access.SIGNED_IN_AT] = now


def test_healthz_web_answers_within_a_second_while_requests_hang(silent_app: Any) -> None:
    clients = [silent_app.test_client() for _ in range(8)]
    for client in clients:
        signed_in(client)
    hung = [threading.Thread(target=c.get, args=("/requests",), daemon=True) for c in clients]
    for thread in hung:
        thread.start()
    answer, seconds = timed(lambda: silent_app.test_client().get("/healthz/web"), limit=10)
    assert seconds < 1.0
    assert answer.status_code == 503
    assert answer.json["status"] == "unhealthy"
    for thread in hung:
        thread.join(10)
        assert not thread.is_alive(), "a request held its thread past the timeouts"


@pytest.mark.integration
def test_gunicorn_against_a_refusing_database_prints_one_line(tmp_path: Path) -> None:
    """The Procfile's web command, as Toolforge runs it, with nothing on the database port."""
    port = free_port()
    env = os.environ | {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(free_port()),
        "SAFETYDESK_DATABASE_URL": f"mysql+pymysql://tool:{PASSWORD}@127.0.0.1:{port}/tool",
        "SAFETYDESK_INSTANCE_PATH": str(tmp_path),
        "SAFETYDESK_SECRET_KEY": "test-secret-key",
    }
    finished = subprocess.run(
        ["/bin/sh", "-c", f"exec {procfile()['web']}"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = (finished.stdout + finished.stderr).strip()
    assert finished.returncode != 0
    assert "Traceback" not in output
    assert PASSWORD not in output
    mentions = [line for line in output.splitlines() if "SAFETYDESK_DATABASE_URL" in line]
    assert len(mentions) == 1, output
    assert f"mysql+pymysql://tool:***@127.0.0.1:{port}/tool" in mentions[0]
    assert len(output.splitlines()) <= 5, output
