"""What the development OAuth provider remembers: consumers, authorization codes, tokens.

One SQLite file in the development wiki's folder, shared by the provider process,
which answers requests, and by :class:`~tools.devwiki.DevWiki` in other processes,
which registers consumers while the provider runs: WAL mode and a busy timeout let
both write. Secrets, codes and tokens are kept only as SHA-256 hashes: they are
random strings of 128 bits or more, so a slow password hash would add nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.base import clock

#: $wgOAuth2GrantExpirationInterval of Extension:OAuth: access tokens live 4 hours.
DEFAULT_TOKEN_LIFETIME = 4 * 3600
#: $wgOAuth2RefreshTokenTTL of Extension:OAuth.
REFRESH_TOKEN_LIFETIME = 365 * 24 * 3600
#: AuthorizationCodeAuthorization of Extension:OAuth: codes live 10 minutes.
CODE_LIFETIME = 600
#: What an identity-only consumer on Meta-Wiki is granted ("User identity verification only").
DEFAULT_GRANTS = ("mwoauth-authonly",)
DEFAULT_CONSUMER_NAME = "Safety Desk (development)"
#: The provider's SQLite file in the development wiki's folder.
DATABASE_FILE = "oauth.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS consumers (
    client_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    callback_is_prefix INTEGER NOT NULL,
    confidential INTEGER NOT NULL,
    grants TEXT NOT NULL,
    token_lifetime INTEGER NOT NULL,
    registered REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    redirect_uri TEXT,
    scopes TEXT NOT NULL,
    challenge TEXT,
    challenge_method TEXT,
    expires REAL NOT NULL,
    used REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires REAL NOT NULL,
    code_hash TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_by_code ON tokens (code_hash);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def digest(value: str) -> str:
    """The SHA-256 hash under which a secret, code or token is stored."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def now() -> float:
    """Seconds since the epoch from the one clock, so that tests can move time."""
    return clock.now().timestamp()


@dataclass(frozen=True)
class WikiUser:
    """The wiki account an authorization was given by."""

    id: int
    name: str


