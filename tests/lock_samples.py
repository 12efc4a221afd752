"""Lock log entries as api.php returns them, shared by the lock log tests.

``SAMPLE`` holds one page of every kind the tool shows: locks by two stewards, an
account locked then unlocked, a global block of an IP, a hiding from the suppress log
(whose reason tries to be a spreadsheet formula) and an entry the tool cannot read.
"""

from __future__ import annotations

from typing import Any


def api_entry(
    logid: int,
    log_type: str,
    action: str,
    title: str,
    params: Any = None,
    *,
    timestamp: str = "2024-05-01T10:00:00Z",
    comment: str = "Spambot",
    user: str = "Steward One",
) -> dict[str, Any]:
    return {
        "logid": logid,
        "ns": 2,
        "title": title,
        "params": params or {},
        "type": log_type,
        "action": action,
        "user": user,
        "timestamp": timestamp,
        "comment": comment,
    }


def lock(logid: int, name: str, day: int = 1, **kwargs: Any) -> dict[str, Any]:
    params = kwargs.pop("params", {"added": ["locked"], "removed": []})
    stamp = f"2024-05-{day:02d}T10:00:{logid % 60:02d}Z"
    return api_entry(
        logid, "globalauth", "setstatus", f"User:{name}@global", params, timestamp=stamp, **kwargs
    )


SAMPLE = [
    lock(1, "Spambot 1", 1),
    lock(2, "Spambot 2", 1, user="Steward Two"),
    lock(3, "Vandal", 2, comment="Long-term abuse"),
    lock(4, "Vandal", 3, params={"added": [], "removed": ["locked"]}, comment="Appeal granted"),
    api_entry(
        5,
        "gblblock",
        "gblock",
        "User:192.0.2.7",
        {"expiry": "20300101000000", "flags": ["anon-only"]},
        timestamp="2024-05-03T11:00:00Z",
        comment="[[m:NOP|Open proxy]]",
    ),
    api_entry(
        6,
        "suppress",
        "setstatus",
        "User:Doxxer@global",
        {"added": ["locked", "oversighted"], "removed": []},
        timestamp="2024-05-04T12:00:00Z",
        comment="=HYPERLINK(evil)",
    ),
    api_entry(
        7, "globalauth", "rename", "User:Odd@global", {"0": "x"}, timestamp="2024-05-05T00:00:00Z"
    ),
]
