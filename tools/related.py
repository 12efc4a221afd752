"""Related cases: other cases that involve one of this case's accounts or IP addresses.

Abuse crosses wikis, so a shared subject links cases whatever wiki each names. A
related case the reader may not open is shown by its reference only (the team must
know it exists, and can ask a restricted specialist), never with its title, status
or which subject it shares: that would tell what the restricted case is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from tools.models import Case, CaseStatus, CaseSubject

#: A subject shared by very many cases (a busy IP range) should not flood the page.
LIMIT = 50


@dataclass(frozen=True)
class RelatedCase:
    """One related case; ``hidden`` ones carry their reference and nothing else."""

    reference: str
    hidden: bool
    title: str | None = None
    status: CaseStatus | None = None
    shared: list[str] = field(default_factory=list)


def related_cases(session: Session, case: Case, may_see_restricted: bool) -> list[RelatedCase]:
    """Cases sharing a subject (same kind and value, on any wiki) with ``case``, newest first."""
    mine = aliased(CaseSubject)
    theirs = aliased(CaseSubject)
    rows = session.execute(
        select(Case, theirs.value)
        .join(theirs, theirs.case_id == Case.id)
        .join(mine, (mine.kind == theirs.kind) & (mine.value == theirs.value))
        .where(mine.case_id == case.id, Case.id != case.id)
        .order_by(Case.id.desc(), theirs.value)
    )
    found: dict[int, tuple[Case, list[str]]] = {}
    for other, value in rows:
        entry = found.setdefault(other.id, (other, []))
        if value not in entry[1]:
            entry[1].append(value)
        if len(found) > LIMIT:
            break
    return [
        _related(other, shared, may_see_restricted)
        for other, shared in list(found.values())[:LIMIT]
    ]


def _related(other: Case, shared: list[str], may_see_restricted: bool) -> RelatedCase:
    if other.restricted and not may_see_restricted:
        return RelatedCase(reference=other.reference or "", hidden=True)
    return RelatedCase(
        reference=other.reference or "",
        hidden=False,
        title=other.title,
        status=other.status,
        shared=shared,
    )
