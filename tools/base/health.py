"""Is the tool healthy: database reachable, migrations current, each job alive.

Each job (lock logger, noticeboard patrol, on-call worker) records a heartbeat in its
``BotCheckpoint`` rows on every pass, idle or not. A job whose newest heartbeat is
older than its allowance (``health_jobs`` in settings) has stopped or is stuck: for
the on-call worker that means emergencies are not being called out, which is why a
stale job makes the whole report unhealthy rather than a footnote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tools.base.db import current_revision, head_revision
from tools.models import BotCheckpoint


@dataclass(frozen=True)
class JobHealth:
    name: str
    last_heartbeat: datetime | None
    allowed_seconds: int
    age_seconds: float | None

    @property
    def healthy(self) -> bool:
        return self.age_seconds is not None and self.age_seconds <= self.allowed_seconds


@dataclass(frozen=True)
class HealthReport:
    database: str  # "ok", or what went wrong (no credentials in it)
    migrations: str  # "current", or "at X, code expects Y"
    jobs: list[JobHealth] = field(default_factory=list)

    @property
    def web_healthy(self) -> bool:
        """What the webservice itself needs to serve pages."""
        return self.database == "ok" and self.migrations == "current"

    @property
    def healthy(self) -> bool:
        return self.web_healthy and all(job.healthy for job in self.jobs)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": self.database,
            "migrations": self.migrations,
            "jobs": {
                job.name: {
                    "healthy": job.healthy,
                    "last_heartbeat": job.last_heartbeat.isoformat()
                    if job.last_heartbeat
                    else None,
                    "age_seconds": None if job.age_seconds is None else round(job.age_seconds),
                    "allowed_seconds": job.allowed_seconds,
                }
                for job in self.jobs
            },
        }


def check(
    engine: Engine, session: Session, jobs: dict[str, int], at: datetime, with_jobs: bool = True
) -> HealthReport:
    """The state of the database, its schema and (unless ``with_jobs`` is false) each job."""
    try:
        session.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError as err:
        return HealthReport(
            database=f"unreachable: {type(getattr(err, 'orig', None) or err).__name__}",
            migrations="unknown",
        )
    expected = head_revision()
    migrations = "current" if revision == expected else f"at {revision}, code expects {expected}"
    if not with_jobs:
        return HealthReport(database="ok", migrations=migrations)
    beats = dict(
        session.execute(
            select(BotCheckpoint.bot, func.max(BotCheckpoint.heartbeat_at))
            .where(BotCheckpoint.bot.in_(list(jobs)))
            .group_by(BotCheckpoint.bot)
        ).all()
    )
    report = [
        JobHealth(
            name=name,
            last_heartbeat=beats.get(name),
            allowed_seconds=allowed,
            age_seconds=(at - beats[name]).total_seconds() if beats.get(name) else None,
        )
        for name, allowed in sorted(jobs.items())
    ]
    return HealthReport(database="ok", migrations=migrations, jobs=report)
