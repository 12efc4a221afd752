"""The steward requests watcher's part in the patrol (tools.patrol.request_watch).

A watched board that is Steward requests/Global or /Checkuser has its requests stored
with each revision the patrol reads, polling or streaming, in the transaction that
moves the board's checkpoint; overdue requests raise their alert at each heartbeat.
"""

from __future__ import annotations

import pywikibot
from pywikibot.site import APISite
from sqlalchemy.orm import Session

from bots.boards import Board, Revision, revision_text
from tools.base import clock
from tools.locks import api_time
from tools.patrol import request_watch
from tools.patrol.steward_requests import is_request_page


def page_text(site: APISite, board: Board, revision: Revision) -> str | None:
    """The revision's wikitext when the board is a request page (fetched if not read)."""
    if not is_request_page(board.title):
        return None
    return revision.text if revision.text is not None else revision_text(site, revision.rev_id)


def record(
    session: Session, board: Board, revision: Revision, text: str | None, hours: float
) -> None:
    """Store the page's requests as ``revision`` shows them, then raise what is overdue."""
    if text is None:
        return
    seen = api_time(revision.timestamp) if revision.timestamp else clock.now()
    request_watch.sync_page(session, board.wiki, board.title, revision.rev_id, text, seen)
    raise_overdue(session, hours)


def raise_overdue(session: Session, hours: float) -> None:
    for alert in request_watch.raise_overdue(session, hours):
        pywikibot.info(f"Alert: steward request open over {hours:g} h: {alert.section}")
