"""The steward requests watcher in the patrol's bot, against the local wiki (#19).

Steward requests/Global and /Checkuser are written on the local MediaWiki in Meta-Wiki's
shapes (open, done, on hold, multi-target, an IP inside blocked ranges); the patrol
reads them polling and streaming from the same checkpoints, and the tool's page lists
the open requests with what the lock log says of each target.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import signed_in_client
from eventstreams_server import EventStreamsServer
from lock_samples import api_entry, lock
from sqlalchemy import Engine, select
from test_patrol import WIKI, Patrol, _event, _url, editors, eventstreams  # noqa: F401

from devwiki import DevWiki
from tools.base.db import session_factory, transaction
from tools.locks import store_page, stream_name
from tools.models import Alert, BotCheckpoint, StewardRequestRow

pytestmark = pytest.mark.integration
GLOBAL = "Steward requests/Global"
CHECKUSER = "Steward requests/Checkuser"


def signed(when: datetime) -> str:
    return f"[[User:Reporter|Reporter]] {when:%H:%M, %-d %B %Y} (UTC)"


def global_page(t: str, now: datetime) -> str:
    return f"""
=== Global lock for Spammer {t} ===
{{{{Status}}}}
*{{{{LockHide|Spammer {t}}}}}
Cross-wiki spam. {signed(now - timedelta(days=3))}
=== Global lock for socks {t} ===
{{{{Status|on hold}}}}
{{{{MultiLock|Sock 1 {t}|Sock_2 {t}}}}}
LTA. {signed(now - timedelta(hours=1))}
=== Global lock for Closed {t} ===
{{{{Status|done}}}}
*{{{{LockHide|Closed {t}}}}}
{signed(now - timedelta(days=5))}
=== Global block for proxy {t} ===
{{{{Status|in progress}}}}
*{{{{Luxotool|198.51.7.9}}}}
Open proxy. {signed(now - timedelta(hours=2))}
"""


def checkuser_page(t: str, now: datetime) -> str:
    return f"""
=== Vandal {t}@enwiki ===
{{{{CU request
 |status = <!-- don't change this line -->
 |user name1 = Vandal {t}
 |discussion = Socks. {signed(now - timedelta(hours=3))}
}}}}
"""


def _rows(engine: Engine, t: str) -> dict[str, StewardRequestRow]:
    with session_factory(engine)() as session:
        rows = session.scalars(select(StewardRequestRow)).all()
        return {row.heading: row for row in rows if t in row.heading}


def test_the_patrol_watches_steward_requests_polling_and_streaming(
    devwiki: DevWiki,
    editors: list[Any],  # noqa: F811
    migrated: Engine,
    tmp_path: Path,
    eventstreams: EventStreamsServer,  # noqa: F811
    make_app: Callable[..., Any],
) -> None:
    t = secrets.token_hex(3)
    now = datetime.now(UTC)
    start = (now - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    one = editors[0]
    one.edit(GLOBAL, global_page(t, now))
    one.edit(CHECKUSER, checkuser_page(t, now))
    with transaction(session_factory(migrated)) as session:  # what the lock logger stored
        store_page(
            session,
            "metawiki",
            stream_name("metawiki", "globalauth"),
            [
                lock(1, f"Spammer {t}"),
                lock(2, f"Sock 1 {t}"),
                api_entry(3, "gblblock", "gblock", "User:198.51.7.0/24", {"expiry": "infinity"}),
            ],
        )

    patrol = Patrol(tmp_path, _url(migrated), devwiki, GLOBAL, eventstreams.url)
    patrol.env["SAFETYDESK_PATROL_BOARDS"] = f"{WIKI}:{GLOBAL}|{WIKI}:{CHECKUSER}"
    patrol.env["SAFETYDESK_PATROL_REQUEST_OVERDUE_HOURS"] = "24"
    output = patrol.run(f"-start:{start}")
    rows = _rows(migrated, t)
    assert {heading for heading, row in rows.items() if row.is_open} == {
        f"Global lock for Spammer {t}",
        f"Global lock for socks {t}",
        f"Global block for proxy {t}",
        f"Vandal {t}@enwiki",
    }, output
    assert not rows[f"Global lock for Closed {t}"].is_open
    assert rows[f"Global lock for socks {t}"].targets == [f"Sock 1 {t}", f"Sock 2 {t}"]

    def overdue_alerts() -> list[str | None]:
        with session_factory(migrated)() as session:
            return [
                alert.section
                for alert in session.scalars(
                    select(Alert).where(Alert.category == "steward_request")
                )
                if t in (alert.section or "")
            ]

    assert overdue_alerts() == [f"Global lock for Spammer {t}"]  # three days old: overdue
    patrol.run()  # again: nothing new, no alert twice
    assert overdue_alerts() == [f"Global lock for Spammer {t}"]

    # Streaming, from the same checkpoints: a new request arrives with its event.
    late = one.edit(
        GLOBAL,
        f"\n=== Global lock for Late {t} ===\n{{{{Status}}}}\n*{{{{LockHide|Late {t}}}}}\n"
        f"{signed(now)}\n",
    )
    eventstreams.add(_event(devwiki, late))
    patrol.run("-stream", "-idle:3")
    assert _rows(migrated, t)[f"Global lock for Late {t}"].is_open
    with session_factory(migrated)() as session:
        board = session.scalars(
            select(BotCheckpoint).where(BotCheckpoint.stream == f"{WIKI}:{GLOBAL}")
        ).one()
        assert board.position["rev_id"] == late.new

    # The page lists the open requests, each target's status from the log.
    app = make_app(database_url=_url(migrated), patrol_api_urls={WIKI: devwiki.api_url})
    client = signed_in_client(app, "Some Steward")
    page = client.get("/locks/requests")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Global lock for Late {t}" in html and f"Global lock for Closed {t}" not in html
    spammer = _row_html(html, f"Global lock for Spammer {t}")
    assert (
        'data-done-in-log="1"' in spammer and "Done in the log, still open on the page" in spammer
    )
    assert 'data-status="overdue"' in spammer
    assert f"/locks/account/Spammer%20{t}" in spammer
    assert "index.php?title=Steward_requests/Global#Global_lock_for_Spammer_" in spammer
    proxy = _row_html(html, f"Global block for proxy {t}")
    assert 'data-done-in-log="1"' in proxy and "blocked in 198.51.7.0/24" in proxy
    socks = _row_html(html, f"Global lock for socks {t}")
    assert "data-done-in-log" not in socks and "not locked" in socks
    assert 'data-status="overdue"' not in socks


def _row_html(html: str, heading: str) -> str:
    start = html.index(f'data-request="{heading}"')
    return html[start : html.index("</tr>", start)]
