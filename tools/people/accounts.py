"""People in the tool's own tables: who has signed in, and the roles granted to them."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.models import AdminEvent, RoleGrant, SubjectKind, User
from tools.people.roles import GRANTABLE_ROLES, WikiAccount
from tools.wiki.subjects import InvalidSubject, parse_subject


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
    user.gender = account.gender  # as the wiki shares it now: a changed preference follows
    user.last_login_at = user.roles_checked_at = now()
    session.flush()
    return user


def granted_roles(session: Session, user_id: int) -> list[str]:
    """The roles given to a user inside the tool (specialist, restricted-specialist, admin)."""
    return list(session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id)))


def user_by_id(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)


def set_notification_address(user: User, email: str) -> None:
    """Where mail about the user's requests goes (given on the form; the wiki may not share it)."""
    user.email = email.strip()
    user.notify_by_email = True


class RoleGrantError(ValueError):
    """A grant or revocation that cannot be done; the message says why."""


def list_grants(session: Session) -> list[RoleGrant]:
    """Every role given in the tool, by user name then role."""
    return list(
        session.scalars(
            select(RoleGrant).join(RoleGrant.user).order_by(User.username, RoleGrant.role)
        )
    )


def end_sessions(session: Session, user_id: int) -> None:
    """End every session of ``user_id`` at its next request (sign-out, role change, block)."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )


def session_generation(session: Session, user_id: int) -> int | None:
    """The generation a session of ``user_id`` must hold to be valid (None: no such user)."""
    return session.scalar(select(User.session_generation).where(User.id == user_id))


def grant_role(session: Session, actor_id: int, username: str, role: str) -> RoleGrant:
    """Give a tool role to an account (created if it has never signed in), on the record."""
    if role not in {grantable.value for grantable in GRANTABLE_ROLES}:
        raise RoleGrantError(f"{role!r} cannot be granted in the tool.")
    name = canonical_username(username)
    user = session.scalars(select(User).where(User.username == name)).first()
    if user is None:
        user = User(username=name)
        session.add(user)
        session.flush()
    if any(grant.role == role for grant in user.grants):
        raise RoleGrantError(f"{name} already has the role {role}.")
    grant = RoleGrant(user=user, role=role, granted_by_id=actor_id)
    session.add(grant)
    end_sessions(session, user.id)  # a role change ends the sessions signed in before it
    session.add(
        AdminEvent(actor_id=actor_id, action="role-granted", subject_user=user, data={"role": role})
    )
    session.flush()
    return grant


def revoke_role(session: Session, actor_id: int, grant_id: int) -> None:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise RoleGrantError("That role grant no longer exists.")
    session.add(
        AdminEvent(
            actor_id=actor_id,
            action="role-revoked",
            subject_user_id=grant.user_id,
            data={"role": grant.role},
        )
    )
    end_sessions(session, grant.user_id)
    session.delete(grant)
    session.flush()


def canonical_username(text: str) -> str:
    """A user name as MediaWiki stores it; raise :class:`RoleGrantError` for a non-name."""
    try:
        subject = parse_subject(text)
    except InvalidSubject as err:
        raise RoleGrantError(str(err)) from err
    if subject.kind != SubjectKind.ACCOUNT:
        raise RoleGrantError(f"{text!r} is an IP address, not an account.")
    return subject.value
