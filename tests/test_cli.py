"""The ``safetydesk`` command as an operator meets it: the README's run command, and its errors."""

from __future__ import annotations

import contextlib
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
from playwright.sync_api import Browser, Page

SAFETYDESK = str(Path(sys.executable).with_name("safetydesk"))
REPOSITORY = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a clean environment; no demo data unless a test asks (it is slower)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    return subprocess.run(
        [SAFETYDESK, *args],
        cwd=cwd,
        env=environment | {"SAFETYDESK_DEMO": "0"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


READY_SECONDS = 120  # the first `make run` migrates and loads the demo data on a busy CI box


@pytest.fixture(scope="module")
def made_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`make run` as README says, in a fresh folder with its own HOME: (base URL, folder).

    One served process for the module. Our virtual environment stands in for the one
    `make run` would install (``-o`` keeps make from reinstalling it); the database is the
    default SQLite file under the folder, so no real .db file is touched. The server runs
    in its own process group, which the teardown kills whole (make, safetydesk serve).
    """
    folder = tmp_path_factory.mktemp("make-run")
    port = _free_port()
    venv = Path(sys.executable).parent.parent
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    environment |= {"HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    log = (folder / "make-run.log").open("w")
    server = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(REPOSITORY / "Makefile"),
            "-o",
            f"{venv}/.run-installed",
            f"VENV={venv}",
            f"PORT={port}",
            "run",
        ],
        cwd=folder,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz/web", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"make run did not serve: {(folder / 'make-run.log').read_text()}")
                time.sleep(0.2)
        yield url, folder
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def test_make_run_serves_the_home_page_on_the_default_sqlite(made_run: tuple[str, Path]) -> None:
    url, folder = made_run
    with urllib.request.urlopen(url + "/") as response:
        assert response.status == 200
        assert "Safety Desk" in response.read().decode()
    assert (folder / "instance" / "safetydesk.sqlite3").exists()
    assert "demo data loaded: " in (folder / "make-run.log").read_text()


def test_make_run_offers_the_demo_people_at_login(made_run: tuple[str, Path]) -> None:
    url, _folder = made_run
    with urllib.request.urlopen(url + "/login") as response:
        assert response.status == 200
        page = response.read().decode()
    for name in ("Dana Specialist", "Claire Oversight", "Gus Blocked", "Hal Locked"):
        assert f'data-username="{name}"' in page
    assert "Demo data:" in page


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


def test_demo_load_on_request_and_only_once(tmp_path: Path) -> None:
    assert _run("db", "upgrade", cwd=tmp_path).returncode == 0  # SAFETYDESK_DEMO=0: empty
    loaded = _run("demo", "load", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "16 cases" in loaded.stdout and "3000 lock log entries" in loaded.stdout
    again = _run("demo", "load", cwd=tmp_path)
    assert again.returncode == 1 and "holds the demo data already" in again.stderr


@pytest.mark.integration
def test_make_run_in_a_browser_specialist_functionary_and_blocked(
    made_run: tuple[str, Path], page: Page, chromium: Browser
) -> None:
    """Done when of #18: one click signs in; the demo queue is worked and a request filed."""
    from playwright.sync_api import expect

    url, _folder = made_run
    page.goto(url + "/queue")  # the sign-in page first, then back to the queue
    page.get_by_role("button", name="Sign in as Dana Specialist").click()
    expect(page).to_have_url(url + "/queue")
    expect(page.locator("tr[data-reference]").first).to_be_visible()
    row = page.locator("tr[data-reference]", has_text="Hounding of a steward candidate")
    row.locator("a").first.click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator(".sd-assignee")).to_have_text("Dana Specialist")
    page.locator("#reply-body").fill("Thank you, we are looking at the five wikis now.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".sd-thread")).to_contain_text("we are looking at the five wikis")

    functionary = chromium.new_context(locale="en-US").new_page()
    functionary.goto(url + "/requests/new")
    functionary.get_by_role("button", name="Sign in as Claire Oversight").click()
    functionary.locator('a[href*="category=harassment"]').click()
    functionary.locator("#title").fill("Insults on a user talk page after a block")
    functionary.locator("#description").fill("A blocked editor insults the admin by e-mail.")
    functionary.locator("form.sd-form button[type=submit]").click()
    expect(functionary.locator(".sd-reference")).to_contain_text("TS-")

    blocked = chromium.new_context(locale="en-US").new_page()
    blocked.goto(url + "/login")
    blocked.get_by_role("button", name="Sign in as Gus Blocked").click()
    expect(blocked.locator("h1")).to_have_text("Sign-in refused")
    expect(blocked.locator("body")).to_contain_text("Harassment of other editors")
    functionary.context.close()
    blocked.context.close()
