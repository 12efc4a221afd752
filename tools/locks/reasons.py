"""Reason categories: a steward's free-text reason sorted by the rules of a data file.

The rules (``data/lock_reasons.toml``, see its comments) let the tool count and
filter events by why they happened, whatever words each steward used.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The rules that sort reasons into categories (see the file's comments).
REASON_RULES_FILE = Path(__file__).parent / "data" / "lock_reasons.toml"
OTHER_CATEGORY = "other"


@dataclass(frozen=True)
class ReasonCategory:
    key: str
    label: str
    pattern: re.Pattern[str]


@functools.cache
def reason_rules(path: Path = REASON_RULES_FILE) -> tuple[ReasonCategory, ...]:
    """The categories of the rules file, in order; a bad file stops with its name."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return tuple(
            ReasonCategory(
                entry["key"],
                entry["label"],
                re.compile("|".join(f"(?:{p})" for p in entry["patterns"]), re.IGNORECASE),
            )
            for entry in data["category"]
        )
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError, re.error) as err:
        raise ValueError(f"reason rules {path}: {err}") from None


def categorise(reason: str | None, rules: Sequence[ReasonCategory] | None = None) -> str | None:
    """The key of the first category whose pattern is in ``reason``; None without a reason."""
    if not reason:
        return None
    if rules is None:
        return _categorise_with_file_rules(reason)
    return next((rule.key for rule in rules if rule.pattern.search(reason)), OTHER_CATEGORY)


@functools.lru_cache(maxsize=65536)
def _categorise_with_file_rules(reason: str) -> str:
    """Stewards reuse a few hundred reasons ("Spambot", "Long-term abuse"): remember them."""
    return categorise(reason, reason_rules())


def category_labels() -> dict[str, str]:
    """Category key -> label, ``other`` last."""
    return {rule.key: rule.label for rule in reason_rules()} | {OTHER_CATEGORY: "Other"}
