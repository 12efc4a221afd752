"""The specialists' queue: open cases, most urgent first, filtered and searched in one query.

Urgency is severity first, then the time left to the nearest running SLA deadline.
A restricted case that the reader may not open still takes its place in the queue
(the team must see that it exists and how urgent it is), but its row carries
nothing of its content: no title, category, wikis or subjects. Search and the
content filters never match a restricted case for such a reader either, so they
cannot be used to probe what a restricted case is about.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tools.cases.sla import SlaClock, nearest_running_clock, sla_clocks
from tools.models import (
    CLOSED_RANK,
    Case,
    CaseStatus,
    CaseSubject,
    CaseWiki,
    Category,
    Severity,
    User,
)
from tools.wiki.subjects import InvalidSubject, parse_subject

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    """What the specialist asked for; empty fields do not filter."""

    statuses: Sequence[CaseStatus] = ()  # none: the open ones
    category: Category | None = None
    severity: Severity | None = None
    assignee: str | None = None  # a user name
    wiki: str | None = None
    mine: bool = False
    unassigned: bool = False
    breaching: bool = False  # a running clock is past due
    text: str = ""  # a reference, an account or IP, or words of the title
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue; ``hidden`` rows carry no content at all."""

    reference: str
    hidden: bool
    severity: Severity
    status: CaseStatus
    assignee: str | None
    clocks: list[SlaClock]
    nearest: SlaClock | None
    title: str | None = None
    category: Category | None = None
    wikis: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    has_next: bool


def queue(
    session: Session,
    filters: QueueFilters,
    viewer_id: int,
    may_see_restricted: bool,
    at: datetime,
    warning_share: float = 0.75,
) -> QueuePage:
    """One page of the queue for a viewer, most urgent first."""
    page = max(filters.page, 1)
    query = _filtered(filters, viewer_id, may_see_restricted, at)
    query = (
        query.order_by(Case.urgency_rank, Case.urgency_due_at, Case.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)  # one more tells whether there is a next page
        .options(selectinload(Case.assignee), selectinload(Case.wikis))
    )
    found = list(session.scalars(query))
    rows = [_row(item, may_see_restricted, at, warning_share) for item in found[:PAGE_SIZE]]
    return QueuePage(rows, page, has_next=len(found) > PAGE_SIZE)


def _filtered(
    filters: QueueFilters, viewer_id: int, may_see_restricted: bool, at: datetime
) -> Select[tuple[Case]]:
    if filters.statuses:
        query = select(Case).where(Case.status.in_(filters.statuses))
    else:  # the open ones, as a range of the urgency index
        query = select(Case).where(Case.urgency_rank < CLOSED_RANK)
    # Filters on what a case is about apply to the cases the viewer may read.
    visible = Case.restricted.is_(False) if not may_see_restricted else None
    if filters.severity:
        query = query.where(Case.severity == filters.severity)
    if filters.category:
        query = query.where(Case.category == filters.category, *_also(visible))
    if filters.wiki:
        on_wiki = exists().where(CaseWiki.case_id == Case.id, CaseWiki.wiki == filters.wiki)
        query = query.where(on_wiki, *_also(visible))
    if filters.assignee:
        named = select(User.id).where(User.username == filters.assignee).scalar_subquery()
        query = query.where(Case.assignee_id == named)
    if filters.mine:
        query = query.where(Case.assignee_id == viewer_id)
    if filters.unassigned:
        query = query.where(Case.assignee_id.is_(None))
    if filters.breaching:
        query = query.where(_breaching(at))
    if filters.text.strip():
        query = query.where(_search(filters.text.strip(), visible))
    return query


def _also(condition: object) -> tuple[object, ...]:
    return () if condition is None else (condition,)


def _breaching(at: datetime) -> object:
    return or_(
        and_(Case.first_response_at.is_(None), Case.first_response_due_at <= at),
        and_(Case.resolved_at.is_(None), Case.resolution_due_at <= at),
    )


def _search(text: str, visible: object) -> object:
    """A reference matches any case; a subject or title words only cases the viewer may read."""
    by_content = or_(
        exists().where(CaseSubject.case_id == Case.id, CaseSubject.value.in_(_subject_forms(text))),
        func.lower(Case.title).contains(text.lower(), autoescape=True),
    )
    if visible is not None:
        by_content = and_(visible, by_content)
    return or_(Case.reference == text.upper(), by_content)


def _subject_forms(text: str) -> list[str]:
    """The text as typed and as MediaWiki would store it (``jean_dupont`` -> ``Jean dupont``)."""
    forms = [text]
    with contextlib.suppress(InvalidSubject):
        forms.append(parse_subject(text).value)
    return forms


def _row(item: Case, may_see_restricted: bool, at: datetime, warning_share: float) -> QueueRow:
    clocks = sla_clocks(item, at, warning_share)
    common = {
        "reference": item.reference or "",
        "severity": item.severity,
        "status": item.status,
        "assignee": item.assignee.username if item.assignee else None,
        "clocks": clocks,
        "nearest": nearest_running_clock(clocks),
    }
    if item.restricted and not may_see_restricted:
        return QueueRow(hidden=True, **common)
    return QueueRow(
        hidden=False,
        title=item.title,
        category=item.category,
        wikis=[wiki.wiki for wiki in item.wikis],
        **common,
    )
