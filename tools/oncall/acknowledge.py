"""Acknowledging an emergency: from the case page or a callout mail's one-time link.

The acknowledging person takes the case through :mod:`tools.cases.lifecycle`, so the
timeline says so.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.base.config import Settings
from tools.base.messages import N_
from tools.cases.lifecycle import take_over
from tools.models import Callout, CalloutChain, CalloutStatus, Case, ChainStatus, User
from tools.oncall.callouts import chain_of, stop_chain, token_hash
from tools.oncall.errors import LinkRefused, OncallError
from tools.oncall.targets import may_open


def callout_by_token(session: Session, token: str) -> Callout | None:
    """The callout whose link carries ``token`` (only its hash is stored)."""
    if not token or len(token) > 128:
        return None
    digest = token_hash(token)
    callout = session.scalars(select(Callout).where(Callout.token_hash == digest)).first()
    if callout is None or not hmac.compare_digest(callout.token_hash or "", digest):
        return None
    return callout


def check_link(
    session: Session, callout: Callout | None, user: User, settings: Settings, at: datetime
) -> Callout:
    """Refuse a link that is unknown, used, expired, for someone else, or already answered."""
    if callout is None:
        raise LinkRefused("invalid", N_("This acknowledgement link is not valid."))
    if callout.user_id != user.id:
        name = callout.user.username if callout.user else "?"
        raise LinkRefused(
            "someone-else",
            N_("This callout was sent to %(name)s. Sign in as %(name)s to acknowledge it."),
            name=name,
        )
    if callout.status == CalloutStatus.ACKNOWLEDGED:
        raise LinkRefused("used", N_("This link was already used."))
    chain = chain_of(session, callout.case)
    if chain is not None and chain.status == ChainStatus.ACKNOWLEDGED:
        by = chain.acknowledged_by.username if chain.acknowledged_by else "?"
        raise LinkRefused(
            "answered", N_("This emergency was already acknowledged by %(name)s."), name=by
        )
    sent = callout.sent_at or callout.created_at
    if at > sent + timedelta(hours=settings.oncall_ack_link_hours):
        raise LinkRefused(
            "expired",
            N_("This acknowledgement link has expired. Open the case to acknowledge it."),
        )
    return callout


def acknowledge(
    session: Session, case: Case, user: User, settings: Settings, via: str = "case page"
) -> CalloutChain:
    """Stop the chain, mark the person's callouts acknowledged, the rest cancelled, and
    give them the case (through :mod:`tools.cases.lifecycle`, so the timeline says so)."""
    chain = chain_of(session, case)
    if chain is None:
        raise OncallError(N_("This case has no callout to acknowledge."))
    if not may_open(session, user, case, settings):
        raise OncallError(N_("Only restricted specialists may take a restricted case."))
    if not stop_chain(session, chain, case, user, clock.now(), via):
        session.refresh(chain, with_for_update=True)
        by = chain.acknowledged_by.username if chain.acknowledged_by else "?"
        raise OncallError(N_("This emergency was already acknowledged by %(name)s."), name=by)
    if case.assignee_id != user.id:
        take_over(session, case, user, case.assignee_id)
    return chain


def acknowledge_link(
    session: Session, token: str, user: User, settings: Settings, at: datetime
) -> Case:
    """Acknowledge through a callout mail's link: only its addressee, once, before it expires."""
    callout = check_link(session, callout_by_token(session, token), user, settings, at)
    acknowledge(session, callout.case, user, settings, via="link")
    return callout.case
