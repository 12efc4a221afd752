"""Nothing lost when the database is down: a ReportIncident report the database cannot store
is spooled to disk (the extension never sends it again), a content-free alert goes to the
fallback address, the extension gets Zendesk's success answer, and the report becomes a
case exactly once when the database answers again.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Mailbox, new_mariadb_database
from flask import Flask
from sqlalchemy import func, select, text
from test_reportincident import SECRET, URL, extension_body

from flaskapp.cli import cli
from flaskapp.context import sessions
from tools.base.db import make_engine, upgrade
from tools.models import CalloutChain, Case, CaseSource

FALLBACK = "emergency-fallback@example.org"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, which the test may take down and bring back."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'spool-test.sqlite3'}"
        return
    url, drop = new_mariadb_database("spool")
    try:
        yield url
    finally:
        drop()


@contextmanager
def database_down(app: Flask, url: str) -> Iterator[None]:
    """The database stops answering while the app runs, then comes back as it was."""
    engine = sessions(app).kw["bind"]
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        away = path.with_name(path.name + ".away")
        path.rename(away)
        path.mkdir()  # a folder where the file was: SQLite cannot open it
        engine.dispose()
        try:
            yield
        finally:
            path.rmdir()
            away.rename(path)
            engine.dispose()
        return
    server = make_engine(url.rsplit("/", 1)[0])
    name = url.rsplit("/", 1)[1]
    with server.begin() as connection:
        connection.execute(text(f"DROP DATABASE `{name}`"))
    try:
        yield
    finally:
        with server.begin() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        server.dispose()
        engine.dispose()
        migrated = make_engine(url)
        upgrade(migrated)
        migrated.dispose()


@pytest.fixture
def app(
    make_app: Callable[..., Flask],
    backend: str,
    smtp_server: tuple[str, int, Mailbox],
    tmp_path: Path,
) -> Flask:
    host, port, _ = smtp_server
    return make_app(
        database_url=backend,
        reportincident_secrets={"enwiki": [SECRET]},
        reportincident_spool=tmp_path / "spool" / "reports.jsonl",
        reportincident_fallback_email=FALLBACK,
        smtp_host=host,
        smtp_port=port,
    )


def post(app: Flask, payload: dict) -> object:
    return app.test_client().post(
        URL, data=json.dumps(payload), headers={"Content-Type": "application/json"}
    )


def cases_in(app: Flask) -> list[Case]:
    with sessions(app)() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def replay_command(app: Flask, backend: str) -> str:
    """``safetydesk intake replay``, run as an operator would, with the app's settings."""
    settings = app.config["SETTINGS"]
    env = {
        "SAFETYDESK_DATABASE_URL": backend,
        "SAFETYDESK_REPORTINCIDENT_SPOOL": str(settings.reportincident_spool),
        "SAFETYDESK_INSTANCE_PATH": str(settings.instance_path),
    }
    result = CliRunner().invoke(cli, ["intake", "replay"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_report_while_the_database_is_down_is_spooled_alerted_and_filed_once_after(
    app: Flask, backend: str, smtp_server: tuple[str, int, Mailbox]
) -> None:
    _, _, mailbox = smtp_server
    spool_file = app.config["SETTINGS"].reportincident_spool
    with database_down(app, backend):
        answer = post(app, extension_body())
        # What Zendesk answers: the extension tells the reporter it was received.
        assert answer.status_code == 201, answer.text
        assert answer.json["request"]["status"] == "new"
        lines = spool_file.read_text().splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["wiki"] == "enwiki"
        assert "hurt someone at the meetup" in lines[0]
        assert os.stat(spool_file).st_mode & 0o077 == 0  # only the tool may read it
        wait_until(lambda: mailbox.messages, "the alert mail")  # sent beside the answer
    (alert,) = mailbox.messages
    assert alert["To"] == FALLBACK
    text_sent = alert["Subject"] + alert.get_content()
    for private in ("Concerned Editor", "Troubled User", "concerned@example.org", "hurt", "oldid"):
        assert private not in text_sent
    assert cases_in(app) == []

    output = replay_command(app, backend)
    (case,) = cases_in(app)
    assert case.reference in output and case.source == CaseSource.REPORTINCIDENT
    assert case.title == "Threat of physical harm reported on enwiki about Troubled User"
    assert "filed from the spool" in (case.intake_warning or "")
    assert spool_file.read_text() == ""
    with sessions(app)() as session:  # an emergency like any other: it calls out
        assert session.scalar(select(CalloutChain).where(CalloutChain.case_id == case.id))

    replay_command(app, backend)
    # A replay cut short before the spool was emptied sends the same line again: still one.
    spool_file.write_text(lines[0] + "\n")
    replay_command(app, backend)
    assert [c.id for c in cases_in(app)] == [case.id]
    assert spool_file.read_text() == ""


def wait_until(condition: Callable[[], object], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not come within {timeout} s"
        time.sleep(0.05)


def test_a_mail_server_that_never_answers_does_not_hold_the_extension(
    make_app: Callable[..., Flask], backend: str, tmp_path: Path
) -> None:
    """The alert is sent beside the request: the extension's call is answered at once."""
    with socket.socket() as silent:  # accepts connections, never greets: SMTP waits 10 s
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app = make_app(
            database_url=backend,
            reportincident_secrets={"enwiki": [SECRET]},
            reportincident_spool=tmp_path / "spool" / "reports.jsonl",
            reportincident_fallback_email=FALLBACK,
            smtp_host="127.0.0.1",
            smtp_port=silent.getsockname()[1],
        )
        with database_down(app, backend):
            started = time.monotonic()
            answers = [post(app, extension_body(details=f"Report {n}.")) for n in range(3)]
            elapsed = time.monotonic() - started
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert elapsed < 10, f"three reports took {elapsed:.1f} s: each waited for the mail"
    spooled = app.config["SETTINGS"].reportincident_spool.read_text().splitlines()
    assert len(spooled) == 3


def test_the_next_report_the_database_takes_files_the_waiting_ones_too(
    app: Flask, backend: str
) -> None:
    with database_down(app, backend):
        assert post(app, extension_body(details="First, while down.")).status_code == 201
    answer = post(app, extension_body(details="Second, database back."))
    assert answer.status_code == 201 and answer.json["request"]["id"]
    descriptions = sorted(case.description.split("\n")[0] for case in cases_in(app))
    assert descriptions == ["First, while down.", "Second, database back."]
    assert app.config["SETTINGS"].reportincident_spool.read_text() == ""


def test_the_oncall_worker_files_the_spool_on_its_pass(app: Flask, backend: str) -> None:
    with database_down(app, backend):
        assert post(app, extension_body()).status_code == 201
    settings = app.config["SETTINGS"]
    env = {
        "SAFETYDESK_DATABASE_URL": backend,
        "SAFETYDESK_REPORTINCIDENT_SPOOL": str(settings.reportincident_spool),
    }
    result = CliRunner().invoke(cli, ["oncall", "run", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "spool: 1 reports filed" in result.output
    with sessions(app)() as session:
        assert session.scalar(select(func.count(Case.id))) == 1
