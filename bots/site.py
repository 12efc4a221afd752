"""Log a Pywikibot bot in to a wiki given its API URL, with no user-config.py.

Safety Desk's bots read many wikis from one process (the noticeboards of several
projects, the lock logs of Meta-Wiki) and, in tests, the local development wiki.
Their settings come from Safety Desk's configuration, not from the files Pywikibot
usually reads (``user-config.py``, ``user-password.py``), so this module does in
code what those files do:

- ``PYWIKIBOT_NO_USER_CONFIG=2`` lets Pywikibot start without a user-config.py
  (and without saying so); it must be set before Pywikibot is imported, which is
  why this module sets it before its own import of Pywikibot.
- ``config.base_dir`` is a folder we choose: Pywikibot keeps its cookies, throttle
  file, API cache and password file there, never in the repository.
- ``config.family_files[name] = api_url`` makes Pywikibot build an
  :func:`~pywikibot.family.AutoFamily` for the wiki when it first loads the family,
  so any MediaWiki works without a family file, and one process can hold many.
- The bot password goes into a password file in that folder (mode 0600), because
  Pywikibot reads passwords from there whenever it logs in, including when it logs
  in again after its session expired in a long-running job.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from urllib.parse import urlsplit

# Before importing Pywikibot: its config module reads this at import time.
os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")

import pywikibot
from pywikibot import config
from pywikibot.login import BotPassword
from pywikibot.site import APISite
from pywikibot.tools import normalize_username

from tools.wiki.wikiapi import on_this_machine

__all__ = ["BotPassword", "connect", "family_name", "stop_on_sigterm", "use_workdir"]

#: The password file in the working folder, in Pywikibot's format.
PASSWORD_FILE = "user-password.py"
#: Seconds between requests to a wiki on this machine. Pywikibot's defaults
#: (config.minthrottle, config.put_throttle: 10 s between edits) protect shared
#: servers; a local development wiki needs no such care and tests should be quick.
LOCAL_DELAY = 0.01

_workdir: Path | None = None


def use_workdir(workdir: Path | str) -> Path:
    """Keep Pywikibot's files (cookies, throttle, password file) in ``workdir``.

    Pywikibot has one ``base_dir`` per process, so one process uses one folder:
    a second, different folder raises ValueError rather than moving the files of
    sites already logged in.
    """
    global _workdir
    path = Path(workdir).resolve()
    if _workdir is not None and _workdir != path:
        raise ValueError(f"Pywikibot already keeps its files in {_workdir}, not {path}")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    config.base_dir = str(path)
    _workdir = path
    return path


def family_name(api_url: str) -> str:
    """A Pywikibot family name for a wiki: its host and port, letters and digits only.

    ``https://meta.wikimedia.org/w/api.php`` gives ``metawikimediaorg``,
    ``http://127.0.0.1:8181/api.php`` gives ``127001p8181``. Pywikibot requires
    family names of ASCII letters and digits; the port keeps two local wikis apart.
    """
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not an http(s) API URL: {api_url!r}")
    name = re.sub(r"[^a-z0-9]", "", parts.hostname.lower())
    if parts.port:
        name += f"p{parts.port}"
    return name


def connect(
    api_url: str,
    username: str,
    bot_password: BotPassword,
    *,
    workdir: Path | str,
) -> APISite:
    """Return a Pywikibot site for the wiki at ``api_url``, logged in as ``username``.

    ``bot_password`` is Pywikibot's :class:`~pywikibot.login.BotPassword`: the
    name given on Special:BotPasswords (the part after ``@``) and its secret.
    ``workdir`` holds Pywikibot's files (see :func:`use_workdir`).
    Raises :class:`pywikibot.exceptions.NoUsernameError` when the wiki refuses the login.
    """
    use_workdir(workdir)
    if not api_url.endswith("/api.php"):
        raise ValueError(f"Give the URL of api.php, not {api_url!r}")
    name = family_name(api_url)
    known = config.family_files.get(name)
    if known is not None and known != api_url:
        raise ValueError(f"Family {name} is already {known}, not {api_url}")
    config.family_files[name] = api_url
    # An AutoFamily holds one site, whose code is the family name.
    config.usernames[name][name] = username
    _remember_password(name, username, bot_password)

    site = pywikibot.Site(name, name, user=username)
    if on_this_machine(api_url):
        site.throttle.set_delays(delay=LOCAL_DELAY, writedelay=LOCAL_DELAY, absolute=True)
    site.login()
    return site


def _remember_password(family: str, username: str, bot_password: BotPassword) -> None:
    """Write the bot password to the password file, replacing the same account's line.

    Lines of other accounts and wikis stay: other processes sharing the folder
    may need them to log in again. The file is replaced atomically.
    """
    assert _workdir is not None
    path = _workdir / PASSWORD_FILE
    # Pywikibot compares names in this form ("Safety_desk bot" is "Safety desk bot").
    key = f"({family!r}, {normalize_username(username)!r}, "
    line = f"{key}BotPassword({bot_password.suffix!r}, {bot_password.password!r}))"
    try:
        lines = [
            old
            for old in path.read_text("utf-8").splitlines()
            if old.strip() and not old.startswith(key)
        ]
    except FileNotFoundError:
        lines = []
    lines.append(line)
    partial = path.with_name(f".{PASSWORD_FILE}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    partial.replace(path)
    config.password_file = str(path)


def stop_on_sigterm() -> None:
    """SIGTERM (Toolforge stopping the job) ends a bot's run as Ctrl-C does: cleanly."""

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
