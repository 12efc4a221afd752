"""What the alert page of a new account shows beside the reason: who the account is.

The account's home wiki and creation time (as the watcher stored them), its lock status
from the lock log, and the link to Special:CentralAuth on the central wiki; for a
look-alike, both names side by side with the differing characters marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.locks.status import LockStatus, lock_statuses
from tools.models import Alert, NamePattern, NewAccount
from tools.patrol.account_watch import KINDS, LOOKALIKE, PATTERN
from tools.patrol.lookalikes import marked_pair


@dataclass(frozen=True)
class AccountView:
    """A new account's alert, ready for its page."""

    account: NewAccount | None
    lock: LockStatus
    centralauth_url: str
    reason: dict[str, Any]
    pattern: NamePattern | None
    pair: tuple[list[tuple[str, bool]], list[tuple[str, bool]]] | None


def is_account_alert(alert: Alert) -> bool:
    return alert.category in KINDS


def centralauth_url(central_api_url: str, name: str) -> str:
    """Special:CentralAuth of the account on the central wiki (Meta-Wiki)."""
    index = central_api_url.removesuffix("api.php") + "index.php"
    return f"{index}?title=Special:CentralAuth/{quote(name.replace(' ', '_'), safe='')}"


def account_view(session: Session, alert: Alert, central_api_url: str) -> AccountView:
    name = alert.page_title
    account = session.scalars(select(NewAccount).where(NewAccount.name == name)).one_or_none()
    lock = lock_statuses(session, [name], include_suppressed=False)[name]
    reason = alert.rules[0] if alert.rules and isinstance(alert.rules[0], dict) else {}
    pattern = None
    if alert.category == PATTERN and isinstance(reason.get("pattern_id"), int):
        pattern = session.get(NamePattern, reason["pattern_id"])
    pair = None
    if alert.category == LOOKALIKE and isinstance(reason.get("protected"), str):
        pair = marked_pair(name, reason["protected"])
    return AccountView(account, lock, centralauth_url(central_api_url, name), reason, pattern, pair)
