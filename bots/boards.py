"""The boards the patrol watches, and their revisions read from their wikis.

Which boards come from the settings (SAFETYDESK_PATROL_BOARDS), each on a wiki known by
its database name; the revisions, with their text, come from the wiki's API through
Pywikibot, a batch of revisions per request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pywikibot
from pywikibot.site import APISite

from bots.job import LoggerError, log_in
from tools.base.config import Settings
from tools.patrol import revisions, wikitext
from tools.wiki.wikis import UnknownWiki, wiki_by_dbname

#: Revisions per API request (with their content: the API allows 50).
REVISIONS_PER_REQUEST = 50


class PatrolError(LoggerError):
    """The patrol cannot go on; the message says what to fix."""


@dataclass(frozen=True)
class Board:
    """A watched page: its wiki's database name and its title as the wiki writes it."""

    wiki: str
    title: str

    @property
    def stream(self) -> str:
        return revisions.board_stream(self.wiki, self.title)


def watched_boards(settings: Settings) -> list[Board]:
    if not settings.patrol_boards:
        raise PatrolError("no board to watch: set SAFETYDESK_PATROL_BOARDS ('wiki:Title|…')")
    boards = []
    for entry in settings.patrol_boards:
        wiki, _, title = entry.partition(":")
        boards.append(Board(wiki, title.strip()))
    return boards


def api_url_of(wiki: str, settings: Settings) -> str:
    if wiki in settings.patrol_api_urls:
        return settings.patrol_api_urls[wiki]
    try:
        return wiki_by_dbname(wiki).api_url
    except UnknownWiki:
        raise PatrolError(
            f"{wiki} is not a Wikimedia wiki: give its api.php in SAFETYDESK_PATROL_API_URLS"
        ) from None


def connect_boards(settings: Settings) -> tuple[dict[str, APISite], list[Board]]:
    """One logged-in site per wiki; each board's title as its wiki writes it."""
    sites: dict[str, APISite] = {}
    boards = []
    for board in watched_boards(settings):
        if board.wiki not in sites:
            sites[board.wiki] = log_in(settings, api_url_of(board.wiki, settings))
        title = pywikibot.Page(sites[board.wiki], board.title).title()
        boards.append(Board(board.wiki, title))
    return sites, boards


@dataclass(frozen=True)
class Revision:
    rev_id: int
    parent_id: int
    user: str | None
    timestamp: str
    text: str | None


_REVISION_PROPS = "ids|timestamp|user|content"


def _revisions_of(data: Mapping[str, Any]) -> list[Revision]:
    found = []
    for page in data.get("query", {}).get("pages", []):
        for rev in page.get("revisions", []):
            found.append(
                Revision(
                    rev_id=int(rev["revid"]),
                    parent_id=int(rev.get("parentid") or 0),
                    user=rev.get("user"),
                    timestamp=rev.get("timestamp", ""),
                    text=(rev.get("slots", {}).get("main") or {}).get("content"),
                )
            )
    return found


def latest_revision(site: APISite, title: str) -> Revision | None:
    data = site.simple_request(
        action="query",
        prop="revisions",
        titles=title,
        rvprop="ids|timestamp|user",
        rvlimit=1,
        formatversion=2,
    ).submit()
    revisions = _revisions_of(data)
    return revisions[0] if revisions else None


def revisions_after(
    site: APISite, title: str, after: int | None, start: str | None
) -> Iterator[Revision]:
    """The page's revisions after revision ``after`` (or from time ``start``), oldest first."""
    params: dict[str, Any] = {
        "action": "query",
        "prop": "revisions",
        "titles": title,
        "rvprop": _REVISION_PROPS,
        "rvslots": "main",
        "rvdir": "newer",
        "rvlimit": REVISIONS_PER_REQUEST,
        "formatversion": 2,
    }
    if after is not None:
        params["rvstartid"] = after
    elif start:
        params["rvstart"] = start
    while True:
        data = site.simple_request(**params).submit()
        yield from _revisions_of(data)
        if "continue" not in data:
            return
        params.update(data["continue"])


def revisions_by_id(site: APISite, rev_ids: Sequence[int]) -> dict[int, Revision]:
    """Revisions with their text, by id (0 is no revision); missing ones are left out."""
    wanted = sorted({rev_id for rev_id in rev_ids if rev_id})
    if not wanted:
        return {}
    data = site.simple_request(
        action="query",
        prop="revisions",
        revids="|".join(map(str, wanted)),
        rvprop=_REVISION_PROPS,
        rvslots="main",
        formatversion=2,
    ).submit()
    return {revision.rev_id: revision for revision in _revisions_of(data)}


def revision_by_id(site: APISite, rev_id: int) -> Revision | None:
    return revisions_by_id(site, [rev_id]).get(rev_id)


def revision_text(site: APISite, rev_id: int) -> str | None:
    """The wikitext of a revision; None for no revision (a new page) or a hidden one."""
    if not rev_id:
        return None
    revision = revision_by_id(site, rev_id)
    return revision.text if revision else None


def site_language_data(site: APISite) -> dict[str, Any]:
    """What the wiki says about its language: siteinfo and the month names, in one go."""
    keys = wikitext.MONTH_MESSAGES
    data = site.simple_request(
        action="query",
        meta="siteinfo|allmessages",
        siprop="general|namespaces|namespacealiases|specialpagealiases",
        ammessages="|".join(keys),
        amlang=site.lang,
        formatversion=2,
    ).submit()
    return data["query"]
