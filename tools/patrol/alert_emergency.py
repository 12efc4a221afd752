"""Emergency alerts call out by themselves (issue #24).

An alert in an emergency category (threat of violence, self-harm, terrorism, child
safety) at or above the patrol's threshold cannot wait for a specialist to open
/alerts and turn it into a case: in the transaction that stores it, its draft
(:func:`tools.patrol.alerts.draft_request`) is filed as an emergency without a
requester, which calls out the person on duty (:mod:`tools.cases.emergency`); the
callout mail links to the alert. The alert stays new: a specialist who takes it gets
that very case (:func:`tools.patrol.alerts.turn_into_case`), and one who dismisses it
stops the callouts (:func:`tools.patrol.alerts.dismiss`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tools import cases
from tools.base.config import Settings
from tools.models import Alert, Case, CaseSource
from tools.patrol.alerts import EMERGENCY_CATEGORIES, draft_request


def is_emergency(alert: Alert) -> bool:
    return alert.category in EMERGENCY_CATEGORIES


def raise_emergency(session: Session, alert: Alert, settings: Settings) -> Case | None:
    """File the alert as an emergency that pages the person on duty; None if not one.

    Filed once: the draft's submission key is the alert's, and an alert already
    linked to a case is left alone.
    """
    if not is_emergency(alert) or alert.case_id is not None:
        return None
    case = cases.file_request(
        session, None, draft_request(alert), settings, source=CaseSource.ALERT
    )
    alert.case_id = case.id
    session.flush()
    return case
