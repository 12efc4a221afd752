"""What triage says about a comment: the categories, their findings and the verdict.

Shared by the scorers (:mod:`tools.triage.rules`) and by :func:`tools.triage.classify`, so
that neither has to import the other's module to name what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CATEGORIES = (
    "violence",
    "self_harm",
    "terrorism",
    "doxxing",
    "child_safety",
    "harassment",
    "legal_threat",
)
#: Categories that call out the on-call specialist rather than wait in the queue.
EMERGENCY_CATEGORIES = {"violence", "self_harm", "terrorism", "child_safety"}
#: The default score at which a finding becomes an alert (the bot makes it configurable).
THRESHOLD: float = 0.5


@dataclass(frozen=True)
class Finding:
    """One category a comment scored in, and the phrases (as written) that made it."""

    category: str
    score: float
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """What a scorer found in one comment: findings with a score above 0, best first."""

    language: str
    findings: tuple[Finding, ...]

    @property
    def top(self) -> Finding | None:
        """The highest-scoring finding, or None when nothing was found."""
        return self.findings[0] if self.findings else None

    def above(self, threshold: float = THRESHOLD) -> tuple[Finding, ...]:
        """The findings that score at least ``threshold`` (the ones worth an alert)."""
        return tuple(finding for finding in self.findings if finding.score >= threshold)


class Scorer(Protocol):
    """Anything that scores a comment's plain text in a language."""

    def score(self, text: str, language: str) -> Verdict: ...
