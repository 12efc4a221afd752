"""Who a step of the escalation policy calls out for a case.

Only people who may open the case are called out to take it. When nobody on a step may
(a child-protection emergency, nobody restricted on duty), the step's people are still
told, by reference only, and the admins are paged: an emergency never ends silently.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tools.base.config import EscalationStep, Settings
from tools.models import Case, RoleGrant, User
from tools.oncall.rota import next_on_rota, on_duty
from tools.people.accounts import granted_roles
from tools.people.roles import Role, bootstrap_roles

TEAM_ROLES = (Role.SPECIALIST.value, Role.RESTRICTED_SPECIALIST.value)


def team(session: Session, settings: Settings) -> list[User]:
    """Every specialist: granted in the tool, or named in the bootstrap settings."""
    granted = select(RoleGrant.user_id).where(RoleGrant.role.in_(TEAM_ROLES))
    named = set(settings.bootstrap_specialists) | set(settings.bootstrap_restricted_specialists)
    query = select(User).where(or_(User.id.in_(granted), User.username.in_(named)))
    return list(session.scalars(query.order_by(User.username)))


def is_restricted_specialist(session: Session, user: User, settings: Settings) -> bool:
    roles = set(granted_roles(session, user.id)) | set(bootstrap_roles(user.username, settings))
    return Role.RESTRICTED_SPECIALIST.value in roles


def may_open(session: Session, user: User, case: Case, settings: Settings) -> bool:
    """A restricted case reaches only restricted specialists, even in an emergency."""
    return not case.restricted or is_restricted_specialist(session, user, settings)


def admins(session: Session, settings: Settings) -> list[User]:
    """Every admin: granted in the tool, or named in the bootstrap settings."""
    granted = select(RoleGrant.user_id).where(RoleGrant.role == Role.ADMIN.value)
    named = set(settings.bootstrap_admins)
    query = select(User).where(or_(User.id.in_(granted), User.username.in_(named)))
    return list(session.scalars(query.order_by(User.username)))


def named_by(
    session: Session, step: EscalationStep, settings: Settings, at: datetime
) -> list[User]:
    """The people a policy step names at ``at``, each once, whether or not they may open it."""
    people: list[User] = []
    for target in step.targets:
        if target == "on_duty":
            people.extend(on_duty(session, at))
        elif target == "next":
            upcoming = next_on_rota(session, at, settings.oncall_lookahead_days)
            people.extend(upcoming.people if upcoming else ())
        elif target == "team":
            people.extend(team(session, settings))
        else:
            name = target.removeprefix("user:").strip()
            user = session.scalars(select(User).where(User.username == name)).first()
            if user is not None:
                people.append(user)
    return list({user.id: user for user in people}.values())


def targets_for(
    session: Session, step: EscalationStep, case: Case, settings: Settings, at: datetime
) -> list[User]:
    """The people a policy step calls out for this case at ``at``: those who may open it."""
    return [
        user
        for user in named_by(session, step, settings, at)
        if may_open(session, user, case, settings)
    ]
