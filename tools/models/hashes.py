"""Hash banks: PDQ hashes of known harmful images that uploads are matched against.

A bank is loaded from a file (HMA's and ThreatExchange's exchange format) or is the
local bank that restricted specialists add evidence to from a restricted case. Its
hashes are never shown by the tool, only its name, category and size.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import Base, table_args, vocabulary
from tools.models.cases import Case
from tools.models.people import User


class BankCategory(StrEnum):
    """What a bank holds; child safety and intimate images are always restricted."""

    CHILD_SAFETY = "child_safety"
    INTIMATE_IMAGE = "intimate_image"
    DOXXING = "doxxing"
    OTHER = "other"


class HashBank(Base):
    """A named set of PDQ hashes, with its category and who may see its matches."""

    __tablename__ = "hash_banks"
    __table_args__ = table_args(UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[BankCategory] = mapped_column(vocabulary(BankCategory))
    restricted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    local: Mapped[bool] = mapped_column(Boolean, default=False)  # fed from cases
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class BankHash(Base):
    """One PDQ hash of a bank (64 hex digits) and its optional label from the file."""

    __tablename__ = "bank_hashes"
    __table_args__ = table_args(
        UniqueConstraint("bank_id", "pdq"),
        Index("ix_bank_hashes_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("hash_banks.id", ondelete="CASCADE"))
    pdq: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(255))
    # The local bank: the restricted case whose evidence it came from, and who added it.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    bank: Mapped[HashBank] = relationship()
    case: Mapped[Case | None] = relationship(foreign_keys=[case_id])
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
