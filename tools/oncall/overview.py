"""What the specialists' pages show: open emergencies, the rota ahead, a silent worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base.config import Settings
from tools.models import Callout, CalloutChain, CalloutStatus, ChainStatus, Shift, User, WeeklyShift
from tools.oncall.rota import Segment, coverage, next_on_rota, upcoming_gaps
from tools.oncall.shifts import one_off_shifts, weekly_shifts
from tools.oncall.targets import is_restricted_specialist
from tools.oncall.worker import last_heartbeat


@dataclass(frozen=True)
class OpenEmergency:
    """An emergency nobody has acknowledged yet, as the banner shows it."""

    reference: str
    category: str
    restricted: bool  # only restricted specialists see its category
    filed_at: datetime
    exhausted: bool
    called: list[str]
    undelivered: list[tuple[str, str]]  # (person, why)


def open_emergencies(session: Session) -> list[OpenEmergency]:
    """Unacknowledged emergencies, oldest first, with whom they called out and what failed."""
    chains = session.scalars(
        select(CalloutChain)
        .where(CalloutChain.status.in_([ChainStatus.ACTIVE, ChainStatus.EXHAUSTED]))
        .order_by(CalloutChain.created_at)
    ).all()
    result = []
    for chain in chains:
        callouts = session.scalars(
            select(Callout).where(Callout.case_id == chain.case_id).order_by(Callout.id)
        ).all()
        called = list(dict.fromkeys(c.user.username for c in callouts if c.user))
        undelivered = [
            (c.user.username if c.user else "?", c.last_error or "")
            for c in callouts
            if c.status == CalloutStatus.FAILED
            or (c.status == CalloutStatus.PENDING and c.last_error)
        ]
        case = chain.case
        result.append(
            OpenEmergency(
                reference=case.reference or "",
                category=case.category.value,
                restricted=case.restricted,
                filed_at=case.created_at,
                exhausted=chain.status == ChainStatus.EXHAUSTED,
                called=called,
                undelivered=undelivered,
            )
        )
    return result


@dataclass(frozen=True)
class Overview:
    """The rota as its page shows it: now, next, the days ahead and their gaps."""

    at: datetime
    on_duty: list[User]
    next: Segment | None
    segments: list[Segment]
    gaps: list[Segment]
    restricted_gaps: list[Segment]  # people on duty, none of them a restricted specialist
    weekly: list[WeeklyShift]
    one_offs: list[Shift]


def overview(session: Session, settings: Settings, at: datetime) -> Overview:
    segments = coverage(session, at, at + timedelta(days=settings.oncall_lookahead_days))
    return Overview(
        at=at,
        on_duty=list(segments[0].people) if segments else [],
        next=next_on_rota(session, at, settings.oncall_lookahead_days),
        segments=segments,
        gaps=[segment for segment in segments if not segment.people],
        restricted_gaps=without_restricted(session, settings, segments),
        weekly=weekly_shifts(session),
        one_offs=one_off_shifts(session, at),
    )


def without_restricted(
    session: Session, settings: Settings, segments: list[Segment]
) -> list[Segment]:
    """Stretches with someone on duty but no restricted specialist (joined when adjacent)."""
    found: list[Segment] = []
    for segment in segments:
        if not segment.people or any(
            is_restricted_specialist(session, user, settings) for user in segment.people
        ):
            continue
        if found and found[-1].ends_at == segment.starts_at:
            last = found[-1]
            people = tuple({u.id: u for u in (*last.people, *segment.people)}.values())
            found[-1] = Segment(last.starts_at, segment.ends_at, people)
        else:
            found.append(segment)
    return found


@dataclass(frozen=True)
class Status:
    """What the specialists' pages warn about: open emergencies, rota gaps, a silent worker."""

    emergencies: list[OpenEmergency]
    gaps: list[Segment]
    worker_seen_at: datetime | None
    worker_silent: bool


#: The worker polls every few seconds; silent longer than this, the banner says so.
WORKER_SILENCE = timedelta(minutes=5)


def status(session: Session, settings: Settings, at: datetime) -> Status:
    seen = last_heartbeat(session)
    emergencies = open_emergencies(session)
    return Status(
        emergencies=emergencies,
        gaps=upcoming_gaps(session, settings, at),
        worker_seen_at=seen,
        worker_silent=bool(emergencies) and (seen is None or at - seen > WORKER_SILENCE),
    )
