"""Accounts, the roles given in the tool, and the log of administrative changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tools.base.clock import now
from tools.base.db import BigId
from tools.models.base import NAME, Base, table_args


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
    # The wiki's gender preference (male, female, unknown), for words that address them.
    gender: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_login_at: Mapped[datetime | None]
    roles_checked_at: Mapped[datetime | None]
    # Mail about replies to their requests (to ``email``, when the wiki shared one).
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Reviewer wellness: evidence images shown at once (True) or blurred until clicked.
    reveal_media: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Stored in each session at sign-in; raising it ends every session signed in before.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

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
