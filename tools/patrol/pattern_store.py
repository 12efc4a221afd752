"""The name patterns specialists manage in the tool: add, try, switch off, count hits.

Every change is an admin event (who, what, when). Before saving, a pattern is tried on
the newest account names the watcher stored (:func:`try_on_recent`), so a specialist
sees what it would have caught. The first patterns come from a TOML file of the
settings (:func:`load_file`), added once and then managed like any other.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.messages import N_
from tools.models import AdminEvent, NamePattern, NewAccount
from tools.patrol.lookalikes import skeleton
from tools.patrol.patterns import CATEGORIES, PatternError, Rule, check_rule, compile_rule

#: Longest note.
NOTE_MAX = 2000
#: The shipped first patterns (SAFETYDESK_ACCOUNT_PATTERNS_FILE's default).
DEFAULT_FILE = Path(__file__).parent / "data" / "account_patterns.toml"

__all__ = ["CATEGORIES", "PatternError"]


def rule_of(pattern: NamePattern) -> Rule:
    """A stored pattern ready to match (checked when it was saved)."""
    return compile_rule(pattern.pattern, pattern.is_regex, pattern.category, pattern.id)


def active_rules(session: Session) -> list[Rule]:
    """Every active pattern compiled; one that no longer compiles is left out."""
    rules = []
    for pattern in session.scalars(select(NamePattern).where(NamePattern.active.is_(True))):
        try:
            rules.append(rule_of(pattern))
        except PatternError:
            continue
    return rules


def list_patterns(session: Session) -> list[NamePattern]:
    """Every pattern, active first, then the newest."""
    return list(
        session.scalars(
            select(NamePattern).order_by(NamePattern.active.desc(), NamePattern.id.desc())
        )
    )


def add_pattern(
    session: Session,
    actor_id: int | None,
    text: str,
    is_regex: bool,
    category: str,
    note: str = "",
    *,
    source: str = "tool",
) -> NamePattern:
    """Check and store a pattern; an admin event says who added it."""
    rule = check_rule(text, is_regex, category)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise PatternError(N_("The note is too long."))
    existing = session.scalars(
        select(NamePattern).where(
            NamePattern.pattern == rule.text, NamePattern.is_regex.is_(is_regex)
        )
    ).one_or_none()
    if existing is not None:
        raise PatternError(N_("This pattern exists already."))
    pattern = NamePattern(
        pattern=rule.text,
        is_regex=is_regex,
        category=category,
        note=note,
        source=source,
        created_by_id=actor_id,
        created_at=clock.now(),
        hits=0,
        active=True,
    )
    session.add(pattern)
    session.flush()
    _event(session, actor_id, "pattern-added", pattern)
    return pattern


def set_active(session: Session, actor_id: int, pattern: NamePattern, active: bool) -> None:
    """Switch a pattern off (kept, with its hits) or on again; an admin event records it."""
    if pattern.active == active:
        return
    pattern.active = active
    _event(session, actor_id, "pattern-enabled" if active else "pattern-disabled", pattern)


def _event(session: Session, actor_id: int | None, action: str, pattern: NamePattern) -> None:
    session.add(
        AdminEvent(
            actor_id=actor_id,
            action=action,
            data={
                "pattern_id": pattern.id,
                "pattern": pattern.pattern,
                "regex": pattern.is_regex,
                "category": pattern.category,
                "note": pattern.note,
            },
        )
    )


@dataclass(frozen=True)
class Trial:
    """What a pattern would have caught among the newest ``tried`` names."""

    tried: int
    matches: list[tuple[str, str, datetime]]  # name, the part matched, created
    timeouts: int


def try_on_recent(session: Session, rule: Rule, limit: int, show: int = 200) -> Trial:
    """Match ``rule`` against the newest ``limit`` stored names (the first ``show`` kept)."""
    rows = session.execute(
        select(NewAccount.name, NewAccount.created_at).order_by(NewAccount.id.desc()).limit(limit)
    ).all()
    matches: list[tuple[str, str, datetime]] = []
    count = timeouts = 0
    for name, created_at in rows:
        try:
            hit = rule.search(name, name.casefold(), skeleton(name))
        except TimeoutError:
            timeouts += 1
            continue
        if hit is not None:
            count += 1
            if len(matches) < show:
                matches.append((name, hit, created_at))
    return Trial(len(rows), matches, timeouts)


def record_hits(session: Session, pattern_ids: Sequence[int], at: datetime) -> None:
    """Count one more account caught by each pattern (in the alert's transaction)."""
    if pattern_ids:
        session.execute(
            update(NamePattern)
            .where(NamePattern.id.in_(sorted(set(pattern_ids))))
            .values(hits=NamePattern.hits + 1, last_hit_at=at)
            .execution_options(synchronize_session=False)
        )


def load_file(session: Session, path: Path) -> int:
    """Add the patterns of a TOML file not stored yet (``[[pattern]]`` tables); how many."""
    data = tomllib.loads(path.read_text("utf-8"))
    added = 0
    known = {
        (text, is_regex)
        for text, is_regex in session.execute(select(NamePattern.pattern, NamePattern.is_regex))
    }
    for entry in data.get("pattern", []):
        text = str(entry["pattern"]).strip()
        is_regex = bool(entry.get("regex", False))
        if (text, is_regex) in known:
            continue
        add_pattern(
            session,
            None,
            text,
            is_regex,
            str(entry.get("category", "other")),
            str(entry.get("note", "")),
            source="settings",
        )
        known.add((text, is_regex))
        added += 1
    return added


def count_patterns(session: Session) -> int:
    return int(session.scalar(select(func.count(NamePattern.id))) or 0)
