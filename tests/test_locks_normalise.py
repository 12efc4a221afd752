"""tools.locks.normalise: every shape CentralAuth and GlobalBlocking have logged becomes one row.

Entries are written as api.php returns them (``list=logevents``, ``formatversion=2``):
today's parameters, the legacy positional strings (``{"0": ..., "1": ...}``), the
action names CentralAuth used before ``setstatus``, and entries the wiki partly hid.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tools.locks import (
    Action,
    ReasonCategory,
    canonical_ip,
    canonical_prefix,
    canonical_target,
    categorise,
    join_actions,
    normalise,
    reason_rules,
    split_action,
    stored_values_of,
)
from tools.models import LockTargetKind

AT = "2024-05-01T10:00:00Z"
LOGGED = datetime(2024, 5, 1, 10, tzinfo=UTC)


def entry(
    log_type: str,
    action: str,
    title: str,
    params: Any = None,
    *,
    comment: str = "",
    timestamp: str = AT,
    **extra: Any,
) -> dict[str, Any]:
    data = {
        "logid": 42,
        "ns": -1 if title.startswith("Special:") else 2,
        "title": title,
        "pageid": 0,
        "logpage": 0,
        "params": {} if params is None else params,
        "type": log_type,
        "action": action,
        "user": "Steward One",
        "timestamp": timestamp,
        "comment": comment,
    }
    return data | extra


def row_of(data: dict[str, Any]) -> dict[str, Any]:
    return normalise(data, "metawiki")


# --- globalauth / suppress: status changes -------------------------------------------


@pytest.mark.parametrize(
    ("params", "action"),
    [
        ({"added": ["locked"], "removed": []}, "lock"),
        ({"added": [], "removed": ["locked"]}, "unlock"),
        ({"added": ["locked", "hidden"], "removed": []}, "lock+hide"),
        ({"added": [], "removed": ["hidden"]}, "unhide"),
        ({"added": ["oversighted"], "removed": ["hidden"]}, "unhide+suppress"),
        ({"added": ["hidden"], "removed": ["oversighted"]}, "hide+unsuppress"),
        ({"added": [], "removed": ["locked", "oversighted"]}, "unlock+unsuppress"),
    ],
)
def test_setstatus_with_added_and_removed_lists(params: dict[str, Any], action: str) -> None:
    row = row_of(entry("globalauth", "setstatus", "User:Spambot 9@global", params))
    assert row["action"] == action
    assert row["target"] == "Spambot 9"
    assert row["target_kind"] is LockTargetKind.ACCOUNT
    assert row["parsed"] and not row["suppressed"]
    assert row["params"] == params  # the raw parameters are kept


@pytest.mark.parametrize(
    ("params", "action"),
    [
        ({"0": "locked", "1": "(none)"}, "lock"),
        ({"0": "(none)", "1": "locked"}, "unlock"),
        ({"0": "locked, hidden", "1": "(none)"}, "lock+hide"),
        ({"0": "oversighted", "1": "hidden"}, "unhide+suppress"),
        ({"0": "Locked", "1": ""}, "lock"),
    ],
)
def test_setstatus_with_legacy_positional_english_strings(
    params: dict[str, str], action: str
) -> None:
    row = row_of(entry("globalauth", "setstatus", "User:Old Vandal@global", params))
    assert (row["action"], row["parsed"]) == (action, True)


@pytest.mark.parametrize(
    ("old_action", "action"),
    [
        ("lock", "lock"),
        ("unlock", "unlock"),
        ("hide", "hide"),
        ("unhide", "unhide"),
        ("lockandhid", "lock+hide"),
        ("delete", "delete"),
    ],
)
def test_old_globalauth_actions(old_action: str, action: str) -> None:
    row = row_of(entry("globalauth", old_action, "User:Old Vandal@global", {}))
    assert (row["action"], row["log_action"], row["parsed"]) == (action, old_action, True)


def test_hiding_comes_from_the_suppression_log_and_is_suppressed() -> None:
    params = {"added": ["locked", "oversighted"], "removed": []}
    row = row_of(entry("suppress", "setstatus", "User:Doxxer@global", params))
    assert (row["action"], row["log_type"]) == ("lock+suppress", "suppress")
    assert row["suppressed"]
    deleted = row_of(entry("suppress", "cadelete", "User:Doxxer@global"))
    assert (deleted["action"], deleted["suppressed"], deleted["parsed"]) == ("delete", True, True)


def test_an_entry_the_wiki_suppressed_is_suppressed_in_any_log() -> None:
    row = row_of(entry("globalauth", "lock", "User:X@global", suppressed=True))
    assert row["suppressed"]


def test_other_suppression_log_entries_are_not_understood_as_ours() -> None:
    row = row_of(entry("suppress", "revision", "Some page"))
    assert (row["action"], row["parsed"]) == ("unknown", False)


# --- gblblock ----------------------------------------------------------------------------


def test_global_block_of_an_ip_with_expiry_and_flags() -> None:
    params = {"expiry": "20300101000000", "flags": ["anon-only", "allow-account-creation"]}
    row = row_of(entry("gblblock", "gblock", "User:192.0.2.7", params, comment="Open proxy"))
    assert row["action"] == "block"
    assert (row["target"], row["target_kind"]) == ("192.0.2.7", LockTargetKind.IP)
    assert row["expiry"] == datetime(2030, 1, 1, tzinfo=UTC)
    assert row["flags"] == ["anon-only", "allow-account-creation"]
    assert row["reason_category"] == "proxy"


@pytest.mark.parametrize("expiry", ["infinity", "infinite", "indefinite"])
def test_infinite_block_has_no_expiry(expiry: str) -> None:
    params = {"expiry": expiry, "flags": ["enable-autoblock", "block-email"]}
    row = row_of(entry("gblblock", "gblock", "User:Long Term Abuser", params))
    assert (row["expiry"], row["parsed"]) == (None, True)
    assert (row["target"], row["target_kind"]) == ("Long Term Abuser", LockTargetKind.ACCOUNT)


def test_modify_of_a_range_block_names_the_range_as_mediawiki_does() -> None:
    params = {"expiry": "2031-02-03T04:05:06Z", "flags": []}
    row = row_of(entry("gblblock", "modify", "User:2001:db8::/32", params))
    assert row["action"] == "modify"
    assert (row["target"], row["target_kind"]) == ("2001:DB8:0:0:0:0:0:0/32", LockTargetKind.RANGE)
    assert row["expiry"] == datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("log_action", "action"),
    [("gunblock", "unblock"), ("whitelist", "local-disable"), ("dwhitelist", "local-enable")],
)
def test_unblock_and_local_status_actions(log_action: str, action: str) -> None:
    row = row_of(entry("gblblock", log_action, "User:192.0.2.7"))
    assert (row["action"], row["expiry"], row["flags"], row["parsed"]) == (action, None, None, True)


def test_global_autoblock_is_named_by_its_block_id() -> None:
    row = row_of(entry("gblblock", "gunblock", "User:#123"))
    assert (row["target"], row["target_kind"]) == ("#123", LockTargetKind.BLOCK_ID)


def test_very_old_blocks_name_the_contributions_page() -> None:
    row = row_of(entry("gblblock", "gblock", "Special:Contributions/10.0.0.1", {"0": "infinite"}))
    assert (row["target"], row["target_kind"]) == ("10.0.0.1", LockTargetKind.IP)
    assert (row["action"], row["expiry"], row["parsed"]) == ("block", None, True)


@pytest.mark.parametrize(
    ("info", "expiry", "flags"),
    [
        (
            "anonymous only, expiration 12:00, 1 January 2011",
            datetime(2011, 1, 1, 12, tzinfo=UTC),
            ["anon-only"],
        ),
        ("expires 00:00, 15 March 2010", datetime(2010, 3, 15, tzinfo=UTC), []),
        ("no expiration set", None, []),
        ("anon. only, no expiration set", None, ["anon-only"]),
    ],
)
def test_gblock2_and_old_modify_carry_english_info_strings(
    info: str, expiry: datetime | None, flags: list[str]
) -> None:
    for log_action, action in (("gblock2", "block"), ("modify", "modify")):
        params = {"0": info, "1": "198.51.100.7"}
        row = row_of(entry("gblblock", log_action, "User:198.51.100.7", params))
        assert (row["action"], row["expiry"], row["flags"], row["parsed"]) == (
            action,
            expiry,
            flags,
            True,
        )


@pytest.mark.parametrize(
    ("params", "expiry", "flags"),
    [
        ({"0": "infinite", "1": "anon-only"}, None, ["anon-only"]),
        ({"0": "1 week"}, datetime(2024, 5, 8, 10, tzinfo=UTC), []),
        ({"0": "3 months"}, datetime(2024, 8, 1, 10, tzinfo=UTC), []),
        ({"0": "31 hours"}, datetime(2024, 5, 2, 17, tzinfo=UTC), []),
        ({"0": "20240601000000"}, datetime(2024, 6, 1, tzinfo=UTC), []),
    ],
)
def test_first_format_gblock_has_the_expiry_as_typed(
    params: dict[str, str], expiry: datetime | None, flags: list[str]
) -> None:
    row = row_of(entry("gblblock", "gblock", "User:203.0.113.5", params))
    assert (row["action"], row["expiry"], row["flags"], row["parsed"]) == (
        "block",
        expiry,
        flags,
        True,
    )


# --- what cannot be understood is kept, and said so ------------------------------------


@pytest.mark.parametrize(
    ("data", "action"),
    [
        (entry("globalauth", "rename", "User:X@global", {"0": "Y"}), "unknown"),
        (entry("globalauth", "setstatus", "User:X@global", {"added": ["frozen"]}), "unknown"),
        (entry("globalauth", "setstatus", "User:X@global", {"0": "gesperrt", "1": ""}), "unknown"),
        (entry("globalauth", "setstatus", "User:X@global", {"added": []}), "unknown"),
        (entry("globalauth", "setstatus", "User:X@global", {"added": "locked"}), "unknown"),
        (entry("gblblock", "gblock", "User:192.0.2.1", {"0": "next Tuesday"}), "block"),
        (entry("gblblock", "modify", "User:192.0.2.1", {"0": "bis morgen"}), "modify"),
        (entry("gblblock", "gblock", "User:192.0.2.1", {"expiry": "x", "flags": []}), "block"),
        (entry("gblblock", "gblock", "User:192.0.2.1", {"expiry": "1", "flags": "a"}), "block"),
        (entry("gblblock", "gblock3", "User:192.0.2.1"), "unknown"),
        (entry("newusers", "create", "User:X"), "unknown"),
    ],
)
def test_an_entry_not_understood_is_kept_raw_and_marked(data: dict[str, Any], action: str) -> None:
    row = row_of(data)
    assert (row["action"], row["parsed"]) == (action, False)
    assert row["params"] == (data["params"] or None)
    assert row["log_id"] == 42 and row["log_action"] == data["action"]


@pytest.mark.parametrize("params", [["locked", "(none)"], "locked", 7, None])
def test_parameters_of_any_json_type_never_crash(params: Any) -> None:
    data = entry("globalauth", "setstatus", "User:X@global")
    data["params"] = params
    row = row_of(data)
    assert (row["action"], row["parsed"], row["params"]) == ("unknown", False, None)


def test_hidden_parts_of_an_entry() -> None:
    data = entry("globalauth", "setstatus", "User:X@global", {"added": ["locked"], "removed": []})
    for key in ("title", "user", "comment"):
        del data[key]
    data |= {"actionhidden": True, "userhidden": True, "commenthidden": True}
    row = row_of(data)
    assert (row["target"], row["target_kind"]) == ("", LockTargetKind.UNKNOWN)
    assert (row["performer"], row["reason"], row["reason_category"]) == (None, None, None)
    assert row["action"] == "lock"
    assert not row["parsed"]  # whose lock it was is not known: counted


def test_log_ids_past_two_to_the_31_and_timestamps_in_utc() -> None:
    data = entry("globalauth", "lock", "User:X@global", logid=3_000_000_001)
    row = row_of(data)
    assert row["log_id"] == 3_000_000_001
    assert row["timestamp"] == LOGGED and row["timestamp"].tzinfo is UTC


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "kind"),
    [
        ("User:Some_user@global", "Some user", LockTargetKind.ACCOUNT),
        ("some  user", "Some user", LockTargetKind.ACCOUNT),
        ("User:Some user", "Some user", LockTargetKind.ACCOUNT),
        ("éric", "Éric", LockTargetKind.ACCOUNT),
        ("192.000.002.010", "192.0.2.10", LockTargetKind.IP),
        ("2001:db8::1", "2001:DB8:0:0:0:0:0:1", LockTargetKind.IP),
        ("192.0.2.7/24", "192.0.2.0/24", LockTargetKind.RANGE),
        ("Special:Contributions/192.0.2.1", "192.0.2.1", LockTargetKind.IP),
        ("#77", "#77", LockTargetKind.BLOCK_ID),
        ("User:#77", "#77", LockTargetKind.BLOCK_ID),
        ("Foo/Contributions/bar", "Foo/Contributions/bar", LockTargetKind.ACCOUNT),
    ],
)
def test_canonical_target(text: str, target: str, kind: LockTargetKind) -> None:
    assert canonical_target(text) == (target, kind)


def test_canonical_ip_and_prefix() -> None:
    assert canonical_ip("not an ip") is None
    assert canonical_ip("::1/128") == ("0:0:0:0:0:0:0:1/128", LockTargetKind.RANGE)
    assert canonical_prefix("spam_bot") == "Spam bot"
    assert canonical_prefix("2001:db8") == "2001:DB8"
    assert canonical_prefix("192.0.2.") == "192.0.2."


def test_actions_join_in_one_order_and_split_back() -> None:
    assert join_actions([Action.HIDE, Action.LOCK, Action.LOCK]) == "lock+hide"
    assert split_action("lock+hide") == (Action.LOCK, Action.HIDE)
    assert split_action("lock+frozen") == (Action.LOCK, Action.UNKNOWN)
    assert "lock+hide" in stored_values_of(Action.HIDE)
    assert "unlock" not in stored_values_of(Action.LOCK)
    assert stored_values_of(Action.BLOCK) == ("block",)


# --- reason categories ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "category"),
    [
        ("Long-term abuse", "lta"),
        ("[[m:LTA|LTA]]: cross-wiki abuse", "lta"),
        ("Spambot", "spam"),
        ("Cross-wiki spam", "spam"),
        ("Cross-wiki abuse", "cross-wiki"),
        ("Compromised account", "compromised"),
        ("[[m:NOP|Open proxy]]", "proxy"),
        ("Abusive user name", "username"),
        ("Sockpuppetry", "sockpuppetry"),
        ("Harassment of other users", "harassment"),
        ("WMF Global Ban", "global-ban"),
        ("Vandalism-only account", "vandalism"),
        ("Altar of something", "other"),
        ("", None),
        (None, None),
    ],
)
def test_reason_categories_come_from_the_rules_file(reason: str | None, category: str) -> None:
    assert categorise(reason) == category


def test_first_matching_rule_wins() -> None:
    import re

    rules = [
        ReasonCategory("a", "A", re.compile("spam", re.I)),
        ReasonCategory("b", "B", re.compile("bot", re.I)),
    ]
    assert categorise("Spambot", rules) == "a"
    assert categorise("Botnet", rules) == "b"


def test_rules_file_has_unique_keys_and_labels() -> None:
    rules = reason_rules()
    assert len({rule.key for rule in rules}) == len(rules) >= 8
    assert all(rule.label for rule in rules)
    assert "other" not in {rule.key for rule in rules}
