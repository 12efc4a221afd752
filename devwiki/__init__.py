"""The local development wiki: a real MediaWiki (Debian's package, SQLite, ``php -S``),
and beside it a local OAuth 2.0 provider that speaks Meta-Wiki's protocol.

:class:`DevWiki` installs, starts and stops both; ``tools.devwiki.cli`` is its
``devwiki`` command group; :mod:`tools.devwiki.oauth` is the provider. Nothing here
imports Flask or Pywikibot.
"""

from devwiki.oauth_central import GlobalAccount, GlobalUsers
from devwiki.oauth_store import OAuthConsumer
from devwiki.wiki import (
    BLOCK_REASON,
    Account,
    BotAccount,
    Credentials,
    DevWiki,
    DevWikiError,
    DevWikiUnavailable,
    LogEntry,
    Status,
    free_port,
    free_ports,
    missing_requirements,
)

__all__ = [
    "BLOCK_REASON",
    "Account",
    "BotAccount",
    "Credentials",
    "DevWiki",
    "DevWikiError",
    "DevWikiUnavailable",
    "GlobalAccount",
    "GlobalUsers",
    "LogEntry",
    "OAuthConsumer",
    "Status",
    "free_port",
    "free_ports",
    "missing_requirements",
]
