"""On call: the rota, callouts for emergencies, acknowledgement, escalation up the rota.

The rota is a weekly pattern (:class:`~tools.models.WeeklyShift`, UTC) plus one-off
shifts (:class:`~tools.models.Shift`): an override (a swap, a holiday cover) replaces
everyone the pattern has on duty while it lasts; a regular one-off shift adds a person.

An emergency starts a :class:`~tools.models.CalloutChain` in the transaction that files it
(:func:`call_out`, subscribed to :mod:`tools.cases.emergency` by
:func:`listen_for_emergencies`): one pending :class:`~tools.models.Callout` per person of
the policy's first step. The worker (:func:`run_due`, ``safetydesk oncall run``) sends
pending callouts and moves chains up the policy when a step's delay has passed without an
acknowledgement. All state is in the database, claimed by compare-and-set updates, so a
restarted worker forgets nothing and two workers never send the same callout or run the
same step twice. A callout mail names the case's reference and category and links to the
acknowledgement page; never its content.

This module only re-exports the public API; the rules live in its modules:
:mod:`~tools.oncall.rota` (who is on duty), :mod:`~tools.oncall.shifts` (editing the
rota), :mod:`~tools.oncall.targets` (who a step calls), :mod:`~tools.oncall.callouts`,
:mod:`~tools.oncall.worker`, :mod:`~tools.oncall.acknowledge` and
:mod:`~tools.oncall.overview` (what the pages show). They import their siblings, never
this facade.
"""

from __future__ import annotations

from tools.oncall.acknowledge import acknowledge, acknowledge_link, callout_by_token, check_link
from tools.oncall.callouts import ACTOR_LABEL, call_out, chain_of, listen_for_emergencies
from tools.oncall.errors import LinkRefused, OncallError
from tools.oncall.mails import callout_mail
from tools.oncall.overview import (
    WORKER_SILENCE,
    OpenEmergency,
    Overview,
    Status,
    open_emergencies,
    overview,
    status,
)
from tools.oncall.rota import (
    Duty,
    Segment,
    coverage,
    duties,
    gaps,
    is_timezone,
    local_time,
    next_on_rota,
    on_duty,
    timezone_names,
    upcoming_gaps,
)
from tools.oncall.shifts import (
    add_shift,
    add_weekly_shift,
    one_off_shifts,
    remove_shift,
    remove_weekly_shift,
    set_preferences,
    weekly_shifts,
)
from tools.oncall.targets import TEAM_ROLES, may_open, targets_for, team
from tools.oncall.worker import (
    BATCH,
    BOT,
    CLAIM_LEASE,
    FIRST_RETRY,
    STREAM,
    RunReport,
    last_heartbeat,
    run_due,
    worker_name,
)

__all__ = [
    "ACTOR_LABEL",
    "BATCH",
    "BOT",
    "CLAIM_LEASE",
    "FIRST_RETRY",
    "STREAM",
    "TEAM_ROLES",
    "WORKER_SILENCE",
    "Duty",
    "LinkRefused",
    "OncallError",
    "OpenEmergency",
    "Overview",
    "RunReport",
    "Segment",
    "Status",
    "acknowledge",
    "acknowledge_link",
    "add_shift",
    "add_weekly_shift",
    "call_out",
    "callout_by_token",
    "callout_mail",
    "chain_of",
    "check_link",
    "coverage",
    "duties",
    "gaps",
    "is_timezone",
    "last_heartbeat",
    "listen_for_emergencies",
    "local_time",
    "may_open",
    "next_on_rota",
    "on_duty",
    "one_off_shifts",
    "open_emergencies",
    "overview",
    "remove_shift",
    "remove_weekly_shift",
    "run_due",
    "set_preferences",
    "status",
    "targets_for",
    "team",
    "timezone_names",
    "upcoming_gaps",
    "weekly_shifts",
    "worker_name",
]
