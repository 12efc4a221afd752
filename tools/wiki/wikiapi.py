"""Small, direct calls to a wiki's api.php: the few questions the web tool asks Meta-Wiki.

The bots talk to wikis through Pywikibot; the web tool only needs to know who an
account is, in one request, without Pywikibot's start-up and state.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import requests

from tools.base.config import Settings
from tools.people.roles import WikiAccount, account_from_api

TIMEOUT = 10  # seconds; a sign-in waits on this


class WikiApiError(Exception):
    """The wiki did not answer, or answered with an error; the message says which."""


class AccountNotFound(Exception):
    """The wikis answer that no such account exists: never created, or hidden (suppressed).

    Not a :class:`WikiApiError`: the wiki did answer, and an account that disappears
    during a session is signed out, where an unreachable wiki keeps the last roles.
    """


def on_this_machine(url: str) -> bool:
    """Whether a URL points at this machine (localhost or a loopback address): the dev wiki."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def api_session(settings: Settings) -> requests.Session:
    """A requests session with the User-Agent Wikimedia's policy asks every tool to send."""
    session = requests.Session()
    session.headers["User-Agent"] = settings.user_agent
    return session


def query(session: requests.Session, api_url: str, **params: str) -> dict[str, Any]:
    """GET ``action=query`` (JSON, formatversion 2); raise :class:`WikiApiError` on any failure."""
    full = {"action": "query", "format": "json", "formatversion": "2", **params}
    try:
        response = session.get(api_url, params=full, timeout=TIMEOUT)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as err:
        raise WikiApiError(f"{api_url} did not answer: {err}") from err
    if "error" in body:
        error = body["error"]
        raise WikiApiError(f"{api_url}: {error.get('code')}: {error.get('info')}")
    return body.get("query", {})


def lookup_account(session: requests.Session, api_url: str, username: str) -> WikiAccount:
    """Groups (local, global, on every merged wiki), blocks (local and global), lock, gender.

    A hidden account is ``missing`` to an anonymous caller in both ``list=users`` and
    ``globaluserinfo``; either raises :class:`AccountNotFound`.
    """
    answer = query(
        session,
        api_url,
        list="users|globalblocks",
        ususers=username,
        usprop="groups|blockinfo|centralids|gender",
        bgtargets=username,
        bgprop="target|expiry|reason",
        meta="globaluserinfo",
        guiuser=username,
        guiprop="groups|merged",
    )
    users = answer.get("users") or [{}]
    if users[0].get("missing") or users[0].get("invalid"):
        raise AccountNotFound(f"there is no account named {username!r}")
    if (answer.get("globaluserinfo") or {}).get("missing"):
        raise AccountNotFound(f"there is no global account named {username!r}")
    return account_from_api(username, answer)
