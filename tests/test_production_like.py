"""Production-like: Safety Desk run exactly as toolforge.yaml and the Procfile say (issue #9).

The test reads ``toolforge.yaml`` and the ``Procfile`` and runs the very shell commands
they name, each as its own process with the environment a deployment sets: the
``migrate`` one-off first, then gunicorn (two worker processes) and the three continuous
jobs (lock logger, noticeboard patrol on EventStreams, on-call worker). Around them run
the real components: the local MediaWiki and its OAuth provider standing in for
Meta-Wiki, MariaDB (a database of its own), a local SMTP server and a local EventStreams
replaying real-schema recentchange events.

Then what the team relies on happens end to end: a lock logged on the wiki reaches the
lock log; a functionary signs in with Chromium through OAuth and files an emergency,
and the on-call worker mails the person on duty; a threat posted on the watched board
becomes an alert a specialist sees on /alerts; ``/healthz`` is healthy, then names the
on-call worker once it is stopped while ``/healthz/web`` stays up; every process stops
cleanly on SIGTERM.

One difference from Toolforge: ``SAFETYDESK_ENVIRONMENT`` is ``development`` (with OAuth
configured, so the development sign-in stays off), because production mode demands
https addresses and the local wiki and the tool serve plain http on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import yaml
from conftest import Mailbox, new_mariadb_database
from eventstreams_server import EventStreamsServer, recentchange
from helpers import HEADER, THREAT, Edit, Editor
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from devwiki import DevWiki, free_port
from devwiki.wiki import BOT_GRANTS, HERE
from tools import oncall
from tools.base import clock
from tools.base.db import make_engine, session_factory, transaction
from tools.models import Alert, Callout, LockEvent, RoleGrant, User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

pytestmark = pytest.mark.integration

REPOSITORY = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # gunicorn, safetydesk and python of this install
WIKI = "devwiki"
CONTINUOUS = ("lock-logger", "patrol", "oncall", "upload-watcher")
#: Seconds each job's heartbeat may age: the on-call worker beats every 15 s (its poll),
#: the lock logger every 60 s, the streaming patrol on each event it reads, the upload
#: watcher at each reading of the upload logs (every 60 s).
HEALTH_JOBS = {"oncall": 25, "lock_logger": 150, "noticeboard_patrol": 600, "upload_watcher": 150}
ON_DUTY = ("Plain User", "plain.oncall@example.org")  # a specialist of the local wiki
PRIVATE = ("Jane Roe", "Springfield")  # in the emergency's title and description only

T = TypeVar("T")


def procfile() -> dict[str, str]:
    """The Procfile's processes: name -> shell command."""
    processes = {}
    for line in (REPOSITORY / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def toolforge_components() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((REPOSITORY / "toolforge.yaml").read_text())["components"]


def test_every_toolforge_component_runs_a_procfile_process() -> None:
    components, processes = toolforge_components(), procfile()
    assert {name: c["run"]["command"] in processes for name, c in components.items()} == {
        name: True for name in components
    }
    kinds = {name: c["component_type"] for name, c in components.items()}
    # The components API knows only these two types; the web component is a continuous
    # one published on its port (tests/test_toolforge_config.py checks the whole file).
    assert kinds == {
        "web": "continuous",
        **dict.fromkeys(CONTINUOUS, "continuous"),
        "mail": "continuous",  # needs a mailbox: tests/test_mail_intake.py runs it on Dovecot
        # Not started below: tests/test_account_watcher.py runs it against the local wiki.
        "account-watcher": "continuous",
        "retention": "scheduled",
    }
    assert components["web"]["run"]["publish"] == "/"
    assert "migrate" in processes  # the one-off run before every deployment


# --- the processes --------------------------------------------------------------------


class Job:
    """One Procfile command as its own process (``exec`` in a shell, as a launcher does)."""

    def __init__(self, name: str, command: str, env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.command = command
        self.log = logs / f"{name}.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=REPOSITORY,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own
            )

    @property
    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> None:
        """Fail with its log if it exited."""
        code = self.process.poll()
        assert code is None, f"{self.name} exited with {code}:\n{self.text}"

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, as Toolforge stops a component; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} did not stop within {timeout:g} s:\n{self.text}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def wait_for(what: str, check: Callable[[], T | None], timeout: float, jobs: list[Job]) -> T:
    """Poll ``check`` until it gives something true; fail naming ``what`` (and any dead job)."""
    deadline = time.monotonic() + timeout
    while True:
        for job in jobs:
            job.alive()
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:g} s")
        time.sleep(0.25)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def http_get(url: str) -> tuple[int, dict[str, Any] | None]:
    """Status and JSON body (None if not JSON) of a plain GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    except OSError:
        return 0, None
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


# --- the components around them ---------------------------------------------------------


@dataclass
class Deployment:
    url: str
    database_url: str
    sessions: sessionmaker[Session]
    env: dict[str, str]
    logs: Path
    jobs: dict[str, Job]

    def start(self, component: str) -> Job:
        command = procfile()[toolforge_components()[component]["run"]["command"]]
        self.jobs[component] = Job(component, command, self.env, self.logs)
        return self.jobs[component]


@pytest.fixture
def database_url() -> Iterator[str]:
    url, drop = new_mariadb_database("e2e")
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def eventstreams() -> Iterator[EventStreamsServer]:
    server = EventStreamsServer().start()
    yield server
    server.stop()


@pytest.fixture
def editor(devwiki: DevWiki, tmp_path_factory: pytest.TempPathFactory) -> Editor:
    """Someone of the local wiki who writes on the board (a bot password to edit with)."""
    person = Editor(
        devwiki.api_url,
        f"Board Editor {secrets.token_hex(3)}",
        "boardeditor",
        secrets.token_hex(16),
        tmp_path_factory.mktemp("board-editor"),
    )
    spec = {
        "users": [{"name": person.name, "password": secrets.token_urlsafe(18), "groups": []}],
        "botPasswords": [
            {
                "user": person.name,
                "appId": person.app_id,
                "password": person.secret,
                "grants": list(BOT_GRANTS),
            }
        ],
        "blocks": [],
    }
    devwiki.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
    return person


@pytest.fixture
def deployment(
    devwiki: DevWiki,
    database_url: str,
    smtp_server: tuple[str, int, Mailbox],
    eventstreams: EventStreamsServer,
    tmp_path: Path,
) -> Iterator[Deployment]:
    """The environment Toolforge would give, the database migrated by the Procfile's one-off.

    Started jobs are stopped (killed if still there) at the end; their logs are printed,
    which pytest shows when the test failed.
    """
    port = free_port()
    bot = devwiki.credentials.bot
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
    env = inherited | {
        "PATH": f"{VENV_BIN}{os.pathsep}{inherited.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "PORT": str(port),
        "SAFETYDESK_ENVIRONMENT": "development",
        "SAFETYDESK_DATABASE_URL": database_url,
        "SAFETYDESK_SECRET_KEY": secrets.token_hex(32),
        "SAFETYDESK_INSTANCE_PATH": str(tmp_path / "instance"),
        "SAFETYDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **devwiki.oauth_environment(),
        "SAFETYDESK_SMTP_HOST": smtp_server[0],
        "SAFETYDESK_SMTP_PORT": str(smtp_server[1]),
        "SAFETYDESK_BOT_USERNAME": bot.login_name,
        "SAFETYDESK_BOT_PASSWORD": bot.bot_password,
        "SAFETYDESK_PATROL_API_URLS": json.dumps({WIKI: devwiki.api_url}),
        "SAFETYDESK_PATROL_EVENTSTREAMS_URL": eventstreams.url,
        "SAFETYDESK_PATROL_THRESHOLD": "0.5",
        "SAFETYDESK_UPLOADS_WIKIS": WIKI,
        "SAFETYDESK_HEALTH_JOBS": json.dumps(HEALTH_JOBS),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    migrate = subprocess.run(
        ["/bin/sh", "-c", f"exec {procfile()['migrate']}"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    engine = make_engine(database_url)
    deployed = Deployment(
        f"http://127.0.0.1:{port}", database_url, session_factory(engine), env, logs, {}
    )
    try:
        yield deployed
    finally:
        for job in deployed.jobs.values():
            job.kill()
        for job in deployed.jobs.values():
            print(f"----- {job.name}: {job.command}\n{job.text}")
        engine.dispose()


# --- the test -------------------------------------------------------------------------


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    """Open a page of the tool signed out: the OAuth provider asks, the person allows."""
    page.goto(url)
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Allow").click()


def test_toolforge_commands_serve_page_alert_and_log_then_stop_cleanly(
    deployment: Deployment,
    devwiki: DevWiki,
    editor: Editor,
    smtp_server: tuple[str, int, Mailbox],
    eventstreams: EventStreamsServer,
    chromium: Browser,
    page: Page,
) -> None:
    mailbox = smtp_server[2]
    board = editor.edit(f"Project:Incidents {secrets.token_hex(3)}", HEADER)
    deployment.env["SAFETYDESK_PATROL_BOARDS"] = f"{WIKI}:{board.title}"
    with transaction(deployment.sessions) as session:  # a specialist on duty now
        user = User(username=ON_DUTY[0], email=ON_DUTY[1])
        user.grants.append(RoleGrant(role="specialist"))
        session.add(user)
        session.flush()
        now = clock.now()
        oncall.add_shift(
            session, user.id, ON_DUTY[0], now - timedelta(hours=1), now + timedelta(hours=2)
        )
    # The lock logger reads the log's whole history on its first run.
    locked_before = f"Early Vandal {secrets.token_hex(3)}"
    lock(devwiki, locked_before)

    web = deployment.start("web")
    jobs = [web, *(deployment.start(name) for name in CONTINUOUS)]
    wait_for("/healthz/web", lambda: http_get(health_url(deployment))[0] == 200, 60, jobs)
    wait_for("two gunicorn workers", lambda: len(children(web.process.pid)) == 2, 30, jobs)

    # 2. The lock made before the start is in the lock log; one made now follows later.
    wait_for("lock from the history", lambda: lock_events(deployment, locked_before), 60, jobs)
    locked_after = f"Late Vandal {secrets.token_hex(3)}"
    lock(devwiki, locked_after)

    # 3. A functionary files an emergency; the person on duty gets the callout mail.
    steward = devwiki.credentials.steward
    sign_in(page, f"{deployment.url}/requests/new?category=threat", steward.name, steward.password)
    page.locator("#title").fill(f"Threat against {PRIVATE[0]}")
    page.locator("#description").fill(f"{PRIVATE[0]} lives in {PRIVATE[1]}; a threat was posted.")
    page.locator("form.sd-form button[type=submit]").click()
    reference = page.locator(".sd-reference").inner_text()
    assert reference.startswith("TS-")
    [mail] = wait_for("callout mail", lambda: list(mailbox.messages), 60, jobs)
    text = str(mail["Subject"]) + mail.get_content()
    assert mail["To"] == ON_DUTY[1] and reference in text
    assert re.search(rf"{re.escape(deployment.url)}/oncall/ack/[\w-]+", text), text
    assert not [word for word in PRIVATE if word in text]
    with deployment.sessions() as session:
        assert session.scalars(select(Callout.status)).all() == ["sent"]

    # 4. A threat on the watched board, on the stream: an alert a specialist sees.
    threat = editor.edit(board.title, THREAT)
    eventstreams.add(recentchange_of(devwiki, threat))
    alert_id = wait_for("alert", lambda: alert_on(deployment, board.title), 60, jobs)
    context = chromium.new_context(locale="en-US")
    try:
        specialist = context.new_page()
        plain = devwiki.credentials.plain
        sign_in(specialist, f"{deployment.url}/alerts", plain.name, plain.password)
        expect(specialist.locator(f'tr[data-alert="{alert_id}"]')).to_contain_text("Violence")
    finally:
        context.close()

    # 5. Healthy; the on-call worker stops; /healthz names it, /healthz/web stays up.
    healthy = wait_for("healthy /healthz", lambda: full_health(deployment, 200), 60, jobs)
    assert {name for name, job in healthy["jobs"].items() if job["healthy"]} == set(HEALTH_JOBS)
    assert deployment.jobs["oncall"].stop() == 0
    jobs.remove(deployment.jobs["oncall"])
    report = wait_for("503 from /healthz", lambda: full_health(deployment, 503), 60, jobs)
    assert [name for name, job in report["jobs"].items() if not job["healthy"]] == ["oncall"]
    assert http_get(health_url(deployment))[0] == 200

    # 2, continued: the lock made after the start, within the lock logger's poll.
    wait_for("lock made after the start", lambda: lock_events(deployment, locked_after), 90, jobs)

    # 6. Every process stops cleanly on SIGTERM.
    stopped = {job.name: job.stop() for job in jobs}
    assert stopped == {"web": 0, "lock-logger": 0, "patrol": 0, "upload-watcher": 0}
    for job in deployment.jobs.values():
        assert "Traceback" not in job.text, job.text


def health_url(deployment: Deployment) -> str:
    return deployment.url + toolforge_components()["web"]["run"]["health_check_http"]


def full_health(deployment: Deployment, status: int) -> dict[str, Any] | None:
    answered, body = http_get(deployment.url + "/healthz")
    return body if answered == status else None


def lock(devwiki: DevWiki, name: str) -> None:
    devwiki.write_log_entry(
        "globalauth", "setstatus", "Steward One", f"User:{name}@global",
        {"added": ["locked"], "removed": []}, "Spambot",
    )  # fmt: skip


def lock_events(deployment: Deployment, name: str) -> list[str]:
    with deployment.sessions() as session:
        return list(session.scalars(select(LockEvent.action).where(LockEvent.target == name)))


def alert_on(deployment: Deployment, title: str) -> int | None:
    with deployment.sessions() as session:
        return session.scalars(
            select(Alert.id).where(Alert.page_title == title, Alert.category == "violence")
        ).first()


def recentchange_of(devwiki: DevWiki, edit: Edit) -> dict[str, Any]:
    """The recentchange event EventStreams would send for an edit of the local wiki."""
    return recentchange(
        wiki=WIKI,
        server_url=devwiki.url.rstrip("/"),
        script_path="",
        title=edit.title,
        namespace=edit.namespace,
        user=edit.user,
        old_rev=edit.old,
        new_rev=edit.new,
        at=edit.at,
    )
