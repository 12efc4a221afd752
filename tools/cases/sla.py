"""SLA promises and clocks: what the team promises per severity, and how a case stands.

Pure functions of a case and a moment, so the queue, the case page and the metrics
compute the same state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tools.base.config import Settings
from tools.models import Case, Severity


@dataclass(frozen=True)
class SlaPromise:
    first_response: timedelta
    resolution: timedelta


def sla_promise(severity: Severity, settings: Settings) -> SlaPromise:
    """What the team promises for a severity: first answer and resolution within…"""
    return SlaPromise(
        first_response=timedelta(minutes=settings.sla_first_response_minutes[severity.value]),
        resolution=timedelta(hours=settings.sla_resolution_hours[severity.value]),
    )


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # most of the target has passed
    BREACHED = "breached"  # past due, still running, or stopped too late
    MET = "met"  # stopped in time


@dataclass(frozen=True)
class SlaClock:
    """One promise of the SLA for one case, as it stands at a moment."""

    name: str  # "first_response" or "resolution"
    due_at: datetime
    state: ClockState
    stopped_at: datetime | None  # the first reply, or the resolution
    left: timedelta  # negative when overdue; up to the stop for a stopped clock


def sla_clocks(case: Case, at: datetime, warning_share: float = 0.75) -> list[SlaClock]:
    """The state of a case's SLA clocks at ``at``: a pure function of the case and the time.

    A clock warns once ``warning_share`` of the time from filing to its due time has
    passed, so a specialist hears of a breach before it happens.
    """
    clocks = []
    for name, due, stopped in (
        ("first_response", case.first_response_due_at, case.first_response_at),
        ("resolution", case.resolution_due_at, case.resolved_at or case.closed_at),
    ):
        if due is not None:
            clocks.append(_clock(name, case.created_at, due, stopped, at, warning_share))
    return clocks


def _clock(
    name: str,
    started: datetime,
    due: datetime,
    stopped: datetime | None,
    at: datetime,
    warning_share: float,
) -> SlaClock:
    end = stopped or at
    if stopped is not None:
        state = ClockState.MET if stopped <= due else ClockState.BREACHED
    elif at >= due:
        state = ClockState.BREACHED
    elif at >= started + (due - started) * warning_share:
        state = ClockState.WARNING
    else:
        state = ClockState.OK
    return SlaClock(name, due, state, stopped, due - end)


def nearest_running_clock(clocks: Sequence[SlaClock]) -> SlaClock | None:
    """The running clock due first: what the queue sorts and shows by."""
    running = [clock for clock in clocks if clock.stopped_at is None]
    return min(running, key=lambda clock: clock.due_at, default=None)
