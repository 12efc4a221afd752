"""Personal API tokens and the idempotency keys of filing through the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.models.base import Base, table_args
from tools.models.cases import Case
from tools.models.people import User


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
