"""Related cases: other cases that involve one of this case's accounts or IP addresses.

Abuse crosses wikis, so a shared subject links cases whatever wiki each names. A
specialist may also link two cases by hand (the same incident reported twice, the
same abuser under unrelated names), or merge one into another: the merged case is
closed and points to the one that goes on, which takes over its wikis, subjects and
evidence; each keeps its own timeline, and each timeline says what happened.

A related case the reader may not open is shown by its reference only (the team must
know it exists, and can ask a restricted specialist), never with its title, status
or which subject it shares: that would tell what the restricted case is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from tools.base.clock import now
from tools.base.messages import N_
from tools.cases.errors import CaseError
from tools.cases.timeline import add_event
from tools.models import (
    Audience,
    Case,
    CaseLink,
    CaseStatus,
    CaseSubject,
    CaseWiki,
    EvidenceLink,
    User,
)

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
    linked: bool = False  # linked by hand, not (only) by a shared subject


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
    linked = {other.id: other for other in linked_cases(session, case)}
    for other in linked.values():
        found.setdefault(other.id, (other, []))
    ordered = sorted(found.values(), key=lambda entry: entry[0].id, reverse=True)
    return [
        _related(other, shared, other.id in linked, may_see_restricted)
        for other, shared in ordered[:LIMIT]
    ]


def _related(other: Case, shared: list[str], linked: bool, may_see_restricted: bool) -> RelatedCase:
    if other.restricted and not may_see_restricted:
        return RelatedCase(reference=other.reference or "", hidden=True)
    return RelatedCase(
        reference=other.reference or "",
        hidden=False,
        title=other.title,
        status=other.status,
        shared=shared,
        linked=linked,
    )


def linked_cases(session: Session, case: Case) -> list[Case]:
    """The cases linked to ``case`` by hand, either way round."""
    rows = session.scalars(
        select(CaseLink).where(or_(CaseLink.case_id == case.id, CaseLink.linked_id == case.id))
    )
    ids = [row.linked_id if row.case_id == case.id else row.case_id for row in rows]
    return list(session.scalars(select(Case).where(Case.id.in_(ids)))) if ids else []


def merged_from(session: Session, case: Case) -> list[Case]:
    """The cases merged into ``case``, oldest first: their timelines stay theirs."""
    return list(
        session.scalars(select(Case).where(Case.merged_into_id == case.id).order_by(Case.id))
    )


def _check_pair(case: Case, other: Case | None, may_see_restricted: bool) -> Case:
    """The other case, if the actor may join the two: both readable, distinct, not merged."""
    if other is None or (other.restricted and not may_see_restricted):
        # A restricted case the actor may not open is "not found", as on every other route.
        raise CaseError(N_("No case has this reference."))
    if other.id == case.id:
        raise CaseError(N_("A case cannot be linked to or merged with itself."))
    for one in (case, other):
        if one.merged_into_id is not None:
            raise CaseError(
                N_("%(reference)s was merged into another case already."),
                reference=one.reference or "",
            )
    return other


def link(
    session: Session, case: Case, other: Case | None, actor: User, may_see_restricted: bool
) -> Case:
    """Link two cases; each timeline records it. Linking twice is refused, not repeated."""
    other = _check_pair(case, other, may_see_restricted)
    low, high = sorted((case.id, other.id))
    exists = session.scalar(
        select(CaseLink.id).where(CaseLink.case_id == low, CaseLink.linked_id == high)
    )
    if exists is not None:
        raise CaseError(N_("These cases are linked already."))
    session.add(CaseLink(case_id=low, linked_id=high, created_by_id=actor.id, created_at=now()))
    for one, two in ((case, other), (other, case)):
        data = {"reference": two.reference}
        add_event(session, one, "linked", actor, Audience.INTERNAL, data=data)
    return other


def link_repeat(
    session: Session, case: Case, earlier: Case, reason: str = "reported again after closing"
) -> None:
    """Link a case filed for a report sent again after ``earlier`` was closed (no actor).

    Both timelines say so; linking a pair twice (a retry that raced) changes nothing.
    """
    low, high = sorted((case.id, earlier.id))
    exists = session.scalar(
        select(CaseLink.id).where(CaseLink.case_id == low, CaseLink.linked_id == high)
    )
    if exists is not None:
        return
    session.add(CaseLink(case_id=low, linked_id=high, created_by_id=None, created_at=now()))
    for one, two in ((case, earlier), (earlier, case)):
        data = {"reference": two.reference, "reason": reason}
        add_event(session, one, "linked", None, Audience.INTERNAL, data=data)


def merge(
    session: Session, source: Case, target: Case | None, actor: User, may_see_restricted: bool
) -> Case:
    """Merge ``source`` into ``target``: the target goes on with everything the source held.

    The source is closed and points to the target. Its wikis, subjects and evidence are
    copied to the target (the source keeps its own, so its timeline still reads right).
    A restricted case only merges into a restricted one: merging it into an open case
    would show its subjects and evidence to everyone who may read that case.
    """
    target = _check_pair(source, target, may_see_restricted)
    if source.restricted and not target.restricted:
        raise CaseError(N_("A restricted case can only be merged into a restricted case."))
    _copy_contents(source, target)
    at = now()
    source.merged_into_id = target.id
    if source.status != CaseStatus.CLOSED:
        source.closed_at = at
        source.resolved_at = source.resolved_at or at
        source.status = CaseStatus.CLOSED
    add_event(
        session,
        source,
        "merged_into",
        actor,
        Audience.INTERNAL,
        data={"reference": target.reference},
    )
    add_event(
        session, target, "merged", actor, Audience.INTERNAL, data={"reference": source.reference}
    )
    return target


def _copy_contents(source: Case, target: Case) -> None:
    wikis = {row.wiki for row in target.wikis}
    target.wikis.extend(CaseWiki(wiki=row.wiki) for row in source.wikis if row.wiki not in wikis)
    subjects = {(row.kind, row.value, row.wiki) for row in target.subjects}
    target.subjects.extend(
        CaseSubject(kind=row.kind, value=row.value, wiki=row.wiki)
        for row in source.subjects
        if (row.kind, row.value, row.wiki) not in subjects
    )
    urls = {row.url for row in target.evidence}
    copied = ("url", "kind", "wiki", "page_title", "rev_id", "old_rev_id", "log_id")
    target.evidence.extend(
        EvidenceLink(**{name: getattr(row, name) for name in copied})
        for row in source.evidence
        if row.url not in urls
    )
