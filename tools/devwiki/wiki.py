"""A real MediaWiki on this machine, for development and tests.

Debian's ``mediawiki`` package holds the code (``/usr/share/mediawiki``); one working
folder holds everything else: the SQLite databases, LocalSettings.php, caches, logs,
the PID file of the PHP built-in web server and ``credentials.json``. Nothing is
written to ``/etc/mediawiki`` or ``/var/lib/mediawiki``: MediaWiki finds the folder's
LocalSettings.php through ``MW_CONFIG_FILE`` (a constant set by the folder's router
script for the web server, an environment variable for maintenance scripts).

The wiki is prepared for Safety Desk: functionaries in the groups ``steward``,
``checkuser``, ``suppress`` and ``sysop``, a plain user, a bot with a bot password,
and the log types ``globalauth`` (CentralAuth) and ``gblblock`` (GlobalBlocking),
whose entries :meth:`DevWiki.write_log_entries` writes in the shapes Meta-Wiki's API
returns.

This module imports neither Flask nor Pywikibot: plain Python and subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MEDIAWIKI_DIR = Path("/usr/share/mediawiki")
INSTALL_HINT = "apt-get install mediawiki php-sqlite3 php-cli"
HERE = Path(__file__).resolve().parent

SITE_NAME = "Safety Desk Dev Wiki"
DB_NAME = "devwiki"
ADMIN_NAME = "Admin One"
BOT_APP_ID = "safetydesk"
#: What the bot password may do: read (basic), edit, create pages, read the
#: suppression log where the account may, and use the high API limits.
BOT_GRANTS = ("basic", "highvolume", "editpage", "createeditmovepage", "viewrestrictedlogs")

PID_FILE = "php-server.pid"
CREDENTIALS_FILE = "credentials.json"
ROUTER_FILE = "router.php"
SETTINGS_FILE = "SafetyDeskDevWiki.php"

#: The wiki is on this machine: a proxy from the environment must not see the requests.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DevWikiError(Exception):
    """The development wiki could not do what was asked; the message says why."""


class DevWikiUnavailable(DevWikiError):
    """MediaWiki or PHP is not installed on this machine."""


@dataclass(frozen=True)
class Account:
    """A wiki account with its password and the groups it was put in."""

    name: str
    password: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class BotAccount(Account):
    """The bot account, which logs in with a bot password (Special:BotPasswords)."""

    app_id: str = BOT_APP_ID
    bot_password: str = ""
    grants: tuple[str, ...] = BOT_GRANTS

    @property
    def login_name(self) -> str:
        """The name to log in with the bot password: ``User@appid``."""
        return f"{self.name}@{self.app_id}"


@dataclass(frozen=True)
class Credentials:
    """Every account of the development wiki, one per role Safety Desk knows."""

    admin: Account
    steward: Account
    checkuser: Account
    oversighter: Account
    plain: Account
    bot: BotAccount

    @classmethod
    def generate(cls) -> Credentials:
        """New random passwords: the wiki listens on a port other local users can reach."""

        def password() -> str:
            return secrets.token_urlsafe(18)

        return cls(
            admin=Account(ADMIN_NAME, password(), ("sysop", "bureaucrat", "interface-admin")),
            steward=Account("Steward One", password(), ("steward",)),
            checkuser=Account("Checkuser One", password(), ("checkuser",)),
            oversighter=Account("Oversighter One", password(), ("suppress",)),
            plain=Account("Plain User", password(), ()),
            bot=BotAccount(
                "Safety Desk Bot", password(), ("bot",), bot_password=secrets.token_hex(16)
            ),
        )

    def accounts(self) -> Iterator[Account]:
        """All accounts, the bot last."""
        yield from (
            self.admin,
            self.steward,
            self.checkuser,
            self.oversighter,
            self.plain,
            self.bot,
        )

    def to_json(self) -> dict[str, Any]:
        """The users part of ``credentials.json``."""
        users = {
            role: asdict(getattr(self, role))
            for role in ("admin", "steward", "checkuser", "oversighter", "plain")
        }
        bot = asdict(self.bot) | {"login_name": self.bot.login_name}
        return {"users": users, "bot": bot}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credentials:
        """Read back what :meth:`to_json` wrote."""

        def account(raw: Mapping[str, Any]) -> Account:
            return Account(raw["name"], raw["password"], tuple(raw["groups"]))

        users = data["users"]
        bot = data["bot"]
        return cls(
            **{
                role: account(users[role])
                for role in ("admin", "steward", "checkuser", "oversighter", "plain")
            },
            bot=BotAccount(
                bot["name"],
                bot["password"],
                tuple(bot["groups"]),
                app_id=bot["app_id"],
                bot_password=bot["bot_password"],
                grants=tuple(bot["grants"]),
            ),
        )


@dataclass(frozen=True)
class Status:
    """Whether a working folder's wiki is installed and serving, and where."""

    workdir: Path
    installed: bool
    running: bool
    port: int
    pid: int | None = None

    @property
    def url(self) -> str:
        """Where the wiki answers (running) or will answer (stopped)."""
        return f"http://127.0.0.1:{self.port}"

    def __str__(self) -> str:
        if self.running:
            return f"running at {self.url} (pid {self.pid}, folder {self.workdir})"
        if self.installed:
            return f"stopped (folder {self.workdir}; starts at {self.url})"
        return f"not installed (folder {self.workdir})"


