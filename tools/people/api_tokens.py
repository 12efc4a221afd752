"""Personal API tokens: made by a signed-in person, shown once, stored only as a hash.

A token carries scopes; what it may do at a given moment is its scopes intersected
with what its owner may do *then* (:func:`token_permissions`), so a role taken from
the owner leaves every token of theirs at once. The secret is 32 random bytes in
URL-safe base64 after the ``sdk_`` prefix, which secret scanners can look for;
SHA-256 of a secret that random is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tools.base.clock import now
from tools.base.messages import N_, N_plural, TranslatableError
from tools.models import ApiToken, User
from tools.people.roles import Permission

PREFIX = "sdk_"
HINT_LENGTH = len(PREFIX) + 4
MAX_LIFETIME = timedelta(days=365)
NAME_MAX = 100


class Scope(StrEnum):
    READ_OWN = "read-own"
    FILE = "file"
    READ_CASES = "read-cases"
    ACT_CASES = "act-cases"
    READ_LOCKS = "read-locks"


#: What each scope may lend of its owner's permissions (never more than the owner has).
SCOPE_PERMISSIONS: Mapping[Scope, frozenset[Permission]] = {
    Scope.READ_OWN: frozenset({Permission.VIEW_OWN_REQUESTS}),
    Scope.FILE: frozenset({Permission.FILE_REQUEST}),
    Scope.READ_CASES: frozenset(
        {Permission.VIEW_QUEUE, Permission.VIEW_RESTRICTED_CASES, Permission.VIEW_ALERTS}
    ),
    Scope.ACT_CASES: frozenset(
        {
            Permission.VIEW_QUEUE,
            Permission.VIEW_RESTRICTED_CASES,
            Permission.ACT_ON_CASES,
            Permission.VIEW_ALERTS,
            Permission.ACT_ON_ALERTS,
        }
    ),
    Scope.READ_LOCKS: frozenset({Permission.VIEW_LOCK_LOG, Permission.VIEW_SUPPRESSED_LOCKS}),
}

SCOPE_LABELS: Mapping[Scope, str] = {
    Scope.READ_OWN: N_("Read your own requests and their threads"),
    Scope.FILE: N_("File requests"),
    Scope.READ_CASES: N_("Read cases, alerts and queue statistics"),
    Scope.ACT_CASES: N_("Work on cases and alerts: move, claim, note, reply, dismiss"),
    Scope.READ_LOCKS: N_("Search the global lock log"),
}


class TokenError(TranslatableError):
    """A token that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` exists only here, to be shown once."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def usable_scopes(permissions: Iterable[Permission]) -> list[Scope]:
    """The scopes that would lend someone with these permissions anything at all."""
    held = frozenset(permissions)
    return [scope for scope in Scope if SCOPE_PERMISSIONS[scope] & held]


def create_token(
    session: Session,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime,
    wiki_roles: Iterable[str],
) -> NewToken:
    """Make a token for ``user``; ``wiki_roles`` are those of the session making it."""
    at = now()
    chosen = sorted({Scope(scope) for scope in scopes})
    if not name.strip() or len(name.strip()) > NAME_MAX:
        raise TokenError(
            N_plural(
                "A token needs a name of at most %(num)d character.",
                "A token needs a name of at most %(num)d characters.",
            ),
            num=NAME_MAX,
        )
    if not chosen:
        raise TokenError(N_("Choose at least one scope."))
    if not at < expires_at <= at + MAX_LIFETIME:
        raise TokenError(N_("A token expires within a year, and not in the past."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=hash_secret(secret),
        hint=secret[:HINT_LENGTH],
        scopes=[scope.value for scope in chosen],
        wiki_roles=sorted(set(wiki_roles)),
        roles_checked_at=at,
        created_at=at,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def find_usable(session: Session, secret: str, at: datetime) -> ApiToken | None:
    """The token with this secret if it is neither expired nor revoked; else None."""
    if not secret.startswith(PREFIX):
        return None
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
    ).first()
    if token is None or token.revoked_at is not None or token.expires_at <= at:
        return None
    return token


def record_use(token: ApiToken, at: datetime, address: str | None) -> None:
    """When and from where a token was last used (the address is purged by retention)."""
    token.last_used_at = at
    token.last_used_ip = (address or "")[:45] or None


def token_permissions(
    token: ApiToken, owner_permissions: Iterable[Permission]
) -> frozenset[Permission]:
    """What the token may do now: its scopes' permissions that its owner holds now."""
    lent: set[Permission] = set()
    for scope in token.scopes:
        if scope in Scope.__members__.values():
            lent |= SCOPE_PERMISSIONS[Scope(scope)]
    return frozenset(lent) & frozenset(owner_permissions)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A person's tokens, newest first, revoked and expired ones included (their history)."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the person's own tokens; someone else's is as good as absent."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise TokenError(N_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = now()
    session.flush()


def forget_addresses(session: Session, cutoff: datetime) -> int:
    """Clear the last-use address of tokens not used since ``cutoff`` (retention)."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.last_used_ip.is_not(None), ApiToken.last_used_at < cutoff)
        .values(last_used_ip=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
