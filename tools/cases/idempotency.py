"""``Idempotency-Key`` for filing through the API: a script that retries files once.

The key is remembered per person with the SHA-256 of the request's body. The same
key with the same body answers with the case the first call made; the same key with
another body is refused (it is a mistake in the script, not a retry). The case also
gets a submission key derived from the person and the key, so two retries racing
each other still make one case (:func:`tools.cases.file_request`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.messages import N_
from tools.cases.errors import CaseError
from tools.cases.filing import NewRequest, file_request
from tools.models import ApiIdempotencyKey, Case, CaseSource, User

KEY_MAX = 255


class IdempotencyConflict(CaseError):
    """The key was used before for a different request."""


@dataclass(frozen=True)
class Filed:
    case: Case
    replayed: bool  # True: an earlier call with this key made the case


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def submission_key(user_id: int, key: str) -> str:
    """The case's submission key for this person's idempotency key (64 hex digits)."""
    return hashlib.sha256(f"api:{user_id}:{key}".encode()).hexdigest()


def file_once(
    session: Session,
    requester: User,
    request: NewRequest,
    settings: Settings,
    key: str,
    digest: str,
) -> Filed:
    """File ``request`` unless this person already filed it under ``key``."""
    earlier = _remembered(session, requester.id, key, digest)
    if earlier is not None:
        return earlier
    keyed = replace(request, submission_key=submission_key(requester.id, key))
    case = file_request(session, requester, keyed, settings, source=CaseSource.API)
    try:
        with session.begin_nested():
            session.add(
                ApiIdempotencyKey(
                    user_id=requester.id,
                    key=key,
                    body_hash=digest,
                    case_id=case.id,
                    created_at=now(),
                )
            )
    except IntegrityError:  # a retry racing this one remembered the key first
        earlier = _remembered(session, requester.id, key, digest)
        if earlier is None:
            raise
        return earlier
    return Filed(case, replayed=False)


def _remembered(session: Session, user_id: int, key: str, digest: str) -> Filed | None:
    row = session.scalars(
        select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.user_id == user_id, ApiIdempotencyKey.key == key
        )
    ).first()
    if row is None:
        return None
    if row.body_hash != digest or row.case is None:
        raise IdempotencyConflict(
            N_("This Idempotency-Key was already used for a different request.")
        )
    return Filed(row.case, replayed=True)


def forget_before(session: Session, cutoff: datetime) -> int:
    """Drop keys older than ``cutoff``: a retry comes within hours, not months (retention)."""
    result = session.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
