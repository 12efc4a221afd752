"""Escalating a case to Security or Engineering: a Phabricator task that points back here.

The task says *that* a case needs the team and where to find it, never *what* the
case is: no title, description, subjects or evidence. A Phabricator task has
readers, subscribers, mail notifications and search indexes beyond Safety Desk's
control, and its policy can be loosened later by anyone with edit rights; private
data of requesters and involved accounts must stay in the tool, where every view
is on the timeline and the retention purge reaches it.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from tools.base.config import Settings
from tools.base.messages import N_
from tools.cases.errors import CaseError
from tools.cases.lifecycle import TRANSITIONS, move
from tools.cases.phabricator import Conduit, PhabricatorError
from tools.cases.timeline import add_event
from tools.models import Audience, Case, CaseStatus, User

Target = Literal["security", "engineering"]
TEAM_NAMES: dict[str, str] = {"security": "Security", "engineering": "Engineering"}


def task_title(case: Case, target: Target) -> str:
    return f"Safety Desk escalation {case.reference} to {TEAM_NAMES[target]}"


def task_description(case: Case, target: Target, settings: Settings) -> str:
    """Only the reference, the severity and the link: see the module's docstring for why."""
    link = f"{settings.public_url}/queue/{case.reference}"
    return (
        f"Safety Desk case **{case.reference}** (severity: {case.severity.value}) "
        f"was escalated to {TEAM_NAMES[target]}.\n\n"
        f"The details are in Safety Desk, for specialists only: {link}\n\n"
        "Please do not copy private details of the case into this task."
    )


def escalate_to_phabricator(
    session: Session,
    case: Case,
    specialist: User,
    target: Target,
    settings: Settings,
    client: Conduit | None = None,
) -> str:
    """Open a Phabricator task for ``case``, note it on the timeline, return its URL.

    The case moves to *escalated* when its life cycle allows it (from in progress
    or waiting); an already escalated case keeps its status and gains one more task.
    """
    if target not in TEAM_NAMES:
        raise CaseError(N_("Unknown escalation target: %(target)s."), target=str(target))
    project = (
        settings.phabricator_security_project
        if target == "security"
        else settings.phabricator_engineering_project
    )
    if not project:
        raise CaseError(
            N_("No Phabricator project is configured for %(team)s."), team=TEAM_NAMES[target]
        )
    moving = CaseStatus.ESCALATED in TRANSITIONS[case.status]
    if not moving and case.status != CaseStatus.ESCALATED:
        # Checked before the task exists, so a refused move leaves no orphan task behind.
        raise CaseError(
            N_("A case cannot be escalated while it is %(status)s."), status=case.status.value
        )
    conduit = client or Conduit(
        settings.phabricator_url,
        settings.phabricator_api_token.get_secret_value(),
        user_agent=settings.user_agent,
    )
    try:
        task = conduit.create_task(
            title=task_title(case, target),
            description=task_description(case, target, settings),
            projects=[project],
            view_policy=settings.phabricator_view_policy,
            edit_policy=settings.phabricator_view_policy,
        )
    except PhabricatorError as err:
        raise CaseError(
            N_("The Phabricator task could not be created: %(why)s"), why=str(err)
        ) from err
    if moving:
        move(session, case, specialist, CaseStatus.ESCALATED)
    data = {"target": target, "task": task.monogram, "url": task.url}
    add_event(session, case, "escalated", specialist, Audience.INTERNAL, data=data)
    return task.url
