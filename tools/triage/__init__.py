"""Triage of talk page comments: is this a threat, self-harm, doxxing, a child in danger?

The patrol bot hands every new comment to :func:`classify` and raises an alert when
a category scores at or above :data:`THRESHOLD`. The default scorer reads rules
that are data (``tools/triage/rules/<language>.toml``, reviewed like code): phrases
per category with weights, and per language the words that negate a phrase ("I
will *not* kill"), that report someone else's words ("he *wrote* …"), and false
friends that look like a threat and are not ("kill the process"). A specialist sees
why a comment was flagged: every finding carries the phrases as written.

A learned model can be added later behind the same :class:`Scorer` protocol.
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


def classify(text: str, language: str) -> Verdict:
    """Score ``text`` (plain text, see :func:`tools.wikitext.plain_text`) with the rules.

    A language without rules of its own is read with the English rules: English is
    the lingua franca of cross-wiki noticeboards.
    """
    from tools.triage.rules import default_scorer

    return default_scorer().score(text, language)


__all__ = [
    "CATEGORIES",
    "EMERGENCY_CATEGORIES",
    "THRESHOLD",
    "Finding",
    "Scorer",
    "Verdict",
    "classify",
]
