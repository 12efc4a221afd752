"""The components of bench/e2e_bench.py: wiki, database, mail server, the Procfile's jobs.

Everything runs as Toolforge runs it: the patrol and the on-call worker are the
Procfile's very commands, each its own process with a deployment's environment; the
database is a MariaDB database of its own (ToolsDB is MariaDB), migrated by the
Procfile's ``migrate`` one-off; the wiki is the local MediaWiki (devwiki), which
really holds every revision the stream announces; the mail server is aiosmtpd.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, make_url, text

from devwiki import DevWiki, free_port, free_ports, missing_requirements
from devwiki.wiki import BOT_GRANTS, HERE

REPOSITORY = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WIKI = "devwiki"
MARIADB = os.environ.get("SAFETYDESK_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306")
REDIS = os.environ.get("SAFETYDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ON_DUTY = ("Bench Oncall", "bench.oncall@example.org")
#: A threatening reply; the number makes each one a comment of its own.
THREAT = (
    "\n== Threats against an editor {n} ==\n"
    "You reverted me again ({n}). I know where you live and I am going to kill you. ~~~~\n"
)
HEADER = "Report incidents here. Sign your posts with four tildes.\n"


def procfile(repository: Path = REPOSITORY) -> dict[str, str]:
    """The Procfile's processes: name -> shell command."""
    processes = {}
    for line in (repository / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def epoch(moment: datetime) -> float:
    """Seconds since the epoch of a database time (naive ones are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


# --- the mail server ------------------------------------------------------------------


class MailLog:
    """What the SMTP server accepted: (time accepted, subject); refuses while told to."""

    def __init__(self) -> None:
        self.accepted: list[tuple[float, str]] = []
        self.refused = 0
        self.refuse_until = 0.0

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if time.time() < self.refuse_until:
            self.refused += 1
            return "451 4.3.0 The mail server refuses for now (bench)"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted.append((time.time(), str(message["Subject"])))
        return "250 Message accepted for delivery"

    def first_with(self, needle: str) -> float | None:
        return next((at for at, subject in self.accepted if needle in subject), None)

    def count_with(self, needle: str) -> int:
        return sum(1 for _, subject in self.accepted if needle in subject)


# --- the wiki -------------------------------------------------------------------------


class WikiEditor:
    """Edits the local wiki through its API with the bot password (no Pywikibot needed)."""

    def __init__(self, api_url: str, login_name: str, password: str) -> None:
        self.api = api_url
        self.http = requests.Session()
        token = self._query("login")
        answer = self.http.post(
            api_url,
            data={
                "action": "login",
                "lgname": login_name,
                "lgpassword": password,
                "lgtoken": token,
                "format": "json",
            },
            timeout=30,
        ).json()
        if answer.get("login", {}).get("result") != "Success":
            raise RuntimeError(f"cannot log in to the local wiki: {answer}")
        self.csrf = self._query("csrf")

    def _query(self, kind: str) -> str:
        answer = self.http.get(
            self.api,
            params={"action": "query", "meta": "tokens", "type": kind, "format": "json"},
            timeout=30,
        ).json()
        return answer["query"]["tokens"][f"{kind}token"]

    def append(self, title: str, add: str) -> tuple[str, int, int]:
        """Append ``add`` to the page: its title as the wiki writes it, old and new revision."""
        answer = self.http.post(
            self.api,
            data={
                "action": "edit",
                "title": title,
                "appendtext": add,
                "summary": "bench",
                "token": self.csrf,
                "format": "json",
                "formatversion": "2",
            },
            timeout=60,
        ).json()
        edit = answer.get("edit")
        if not edit or edit.get("result") != "Success":
            raise RuntimeError(f"the edit failed: {answer}")
        return edit["title"], int(edit.get("oldrevid") or 0), int(edit["newrevid"])


# --- the jobs -------------------------------------------------------------------------


class Job:
    """One Procfile command as its own process (``exec`` in a shell, as a launcher does)."""

    def __init__(self, name: str, command: str, env: dict[str, str], logs: Path) -> None:
        self.name, self.command, self.log = name, command, logs / f"{name}.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=env.get("BENCH_REPOSITORY", str(REPOSITORY)),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


# --- the whole deployment -------------------------------------------------------------


@dataclass
class Stack:
    """The wiki, database, mail server and environment; jobs started from the Procfile."""

    root: Path
    redis: bool = True
    poll: float = 15.0
    repository: Path = REPOSITORY
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    mail: MailLog = field(default_factory=MailLog)
    server: Any = None  # the EventStreams the patrol follows
    spare: list[tuple[str, int, int]] = field(default_factory=list)  # edits kept for later

    def start(self, eventstreams_url: str, boards: int) -> list[str]:
        """Start everything but the jobs; the watched boards' titles."""
        problem = missing_requirements()
        if problem:
            raise SystemExit(f"the local wiki cannot run here: {problem}")
        port, oauth_port = free_ports(2)
        self.wiki = DevWiki(self.root / "devwiki", port=port, oauth_port=oauth_port)
        self.wiki.start()
        self.editor = self._editor()
        titles = [
            self.editor.append(f"Project:Incidents bench {secrets.token_hex(3)} {n}", HEADER)[0]
            for n in range(boards)
        ]
        self.smtp_port = free_port()
        self.smtp = Controller(self.mail, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()
        self._create_database()
        self.env = self._environment(eventstreams_url, titles)
        migrate = subprocess.run(
            ["/bin/sh", "-c", f"exec {procfile(self.repository)['migrate']}"],
            cwd=self.repository,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrate.stdout}{migrate.stderr}")
        self._put_someone_on_duty()
        return titles

    def _editor(self) -> WikiEditor:
        """Someone of the wiki who writes on the boards: an admin, whom MediaWiki's edit
        rate limit leaves alone (a hundred threats a minute would hit it)."""
        self.editor_name = f"Bench Editor {secrets.token_hex(3)}"
        app, secret = "bencheditor", secrets.token_hex(16)
        spec = {
            "users": [
                {
                    "name": self.editor_name,
                    "password": secrets.token_urlsafe(18),
                    "groups": ["sysop"],
                }
            ],
            "botPasswords": [
                {
                    "user": self.editor_name,
                    "appId": app,
                    "password": secret,
                    "grants": list(BOT_GRANTS),
                }
            ],
            "blocks": [],
        }
        self.wiki.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
        return WikiEditor(self.wiki.api_url, f"{self.editor_name}@{app}", secret)

    def _create_database(self) -> None:
        name = f"safetydesk_bench_{os.getpid()}_{secrets.token_hex(2)}"
        server = make_url(MARIADB)
        self.admin = create_engine(server)
        with self.admin.begin() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        self.database_name = name
        self.database_url = server.set(database=name).render_as_string(hide_password=False)
        self.engine = create_engine(self.database_url)

    def _environment(self, eventstreams_url: str, titles: list[str]) -> dict[str, str]:
        bot = self.wiki.credentials.bot
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")}
        paths = [str(VENV_BIN), inherited.get("PATH", "")]
        env = inherited | {
            "PATH": os.pathsep.join(paths),
            "PYTHONUNBUFFERED": "1",
            "BENCH_REPOSITORY": str(self.repository),
            "SAFETYDESK_ENVIRONMENT": "development",
            "SAFETYDESK_DATABASE_URL": self.database_url,
            "SAFETYDESK_SECRET_KEY": secrets.token_hex(32),
            "SAFETYDESK_INSTANCE_PATH": str(self.root / "instance"),
            "SAFETYDESK_PUBLIC_URL": "http://127.0.0.1:8000",
            "SAFETYDESK_SMTP_HOST": "127.0.0.1",
            "SAFETYDESK_SMTP_PORT": str(self.smtp_port),
            "SAFETYDESK_BOT_USERNAME": bot.login_name,
            "SAFETYDESK_BOT_PASSWORD": bot.bot_password,
            "SAFETYDESK_PATROL_API_URLS": json.dumps({WIKI: self.wiki.api_url}),
            "SAFETYDESK_PATROL_EVENTSTREAMS_URL": eventstreams_url,
            "SAFETYDESK_PATROL_BOARDS": "|".join(f"{WIKI}:{title}" for title in titles),
            "SAFETYDESK_PATROL_THRESHOLD": "0.5",
            "SAFETYDESK_REDIS_URL": REDIS if self.redis else "",
            "SAFETYDESK_RATELIMIT_STORAGE_URL": "memory://",
        }
        if self.repository != REPOSITORY:  # another checkout's code (the "before" figures)
            env["PYTHONPATH"] = str(self.repository)
        return env

    def _put_someone_on_duty(self) -> None:
        # Through the checkout's own code, as the web tool would.
        script = (
            "import sys\nfrom datetime import timedelta\n"
            "from tools import oncall\nfrom tools.base import clock\n"
            "from tools.base.db import make_engine, session_factory, transaction\n"
            "from tools.models import RoleGrant, User\n"
            "sessions = session_factory(make_engine(sys.argv[1]))\n"
            "with transaction(sessions) as session:\n"
            "    user = User(username=sys.argv[2], email=sys.argv[3])\n"
            "    user.grants.append(RoleGrant(role='specialist'))\n"
            "    session.add(user)\n    session.flush()\n    now = clock.now()\n"
            "    oncall.add_shift(session, user.id, sys.argv[2], now - timedelta(hours=1),"
            " now + timedelta(hours=6))\n"
        )
        subprocess.run(
            [sys.executable, "-c", script, self.database_url, *ON_DUTY],
            cwd=self.repository,
            env=self.env,
            check=True,
            timeout=120,
        )

    def start_job(self, name: str, profile: Path | None = None) -> Job:
        command = procfile(self.repository)[name]
        if profile is not None:  # the same command under cProfile
            command = command.replace("python -m ", f"python -m cProfile -o {profile} -m ", 1)
        if name == "oncall" and self.poll != 15.0:
            command = command.replace("--poll 15", f"--poll {self.poll:g}")
        self.jobs[name] = Job(name, command, self.env, self.root)
        return self.jobs[name]

    def threats(self, titles: list[str], count: int, first: int = 0) -> list[tuple[str, int, int]]:
        """``count`` threatening replies, spread over the boards: (title, old, new) each."""
        return [
            self.editor.append(titles[n % len(titles)], THREAT.format(n=first + n))
            for n in range(count)
        ]

    def rows(self) -> dict[int, dict[str, float]]:
        """Per revision of a board: when its alert, case and first callout were stored."""
        query = text(
            "SELECT a.rev_id, a.created_at, c.created_at, c.reference, "
            "(SELECT MIN(o.created_at) FROM callouts o WHERE o.case_id = c.id) "
            "FROM alerts a LEFT JOIN cases c ON c.id = a.case_id"
        )
        found: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for rev_id, alerted, filed, reference, queued in connection.execute(query):
                row: dict[str, Any] = {"alert": epoch(alerted)}
                if filed is not None:
                    row["case"] = epoch(filed)
                    row["reference"] = reference
                if queued is not None:
                    row["callout"] = epoch(queued)
                    mailed = self.mail.first_with(f"[{reference}]")
                    if mailed is not None:
                        row["mail"] = mailed
                found[int(rev_id)] = row
        return found

    def stop(self) -> None:
        for job in self.jobs.values():
            job.kill()
        if hasattr(self, "smtp"):
            self.smtp.stop()
        if hasattr(self, "engine"):
            self.engine.dispose()
        if hasattr(self, "admin"):
            with self.admin.begin() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS `{self.database_name}`"))
            self.admin.dispose()
        if hasattr(self, "wiki"):
            self.wiki.stop()


def wait_until(check: Any, timeout: float, step: float = 0.05) -> Any:
    """Poll ``check`` until it gives something true, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    return None
