"""The local development wiki: a real MediaWiki (Debian's package, SQLite, ``php -S``).

:class:`DevWiki` installs, starts and stops it; ``tools.devwiki.cli`` is its
``devwiki`` command group. Nothing here imports Flask or Pywikibot.
"""

from tools.devwiki.wiki import (
    Account,
    BotAccount,
    Credentials,
    DevWiki,
    DevWikiError,
    DevWikiUnavailable,
    LogEntry,
    Status,
    free_port,
    missing_requirements,
)

__all__ = [
    "Account",
    "BotAccount",
    "Credentials",
    "DevWiki",
    "DevWikiError",
    "DevWikiUnavailable",
    "LogEntry",
    "Status",
    "free_port",
    "missing_requirements",
]
