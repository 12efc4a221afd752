"""What Safety Desk's bot scripts share: their start, and how they wait out failures.

The lock logger and the noticeboard patrol start alike (settings, a migrated database,
the wiki as Pywikibot's default site, a login with the bot password of the settings)
and keep going alike through the wiki's and the database's passing failures, backing
off up to :data:`MAX_BACKOFF`. A :class:`LoggerError` stops either with a message that
says what to fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import pywikibot
import requests
from pywikibot import config as pywikibot_config
from pywikibot.bot import show_help, suggest_help
from pywikibot.exceptions import ApiTimeoutError, NoUsernameError, ServerError
from pywikibot.site import APISite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bots.site import BotPassword, connect, family_name, stop_on_sigterm, use_workdir
from tools.base import db
from tools.base.config import Settings, SettingsError

#: Seconds of replication lag at which the bot waits (``maxlag``): Wikimedia asks bots for 5.
MAXLAG = 5
#: The longest pause after failures, in seconds.
MAX_BACKOFF = 900
#: With -once, give up after this many failed rounds in a row.
ONCE_ATTEMPTS = 5
#: Errors that pass: the wiki or the database is down, slow or lagged for a while.
TRANSIENT_ERRORS = (
    ServerError,
    ApiTimeoutError,
    ConnectionError,
    requests.RequestException,
    OperationalError,
)


class LoggerError(Exception):
    """The bot cannot go on; the message says what to fix."""


def backoff(poll: float, failures: int) -> float:
    """Seconds to wait after ``failures`` failed rounds in a row: doubling, at most 15 min."""
    return min(max(float(poll), 1.0) * 2 ** max(failures - 1, 0), MAX_BACKOFF)


def _number(name: str, value: str, kind: type, low: float, high: float) -> Any:
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise LoggerError(f"{name} needs a number from {low:g} to {high:g}, not {value!r}")
    return number


def parse_bot_options(
    args: Sequence[str],
    *,
    values: tuple[str, ...] = (),
    flags: tuple[str, ...] = ("-stream", "-once"),
    start: bool = True,
    error: type[Exception] = LoggerError,
) -> tuple[dict[str, Any], list[str]]:
    """A bot's own options, and the arguments it did not know (Pywikibot's, or its own).

    The bots that follow the wikis take them alike: ``flags`` (``-stream``, ``-once``),
    ``-poll:SECONDS`` (at least one: a bot must not hammer a wiki, even one on this
    machine), ``-idle:SECONDS``, ``-start:TIME`` where ``start``, and the ``values``
    options that need a value (``-api:URL``).
    """
    options: dict[str, Any] = {}
    unknown: list[str] = []
    for arg in args:
        name, _, value = arg.partition(":")
        if name in values:
            if not value:
                raise error(f"{name} needs a value: {name}:...")
            options[name[1:]] = value
        elif name in flags:
            options[name[1:]] = True
        elif name == "-poll":
            options["poll"] = _number(name, value, float, 1, 86400)
        elif name == "-idle":
            options["idle"] = _number(name, value, float, 0.1, 86400)
        elif name == "-start" and start:
            try:
                pywikibot.Timestamp.fromISOformat(value)
            except ValueError:
                raise error("-start needs a time such as 2026-12-03T00:00:00Z") from None
            options["start"] = value
        else:
            unknown.append(arg)
    return options, unknown


def log_in(settings: Settings, api_url: str) -> APISite:
    """The wiki, logged in with the bot password of the settings; a clear error if not."""
    name, _, app_id = settings.bot_username.rpartition("@")
    secret = settings.bot_password.get_secret_value()
    if not (name and app_id and secret):
        raise LoggerError(
            "set SAFETYDESK_BOT_USERNAME ('Name@appid', as Special:BotPasswords shows it) "
            "and SAFETYDESK_BOT_PASSWORD"
        )
    try:
        return connect(
            api_url, name, BotPassword(app_id, secret), workdir=settings.instance_path / "pywikibot"
        )
    except NoUsernameError:
        raise LoggerError(
            f"{api_url} refused the bot password {settings.bot_username}: check "
            "SAFETYDESK_BOT_USERNAME and SAFETYDESK_BOT_PASSWORD against Special:BotPasswords"
        ) from None
    except (ValueError, *TRANSIENT_ERRORS) as err:
        raise LoggerError(f"cannot log in to {api_url}: {err}") from None


def open_database(settings: Settings) -> sessionmaker[Session]:
    engine = db.engine_from_settings(settings)
    try:
        current = db.is_current(engine)
    except OperationalError as err:
        raise LoggerError(f"cannot use the database: {err.orig}") from None
    if not current:
        raise LoggerError("the database is not migrated: run `safetydesk db upgrade` first")
    return db.session_factory(engine)


def make_default_site(api_url: str, settings: Settings) -> None:
    """Make the wiki Pywikibot's default site before Pywikibot creates one of its own.

    ``handle_args`` opens the default site, which without a user-config.py would be
    test.wikipedia.org: a request to a wiki this bot never reads.
    """
    use_workdir(settings.instance_path / "pywikibot")
    pywikibot_config.read_maxlag = MAXLAG  # before handle_args: -read_maxlag:N still wins
    name = family_name(api_url)
    pywikibot_config.family_files.setdefault(name, api_url)
    pywikibot_config.family = pywikibot_config.mylang = name
    pywikibot_config.user_agent_description = settings.user_agent


def script_main(module: str, args: Sequence[str], build: Callable[[Sequence[str]], Any]) -> None:
    """A bot script from its command line to its exit status.

    ``-help`` shows the module's docstring (Pywikibot finds a script's help by file name,
    and these are package modules); ``build`` reads the settings, opens the database and
    logs in; a setting, the database or the wiki failing at start ends it with one line
    (status 1), as does a run that failed.
    """
    args = args or tuple(pywikibot.argvu[1:])
    if any(arg.partition(":")[0] == "-help" for arg in args):
        show_help(module)
        return
    try:
        bot = build(args)
        bot.setup()
    except (SettingsError, LoggerError) as err:
        pywikibot.error(str(err))
        sys.exit(1)
    except TRANSIENT_ERRORS as err:
        pywikibot.error(f"cannot reach the wiki: {err}")
        sys.exit(1)
    stop_on_sigterm()
    bot.run()
    if bot.failed:
        sys.exit(1)


def script_options(
    args: Sequence[str], parse: Callable[[Sequence[str]], tuple[dict[str, Any], list[str]]]
) -> dict[str, Any]:
    """Pywikibot's global options applied, then the script's own; an unknown one ends it (2)."""
    options, unknown = parse(pywikibot.handle_args(args, do_help=False))
    if unknown:
        suggest_help(unknown_parameters=unknown)
        sys.exit(2)
    return options


def api_url_from(args: Sequence[str], settings: Settings) -> str:
    """The wiki of ``-api:URL``, else the central wiki of the settings."""
    for arg in args:
        name, _, value = arg.partition(":")
        if name == "-api" and value:
            return value
    return settings.central_api_url
