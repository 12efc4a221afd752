"""The new-account watcher's core (issue #22): look-alike skeletons, patterns, time-outs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bots.account_stream import new_account
from tools.patrol.account_watch import LOOKALIKE, NAME_TRIAGE, PATTERN, examine, readable
from tools.patrol.lookalikes import ProtectedNames, marked_pair, mixed_scripts, skeleton
from tools.patrol.patterns import PatternError, RuleSet, check_rule, compile_rule
from tools.triage import classify

PROTECTED = ProtectedNames(["Steward One", "Jimbo Wales", "Checkuser One", "Ian"])


@pytest.mark.parametrize(
    ("name", "imitates"),
    [
        ("St\u0435ward One", "Steward One"),  # Cyrillic ie
        ("\u0405teward One", "Steward One"),  # Cyrillic dze
        ("\uff33teward One", "Steward One"),  # fullwidth S
        ("Steward_0ne", "Steward One"),  # digit zero, underscore
        ("Jirnbo Wales", "Jimbo Wales"),  # rn for m
        ("JImbo Wales", "Jimbo Wales"),  # I for l? no: i is kept, so one edit away
        ("Stewarcl One", "Steward One"),  # cl for d
        ("Checkuser One\u200b", "Checkuser One"),  # an invisible character
        ("lan", "Ian"),  # capital I and small L
    ],
)
def test_lookalikes_of_protected_names_are_found(name: str, imitates: str) -> None:
    found = PROTECTED.find(name)
    assert [look.protected for look in found] == [imitates]


@pytest.mark.parametrize(
    "name", ["Steward One", "Steward Two", "Gardener", "Jimmy Walters", "Checkuser", "Ivan"]
)
def test_other_names_and_the_protected_name_itself_are_not(name: str) -> None:
    assert PROTECTED.find(name) == []


def test_a_near_match_is_one_edit_of_the_skeleton_and_says_so() -> None:
    (look,) = PROTECTED.find("Jimbo Waless")
    assert not look.exact and look.protected == "Jimbo Wales"
    (exact,) = PROTECTED.find("J\u0456mbo Wales")
    assert exact.exact and exact.skeleton == skeleton("Jimbo Wales")
    assert mixed_scripts("J\u0456mbo Wales") and not mixed_scripts("Jimbo Wales")


def test_the_differing_characters_are_marked_side_by_side() -> None:
    new, old = marked_pair("St\u0435ward One", "Steward One")
    assert ("\u0435", True) in new and ("e", True) in old
    assert "".join(text for text, _ in new) == "St\u0435ward One"


def test_a_pathological_pattern_is_refused_in_well_under_a_second() -> None:
    for pattern in (r"(a+)+$", r"(a|aa)+$", r"(x+x+)+y"):
        started = time.monotonic()
        with pytest.raises(PatternError, match=r"too slow|catastrophic"):
            check_rule(pattern, True)
        assert time.monotonic() - started < 0.5, pattern


def test_ordinary_patterns_pass_and_bad_ones_say_why() -> None:
    check_rule(r"\(WMF\)$", True)
    check_rule("pizza troll", False)
    with pytest.raises(PatternError, match="not a valid"):
        check_rule("(unclosed", True)
    with pytest.raises(PatternError, match="every name"):
        check_rule(".*", True)
    with pytest.raises(PatternError, match="category"):
        check_rule("x", False, "nonsense")


def test_rules_match_words_in_lookalike_letters_and_regexes_by_id() -> None:
    rules = RuleSet(
        [
            compile_rule("troll", False, "known_abuser", 1),
            compile_rule(r"\(WMF\)$", True, "impersonation", 2),
            compile_rule(r"^Vandal\d+$", True, "known_abuser", 3),
        ]
    )
    assert [m.rule.id for m in rules.matches("Big TR0LL")] == [1]
    assert [m.rule.id for m in rules.matches("Jane (WMF)")] == [2]
    assert [m.rule.id for m in rules.matches("Vandal42")] == [3]
    assert rules.matches("Gardener") == []


def test_a_slow_pattern_at_match_time_is_skipped_not_waited_for() -> None:
    # Saved before the check existed. Exponential in the regex module: (a+)+$ is not,
    # its repeat guards make it take about 30 ms, under the time-out on a fast machine.
    slow = compile_rule(r"(a|a)+$", True, "other", 9)
    quick = compile_rule("abc", False, "other", 10)
    rules = RuleSet([slow, quick])
    started = time.monotonic()
    found = rules.matches("a" * 60 + "!abc")
    assert time.monotonic() - started < 0.5
    assert [m.rule.id for m in found] == [10] and rules.timeouts >= 1


def test_examine_gives_each_reason_once() -> None:
    rules = RuleSet([compile_rule("troll", False, "known_abuser", 4)])
    kinds = {f.kind for f in examine("St\u0435ward One", PROTECTED, rules, classify, 0.5)}
    assert kinds == {LOOKALIKE}
    kinds = {f.kind for f in examine("I will kill you troll", PROTECTED, rules, classify, 0.5)}
    assert kinds == {PATTERN, NAME_TRIAGE}
    assert examine("Gardener 12", PROTECTED, rules, classify, 0.5) == []
    assert readable("IWillKill_You2") == "I Will Kill You 2"


def test_only_account_creations_of_the_stream_are_read() -> None:
    base = {
        "meta": {"domain": "fr.wikipedia.org"},
        "type": "log",
        "log_type": "newusers",
        "log_action": "create",
        "title": "Utilisateur:Jean_Dupont",
        "wiki": "frwiki",
        "timestamp": 1_764_000_000,
        "log_id": 5,
    }
    account = new_account(base)
    assert account is not None and (account.name, account.wiki, account.log_id) == (
        "Jean Dupont",
        "frwiki",
        5,
    )
    assert account.created_at == datetime.fromtimestamp(1_764_000_000, UTC)
    assert new_account({**base, "log_action": "autocreate"}) is None
    assert new_account({**base, "log_type": "block"}) is None
    assert new_account({**base, "meta": {"domain": "canary"}}) is None
    assert new_account({**base, "title": "NoNamespace"}) is None


def test_a_child_safety_name_keeps_its_restricted_category() -> None:
    from tools.patrol.alerts import RESTRICTED_CATEGORIES
    from tools.triage import Finding, Verdict

    def child_safety(_text: str, _language: str) -> Verdict:
        return Verdict("en", (Finding("child_safety", 0.9, ("x",)),))

    (finding,) = examine("Some Name", PROTECTED, RuleSet([]), child_safety, 0.5)
    assert finding.kind in RESTRICTED_CATEGORIES
