"""Matching speed of the new-account watcher (issue #22): names per second.

Every name is matched against the whole pattern list (plain words and regular
expressions, each with its time-out) and the protected names by look-alike skeleton,
as ``tools.patrol.account_watch.examine`` does; the triage classifier is timed apart
(``--triage``), since it reads the name as a comment. Goal: under 1 ms per name with
1,000 patterns and 10,000 protected names.

For scale: English Wikipedia alone registered 5,474 accounts a day on average in
August 2010 (outreach.wikimedia.org, Account Creation Improvement Project/Research),
about 0.06 a second; all Wikimedia wikis together stay far below one a second on
average. The bench prints its rate beside an assumed peak of 10 new accounts a
second over all wikis (a burst well above any average), and the margin.

    python bench/accounts_bench.py                       # 1,000 patterns, 10,000 protected
    python bench/accounts_bench.py --names 20000 --triage
"""

from __future__ import annotations

import argparse
import random
import string
import time

from tools.patrol.account_watch import examine
from tools.patrol.lookalikes import ProtectedNames
from tools.patrol.patterns import RuleSet, check_rule, compile_rule

#: An assumed peak of account creation over all Wikimedia wikis, per second (see above).
ASSUMED_PEAK_PER_SECOND = 10.0
FIRST = ["Anna", "Jean", "Maria", "Ahmed", "Li", "Olga", "Pedro", "Sara", "Tom", "Yuki"]
LAST = ["Silva", "Dupont", "Khan", "Wang", "Ivanova", "Smith", "Garcia", "Rossi", "Kim"]


def word(rng: random.Random, low: int = 4, high: int = 9) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(low, high)))


def names(rng: random.Random, count: int) -> list[str]:
    """Realistic-looking account names: people, handles with digits, a few scripts."""
    made = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            made.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randint(0, 99)}")
        elif kind == 1:
            made.append(f"{word(rng).capitalize()}{rng.randint(1, 9999)}")
        elif kind == 2:
            made.append(f"{word(rng).capitalize()} {word(rng).capitalize()}")
        else:
            made.append(f"{word(rng)}_{word(rng)}")
    return made


def patterns(rng: random.Random, count: int) -> RuleSet:
    """``count`` patterns, SULWatcher-like: three plain words for each regular expression."""
    rules = []
    for index in range(count):
        if index % 4:
            rules.append(compile_rule(word(rng, 5, 10), False, "known_abuser", index))
        else:
            text = rng.choice(
                [
                    rf"^{word(rng, 3, 5)}\d{{3,}}$",
                    rf"\b{word(rng)}(bot|troll)s?\b",
                    rf"{word(rng, 4, 6)}.*{word(rng, 4, 6)}",
                    rf"^(mr|mrs|dr)[ _]{word(rng)}",
                ]
            )
            check_rule(text, True)  # as the form would: valid and never slow
            rules.append(compile_rule(text, True, "other", index))
    return RuleSet(rules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--patterns", type=int, default=1_000)
    parser.add_argument("--protected", type=int, default=10_000)
    parser.add_argument("--triage", action="store_true", help="time the classifier too")
    args = parser.parse_args()
    rng = random.Random(22)
    started = time.perf_counter()
    protected = ProtectedNames(
        f"{word(rng).capitalize()} {word(rng, 2, 3).upper()}" for _ in range(args.protected)
    )
    rules = patterns(rng, args.patterns)
    built = time.perf_counter() - started
    sample = names(rng, args.names)
    examine(sample[0], protected, rules, None, 0.5)  # warm the confusables table
    started = time.perf_counter()
    fired = sum(bool(examine(name, protected, rules, None, 0.5)) for name in sample)
    seconds = time.perf_counter() - started
    per_name = seconds / len(sample) * 1000
    rate = len(sample) / seconds
    print(
        f"index: {len(protected):,} protected names, {len(rules.rules):,} patterns in {built:.2f} s"
    )
    print(
        f"matching: {len(sample):,} names in {seconds:.2f} s = {per_name:.3f} ms a name, "
        f"{rate:,.0f} names/s ({fired} fired, {rules.timeouts} time-outs); goal < 1 ms: "
        f"{'met' if per_name < 1 else 'NOT met'}"
    )
    print(
        f"against an assumed peak of {ASSUMED_PEAK_PER_SECOND:g} new accounts/s on all wikis: "
        f"{rate / ASSUMED_PEAK_PER_SECOND:,.0f}x headroom"
    )
    if args.triage:
        from tools.triage import classify

        classify("warm up", "en")
        subset = sample[: min(len(sample), 2000)]
        started = time.perf_counter()
        for name in subset:
            classify(name, "en")
        seconds = time.perf_counter() - started
        print(
            f"triage: {len(subset):,} names in {seconds:.2f} s = "
            f"{seconds / len(subset) * 1000:.3f} ms a name, {len(subset) / seconds:,.0f} names/s"
        )


if __name__ == "__main__":
    main()
