"""What the bots write: patrol alerts, the normalised lock log, their checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, WIKI, Base, table_args, vocabulary
from tools.models.cases import Case
from tools.models.people import User
from tools.models.vocabularies import AlertStatus, LockTargetKind


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
    # Added in 0016: only restricted specialists may open it (a hash bank's match).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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
    # Added in 0010: the reason case-folded for search in any script (tools.locks.search_text),
    # indexed by a FULLTEXT index (MariaDB) or an FTS5 table (SQLite) the migration makes.
    reason_search: Mapped[str | None] = mapped_column(Text)


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


class StewardRequestRow(Base):
    """A request on Steward requests/Global or /Checkuser, as the patrol last read it.

    One row per (wiki, page, heading). ``asked_at`` is its earliest signature (or when
    the patrol first saw it); ``is_open`` false once the page closed it or it left the
    page (archived: ``gone``). ``alert_id`` is the alert raised when it stayed open too
    long, once. The page is never edited: another bot closes and archives it.
    """

    __tablename__ = "steward_requests"
    __table_args__ = table_args(
        UniqueConstraint("wiki", "page_title", "heading"),
        Index("ix_steward_requests_open", "is_open", "asked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wiki: Mapped[str] = mapped_column(String(WIKI))
    page_title: Mapped[str] = mapped_column(String(NAME))
    heading: Mapped[str] = mapped_column(String(NAME))
    status: Mapped[str] = mapped_column(String(16))
    targets: Mapped[list[Any]]
    asked_at: Mapped[datetime]
    rev_id: Mapped[int] = mapped_column(BigId)  # the revision it was last read in
    is_open: Mapped[bool] = mapped_column(Boolean)
    gone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
