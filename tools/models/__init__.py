"""The tables of Safety Desk, as SQLAlchemy 2.0 declarative models.

Conventions: times are aware UTC (:class:`tools.db.UTCDateTime`); usernames are
stored in MediaWiki's canonical form; a wiki is its database name (``enwiki``);
fixed vocabularies are ``StrEnum`` stored as short strings (no native ENUM, so
adding a value needs no table rebuild). A case's timeline is append-only: its
events are never updated or deleted, except by the retention purge.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session, relationship

from tools.base.clock import now
from tools.base.db import MARIADB_TABLE_OPTIONS, BigId, UTCDateTime

# Deterministic constraint names keep migrations portable (SQLite batch mode needs
# names to drop a constraint) and within MariaDB's 64-character identifier limit.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WIKI = 64  # a wiki's database name: "enwiki", "metawiki", "zh_min_nanwiki"
NAME = 255  # MediaWiki user names and page titles are at most 255 bytes


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def table_args(*constraints: Any) -> tuple[Any, ...]:
    """``__table_args__`` with the MariaDB table options every table shares."""
    return (*constraints, MARIADB_TABLE_OPTIONS)


def vocabulary(enum: type[StrEnum]) -> Enum:
    """Store a StrEnum by its value in a VARCHAR, checked in Python, not by the database."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# --- vocabularies -------------------------------------------------------------


class Category(StrEnum):
    THREAT = "threat"  # threat of harm: violence, self-harm, terrorism
    CHILD_PROTECTION = "child_protection"
    HARASSMENT = "harassment"
    EVENT_SAFETY = "event_safety"
    TECHNICAL = "technical"  # spam waves, long-term abuse, security holes
    PRIVACY = "privacy"  # doxxing, oversight escalation
    ENGINEERING = "engineering"  # a request for Foundation engineering help
    OTHER = "other"


class Severity(StrEnum):
    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the requester
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CaseSource(StrEnum):
    FORM = "form"
    API = "api"
    ALERT = "alert"
    REPORTINCIDENT = "reportincident"


class Audience(StrEnum):
    """Who may read an event: specialists only, or the requester too."""

    INTERNAL = "internal"
    REQUESTER = "requester"


class SubjectKind(StrEnum):
    ACCOUNT = "account"
    IP = "ip"
    RANGE = "range"


class LockTargetKind(StrEnum):
    """What a lock event acts on: a global account, an IP, a range, or a global block by its id."""

    ACCOUNT = "account"
    IP = "ip"
    RANGE = "range"
    BLOCK_ID = "block-id"  # "#123": GlobalBlocking's global autoblocks have no other name
    UNKNOWN = "unknown"  # the wiki hid it, or the entry could not be understood


class EvidenceKind(StrEnum):
    DIFF = "diff"
    PERMALINK = "permalink"
    LOG = "log"
    PAGE = "page"
    OTHER = "other"


class AlertStatus(StrEnum):
    NEW = "new"
    DISMISSED = "dismissed"
    CASE = "case"  # turned into a case


class ShiftKind(StrEnum):
    REGULAR = "regular"
    OVERRIDE = "override"  # a swap or a holiday cover, wins over the weekly pattern


class CalloutStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the mail server refused it for good
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"  # someone else acknowledged first


