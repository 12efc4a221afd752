"""What the new-account watcher writes: the names it read, and the specialists' patterns.

``new_accounts`` holds one row per global account name, whichever wiki or way (stream
or poll) it was read from first: its unique name is what makes the watcher raise an
account's alerts exactly once. The newest rows are also what a pattern is tried on
before it is saved. ``name_patterns`` are the regular expressions and plain words
specialists manage in the tool (the first ones come from a settings file).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, WIKI, Base, table_args
from tools.models.people import User

#: Longest pattern: a regular expression over a name of at most 255 bytes needs no more.
PATTERN_MAX = 255


class NewAccount(Base):
    """A new account as its ``newusers`` log entry (or event) showed it, read once."""

    __tablename__ = "new_accounts"
    __table_args__ = table_args(
        UniqueConstraint("name"),
        Index("ix_new_accounts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    wiki: Mapped[str] = mapped_column(String(WIKI))  # the home wiki: where it was created
    log_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]  # the log entry's time
    seen_at: Mapped[datetime] = mapped_column(default=now)


class NamePattern(Base):
    """A pattern new account names are matched against; ``hits`` counts the accounts it caught."""

    __tablename__ = "name_patterns"
    __table_args__ = table_args(
        UniqueConstraint("pattern", "is_regex"),
        Index("ix_name_patterns_active", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(PATTERN_MAX))
    is_regex: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    source: Mapped[str] = mapped_column(String(16), default="tool")  # tool, settings
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_hit_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
