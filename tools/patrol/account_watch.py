"""The new-account watcher's core: which new names deserve an alert, stored exactly once.

Each new account name is examined (:func:`examine`) three ways: against the protected
names by look-alike skeleton (:mod:`tools.patrol.lookalikes`), against the specialists'
patterns (:mod:`tools.patrol.patterns`), and by the triage classifier and its
personal-data detectors, as a comment would be. :func:`store_account` stores the name,
its alerts, the patterns' hit counts and the bot's checkpoint in one transaction; the
name is unique, so an account read twice (by the stream and by a poll, or again after
a restart) raises its alerts once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.base import checkpoints
from tools.base.config import Settings
from tools.models import Alert, NewAccount, RoleGrant, User
from tools.patrol.alerts import RESTRICTED_CATEGORIES, findings_json
from tools.patrol.lookalikes import ProtectedNames, describe_characters
from tools.patrol.pattern_store import record_hits
from tools.patrol.patterns import RuleSet
from tools.triage import Verdict

#: The bot's name in bot_checkpoints and /healthz.
BOT = "account_watcher"
#: The alert categories of the watcher: one kind each, none the classifier uses.
LOOKALIKE = "account_lookalike"
PATTERN = "account_pattern"
NAME_TRIAGE = "account_name"
KINDS = (LOOKALIKE, PATTERN, NAME_TRIAGE)


@dataclass(frozen=True)
class SeenAccount:
    """A new account as a ``newusers`` log entry or event shows it."""

    name: str
    wiki: str
    created_at: datetime
    log_id: int | None = None


@dataclass(frozen=True)
class NameFinding:
    """One reason to alert on a name: ``key`` keeps it unique among the account's alerts."""

    kind: str
    key: str
    score: float
    excerpt: str
    rules: list[dict[str, Any]] = field(default_factory=list)
    pattern_id: int | None = None


def readable(name: str) -> str:
    """The name as words for the classifier: "IWillKill_You2" is "I Will Kill You 2"."""
    text = re.sub(r"[_\-.]+", " ", name)
    text = re.sub(
        r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])",
        " ",
        text,
    )
    return re.sub(r"\s+", " ", text).strip()


def examine(
    name: str,
    protected: ProtectedNames,
    rules: RuleSet,
    classify: Callable[[str, str], Verdict] | None,
    threshold: float,
) -> list[NameFinding]:
    """Every reason ``name`` should be seen by a specialist (none for most names)."""
    found: list[NameFinding] = []
    for look in protected.find(name):
        how = "is written like" if look.exact else "nearly matches"
        found.append(
            NameFinding(
                kind=LOOKALIKE,
                key=f"lookalike:{look.protected}"[:64],
                score=1.0 if look.exact else 0.8,
                excerpt=f"{name} {how} the protected name {look.protected} "
                f"(skeleton {look.skeleton!r}, {look.protected_skeleton!r})",
                rules=[
                    {
                        "category": LOOKALIKE,
                        "score": 1.0 if look.exact else 0.8,
                        "phrases": [look.protected],
                        "protected": look.protected,
                        "skeleton": look.skeleton,
                        "protected_skeleton": look.protected_skeleton,
                        "exact": look.exact,
                        "scripts": list(look.scripts),
                        "characters": describe_characters(name),
                    }
                ],
            )
        )
    for match in rules.matches(name):
        rule = match.rule
        found.append(
            NameFinding(
                kind=PATTERN,
                key=f"pattern:{rule.id}",
                score=1.0,
                excerpt=f"{name} matches the pattern {rule.text} ({rule.category})",
                rules=[
                    {
                        "category": rule.category,
                        "score": 1.0,
                        "phrases": [match.matched],
                        "pattern_id": rule.id,
                        "pattern": rule.text,
                        "regex": rule.is_regex,
                    }
                ],
                pattern_id=rule.id,
            )
        )
    if classify is not None:
        verdict = classify(readable(name), "en")
        top = verdict.top
        if top is not None and top.score >= threshold:
            # A child-safety name keeps the classifier's category: restricted, as its cases.
            restricted = top.category in RESTRICTED_CATEGORIES
            found.append(
                NameFinding(
                    kind=top.category if restricted else NAME_TRIAGE,
                    key="triage",
                    score=float(top.score),
                    excerpt=f"{name}: {top.category} ({top.score:.2f})",
                    rules=findings_json(verdict),
                )
            )
    return found


def already_seen(session: Session, name: str) -> bool:
    return session.scalar(select(NewAccount.id).where(NewAccount.name == name)) is not None


def store_account(
    session: Session,
    account: SeenAccount,
    findings: Sequence[NameFinding],
    positions: Mapping[str, Mapping[str, Any] | None],
) -> list[Alert] | None:
    """Store the name, its alerts, hit counts and checkpoints; None if it was stored before.

    Called in the transaction that moves the checkpoints (``positions``: stream ->
    position): a watcher killed at any moment neither loses nor repeats an account.
    """
    for stream, position in positions.items():
        checkpoints.save(session, BOT, stream, position)
    if already_seen(session, account.name):
        return None
    row = NewAccount(
        name=account.name[:255],
        wiki=account.wiki,
        log_id=account.log_id,
        created_at=account.created_at,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # stored by another process a moment ago
    raised = []
    for finding in findings:
        alert = Alert(
            wiki=account.wiki,
            page_title=account.name[:255],
            rev_id=row.id,
            comment_key=finding.key,
            author=account.name[:255],
            commented_at=account.created_at,
            category=finding.kind,
            language="en",
            score=finding.score,
            rules=finding.rules,
            excerpt=finding.excerpt[:2000],
        )
        session.add(alert)
        raised.append(alert)
    record_hits(
        session,
        [f.pattern_id for f in findings if f.pattern_id is not None],
        account.created_at,
    )
    session.flush()
    return raised


def heartbeat(session: Session, streams: Sequence[str]) -> None:
    for stream in streams:
        checkpoints.save(session, BOT, stream, None)


def desk_names(session: Session, settings: Settings) -> set[str]:
    """The names the desk protects itself: its people with a role, and the settings' list."""
    granted = session.scalars(select(User.username).join(RoleGrant, RoleGrant.user_id == User.id))
    return {
        *granted,
        *settings.bootstrap_admins,
        *settings.bootstrap_specialists,
        *settings.bootstrap_restricted_specialists,
        *settings.account_protected_names,
    }