@dataclass(frozen=True)
class OAuthConsumer:
    """A registered OAuth 2.0 client, with its secret: what a tool's settings need.

    ``callback_url`` is the registered redirect URI, or its prefix when
    ``callback_is_prefix`` (see :func:`tools.devwiki.oauth_server.redirect_uri_matches`).
    """

    client_id: str
    client_secret: str
    callback_url: str
    callback_is_prefix: bool = False
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    grants: tuple[str, ...] = DEFAULT_GRANTS
    confidential: bool = True
    name: str = DEFAULT_CONSUMER_NAME

    def to_json(self) -> dict[str, Any]:
        """The consumer as ``credentials.json`` keeps it."""
        return asdict(self) | {"grants": list(self.grants)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OAuthConsumer:
        """Read back what :meth:`to_json` wrote (other keys are ignored)."""
        return cls(
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            callback_url=data["callback_url"],
            callback_is_prefix=bool(data.get("callback_is_prefix", False)),
            token_lifetime=int(data.get("token_lifetime", DEFAULT_TOKEN_LIFETIME)),
            grants=tuple(data.get("grants", DEFAULT_GRANTS)),
            confidential=bool(data.get("confidential", True)),
            name=data.get("name", DEFAULT_CONSUMER_NAME),
        )


@dataclass(frozen=True)
class StoredConsumer:
    """A consumer as the provider knows it: the hash of its secret, never the secret."""

    client_id: str
    secret_hash: str
    name: str
    callback_url: str
    callback_is_prefix: bool
    confidential: bool
    grants: tuple[str, ...]
    token_lifetime: int

    def secret_matches(self, secret: str) -> bool:
        """Constant-time comparison of a presented secret with the stored hash."""
        return hmac.compare_digest(digest(secret), self.secret_hash)


@dataclass(frozen=True)
class AuthCode:
    """An authorization code: who allowed which client, to be traded once for a token."""

    code_hash: str
    client_id: str
    user: WikiUser
    redirect_uri: str | None  # None: the request named none, the registered one was used
    scopes: tuple[str, ...]
    challenge: str | None
    challenge_method: str | None
    expires: float
    used: float | None


@dataclass(frozen=True)
class IssuedToken:
    """An access or refresh token as stored."""

    token_hash: str
    kind: str
    client_id: str
    user: WikiUser
    scopes: tuple[str, ...]
    expires: float
    code_hash: str | None
    revoked: bool

    @property
    def usable(self) -> bool:
        """Neither revoked nor expired."""
        return not self.revoked and self.expires > now()


class OAuthStore:
    """The provider's SQLite file; every method opens its own short connection (thread-safe)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            # Created private before SQLite opens it: it holds the CSRF key and token hashes.
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commits, or rolls back on an exception
                yield db
        finally:
            db.close()

    # Consumers

    def register(
        self,
        callback_url: str,
        *,
        callback_is_prefix: bool = False,
        token_lifetime: int | None = None,
        grants: Sequence[str] = DEFAULT_GRANTS,
        confidential: bool = True,
        name: str = DEFAULT_CONSUMER_NAME,
    ) -> OAuthConsumer:
        """A new approved consumer; the only time its secret is seen in clear."""
        lifetime = DEFAULT_TOKEN_LIFETIME if token_lifetime is None else int(token_lifetime)
        if lifetime < 1:
            raise ValueError("token_lifetime must be at least one second")
        # The lengths of Extension:OAuth's keys: 32 hex digits, secrets 40.
        consumer = OAuthConsumer(
            client_id=secrets.token_hex(16),
            client_secret=secrets.token_hex(20),
            callback_url=callback_url,
            callback_is_prefix=callback_is_prefix,
            token_lifetime=lifetime,
            grants=tuple(grants),
            confidential=confidential,
            name=name,
        )
        with self._connect() as db:
            db.execute(
                "INSERT INTO consumers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    consumer.client_id,
                    digest(consumer.client_secret),
                    name,
                    callback_url,
                    int(callback_is_prefix),
                    int(confidential),
                    json.dumps(list(consumer.grants)),
                    lifetime,
                    now(),
                ),
            )
        return consumer

    def consumer(self, client_id: str) -> StoredConsumer | None:
        """The consumer of that client ID, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM consumers WHERE client_id = ?", (client_id,)).fetchone()
        if row is None:
            return None
        return StoredConsumer(
            client_id=row["client_id"],
            secret_hash=row["secret_hash"],
            name=row["name"],
            callback_url=row["callback_url"],
            callback_is_prefix=bool(row["callback_is_prefix"]),
            confidential=bool(row["confidential"]),
            grants=tuple(json.loads(row["grants"])),
            token_lifetime=row["token_lifetime"],
        )

    # Authorization codes

    def save_code(
        self,
        code: str,
        client_id: str,
        user: WikiUser,
        redirect_uri: str | None,
        scopes: Sequence[str],
        challenge: str | None,
        challenge_method: str | None,
    ) -> None:
        """Remember a new code for :data:`CODE_LIFETIME` seconds."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    digest(code),
                    client_id,
                    user.id,
                    user.name,
                    redirect_uri,
                    json.dumps(list(scopes)),
                    challenge,
                    challenge_method if challenge else None,
                    now() + CODE_LIFETIME,
                ),
            )
            self._purge(db)

    def code(self, code: str) -> AuthCode | None:
        """The stored code, used or not, expired or not; None if it was never issued."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM codes WHERE code_hash = ?", (digest(code),)).fetchone()
        if row is None:
            return None
        return AuthCode(
            code_hash=row["code_hash"],
            client_id=row["client_id"],
            user=WikiUser(row["user_id"], row["username"]),
            redirect_uri=row["redirect_uri"],
            scopes=tuple(json.loads(row["scopes"])),
            challenge=row["challenge"],
            challenge_method=row["challenge_method"],
            expires=row["expires"],
            used=row["used"],
        )

    def claim_code(self, code: str) -> bool:
        """Mark an unused, unexpired code used; False if another request was first."""
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE codes SET used = ? WHERE code_hash = ? AND used IS NULL AND expires > ?",
                (now(), digest(code), now()),
            )
        return cursor.rowcount == 1

    # Tokens

    def save_token(
        self,
        token: str,
        kind: str,
        client_id: str,
        user: WikiUser,
        scopes: Sequence[str],
        lifetime: float,
        code_hash: str | None = None,
    ) -> None:
        """Remember an access or refresh token for ``lifetime`` seconds."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    digest(token),
                    kind,
                    client_id,
                    user.id,
                    user.name,
                    json.dumps(list(scopes)),
                    now() + lifetime,
                    code_hash,
                ),
            )

    def token(self, token: str, kind: str) -> IssuedToken | None:
        """The stored token of that kind, usable or not; None if it was never issued."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM tokens WHERE token_hash = ? AND kind = ?", (digest(token), kind)
            ).fetchone()
        if row is None:
            return None
        return IssuedToken(
            token_hash=row["token_hash"],
            kind=row["kind"],
            client_id=row["client_id"],
            user=WikiUser(row["user_id"], row["username"]),
            scopes=tuple(json.loads(row["scopes"])),
            expires=row["expires"],
            code_hash=row["code_hash"],
            revoked=bool(row["revoked"]),
        )

    def revoke_token(self, token_hash: str) -> None:
        """Revoke one token by its hash (a refresh token that was traded in)."""
        with self._connect() as db:
            db.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (token_hash,))

    def revoke_tokens_of_code(self, code_hash: str) -> int:
        """Revoke every token that came from a code (RFC 6749 §4.1.2: a code used twice)."""
        with self._connect() as db:
            cursor = db.execute("UPDATE tokens SET revoked = 1 WHERE code_hash = ?", (code_hash,))
        return cursor.rowcount

    # Settings

    def secret_key(self, name: str) -> bytes:
        """A random key kept across restarts (it signs the authorization form's CSRF token)."""
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO settings VALUES (?, ?)", (name, secrets.token_hex(32))
            )
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return bytes.fromhex(row["value"])

    @staticmethod
    def _purge(db: sqlite3.Connection) -> None:
        """Forget codes and tokens that expired a day ago (kept a while to name replays)."""
        horizon = now() - 24 * 3600
        db.execute("DELETE FROM codes WHERE expires < ?", (horizon,))
        db.execute("DELETE FROM tokens WHERE expires < ?", (horizon,))