@dataclass(frozen=True)
class LogEntry:
    """One log entry to write, as CentralAuth or GlobalBlocking would write it.

    ``params`` as a mapping is stored the way MediaWiki stores parameters today
    (``{"added": ["locked"], "removed": []}`` for globalauth/setstatus,
    ``{"5::expiry": "infinity", "6::flags": []}`` for gblblock/gblock); as a
    sequence it is stored in the legacy positional form (``["locked", "(none)"]``),
    which the API returns as ``{"0": "locked", "1": "(none)"}``.
    """

    type: str
    action: str
    performer: str
    target: str
    params: Mapping[str, Any] | Sequence[str] = field(default_factory=dict)
    comment: str = ""
    timestamp: datetime | str | None = None
    deleted: int = 0

    def to_json(self) -> dict[str, Any]:
        """The object writeLogEntries.php reads."""
        legacy = not isinstance(self.params, Mapping)
        data: dict[str, Any] = {
            "type": self.type,
            "action": self.action,
            "performer": self.performer,
            "target": self.target,
            "params": list(self.params) if legacy else dict(self.params),
            "legacy": legacy,
            "comment": self.comment,
            "deleted": self.deleted,
        }
        if self.timestamp is not None:
            data["timestamp"] = _mw_timestamp(self.timestamp)
        return data


