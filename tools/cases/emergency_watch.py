"""Emergencies are never held back by the hourly limit; an unusual number of them is shown.

A person who files many emergencies in a day may be in real trouble, or may be using the
exemption to get around the limit: either way an admin should know (issue #17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tools.cases.filing import EMERGENCY_CATEGORIES
from tools.models import Case, Severity, User

#: More emergencies than this from one person within :data:`WINDOW` is unusual.
UNUSUAL = 3
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class FrequentFiler:
    username: str
    emergencies: int


def frequent_emergency_filers(session: Session, now: datetime) -> list[FrequentFiler]:
    """People who filed more than :data:`UNUSUAL` emergencies in the last :data:`WINDOW`."""
    count = func.count(Case.id)
    rows = session.execute(
        select(User.username, count)
        .join(Case, Case.requester_id == User.id)
        .where(
            Case.created_at >= now - WINDOW,
            or_(
                Case.severity == Severity.EMERGENCY,
                Case.category.in_(list(EMERGENCY_CATEGORIES)),
            ),
        )
        .group_by(User.username)
        .having(count > UNUSUAL)
        .order_by(count.desc(), User.username)
    )
    return [FrequentFiler(username, number) for username, number in rows]
