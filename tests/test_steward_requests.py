"""The steward requests watcher: Meta-Wiki's request pages read, stored and checked (#19).

Pages in the real shapes of Steward requests/Global and /Checkuser; the lock log on
SQLite and MariaDB (the ``migrated`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lock_samples import api_entry, lock
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tools.base.db import session_factory, transaction
from tools.locks import store_page, stream_name
from tools.models import Alert, StewardRequestRow
from tools.patrol import request_watch
from tools.patrol.request_status import RequestStatus
from tools.patrol.steward_requests import is_request_page, parse_requests

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def signed(when: datetime) -> str:
    return f"[[User:Reporter|Reporter]] ([[User talk:Reporter|talk]]) {when:%H:%M, %-d %B %Y} (UTC)"


GLOBAL = f"""{{{{Steward requests/Header}}}}
== Requests for global (un)lock and (un)hiding ==
=== Global lock for Spammer ===
{{{{Status}}}}
*{{{{LockHide|Spammer}}}}
Cross-wiki spam. {signed(NOW - timedelta(days=3))}
:Looking. {signed(NOW - timedelta(days=2))}
=== Global lock for sockpuppets of Vandal ===
{{{{Status|on hold}}}}
{{{{MultiLock|Sock_1|User:Sock 2|sock 3}}}}
LTA. {signed(NOW - timedelta(hours=2))}
=== Global lock for Closed one ===
{{{{Status|done}}}}
*{{{{LockHide|Closed one}}}}
{signed(NOW - timedelta(days=5))}
:{{{{done}}}} {signed(NOW - timedelta(days=4))}
== Requests for global (un)block ==
=== Global block for 198.51.7.9 ===
{{{{Status|in progress}}}}
*{{{{Luxotool|198.51.7.9}}}}
*{{{{Luxotool|2001:db8:2a::/48}}}}
Open proxy. {signed(NOW - timedelta(days=2))}
"""

CHECKUSER = f"""== Requests ==
=== Vandal@enwiki ===
{{{{CU request
 |status          = <!-- don't change this line -->
 |language code   = en
 |project shortname = wikipedia
 |user name1      = Vandal
 |user name2      = Vandal_2
 |discussion      = Socks. {signed(NOW - timedelta(hours=30))}
}}}}
=== Other@dewiki ===
{{{{CU request
 |status = done
 |user name1 = Other
}}}}
"""


def test_requests_are_read_in_meta_wikis_shapes() -> None:
    found = {request.heading: request for request in parse_requests(GLOBAL)}
    assert set(found) == {
        "Global lock for Spammer",
        "Global lock for sockpuppets of Vandal",
        "Global lock for Closed one",
        "Global block for 198.51.7.9",
    }
    assert found["Global lock for Spammer"].status is RequestStatus.OPEN
    assert found["Global lock for Spammer"].first_signed == NOW - timedelta(days=3)
    assert found["Global lock for sockpuppets of Vandal"].targets == ("Sock 1", "Sock 2", "Sock 3")
    assert found["Global lock for sockpuppets of Vandal"].open  # on hold is open
    assert not found["Global lock for Closed one"].open
    assert found["Global block for 198.51.7.9"].targets == (
        "198.51.7.9",
        "2001:DB8:2A:0:0:0:0:0/48",
    )
    cu = {request.heading: request for request in parse_requests(CHECKUSER)}
    assert cu["Vandal@enwiki"].targets == ("Vandal", "Vandal 2") and cu["Vandal@enwiki"].open
    assert cu["Other@dewiki"].status is RequestStatus.DONE
    assert is_request_page("Steward requests/Global")
    assert is_request_page("Steward_requests/Checkuser")
    assert not is_request_page("Steward requests/Miscellaneous")


@pytest.fixture
def sessions(migrated: Engine) -> sessionmaker[Session]:
    return session_factory(migrated)


def test_open_requests_alert_once_and_say_what_the_log_already_did(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        store_page(
            session,
            "metawiki",
            stream_name("metawiki", "globalauth"),
            [
                lock(1, "Spammer"),
                lock(2, "Sock 1"),
                api_entry(
                    3,
                    "gblblock",
                    "gblock",
                    "User:198.51.7.0/24",
                    {"expiry": "infinity", "flags": []},
                ),
                api_entry(
                    4,
                    "gblblock",
                    "gblock",
                    "User:2001:db8:2a::/48",
                    {"expiry": "infinity", "flags": []},
                ),
            ],
        )
        request_watch.sync_page(session, "metawiki", "Steward requests/Global", 10, GLOBAL, NOW)
        request_watch.sync_page(
            session, "metawiki", "Steward requests/Checkuser", 11, CHECKUSER, NOW
        )
        raised = request_watch.raise_overdue(session, 24, NOW)
    assert sorted(alert.section for alert in raised) == [
        "Global block for 198.51.7.9",
        "Global lock for Spammer",
        "Vandal@enwiki",
    ]
    with transaction(sessions) as session:
        assert request_watch.raise_overdue(session, 24, NOW + timedelta(hours=1)) == []  # once
        found = request_watch.open_requests(session, 24, NOW)
        by_heading = {item.row.heading: item for item in found}
        assert list(by_heading) == [
            "Global lock for Spammer",
            "Global block for 198.51.7.9",
            "Vandal@enwiki",
            "Global lock for sockpuppets of Vandal",
        ]
        assert by_heading["Global lock for Spammer"].done_in_log
        assert by_heading["Global block for 198.51.7.9"].done_in_log  # inside blocked ranges
        ip_status = dict(by_heading["Global block for 198.51.7.9"].targets)["198.51.7.9"]
        assert ip_status.covered_by == "198.51.7.0/24"
        assert not by_heading["Global lock for sockpuppets of Vandal"].done_in_log  # 1 of 3
        assert not by_heading["Vandal@enwiki"].done_in_log
        assert by_heading["Global lock for Spammer"].overdue
        assert not by_heading["Global lock for sockpuppets of Vandal"].overdue
        alerts = session.scalars(select(Alert).where(Alert.category == "steward_request")).all()
        assert len(alerts) == 3

    # The page closes the spammer's request, and archives the sockpuppets'.
    closed = GLOBAL.replace(
        "{{Status}}\n*{{LockHide|Spammer}}", "{{Status|done}}\n*{{LockHide|Spammer}}"
    )
    archived = closed.replace("=== Global lock for sockpuppets of Vandal ===", "")
    archived = archived.replace("{{Status|on hold}}", "")
    with transaction(sessions) as session:
        request_watch.sync_page(session, "metawiki", "Steward requests/Global", 12, archived, NOW)
    with sessions() as session:
        rows = {row.heading: row for row in session.scalars(select(StewardRequestRow)).all()}
        assert not rows["Global lock for Spammer"].is_open
        assert rows["Global lock for sockpuppets of Vandal"].gone
        open_now = [item.row.heading for item in request_watch.open_requests(session, 24, NOW)]
        assert open_now == ["Global block for 198.51.7.9", "Vandal@enwiki"]
