"""Bodies are bounded: a large body is refused (413) before it is read, chunked or not.

Flask's test client checks the answers; Safety Desk under gunicorn (as on Toolforge, one
worker) shows that 100 MB sent to it, with or without a Content-Length, is refused and
leaves the worker's peak memory (VmHWM) within a few MB.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from devwiki import free_port

SECRET = "enwiki-secret-0123456789abcdefghijklmnop"
INCIDENT_URL = f"/intake/reportincident/{SECRET}/api/v2/requests.json"
MB = 1024 * 1024


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(reportincident_secrets={"enwiki": [SECRET]})


def test_a_large_form_body_is_refused_before_it_is_read(app: Flask) -> None:
    form = "application/x-www-form-urlencoded"
    declared = app.test_client().post("/logout", data=b"a=" + b"b" * (2 * MB), content_type=form)
    assert declared.status_code == 413
    assert app.test_client().post("/logout", data={"a": "b"}).status_code == 400  # no CSRF token


def test_a_large_report_is_a_zendesk_413(app: Flask) -> None:
    report = json.dumps({"request": {"comment": {"body": "x" * (100 * 1024)}}})
    answer = app.test_client().post(
        INCIDENT_URL, data=report, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json["error"] == "PayloadTooLarge"


# --- memory of a real server -----------------------------------------------------------

PREPARE = """
import sys
from datetime import timedelta
from pathlib import Path
from sqlalchemy.orm import Session
from tools.base.clock import now
from tools.base.config import load_settings
from tools.base.db import make_engine, upgrade
from tools.models import User
from tools.people.api_tokens import create_token

engine = make_engine(load_settings().database)
upgrade(engine)
with Session(engine) as session, session.begin():  # a token, for the API's own limit
    user = User(username="Steward One")
    session.add(user)
    roles, expires = ["user", "functionary"], now() + timedelta(days=1)
    made = create_token(session, user, "t", ["file"], expires, roles)
    Path(sys.argv[1], "token").write_text(made.secret)
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int, str]]:
    """``(worker pid, port, API token)`` of Safety Desk under gunicorn, as on Toolforge."""
    port = free_port()
    root = Path(__file__).parent.parent
    environment = os.environ | {
        "SAFETYDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "SAFETYDESK_INSTANCE_PATH": str(tmp_path),
        "SAFETYDESK_SECRET_KEY": "x" * 32,
        "SAFETYDESK_REPORTINCIDENT_SECRETS": json.dumps({"enwiki": [SECRET]}),
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run([sys.executable, "-c", PREPARE, str(tmp_path)], env=environment, check=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [gunicorn, "-c", "python:flaskapp.gunicorn_conf", "--bind", f"127.0.0.1:{port}"],
        cwd=root,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        for _ in range(300):  # the master listens before its worker is up
            if children.read_text().split() and _get(port, "/healthz"):
                break
            time.sleep(0.1)
        yield int(children.read_text().split()[0]), port, (tmp_path / "token").read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str) -> bool:
    """Whether ``path`` answers at all."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            return connection.recv(20).startswith(b"HTTP/")
    except OSError:
        return False


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])


def _send(
    port: int, path: str, content_type: str, size: int, chunked: bool, headers: dict[str, str]
) -> bytes:
    """Send ``size`` bytes to ``path``; the server's answer (whatever it read of the body)."""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    block = b"a" * MB
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(f"{head}{length}\r\n\r\n".encode())
        try:
            for _ in range(size // MB):
                connection.sendall(b"%x\r\n%s\r\n" % (MB, block) if chunked else block)
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed without reading the rest
            pass
        try:
            return connection.recv(4096)
        except OSError:
            return b""


@pytest.mark.parametrize(
    "path, content_type, answer",
    [
        ("/logout", "application/x-www-form-urlencoded", b"413"),
        (INCIDENT_URL, "application/json", b'"PayloadTooLarge"'),
        ("/api/v1/requests", "application/json", b'"payload_too_large"'),
    ],
)
def test_100_mb_bodies_are_refused_and_leave_the_server_memory_alone(
    server: tuple[int, int, str], path: str, content_type: str, answer: bytes
) -> None:
    pid, port, token = server
    api = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
    for chunked in (False, True):  # warm up: every module and page of a refusal loaded
        _send(port, path, content_type, 2 * MB, chunked, api)
    before = _peak_kb(pid)
    for chunked in (False, True):
        received = _send(port, path, content_type, 100 * MB, chunked, api)
        assert b" 413 " in received.split(b"\r\n")[0] and answer in received, received
    grown_mb = (_peak_kb(pid) - before) / 1024
    print(f"{path}: peak memory grew {grown_mb:.1f} MB for 2 x 100 MB")
    assert grown_mb < 8, grown_mb  # a few MB: the refused body is never held