def _mw_timestamp(value: datetime | str) -> str:
    """ISO 8601 in UTC; a naive datetime is taken as UTC, like everything stored here."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def missing_requirements(mediawiki_dir: Path = MEDIAWIKI_DIR, php: str = "php") -> str | None:
    """Say what is missing to run a development wiki, or None when nothing is."""
    if not (mediawiki_dir / "maintenance" / "install.php").is_file():
        return f"MediaWiki is not installed in {mediawiki_dir}: {INSTALL_HINT}"
    if shutil.which(php) is None:
        return f"PHP ({php}) is not installed: {INSTALL_HINT}"
    probe = subprocess.run(
        [php, "-r", 'echo extension_loaded("pdo_sqlite") ? "ok" : "no";'],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.stdout.strip() != "ok":
        return f"PHP has no SQLite driver: {INSTALL_HINT}"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DevWiki:
    """One development wiki: a working folder and the PHP web server serving it.

    ``DevWiki(Path("instance/devwiki"), 8181).start()`` installs the wiki on first
    use (a few seconds), starts ``php -S 127.0.0.1:8181`` in the background and
    returns once ``api.php`` answers. :meth:`stop` ends that server only.
    """

    def __init__(
        self,
        workdir: Path | str,
        port: int = 8181,
        *,
        mediawiki_dir: Path = MEDIAWIKI_DIR,
        php: str = "php",
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.port = port
        self.mediawiki_dir = mediawiki_dir
        self.php = php
        self._process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"DevWiki({str(self.workdir)!r}, port={self.port})"

    # Addresses

    @property
    def url(self) -> str:
        """The wiki's server URL (``$wgServer``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Action API endpoint."""
        return f"{self.url}/api.php"

    @property
    def rest_url(self) -> str:
        """The REST API endpoint (``rest.php``), where OAuth 2.0 lives on real wikis."""
        return f"{self.url}/rest.php"

    @property
    def index_url(self) -> str:
        """The page entry point (``index.php``)."""
        return f"{self.url}/index.php"

    # Files of the working folder

    @property
    def local_settings(self) -> Path:
        """The LocalSettings.php that install.php wrote into the working folder."""
        return self.workdir / "LocalSettings.php"

    @property
    def credentials_file(self) -> Path:
        """``credentials.json``: URLs, accounts and passwords, for people and scripts."""
        return self.workdir / CREDENTIALS_FILE

    @property
    def pid_file(self) -> Path:
        """The PID of the PHP web server that :meth:`start` started."""
        return self.workdir / PID_FILE

    @property
    def log_file(self) -> Path:
        """What the PHP web server prints: one line per request, PHP errors."""
        return self.workdir / "logs" / "php-server.log"

    @property
    def installed(self) -> bool:
        """Whether install.php ran and the accounts exist."""
        return self.local_settings.is_file() and self.credentials_file.is_file()

    @property
    def credentials(self) -> Credentials:
        """The accounts of an installed wiki."""
        if not self.credentials_file.is_file():
            raise DevWikiError(f"No development wiki is installed in {self.workdir}.")
        return Credentials.from_json(json.loads(self.credentials_file.read_text("utf-8")))

    # Life cycle

    def start(self, timeout: float = 60.0) -> Status:
        """Install the wiki if needed and serve it; a running wiki is left as it is."""
        problem = missing_requirements(self.mediawiki_dir, self.php)
        if problem:
            raise DevWikiUnavailable(problem)
        current = self.status()
        if current.running:
            self.port = current.port  # it keeps the port it was started on
            return current
        if self._process is not None:
            # A server we started and someone else stopped: collect its exit status.
            self._process.poll()
            self._process = None
        if _port_is_busy(self.port):
            raise DevWikiError(f"Port {self.port} on 127.0.0.1 is already in use.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "cache", "tmp", "logs"):
            (self.workdir / sub).mkdir(exist_ok=True)
        self._write_folder_settings()
        if not self.installed:
            self._install()
        self._write_credentials(self.credentials)
        self._serve(timeout)
        return self.status()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the web server this folder's PID file names, if it is still ours.

        A PID file naming a process that is not this folder's ``php -S`` (the
        server died and the PID was reused, or the file was copied) is removed and
        nothing is killed. Returns whether a server was stopped.
        """
        pid = self._read_pid()
        if pid is None:
            return False
        if self._server_port(pid) is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            # start_new_session made the server the leader of its own process group.
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGTERM)
            else:
                os.kill(pid, signal.SIGTERM)
        if not self._wait_for_exit(pid, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self._wait_for_exit(pid, timeout)
        self.pid_file.unlink(missing_ok=True)
        self._process = None
        return True

    def status(self) -> Status:
        """Installed? Running, and at which URL (the port of the running server)?"""
        pid = self._read_pid()
        port = self._server_port(pid) if pid is not None else None
        if port is not None:
            return Status(self.workdir, self.installed, True, port, pid)
        return Status(self.workdir, self.installed, False, self.port)

    # Log entries

    def write_log_entry(
        self,
        log_type: str,
        action: str,
        performer: str,
        target: str,
        params: Mapping[str, Any] | Sequence[str] | None = None,
        comment: str = "",
        timestamp: datetime | str | None = None,
    ) -> int:
        """Write one log entry (see :class:`LogEntry`) and return its log id.

        For example a global lock as CentralAuth logs it today::

            wiki.write_log_entry("globalauth", "setstatus", "Steward One",
                                 "User:Vandal@global", {"added": ["locked"], "removed": []})
        """
        entry = LogEntry(
            log_type,
            action,
            performer,
            target,
            {} if params is None else params,
            comment,
            timestamp,
        )
        return self.write_log_entries([entry])[0]

    def write_log_entries(self, entries: Iterable[LogEntry]) -> list[int]:
        """Write log entries in one PHP process (faster than one call each); return ids."""
        payload = json.dumps([entry.to_json() for entry in entries])
        output = self.run_maintenance(HERE / "writeLogEntries.php", stdin=payload)
        return [int(logid) for logid in _last_json_line(output)]

    # Maintenance scripts

    def run_maintenance(self, script: Path | str, *args: str, stdin: str | None = None) -> str:
        """Run a maintenance script against this wiki and return what it printed.

        ``script`` is a path (our own scripts, through MediaWiki's runScript.php)
        or the name of one of MediaWiki's (``"showSiteStats.php"``).
        """
        path = Path(script)
        if path.is_absolute():
            command = [
                self.php,
                str(self.mediawiki_dir / "maintenance" / "runScript.php"),
                str(path),
                *args,
            ]
        else:
            command = [self.php, str(self.mediawiki_dir / "maintenance" / path), *args]
        result = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            env=self._php_env(),
            cwd=self.workdir,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise DevWikiError(
                f"{shlex.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result.stdout

    # Internals

    def _php_env(self) -> dict[str, str]:
        return os.environ | {
            "MW_CONFIG_FILE": str(self.local_settings),
            "MW_INSTALL_PATH": str(self.mediawiki_dir),
        }

    def _write_folder_settings(self) -> None:
        """The settings and router that name this folder and port; rewritten at each start."""
        settings = (
            "<?php\n"
            "// Written by tools/devwiki/wiki.py at each start: edits here are lost.\n"
            f"$safetyDeskDevWikiDir = {_php_string(str(self.workdir))};\n"
            f"$wgServer = {_php_string(self.url)};\n"
            "$wgCanonicalServer = $wgServer;\n"
            f"require_once {_php_string(str(HERE / 'DevWikiSettings.php'))};\n"
        )
        (self.workdir / SETTINGS_FILE).write_text(settings, "utf-8")
        router = (
            "<?php\n"
            "// Router of `php -S` for this folder's wiki (written by tools/devwiki/wiki.py).\n"
            "// The web installer and maintenance scripts are not for the web.\n"
            "$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ?: '/';\n"
            "if ( preg_match( '#^/+(mw-config|maintenance|tests)(/|$)#', $path ) ) {\n"
            "\thttp_response_code( 403 );\n"
            "\treturn true;\n"
            "}\n"
            "// Name this folder's LocalSettings.php, then let PHP serve the request itself.\n"
            "define( 'MW_CONFIG_FILE', __DIR__ . '/LocalSettings.php' );\n"
            "return false;\n"
        )
        (self.workdir / ROUTER_FILE).write_text(router, "utf-8")

    def _install(self) -> None:
        """Run install.php into the working folder, then create the accounts."""
        credentials = Credentials.generate()
        # A failed earlier attempt leaves files install.php refuses to overwrite.
        self.local_settings.unlink(missing_ok=True)
        for database in (self.workdir / "data").glob("*.sqlite"):
            database.unlink()
        passfile = self.workdir / "tmp" / "admin-password"
        options = {
            "--dbtype": "sqlite",
            "--dbpath": str(self.workdir / "data"),
            "--dbname": DB_NAME,
            "--server": self.url,
            "--scriptpath": "",
            "--confpath": str(self.workdir),
            "--lang": "en",
            "--skins": "Vector",
            "--passfile": str(passfile),
        }
        command = [
            self.php,
            str(self.mediawiki_dir / "maintenance" / "install.php"),
            *(part for option in options.items() for part in option),
            SITE_NAME,
            credentials.admin.name,
        ]
        # A file rather than --pass: the command line is visible to every local user.
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(credentials.admin.password)
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=self._php_env(),
                cwd=self.workdir,
                check=False,
                timeout=300,
            )
        finally:
            passfile.unlink(missing_ok=True)
        if result.returncode != 0 or not self.local_settings.is_file():
            self.local_settings.unlink(missing_ok=True)
            raise DevWikiError(
                f"install.php failed ({result.returncode}):\n"
                f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        with self.local_settings.open("a", encoding="utf-8") as settings:
            settings.write(
                "\n# Safety Desk: folder, port, groups and log types (tools/devwiki).\n"
                f"require_once __DIR__ . '/{SETTINGS_FILE}';\n"
            )
        spec = {
            "users": [
                {"name": account.name, "password": account.password, "groups": list(account.groups)}
                for account in credentials.accounts()
            ],
            "botPasswords": [
                {
                    "user": credentials.bot.name,
                    "appId": credentials.bot.app_id,
                    "password": credentials.bot.bot_password,
                    "grants": list(credentials.bot.grants),
                }
            ],
        }
        self.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
        self._write_credentials(credentials)

    def _write_credentials(self, credentials: Credentials) -> None:
        data = {
            "url": self.url,
            "api_url": self.api_url,
            "rest_url": self.rest_url,
            "index_url": self.index_url,
        } | credentials.to_json()
        text = json.dumps(data, indent=2) + "\n"
        fd = os.open(self.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _serve(self, timeout: float) -> None:
        """Start ``php -S`` detached (own session), record its PID, wait until it answers."""
        command = [
            self.php,
            # The server answers many requests: cache compiled PHP between them.
            "-d",
            "opcache.enable_cli=1",
            "-S",
            f"127.0.0.1:{self.port}",
            "-t",
            str(self.mediawiki_dir),
            str(self.workdir / ROUTER_FILE),
        ]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=self._php_env(),
                start_new_session=True,
                close_fds=True,
            )
        self.pid_file.write_text(f"{self._process.pid}\n", "ascii")
        try:
            self._wait_until_ready(timeout)
        except DevWikiError:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        probe = f"{self.api_url}?action=query&meta=siteinfo&format=json"
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise DevWikiError(
                    f"php -S exited with {self._process.returncode}:\n{self._log_tail()}"
                )
            try:
                with _NO_PROXY.open(probe, timeout=timeout) as response:
                    body = json.load(response)
                if "query" in body:
                    return
                last_error = json.dumps(body)[:500]
            except (OSError, ValueError) as error:
                last_error = str(error)
            time.sleep(0.05)
        raise DevWikiError(
            f"{self.api_url} did not answer within {timeout:.0f} s ({last_error}).\n"
            f"{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text("utf-8", errors="replace")[-2000:]
        except OSError:
            return ""

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text("ascii").strip())
        except (OSError, ValueError):
            return None

    def _server_port(self, pid: int) -> int | None:
        """The port of process ``pid`` if it is this folder's ``php -S``, else None."""
        if not _alive(pid):
            return None
        args = _process_args(pid)
        router = str(self.workdir / ROUTER_FILE)
        if not args or router not in args or not Path(args[0]).name.startswith("php"):
            return None
        try:
            address = args[args.index("-S") + 1]
        except (ValueError, IndexError):
            return None
        host, _, port = address.rpartition(":")
        return int(port) if host == "127.0.0.1" and port.isdigit() else None

    def _wait_for_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.pid == pid:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.05)
            if not _alive(pid):
                return True
            time.sleep(0.05)
        return False


def _php_string(value: str) -> str:
    """A PHP single-quoted string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _last_json_line(output: str) -> Any:
    """Maintenance scripts may print notices first; our scripts end with one JSON line."""
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith(("[", "{")):
            return json.loads(line)
    raise DevWikiError(f"No JSON in the output of a maintenance script:\n{output[-2000:]}")


def _port_is_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    with contextlib.suppress(ChildProcessError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and never ours
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # The state follows the command name in parentheses: "Z" is a zombie.
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def _process_args(pid: int) -> list[str]:
    """The command line of ``pid`` (Linux: /proc; elsewhere: ps, split on spaces)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    with contextlib.suppress(OSError):
        return [arg for arg in cmdline.read_bytes().decode(errors="replace").split("\0") if arg]
    result = subprocess.run(
        ["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return result.stdout.split()
