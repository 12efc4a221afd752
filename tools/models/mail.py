"""The outbox: every mail the tool sends is stored first, and sent by the worker.

A web request never talks to the mail server: it adds a row in the same transaction as
what the mail is about, so a reply and its notice stand or fall together, and a mail
server that is down or refuses only delays the mail (retried with back-off).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, Base, table_args

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutgoingMail(Base):
    """One mail to one checked address, and its delivery state (as a callout's)."""

    __tablename__ = "mail_outbox"
    __table_args__ = table_args(
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        Index("ix_mail_outbox_to", "to_address", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(NAME))
    subject: Mapped[str] = mapped_column(String(NAME))
    # Emptied once sent: a reply to a requester without sign-in is private content.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(NAME))
    created_at: Mapped[datetime] = mapped_column(default=now)
    sent_at: Mapped[datetime | None]
    # Set for mail that belongs to a thread (replies and acknowledgements of mail-born
    # cases): its Message-ID, chosen when queued, and its In-Reply-To, References,
    # From and Auto-Submitted headers.
    message_id: Mapped[str | None] = mapped_column(String(NAME))
    headers: Mapped[dict[str, Any] | None]
    # "reply", "ack"… : what the mail is, for the once-an-hour rule of acknowledgements.
    kind: Mapped[str | None] = mapped_column(String(16))
