"""Cases and what hangs off them: wikis, links, the append-only timeline, subjects,
evidence; and the canned replies specialists answer with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, WIKI, Base, table_args, vocabulary
from tools.models.people import User
from tools.models.vocabularies import (
    Audience,
    CaseSource,
    CaseStatus,
    Category,
    EvidenceKind,
    Severity,
    SubjectKind,
)

#: 0-3 by severity for an open case, 9 for a resolved or closed one.
URGENCY_RANK_SQL = (
    "CASE WHEN status IN ('resolved', 'closed') THEN 9"
    " WHEN severity = 'emergency' THEN 0 WHEN severity = 'high' THEN 1"
    " WHEN severity = 'normal' THEN 2 ELSE 3 END"
)
#: The nearest running deadline: the first response while unanswered and due first.
URGENCY_DUE_SQL = (
    "CASE WHEN first_response_at IS NULL AND first_response_due_at < resolution_due_at"
    " THEN first_response_due_at ELSE resolution_due_at END"
)
#: The rank of every case still in the queue is below this.
CLOSED_RANK = 9


class Case(Base):
    """A request as filed by a functionary, and the case that specialists work."""

    __tablename__ = "cases"
    __table_args__ = table_args(
        Index("ix_cases_queue", "status", "severity", "resolution_due_at"),
        # The queue's order as one index: open cases by urgency, read in order, never sorted.
        Index("ix_cases_urgency", "urgency_rank", "urgency_due_at", "id"),
        Index("ix_cases_assignee", "assignee_id", "status"),
        Index("ix_cases_requester", "requester_id", "created_at"),
        Index("ix_cases_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # TS-2026-00042; given once the row has an id.
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    # One key per filled-in form (or API Idempotency-Key): a second submission finds this case.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    category: Mapped[Category] = mapped_column(vocabulary(Category))
    severity: Mapped[Severity] = mapped_column(vocabulary(Severity))
    status: Mapped[CaseStatus] = mapped_column(vocabulary(CaseStatus), default=CaseStatus.NEW)
    source: Mapped[CaseSource] = mapped_column(vocabulary(CaseSource), default=CaseSource.FORM)
    # Only specialists holding restricted-specialist may see it (child protection).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(NAME))
    description: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Set by the retention purge, which blanks personal data of long-closed cases.
    purged_at: Mapped[datetime | None]
    # Who to write to when the requester is not a tool user (a ReportIncident reporter).
    contact_name: Mapped[str | None] = mapped_column(String(NAME))
    contact_email: Mapped[str | None] = mapped_column(String(NAME))
    # What the intake could not read (a ReportIncident body of an unknown shape): a
    # specialist should check the raw text, kept as the description.
    intake_warning: Mapped[str | None] = mapped_column(String(NAME))
    # Set when this case was merged into another; its own timeline stays as it was.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Computed by the database from the columns above (so no UPDATE path can forget
    # them): the queue sorts by these two through ix_cases_urgency.
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, Computed(URGENCY_RANK_SQL))
    urgency_due_at: Mapped[datetime | None] = mapped_column(Computed(URGENCY_DUE_SQL))

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    merged_into: Mapped[Case | None] = relationship(remote_side=[id])
    wikis: Mapped[list[CaseWiki]] = relationship(cascade="all, delete-orphan")
    subjects: Mapped[list[CaseSubject]] = relationship(cascade="all, delete-orphan")
    evidence: Mapped[list[EvidenceLink]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all"
    )

    def __repr__(self) -> str:
        return f"<Case {self.reference or self.id} {self.status}>"


class CaseWiki(Base):
    """A wiki a case concerns (the queue filters on it)."""

    __tablename__ = "case_wikis"
    __table_args__ = table_args(Index("ix_case_wikis_wiki", "wiki", "case_id"))

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    wiki: Mapped[str] = mapped_column(String(WIKI), primary_key=True)


class CaseLink(Base):
    """Two cases a specialist said belong together; stored once, lower id first."""

    __tablename__ = "case_links"
    __table_args__ = table_args(
        UniqueConstraint("case_id", "linked_id"), Index("ix_case_links_linked", "linked_id")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    linked_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class CaseEvent(Base):
    """One entry of a case's append-only timeline: who did what, when."""

    __tablename__ = "case_events"
    __table_args__ = table_args(
        Index("ix_case_events_case", "case_id", "id"),
        Index("ix_case_events_actor", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # filed, viewed, noted, replied, answered, moved, assigned, escalated, called_out…
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # For events with no signed-in actor: "reportincident", "oncall worker"…
    actor_label: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[Audience] = mapped_column(vocabulary(Audience), default=Audience.INTERNAL)
    created_at: Mapped[datetime] = mapped_column(default=now)
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class AppendOnlyError(RuntimeError):
    """Someone tried to rewrite a case's history."""


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _refuse_rewriting_history(_mapper: Any, _connection: Any, target: CaseEvent) -> None:
    """The timeline is evidence: only the retention purge may touch it (session.info flag)."""
    session = object_session(target)
    if session is None or not session.info.get("retention_purge"):
        raise AppendOnlyError(f"case event {target.id} is append-only")


class CaseSubject(Base):
    """An account, IP address or IP range involved in a case."""

    __tablename__ = "case_subjects"
    __table_args__ = table_args(
        Index("ix_case_subjects_value", "value"),
        Index("ix_case_subjects_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[SubjectKind] = mapped_column(vocabulary(SubjectKind))
    # Canonical user name, or the IP / range in its normalised MediaWiki form.
    value: Mapped[str] = mapped_column(String(NAME))
    wiki: Mapped[str | None] = mapped_column(String(WIKI))
    created_at: Mapped[datetime] = mapped_column(default=now)


class EvidenceLink(Base):
    """A diff, permalink or log link pasted into a case, parsed into its parts."""

    __tablename__ = "evidence_links"
    __table_args__ = table_args(Index("ix_evidence_links_case", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[EvidenceKind] = mapped_column(vocabulary(EvidenceKind))
    wiki: Mapped[str | None] = mapped_column(String(WIKI))
    page_title: Mapped[str | None] = mapped_column(String(NAME))
    rev_id: Mapped[int | None] = mapped_column(BigId)
    old_rev_id: Mapped[int | None] = mapped_column(BigId)
    log_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=now)


class CannedResponse(Base):
    """A reply template in one language; the same key groups its translations."""

    __tablename__ = "canned_responses"
    __table_args__ = table_args(UniqueConstraint("key", "language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(NAME))
    body: Mapped[str] = mapped_column(Text)  # placeholders: {requester}, {reference}, {wiki}
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
