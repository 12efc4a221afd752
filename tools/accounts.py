"""People in the tool's own tables: who has signed in, and the roles granted to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.clock import now
from tools.models import RoleGrant, User
from tools.roles import WikiAccount


def record_sign_in(session: Session, account: WikiAccount) -> User:
    """Find or create the user row of a Wikimedia account and note this sign-in.

    The central id follows an account through a rename, so it is matched first;
    the stored name is then brought up to date.
    """
    user = None
    if account.central_id is not None:
        user = session.scalars(select(User).where(User.central_id == account.central_id)).first()
    if user is None:
        user = session.scalars(select(User).where(User.username == account.username)).first()
    if user is None:
        user = User(username=account.username)
        session.add(user)
    user.username = account.username
    if account.central_id is not None:
        user.central_id = account.central_id
    user.last_login_at = user.roles_checked_at = now()
    session.flush()
    return user


def granted_roles(session: Session, user_id: int) -> list[str]:
    """The roles given to a user inside the tool (specialist, restricted-specialist, admin)."""
    return list(session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id)))
