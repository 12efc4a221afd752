"""Triage of talk page comments: is this a threat, self-harm, doxxing, a child in danger?

The patrol bot hands every new comment to :func:`classify` and raises an alert when
a category scores at or above :data:`THRESHOLD`. The default scorer reads rules
that are data (``tools/triage/rules/<language>.toml``, reviewed like code): phrases
per category with weights, and per language the words that negate a phrase ("I
will *not* kill"), that report someone else's words ("he *wrote* …"), and false
friends that look like a threat and are not ("kill the process"). A specialist sees
why a comment was flagged: every finding carries the phrases as written.

Beside the rules: threats read as structure (:mod:`tools.triage.structure`), detectors
of personal data and grooming (:mod:`tools.triage.detectors`) and a learned layer
(:mod:`tools.triage.learned`), combined per category (:mod:`tools.triage.combine`).
"""

from __future__ import annotations

from tools.triage.combine import default_combined
from tools.triage.verdict import (
    CATEGORIES,
    EMERGENCY_CATEGORIES,
    THRESHOLD,
    Finding,
    Scorer,
    Verdict,
)


def classify(text: str, language: str) -> Verdict:
    """Score ``text`` (plain text, see :func:`tools.patrol.plaintext.plain_text`).

    Rules, threat structure, detectors and the learned layer together
    (:mod:`tools.triage.combine`). A language without rules of its own is read with
    the English rules: English is the lingua franca of cross-wiki noticeboards.
    """
    return default_combined().score(text, language)


__all__ = [
    "CATEGORIES",
    "EMERGENCY_CATEGORIES",
    "THRESHOLD",
    "Finding",
    "Scorer",
    "Verdict",
    "classify",
]