class ChainStatus(StrEnum):
    """Where an emergency's callouts stand: still climbing the policy, or done."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    EXHAUSTED = "exhausted"  # every step of every round called out, nobody acknowledged
    STOPPED = "stopped"  # the case was resolved or closed before anyone acknowledged it


# --- people -------------------------------------------------------------------


class User(Base):
    """A Wikimedia account that has signed in, or was named on the rota."""

    __tablename__ = "users"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME), unique=True)
    central_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    email: Mapped[str | None] = mapped_column(String(NAME))
    language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_login_at: Mapped[datetime | None]
    roles_checked_at: Mapped[datetime | None]
    # Mail about replies to their requests (to ``email``, when the wiki shared one).
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Reviewer wellness: evidence images shown at once (True) or blurred until clicked.
    reveal_media: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class RoleGrant(Base):
    """A role given inside the tool (specialist, restricted-specialist, admin)."""

    __tablename__ = "role_grants"
    __table_args__ = table_args(UniqueConstraint("user_id", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=now)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class AdminEvent(Base):
    """An administrative change (role granted or revoked, rota or canned response edited)."""

    __tablename__ = "admin_events"
    __table_args__ = table_args(Index("ix_admin_events_created_at", "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))  # role-granted, role-revoked…
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=now)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])


# --- cases ----------------------------------------------------------------------


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


# --- bots ---------------------------------------------------------------------


class Alert(Base):
    """A comment on a wiki page that the patrol bot thinks a specialist should see."""

    __tablename__ = "alerts"
    __table_args__ = table_args(
        # The same comment in the same revision is one alert, however often it is read.
        UniqueConstraint("wiki", "rev_id", "comment_key"),
        Index("ix_alerts_status", "status", "created_at"),
        Index("ix_alerts_category", "category", "created_at"),
        # A comment alerted once is not alerted again when a later revision shows it (0008).
        Index("ix_alerts_comment", "wiki", "page_title", "comment_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wiki: Mapped[str] = mapped_column(String(WIKI))
    page_title: Mapped[str] = mapped_column(String(NAME))
    rev_id: Mapped[int] = mapped_column(BigId)
    comment_key: Mapped[str] = mapped_column(String(64))
    section: Mapped[str | None] = mapped_column(String(NAME))
    author: Mapped[str | None] = mapped_column(String(NAME))
    commented_at: Mapped[datetime | None]
    category: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    # Every finding of the classifier: [{"category", "score", "phrases": [...]}], top first.
    rules: Mapped[list[Any] | None]
    excerpt: Mapped[str] = mapped_column(Text)
    status: Mapped[AlertStatus] = mapped_column(vocabulary(AlertStatus), default=AlertStatus.NEW)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Added in 0008: why a specialist dismissed it (precision is measured on these).
    dismiss_reason: Mapped[str | None] = mapped_column(Text)

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    case: Mapped[Case | None] = relationship(foreign_keys=[case_id])

    @property
    def phrases(self) -> list[str]:
        """The phrases that made the classifier fire, over every finding, in order, once each."""
        found: dict[str, None] = {}
        for finding in self.rules or []:
            for phrase in finding.get("phrases", []) if isinstance(finding, dict) else []:
                found.setdefault(str(phrase), None)
        return list(found)

    @property
    def categories(self) -> list[str]:
        """Every category the classifier found, the top one first."""
        names = [f.get("category") for f in self.rules or [] if isinstance(f, dict)]
        return list(dict.fromkeys([self.category, *(str(n) for n in names if n)]))


class LockEvent(Base):
    """One entry of the global lock / global block log, normalised (raw parameters kept).

    ``action`` is one word of :class:`tools.locks.Action`, or several joined by ``+``
    when one status change did more than one thing (``lock+hide``). ``parsed`` is false
    when part of the entry could not be understood: the row is kept and counted.
    ``suppressed`` rows come from the suppression log (or were suppressed on the wiki)
    and are shown only to those allowed to see them. For a block, no ``expiry`` means
    infinite.
    """

    __tablename__ = "lock_events"
    __table_args__ = table_args(
        UniqueConstraint("wiki", "log_id"),
        Index("ix_lock_events_target", "target", "timestamp"),
        Index("ix_lock_events_performer", "performer", "timestamp"),
        Index("ix_lock_events_action", "action", "timestamp"),
        Index("ix_lock_events_timestamp", "timestamp"),
        Index("ix_lock_events_reason_category", "reason_category", "timestamp"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wiki: Mapped[str] = mapped_column(String(WIKI))
    log_id: Mapped[int] = mapped_column(BigId)
    log_type: Mapped[str] = mapped_column(String(32))  # globalauth, gblblock, suppress
    log_action: Mapped[str] = mapped_column(String(32))  # as logged: setstatus, gblock…
    action: Mapped[str] = mapped_column(String(32))  # normalised: lock, unlock, hide, block…
    timestamp: Mapped[datetime]
    performer: Mapped[str | None] = mapped_column(String(NAME))
    target: Mapped[str] = mapped_column(String(NAME))
    target_kind: Mapped[LockTargetKind] = mapped_column(vocabulary(LockTargetKind))
    reason: Mapped[str | None] = mapped_column(Text)
    expiry: Mapped[datetime | None]
    flags: Mapped[list[Any] | None]
    params: Mapped[dict[str, Any] | None]
    # Added in 0003: what normalisation made of the entry, and who may see it.
    reason_category: Mapped[str | None] = mapped_column(String(32))
    parsed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class BotCheckpoint(Base):
    """Where a bot stopped reading a stream, and when it last showed signs of life."""

    __tablename__ = "bot_checkpoints"
    __table_args__ = table_args(UniqueConstraint("bot", "stream"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(191))  # e.g. "metawiki:globalauth"
    position: Mapped[dict[str, Any]]  # e.g. {"log_id": 123, "timestamp": "…"}
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    heartbeat_at: Mapped[datetime] = mapped_column(default=now)


# --- on call ------------------------------------------------------------------


class WeeklyShift(Base):
    """A recurring slot of the rota: a weekday and a time of day in UTC, for a period."""

    __tablename__ = "weekly_shifts"
    __table_args__ = table_args(Index("ix_weekly_shifts_weekday", "weekday"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday, as datetime.weekday()
    start_minute: Mapped[int] = mapped_column(SmallInteger)  # minutes after 00:00 UTC
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()


class Shift(Base):
    """A one-off slot of the rota (swap, holiday cover), winning over the weekly pattern."""

    __tablename__ = "shifts"
    __table_args__ = table_args(Index("ix_shifts_period", "starts_at", "ends_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ShiftKind] = mapped_column(vocabulary(ShiftKind), default=ShiftKind.OVERRIDE)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(String(NAME))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Callout(Base):
    """One on-call notification to one person for one emergency, and its delivery state."""

    __tablename__ = "callouts"
    __table_args__ = table_args(
        Index("ix_callouts_due", "status", "next_attempt_at"),
        Index("ix_callouts_case", "case_id", "step"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    step: Mapped[int] = mapped_column(SmallInteger)  # index in the escalation policy
    round: Mapped[int] = mapped_column(SmallInteger, default=0)  # repetition of the policy
    channel: Mapped[str] = mapped_column(String(16), default="email")
    status: Mapped[CalloutStatus] = mapped_column(
        vocabulary(CalloutStatus), default=CalloutStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(NAME))
    # Hash of the single-use acknowledgement token; the token itself is only in the mail.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Added in 0006: a worker claims a callout (compare-and-set) before sending it, so two
    # workers never send it twice; a claim left by a crashed worker lapses at claimed_until.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    user: Mapped[User | None] = relationship()


class CalloutChain(Base):
    """An emergency's way up the escalation policy: the step it is at, and when it moves on.

    One per case. The worker moves it with a compare-and-set on (round, step), so two
    workers never run the same step twice; the step's delay counts from ``step_started_at``,
    whatever happened to the mail.
    """

    __tablename__ = "callout_chains"
    __table_args__ = table_args(Index("ix_callout_chains_due", "status", "next_step_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    round: Mapped[int] = mapped_column(SmallInteger, default=0)
    step: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[ChainStatus] = mapped_column(vocabulary(ChainStatus), default=ChainStatus.ACTIVE)
    step_started_at: Mapped[datetime]
    next_step_at: Mapped[datetime | None]  # None once acknowledged or exhausted
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)

    case: Mapped[Case] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


# --- replies ------------------------------------------------------------------


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


# --- API ----------------------------------------------------------------------


class ApiToken(Base):
    """A personal API token: only the SHA-256 of its secret is kept, shown once when made.

    Its rights are its scopes intersected with its owner's permissions at each use, so a
    role taken from the owner is gone from the token at once. The wiki roles (functionary)
    are those of the session that made it, checked again against the wiki as a session's are.
    ``last_used_ip`` is personal data: the retention job clears it.
    """

    __tablename__ = "api_tokens"
    __table_args__ = table_args(Index("ix_api_tokens_user", "user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # "sdk_Ab3d": the start, to recognise it
    scopes: Mapped[list[Any]]
    wiki_roles: Mapped[list[Any]]
    roles_checked_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()


class ApiIdempotencyKey(Base):
    """An ``Idempotency-Key`` a script sent when filing: a retry finds the case it made."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = table_args(
        UniqueConstraint("user_id", "key"),
        Index("ix_api_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    body_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request's body
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    case: Mapped[Case | None] = relationship()
