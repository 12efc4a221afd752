"""Load the demo data in one transaction, once, and mark the database as a demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tools.base import checkpoints
from tools.base.config import Settings
from tools.demo import desk, watch
from tools.oncall import listen_for_emergencies
from tools.people import demo as demo_people

#: The checkpoint that marks a demo database (not a job: /healthz does not watch it).
MARKER = ("demo", "data")


class DemoAlreadyLoaded(Exception):
    """The database holds the demo data already; loading it twice would double the week."""


@dataclass(frozen=True)
class Loaded:
    """What was loaded, for the command's one line."""

    cases: int
    alerts: int
    lock_entries: int
    canned: int


def is_loaded(session: Session) -> bool:
    """Whether this database holds the demo data (the banner on every page)."""
    return checkpoints.find(session, *MARKER) is not None


def load(session: Session, settings: Settings, at: datetime, lock_entries: int = 3000) -> Loaded:
    """Write the demo week ending at ``at`` in the caller's transaction."""
    if settings.environment != "development":
        raise DemoAlreadyLoaded("demo data is for development databases only")
    if is_loaded(session):
        raise DemoAlreadyLoaded("this database holds the demo data already")
    listen_for_emergencies()  # emergencies filed here are called out, as everywhere
    users = {
        person.username: demo_people.grant_tool_roles(session, person)
        for person in demo_people.people()
    }
    desk.rota(session, users, at)
    canned = desk.canned_responses(session, users)
    filed = desk.file_cases(session, settings, users, at)
    alerts = watch.alerts(session, users, at)
    entries = watch.lock_log(session, at, lock_entries)
    checkpoints.save(session, *MARKER, {"loaded_at": at.isoformat()})
    session.flush()
    return Loaded(cases=filed, alerts=alerts, lock_entries=entries, canned=canned)
