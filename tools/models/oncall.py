"""The rota (weekly and one-off shifts) and the callouts of emergencies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, Base, table_args, vocabulary
from tools.models.cases import Case
from tools.models.people import User
from tools.models.vocabularies import CalloutStatus, ChainStatus, ShiftKind


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
