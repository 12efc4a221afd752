"""Mail that came in through the IMAP intake, and the attachments it carried.

One row per message read from the mailbox (filed, threaded or ignored), so that the same
message is never filed twice: its ``Message-ID`` is unique, whatever its UID. Outgoing
mail of a case (replies, acknowledgements) is recorded here too (``direction`` "out"),
so that an answer naming one of our Message-IDs finds its case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, Base, table_args

#: Up to 16 MiB in MariaDB (a BLOB holds 64 KiB only); unbounded in SQLite.
Blob = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")

IN, OUT = "in", "out"
#: What the intake did with a message.
FILED, THREADED, LINKED, IGNORED, ATTACHED = "filed", "threaded", "linked", "ignored", "attached"


class MailMessage(Base):
    """One message in or out of the team's mailbox, and what became of it."""

    __tablename__ = "mail_messages"
    __table_args__ = table_args(
        Index("ix_mail_messages_case", "case_id", "id"),
        Index("ix_mail_messages_sender", "from_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Unique: the dedupe key across restarts and a mailbox whose UIDVALIDITY changed.
    message_id: Mapped[str] = mapped_column(String(NAME), unique=True)
    direction: Mapped[str] = mapped_column(String(8), default=IN)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigId)
    outcome: Mapped[str] = mapped_column(String(16), default=FILED)
    uidvalidity: Mapped[int | None] = mapped_column(BigId)
    uid: Mapped[int | None] = mapped_column(BigId)
    from_address: Mapped[str | None] = mapped_column(String(NAME))
    subject: Mapped[str | None] = mapped_column(String(NAME))
    # SPF, DKIM, DMARC as the receiving server recorded them; ``authenticated`` is
    # True only when one of them passed for the sender's domain.
    authentication: Mapped[dict[str, Any] | None]
    authenticated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The message as received, kept only when it could not be read (a specialist reads it).
    raw: Mapped[bytes | None] = mapped_column(Blob)
    size: Mapped[int] = mapped_column(Integer, default=0)
    # The language replies to this thread are written in (Content-Language, else the address's).
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now)


class MailAttachment(Base):
    """A file attached to an incoming message, kept with the type it was sent as."""

    __tablename__ = "mail_attachments"
    __table_args__ = table_args(Index("ix_mail_attachments_case", "case_id", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("mail_messages.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(NAME))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    # None: over the size cap (or purged); the row says that a file was there.
    data: Mapped[bytes | None] = mapped_column(Blob)
    created_at: Mapped[datetime] = mapped_column(default=now)
