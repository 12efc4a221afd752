"""A real MediaWiki on this machine, for development and tests.

Debian's ``mediawiki`` package holds the code (``/usr/share/mediawiki``); one working
folder holds everything else: the SQLite databases, LocalSettings.php, caches, logs,
the PID file of the PHP built-in web server and ``credentials.json``. Nothing is
written to ``/etc/mediawiki`` or ``/var/lib/mediawiki``: MediaWiki finds the folder's
LocalSettings.php through ``MW_CONFIG_FILE`` (a constant set by the folder's router
script for the web server, an environment variable for maintenance scripts).

The wiki is prepared for Safety Desk: functionaries in the groups ``steward``,
``checkuser``, ``suppress`` and ``sysop``, a plain user, a user blocked on the wiki,
a user locked globally, a bot with a bot password, and the log types ``globalauth``
(CentralAuth) and ``gblblock`` (GlobalBlocking), whose entries
:meth:`DevWiki.write_log_entries` writes in the shapes Meta-Wiki's API returns.

Beside the wiki runs a local OAuth 2.0 provider that speaks Meta-Wiki's protocol
(:mod:`tools.devwiki.oauth`, on ``oauth_port``): :meth:`DevWiki.start` starts both
and registers a default consumer, :meth:`DevWiki.stop` stops both.

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
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devwiki.oauth_central import GLOBAL_USERS_FILE, GlobalAccount, GlobalUsers
from devwiki.oauth_store import (
    DATABASE_FILE,
    DEFAULT_CONSUMER_NAME,
    DEFAULT_GRANTS,
    OAuthConsumer,
    OAuthStore,
)

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

#: The block of the account ``Credentials.blocked``: indefinite, by the admin.
BLOCK_REASON = "Vandalism"

PID_FILE = "php-server.pid"
OAUTH_PID_FILE = "oauth-server.pid"
CREDENTIALS_FILE = "credentials.json"
ROUTER_FILE = "router.php"
SETTINGS_FILE = "SafetyDeskDevWiki.php"
#: The provider's module, run as ``python -m`` (and recognised so in /proc).
OAUTH_MODULE = "devwiki.oauth"
REPOSITORY = HERE.parent.parent

#: The callback of the default consumer: Safety Desk's ``serve`` on its default port ...
DEFAULT_CALLBACK = "http://127.0.0.1:8000/oauth-callback"
#: ... registered as a prefix that any port and path on 127.0.0.1 match.
DEFAULT_CALLBACK = "http://127.0.0.1/oauth-callback"  # any port: a loopback URI

#: Global accounts (CentralAuth) of the roles beyond the local wiki, where every
#: account is attached: global groups, lock, other wikis with their local groups.
GLOBAL_ROLES: dict[str, GlobalAccount] = {
    "steward": GlobalAccount(groups=("steward",), merged={"metawiki": (), "enwiki": ()}),
    "checkuser": GlobalAccount(merged={"enwiki": ("checkuser", "sysop")}),
    "oversighter": GlobalAccount(merged={"enwiki": ("suppress", "sysop")}),
    "plain": GlobalAccount(merged={"enwiki": ()}),
    "locked": GlobalAccount(locked=True, merged={"enwiki": ()}),
}

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
    gender: str = ""  # the gender preference (male, female); none set: api.php says unknown


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


#: The roles of :class:`Credentials` that are people (the bot is apart).
USER_ROLES = ("admin", "steward", "checkuser", "oversighter", "plain", "blocked", "locked")


@dataclass(frozen=True)
class Credentials:
    """Every account of the development wiki, one per role Safety Desk knows.

    ``blocked`` is blocked indefinitely on the wiki (reason :data:`BLOCK_REASON`);
    ``locked`` is locked globally, in the OAuth provider's ``globalusers.json``.
    """

    admin: Account
    steward: Account
    checkuser: Account
    oversighter: Account
    plain: Account
    blocked: Account
    locked: Account
    bot: BotAccount

    @classmethod
    def generate(cls) -> Credentials:
        """New random passwords: the wiki listens on a port other local users can reach."""

        def password() -> str:
            return secrets.token_urlsafe(18)

        return cls(
            admin=Account(ADMIN_NAME, password(), ("sysop", "bureaucrat", "interface-admin")),
            steward=Account("Steward One", password(), ("steward",), gender="female"),
            checkuser=Account("Checkuser One", password(), ("checkuser",), gender="male"),
            oversighter=Account("Oversighter One", password(), ("suppress",)),
            plain=Account("Plain User", password(), ()),
            blocked=Account("Blocked User", password(), ()),
            locked=Account("Locked User", password(), ()),
            bot=BotAccount(
                "Safety Desk Bot", password(), ("bot",), bot_password=secrets.token_hex(16)
            ),
        )

    def accounts(self) -> Iterator[Account]:
        """All accounts, the bot last."""
        for role in USER_ROLES:
            yield getattr(self, role)
        yield self.bot

    def to_json(self) -> dict[str, Any]:
        """The users part of ``credentials.json``."""
        users = {role: asdict(getattr(self, role)) for role in USER_ROLES}
        bot = asdict(self.bot) | {"login_name": self.bot.login_name}
        return {"users": users, "bot": bot}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credentials:
        """Read back what :meth:`to_json` wrote."""

        def account(raw: Mapping[str, Any]) -> Account:
            return Account(
                raw["name"], raw["password"], tuple(raw["groups"]), raw.get("gender", "")
            )

        users = data["users"]
        bot = data["bot"]
        return cls(
            **{role: account(users[role]) for role in USER_ROLES},
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
    """Whether a working folder's wiki and OAuth provider are installed and serving, and where."""

    workdir: Path
    installed: bool
    running: bool
    port: int
    pid: int | None = None
    oauth_running: bool = False
    oauth_port: int | None = None
    oauth_pid: int | None = None

    @property
    def url(self) -> str:
        """Where the wiki answers (running) or will answer (stopped)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def oauth_url(self) -> str | None:
        """Where the OAuth provider answers (running) or will answer (stopped)."""
        return f"http://127.0.0.1:{self.oauth_port}" if self.oauth_port else None

    def __str__(self) -> str:
        if self.oauth_running:
            provider = f"; OAuth provider at {self.oauth_url} (pid {self.oauth_pid})"
        else:
            provider = "; OAuth provider stopped" if self.running else ""
        if self.running:
            return f"running at {self.url} (pid {self.pid}, folder {self.workdir}){provider}"
        if self.installed:
            return f"stopped (folder {self.workdir}; starts at {self.url}){provider}"
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
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different TCP ports on 127.0.0.1 that nothing listens on right now."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


class DevWiki:
    """One development wiki: a working folder, the PHP web server serving it, and the
    local OAuth 2.0 provider beside it.

    ``DevWiki(Path("instance/devwiki"), 8181).start()`` installs the wiki on first
    use (a few seconds), starts ``php -S 127.0.0.1:8181`` and the OAuth provider on
    ``oauth_port`` (8182: the port after the wiki's unless given) in the background
    and returns once both answer. :meth:`stop` ends those two servers only.
    """

    def __init__(
        self,
        workdir: Path | str,
        port: int = 8181,
        *,
        oauth_port: int | None = None,
        mediawiki_dir: Path = MEDIAWIKI_DIR,
        php: str = "php",
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.port = port
        self.oauth_port = port + 1 if oauth_port is None else oauth_port
        self.mediawiki_dir = mediawiki_dir
        self.php = php
        self._process: subprocess.Popen[bytes] | None = None
        self._oauth_process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"DevWiki({str(self.workdir)!r}, port={self.port}, oauth_port={self.oauth_port})"

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
        """The wiki's REST API endpoint (``rest.php``); OAuth lives at :attr:`oauth_base_url`."""
        return f"{self.url}/rest.php"

    @property
    def index_url(self) -> str:
        """The page entry point (``index.php``)."""
        return f"{self.url}/index.php"

    @property
    def oauth_url(self) -> str:
        """The OAuth provider's server (Meta-Wiki's ``https://meta.wikimedia.org``)."""
        return f"http://127.0.0.1:{self.oauth_port}"

    @property
    def oauth_base_url(self) -> str:
        """Where ``oauth2/authorize``, ``oauth2/access_token``, ``oauth2/resource/profile`` are."""
        return f"{self.oauth_url}/w/rest.php"

    @property
    def central_api_url(self) -> str:
        """The provider's ``api.php``: ``meta=globaluserinfo``, the rest passed on to the wiki."""
        return f"{self.oauth_url}/w/api.php"

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
    def oauth_pid_file(self) -> Path:
        """The PID of the OAuth provider that :meth:`start` started."""
        return self.workdir / OAUTH_PID_FILE

    @property
    def log_file(self) -> Path:
        """What the PHP web server prints: one line per request, PHP errors."""
        return self.workdir / "logs" / "php-server.log"

    @property
    def oauth_log_file(self) -> Path:
        """What the OAuth provider prints: one line per request, errors."""
        return self.workdir / "logs" / "oauth-server.log"

    @property
    def oauth_database(self) -> Path:
        """The provider's SQLite file: consumers, hashes of codes and tokens."""
        return self.workdir / DATABASE_FILE

    @property
    def global_users(self) -> GlobalUsers:
        """``globalusers.json``: global groups, locks and merged accounts (CentralAuth).

        ``wiki.global_users.update("Plain User", locked=True)`` locks an account;
        ``with wiki.global_users.changed(...)`` does so for a block of code.
        """
        return GlobalUsers(self.workdir / GLOBAL_USERS_FILE)

    @property
    def installed(self) -> bool:
        """Whether install.php ran and the accounts exist."""
        return self.local_settings.is_file() and self.credentials_file.is_file()

    @property
    def credentials(self) -> Credentials:
        """The accounts of an installed wiki."""
        return Credentials.from_json(self._credentials_json())

    @property
    def default_consumer(self) -> OAuthConsumer:
        """The consumer :meth:`start` registered (``credentials.json`` under ``oauth``)."""
        oauth = self._credentials_json().get("oauth")
        if not oauth:
            raise DevWikiError(f"No OAuth consumer is registered in {self.workdir}: start it.")
        return OAuthConsumer.from_json(oauth)

    def oauth_environment(self, consumer: OAuthConsumer | None = None) -> dict[str, str]:
        """The settings that point Safety Desk at this provider instead of Meta-Wiki."""
        consumer = consumer or self.default_consumer
        return {
            "SAFETYDESK_OAUTH_CLIENT_ID": consumer.client_id,
            "SAFETYDESK_OAUTH_CLIENT_SECRET": consumer.client_secret,
            "SAFETYDESK_OAUTH_BASE_URL": self.oauth_base_url,
            "SAFETYDESK_CENTRAL_API_URL": self.central_api_url,
        }

    # OAuth consumers

    def register_consumer(
        self,
        callback_url: str,
        *,
        callback_is_prefix: bool = False,
        token_lifetime: int | None = None,
        grants: Sequence[str] = DEFAULT_GRANTS,
        confidential: bool = True,
        name: str = DEFAULT_CONSUMER_NAME,
    ) -> OAuthConsumer:
        """Register an approved OAuth 2.0 consumer; the running provider knows it at once.

        ``callback_is_prefix`` is Special:OAuthConsumerRegistration's "Allow consumer to
        specify a callback in requests and use 'callback' URL above as a required prefix";
        ``token_lifetime`` in seconds (default four hours, as on Meta-Wiki); a consumer
        that is not ``confidential`` has no use for its secret and must use PKCE.
        """
        return OAuthStore(self.oauth_database).register(
            callback_url,
            callback_is_prefix=callback_is_prefix,
            token_lifetime=token_lifetime,
            grants=grants,
            confidential=confidential,
            name=name,
        )

    # Life cycle

    def start(self, timeout: float = 60.0) -> Status:
        """Install the wiki if needed and serve it with its OAuth provider.

        Running servers are left as they are (a provider missing beside a running
        wiki is started).
        """
        problem = missing_requirements(self.mediawiki_dir, self.php)
        if problem:
            raise DevWikiUnavailable(problem)
        current = self.status()
        if current.running:
            self.port = current.port  # it keeps the port it was started on
            self._upgrade_accounts()
            if current.oauth_running:
                self.oauth_port = current.oauth_port or self.oauth_port
            else:
                self._serve_oauth(timeout)
            return self.status()
        for process in (self._process, self._oauth_process):
            if process is not None:
                # A server we started and someone else stopped: collect its exit status.
                process.poll()
        self._process = None
        if current.oauth_running:
            # A provider whose wiki died: start both afresh, on the ports asked for now.
            self._stop(self.oauth_pid_file, self._oauth_server_port, 10.0)
        if _port_is_busy(self.port):
            raise DevWikiError(f"Port {self.port} on 127.0.0.1 is already in use.")
        if _port_is_busy(self.oauth_port):
            raise DevWikiError(f"Port {self.oauth_port} on 127.0.0.1 is already in use.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "cache", "tmp", "logs"):
            (self.workdir / sub).mkdir(exist_ok=True)
        self._write_folder_settings()
        if not self.installed:
            self._install()
        self._upgrade_accounts()
        self._serve(timeout)
        return self.status()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the web server and the OAuth provider this folder's PID files name, if ours.

        A PID file naming a process that is not this folder's ``php -S`` or provider
        (the server died and the PID was reused, or the file was copied) is removed
        and nothing is killed. Returns whether a server was stopped.
        """
        provider = self._stop(self.oauth_pid_file, self._oauth_server_port, timeout)
        wiki = self._stop(self.pid_file, self._server_port, timeout)
        return wiki or provider

    def status(self) -> Status:
        """Installed? Running, and at which URLs (the ports of the running servers)?"""
        pid = self._read_pid(self.pid_file)
        port = self._server_port(pid) if pid is not None else None
        oauth_pid = self._read_pid(self.oauth_pid_file)
        oauth_port = self._oauth_server_port(oauth_pid) if oauth_pid is not None else None
        provider: dict[str, Any] = {"oauth_port": self.oauth_port}
        if oauth_port is not None:
            provider = {"oauth_running": True, "oauth_port": oauth_port, "oauth_pid": oauth_pid}
        if port is not None:
            return Status(self.workdir, self.installed, True, port, pid, **provider)
        return Status(self.workdir, self.installed, False, self.port, **provider)

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

    # Internals: the wiki

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
            "// Uploaded files and their thumbnails live in this folder, not the docroot.\n"
            "if ( str_starts_with( $path, '/images/' ) ) {\n"
            "\t$root = realpath( __DIR__ . '/images' );\n"
            "\t$file = realpath( __DIR__ . '/images/' . rawurldecode( substr( $path, 8 ) ) );\n"
            "\t$inside = $root && $file && str_starts_with( $file, $root . '/' );\n"
            "\tif ( $inside && is_file( $file ) ) {\n"
            "\t\theader( 'Content-Type: ' . mime_content_type( $file ) );\n"
            "\t\theader( 'Content-Length: ' . filesize( $file ) );\n"
            "\t\treadfile( $file );\n"
            "\t\treturn true;\n"
            "\t}\n"
            "\thttp_response_code( 404 );\n"
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
        self._set_up_accounts(credentials, list(credentials.accounts()))
        self._write_credentials(credentials)

    def _upgrade_accounts(self) -> None:
        """Create the accounts a wiki installed by an earlier Safety Desk lacks."""
        data = self._credentials_json()
        missing = [role for role in USER_ROLES if role not in data["users"]]
        if not missing:
            return
        fresh = Credentials.generate()
        for role in missing:
            data["users"][role] = asdict(getattr(fresh, role))
        credentials = Credentials.from_json(data)
        self._set_up_accounts(credentials, [getattr(credentials, role) for role in missing])
        self._write_credentials(credentials)

    def _set_up_accounts(self, credentials: Credentials, accounts: Sequence[Account]) -> None:
        """Create accounts with their groups, and the bot password and block among them."""
        spec: dict[str, Any] = {
            "users": [
                {
                    "name": account.name,
                    "password": account.password,
                    "groups": list(account.groups),
                    "gender": account.gender,
                }
                for account in accounts
            ],
            "botPasswords": [],
            "blocks": [],
        }
        if credentials.bot in accounts:
            spec["botPasswords"].append(
                {
                    "user": credentials.bot.name,
                    "appId": credentials.bot.app_id,
                    "password": credentials.bot.bot_password,
                    "grants": list(credentials.bot.grants),
                }
            )
        if credentials.blocked in accounts:
            spec["blocks"].append(
                {
                    "target": credentials.blocked.name,
                    "performer": credentials.admin.name,
                    "reason": BLOCK_REASON,
                    "expiry": "infinity",
                }
            )
        self.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))

    def _credentials_json(self) -> dict[str, Any]:
        if not self.credentials_file.is_file():
            raise DevWikiError(f"No development wiki is installed in {self.workdir}.")
        return json.loads(self.credentials_file.read_text("utf-8"))

    def _write_credentials(
        self, credentials: Credentials, consumer: OAuthConsumer | None = None
    ) -> None:
        """Rewrite ``credentials.json``; without a consumer, the one it names stays."""
        previous = (
            self._credentials_json().get("oauth") if self.credentials_file.is_file() else None
        )
        oauth = consumer.to_json() if consumer else previous
        data = {
            "url": self.url,
            "api_url": self.api_url,
            "rest_url": self.rest_url,
            "index_url": self.index_url,
            "oauth_url": self.oauth_url,
            "oauth_base_url": self.oauth_base_url,
            "central_api_url": self.central_api_url,
        } | credentials.to_json()
        if oauth:
            environment = self.oauth_environment(OAuthConsumer.from_json(oauth))
            data["oauth"] = oauth | {"environment": environment}
        text = json.dumps(data, indent=2) + "\n"
        fd = os.open(self.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _serve(self, timeout: float) -> None:
        """Start ``php -S`` and the provider together, wait until both answer."""
        self._spawn_wiki()
        self._spawn_oauth()
        try:
            self._wait_until_ready(timeout)
            self._prepare_oauth()
            self._wait_for_oauth(timeout)
        except DevWikiError:
            self.stop()
            raise

    def _spawn_wiki(self) -> None:
        """Start ``php -S`` detached (own session) and record its PID."""
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
        self._process = self._spawn(command, self.log_file, self._php_env())
        self.pid_file.write_text(f"{self._process.pid}\n", "ascii")

    def _wait_until_ready(self, timeout: float) -> None:
        probe = f"{self.api_url}?action=query&meta=siteinfo&format=json"
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise DevWikiError(
                    f"php -S exited with {self._process.returncode}:\n{_tail(self.log_file)}"
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
            f"{_tail(self.log_file)}"
        )

    def _local_groups(self, names: Sequence[str]) -> dict[str, list[str]]:
        """The explicit groups of accounts, as the wiki has them now."""
        query = urllib.parse.urlencode(
            {
                "action": "query",
                "list": "users",
                "ususers": "|".join(names),
                "usprop": "groupmemberships",
                "format": "json",
                "formatversion": "2",
            }
        )
        with _NO_PROXY.open(f"{self.api_url}?{query}", timeout=30) as response:
            users = json.load(response)["query"]["users"]
        return {
            user["name"]: [membership["group"] for membership in user.get("groupmemberships", [])]
            for user in users
        }

    # Internals: the OAuth provider

    def _serve_oauth(self, timeout: float) -> None:
        """Start the provider beside a wiki that already runs."""
        if _port_is_busy(self.oauth_port):
            raise DevWikiError(f"Port {self.oauth_port} on 127.0.0.1 is already in use.")
        self._spawn_oauth()
        try:
            self._prepare_oauth()
            self._wait_for_oauth(timeout)
        except DevWikiError:
            self._stop(self.oauth_pid_file, self._oauth_server_port, 10.0)
            raise

    def _spawn_oauth(self) -> None:
        """Start ``python -m tools.devwiki.oauth`` detached and record its PID."""
        command = [
            sys.executable,
            "-m",
            OAUTH_MODULE,
            "--dir",
            str(self.workdir),
            "--port",
            str(self.oauth_port),
            "--wiki-api",
            self.api_url,
            "--wiki-id",
            DB_NAME,
        ]
        # The repository first on the path: the provider runs this checkout's code.
        path = os.pathsep.join(filter(None, (str(REPOSITORY), os.environ.get("PYTHONPATH"))))
        env = os.environ | {"PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
        self._oauth_process = self._spawn(command, self.oauth_log_file, env)
        self.oauth_pid_file.write_text(f"{self._oauth_process.pid}\n", "ascii")

    def _prepare_oauth(self) -> None:
        """Global accounts for every account, the default consumer, both in the files."""
        credentials = self.credentials
        local_groups = self._local_groups([account.name for account in credentials.accounts()])
        defaults: dict[str, GlobalAccount] = {}
        for role in (*USER_ROLES, "bot"):
            account = getattr(credentials, role)
            extra = GLOBAL_ROLES.get(role, GlobalAccount())
            merged = {DB_NAME: tuple(local_groups.get(account.name, ())), **extra.merged}
            defaults[account.name] = replace(extra, merged=merged)
        self.global_users.add_missing(defaults)
        self._write_credentials(credentials, self._default_consumer())

    def _default_consumer(self) -> OAuthConsumer:
        """The consumer in ``credentials.json`` if the provider still knows it, else a new one."""
        oauth = self._credentials_json().get("oauth")
        store = OAuthStore(self.oauth_database)
        if oauth:
            consumer = OAuthConsumer.from_json(oauth)
            stored = store.consumer(consumer.client_id)
            if (
                stored is not None
                and stored.secret_matches(consumer.client_secret)
                and stored.callback_url == DEFAULT_CALLBACK
            ):
                return consumer
        return store.register(DEFAULT_CALLBACK)

    def _wait_for_oauth(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            process = self._oauth_process
            if process is not None and process.poll() is not None:
                raise DevWikiError(
                    f"The OAuth provider exited with {process.returncode}:\n"
                    f"{_tail(self.oauth_log_file)}"
                )
            try:
                with _NO_PROXY.open(f"{self.oauth_url}/", timeout=timeout) as response:
                    if response.status == 200:
                        return
            except OSError as error:
                last_error = str(error)
            time.sleep(0.05)
        raise DevWikiError(
            f"The OAuth provider at {self.oauth_url} did not answer within {timeout:.0f} s "
            f"({last_error}).\n{_tail(self.oauth_log_file)}"
        )

    # Internals: processes

    def _spawn(
        self, command: Sequence[str], log_file: Path, env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        """A server in its own session (so :meth:`_stop` can end its whole group)."""
        with log_file.open("ab") as log:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=dict(env),
                start_new_session=True,
                close_fds=True,
            )

    def _stop(self, pid_file: Path, port_of: Callable[[int], int | None], timeout: float) -> bool:
        """Stop the server a PID file names if ``port_of`` recognises it as ours."""
        pid = self._read_pid(pid_file)
        if pid is None:
            return False
        if port_of(pid) is None:
            pid_file.unlink(missing_ok=True)
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
        pid_file.unlink(missing_ok=True)
        for process in (self._process, self._oauth_process):
            if process is not None and process.pid == pid:
                process.poll()
        return True

    @staticmethod
    def _read_pid(pid_file: Path) -> int | None:
        try:
            return int(pid_file.read_text("ascii").strip())
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
        return _loopback_port(_option(args, "-S"))

    def _oauth_server_port(self, pid: int) -> int | None:
        """The port of process ``pid`` if it is this folder's OAuth provider, else None."""
        if not _alive(pid):
            return None
        args = _process_args(pid)
        if (
            not args
            or not Path(args[0]).name.startswith("python")
            or _option(args, "-m") != OAUTH_MODULE
            or _option(args, "--dir") != str(self.workdir)
        ):
            return None
        port = _option(args, "--port")
        return int(port) if port and port.isdigit() else None

    def _wait_for_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in (self._process, self._oauth_process):
                if process is not None and process.pid == pid:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=0.05)
            if not _alive(pid):
                return True
            time.sleep(0.05)
        return False


def _option(args: Sequence[str], name: str) -> str | None:
    """The value after ``name`` on a command line, or None."""
    try:
        return args[args.index(name) + 1]
    except (ValueError, IndexError):
        return None


def _loopback_port(address: str | None) -> int | None:
    """The port of ``127.0.0.1:PORT``, or None."""
    host, _, port = (address or "").rpartition(":")
    return int(port) if host == "127.0.0.1" and port.isdigit() else None


def _tail(log_file: Path) -> str:
    """The end of a server's log, to say why it did not start."""
    try:
        return log_file.read_text("utf-8", errors="replace")[-2000:]
    except OSError:
        return ""


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
