"""Roles from wiki groups, tool grants and settings; permissions from roles."""

from __future__ import annotations

import pytest

from tools.base.config import load_settings
from tools.people.roles import (
    Permission,
    Role,
    WikiAccount,
    account_from_api,
    bootstrap_roles,
    effective_roles,
    permissions_for,
    wiki_roles,
)

FUNCTIONARY_GROUPS = load_settings().functionary_groups


def test_steward_global_group_makes_a_functionary() -> None:
    steward = WikiAccount("Steward One", global_groups=frozenset({"steward"}))
    assert wiki_roles(steward, FUNCTIONARY_GROUPS) == {Role.USER, Role.FUNCTIONARY}


@pytest.mark.parametrize("group", ["checkuser", "suppress", "oversight"])
def test_local_group_on_any_merged_wiki_makes_a_functionary(group: str) -> None:
    account = WikiAccount(
        "Checkuser One",
        merged={"enwiki": frozenset({"user"}), "frwiki": frozenset({"user", group})},
    )
    assert Role.FUNCTIONARY in wiki_roles(account, FUNCTIONARY_GROUPS)


def test_sysop_or_plain_account_is_only_a_user() -> None:
    admin = WikiAccount("Admin One", merged={"enwiki": frozenset({"sysop", "bureaucrat"})})
    assert wiki_roles(admin, FUNCTIONARY_GROUPS) == {Role.USER}


def test_functionary_groups_come_from_settings() -> None:
    settings = load_settings(functionary_groups="sysop")
    admin = WikiAccount("Admin One", merged={"enwiki": frozenset({"sysop"})})
    assert Role.FUNCTIONARY in wiki_roles(admin, settings.functionary_groups)


def test_blocked_or_locked_account_gets_no_role_and_a_reason() -> None:
    blocked = WikiAccount(
        "Steward Two", global_groups=frozenset({"steward"}), blocked=True, block_reason="Vandal"
    )
    locked = WikiAccount("Locked User", locked=True)
    assert wiki_roles(blocked, FUNCTIONARY_GROUPS) == frozenset()
    assert wiki_roles(locked, FUNCTIONARY_GROUPS) == frozenset()
    assert (
        str(blocked.refusal())
        == "This account is blocked on the central wiki. The reason given: Vandal"
    )
    assert str(locked.refusal()) == "This account is globally locked."


def test_granted_roles_count_only_for_an_account_in_good_standing() -> None:
    assert effective_roles({Role.USER}, ["specialist"], ()) == {Role.USER, Role.SPECIALIST}
    assert effective_roles((), ["specialist", "admin"], {Role.ADMIN}) == frozenset()


def test_unknown_grant_names_are_ignored_not_trusted() -> None:
    assert effective_roles({Role.USER}, ["functionary", "root"], ()) == {Role.USER}


def test_bootstrap_lists_in_settings_give_tool_roles() -> None:
    settings = load_settings(bootstrap_admins="Lead One", bootstrap_specialists="Lead One, Spec")
    assert bootstrap_roles("Lead One", settings) == {Role.ADMIN, Role.SPECIALIST}
    assert bootstrap_roles("Someone", settings) == frozenset()


def test_permission_table() -> None:
    functionary = permissions_for({Role.USER, Role.FUNCTIONARY})
    specialist = permissions_for({Role.USER, Role.SPECIALIST})
    restricted = permissions_for({Role.USER, Role.RESTRICTED_SPECIALIST})
    admin = permissions_for({Role.USER, Role.ADMIN})
    assert permissions_for({Role.USER}) == {Permission.VIEW_LOCK_LOG}
    assert Permission.FILE_REQUEST in functionary and Permission.VIEW_QUEUE not in functionary
    assert Permission.ACT_ON_CASES in specialist
    assert Permission.VIEW_RESTRICTED_CASES not in specialist
    assert Permission.VIEW_RESTRICTED_CASES in restricted and Permission.VIEW_QUEUE in restricted
    assert Permission.MANAGE_ROLES in admin and Permission.VIEW_QUEUE not in admin


def test_account_from_combined_api_answer() -> None:
    query = {
        "users": [
            {
                "userid": 7,
                "name": "Checkuser One",
                "groups": ["*", "user", "checkuser"],
                "centralids": {"CentralAuth": 4242},
            }
        ],
        "globaluserinfo": {
            "id": 4242,
            "name": "Checkuser One",
            "groups": ["global-rollbacker"],
            "merged": [
                {"wiki": "enwiki", "groups": ["sysop"]},
                {"wiki": "metawiki"},
            ],
        },
    }
    account = account_from_api("Checkuser One", query)
    assert account.central_id == 4242
    assert account.all_groups() >= {"checkuser", "global-rollbacker", "sysop"}
    assert account.merged["metawiki"] == frozenset()
    assert not account.blocked and not account.locked


def test_lock_and_block_flags_in_both_api_formats() -> None:
    v1 = {
        "users": [{"name": "X", "blockid": 3, "blockreason": "Spam"}],
        "globaluserinfo": {"locked": ""},
    }
    v2 = {
        "users": [{"name": "X", "blockid": 3, "blockpartial": True}],
        "globaluserinfo": {"locked": True},
    }
    first, second = account_from_api("X", v1), account_from_api("X", v2)
    assert first.locked and first.blocked and first.block_reason == "Spam"
    # A partial block (some pages or namespaces) does not bar anyone from Safety Desk.
    assert second.locked and not second.blocked


def _blocks(local: dict, globalblocks: list) -> dict:
    return {
        "users": [{"userid": 7, "name": "Someone", **local}],
        "globalblocks": globalblocks,
        "globaluserinfo": {"id": 70, "name": "Someone"},
    }


def test_one_block_rule_sitewide_and_global_refuse_partial_does_not() -> None:
    """The rule sign-in and every refresh share (issue #25)."""
    partial = account_from_api("Someone", _blocks({"blockid": 1, "blockpartial": True}, []))
    sitewide = account_from_api("Someone", _blocks({"blockid": 2, "blockreason": "Vandalism"}, []))
    global_block = {"id": 3, "target": "Someone", "expiry": "infinity", "reason": "Spam"}
    globally = account_from_api("Someone", _blocks({}, [global_block]))
    other = {**global_block, "target": "Someone else"}
    assert partial.refusal() is None
    assert str(sitewide.refusal()).endswith("The reason given: Vandalism")
    assert str(globally.refusal()) == "This account is globally blocked. The reason given: Spam"
    assert account_from_api("Someone", _blocks({}, [other])).refusal() is None


@pytest.mark.parametrize(
    ("shared", "gender"),
    [("female", "female"), ("male", "male"), ("unknown", "unknown"), (None, "unknown")],
)
def test_the_gender_preference_is_read_from_the_users_answer(
    shared: str | None, gender: str
) -> None:
    """``usprop=gender``: male, female or unknown; an older answer without it is unknown."""
    user = {"name": "X"} | ({"gender": shared} if shared else {})
    assert account_from_api("X", {"users": [user]}).gender == gender
