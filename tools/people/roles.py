"""Who may do what: a Wikimedia account's groups -> Safety Desk roles -> permissions.

Roles come from two places. ``functionary`` follows from the wikis: any listed
group, local on any wiki or global, makes someone a functionary, so it appears and
disappears with the group itself. ``specialist``, ``restricted-specialist`` and
``admin`` are given inside the tool (or listed in the settings to bootstrap a new
installation), because being Trust & Safety staff is not a wiki group.
A blocked or globally locked account gets no role at all: it gets no session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tools.base.config import Settings
from tools.base.messages import N_


class Role(StrEnum):
    USER = "user"  # any signed-in account in good standing
    FUNCTIONARY = "functionary"
    SPECIALIST = "specialist"
    RESTRICTED_SPECIALIST = "restricted-specialist"  # also sees child-protection cases
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Its name for people, in English: translate it where it is shown."""
        return ROLE_LABELS[self]


#: Roles an admin can give or take in the tool; the others follow from the wikis.
GRANTABLE_ROLES = (Role.SPECIALIST, Role.RESTRICTED_SPECIALIST, Role.ADMIN)


class Permission(StrEnum):
    FILE_REQUEST = "file-request"
    VIEW_OWN_REQUESTS = "view-own-requests"
    VIEW_QUEUE = "view-queue"
    ACT_ON_CASES = "act-on-cases"
    VIEW_RESTRICTED_CASES = "view-restricted-cases"
    VIEW_LOCK_LOG = "view-lock-log"
    VIEW_SUPPRESSED_LOCKS = "view-suppressed-locks"  # hidden accounts: the suppress log
    MANAGE_ROTA = "manage-rota"
    MANAGE_ROLES = "manage-roles"
    MANAGE_CANNED_RESPONSES = "manage-canned-responses"
    VIEW_ALERTS = "view-alerts"  # the noticeboard patrol's alerts
    ACT_ON_ALERTS = "act-on-alerts"  # dismiss one, or turn it into a case

    @property
    def label(self) -> str:
        """What it lets someone do, in English: translate it where it is shown."""
        return PERMISSION_LABELS[self]


ROLE_LABELS: Mapping[Role, str] = {
    Role.USER: N_("user"),
    Role.FUNCTIONARY: N_("functionary"),
    Role.SPECIALIST: N_("specialist"),
    Role.RESTRICTED_SPECIALIST: N_("restricted specialist"),
    Role.ADMIN: N_("tool admin"),  # not a wiki's admin (sysop)
}

PERMISSION_LABELS: Mapping[Permission, str] = {
    Permission.FILE_REQUEST: N_("File requests"),
    Permission.VIEW_OWN_REQUESTS: N_("Follow your own requests"),
    Permission.VIEW_QUEUE: N_("See the queue of cases"),
    Permission.ACT_ON_CASES: N_("Work on cases"),
    Permission.VIEW_RESTRICTED_CASES: N_("See restricted (child protection) cases"),
    Permission.VIEW_LOCK_LOG: N_("Search the global lock log"),
    Permission.VIEW_SUPPRESSED_LOCKS: N_("See hidden accounts in the global lock log"),
    Permission.MANAGE_ROTA: N_("Manage the on-call rota"),
    Permission.MANAGE_ROLES: N_("Give and take roles"),
    Permission.MANAGE_CANNED_RESPONSES: N_("Manage canned responses"),
    Permission.VIEW_ALERTS: N_("See the noticeboard patrol's alerts"),
    Permission.ACT_ON_ALERTS: N_("Dismiss alerts or turn them into cases"),
}


_SPECIALIST = frozenset(
    {
        Permission.VIEW_QUEUE,
        Permission.ACT_ON_CASES,
        Permission.FILE_REQUEST,
        Permission.VIEW_OWN_REQUESTS,
        # Cases name hidden accounts; on the wikis only oversighters see the suppress log.
        Permission.VIEW_SUPPRESSED_LOCKS,
        Permission.VIEW_ALERTS,
        Permission.ACT_ON_ALERTS,
    }
)

#: The one table of permissions. Roles add up: a person holds the union of theirs.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    # The lock log is public on Meta-Wiki already; the tool only makes it searchable.
    Role.USER: frozenset({Permission.VIEW_LOCK_LOG}),
    Role.FUNCTIONARY: frozenset({Permission.FILE_REQUEST, Permission.VIEW_OWN_REQUESTS}),
    Role.SPECIALIST: _SPECIALIST,
    Role.RESTRICTED_SPECIALIST: _SPECIALIST | {Permission.VIEW_RESTRICTED_CASES},
    # Admins run the tool; reading cases takes a specialist role as well (least privilege).
    Role.ADMIN: frozenset(
        {Permission.MANAGE_ROTA, Permission.MANAGE_ROLES, Permission.MANAGE_CANNED_RESPONSES}
    ),
}


#: Why a hidden (suppressed) account, or one that disappeared, may not sign in.
HIDDEN_ACCOUNT = N_("This account is hidden or no longer exists on the wikis.")


@dataclass(frozen=True)
class Refusal:
    """Why an account may not sign in: an English message marked with :func:`N_` and its values.

    The web tool shows it translated, ``_(refusal.message, **refusal.variables)``;
    ``str()`` gives the English text (logs, tests).
    """

    message: str
    variables: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.variables if self.variables else self.message


@dataclass(frozen=True)
class WikiAccount:
    """What the wikis say about an account: its groups everywhere, and whether it may act."""

    username: str
    central_id: int | None = None
    local_groups: frozenset[str] = frozenset()  # on the central wiki (Meta-Wiki)
    global_groups: frozenset[str] = frozenset()
    merged: Mapping[str, frozenset[str]] = field(default_factory=dict)  # wiki -> local groups
    blocked: bool = False  # blocked sitewide on the central wiki, or globally
    block_reason: str = ""
    globally_blocked: bool = False
    locked: bool = False
    # The gender preference (male, female, unknown) the wiki shares, for {{GENDER:}}-like words.
    gender: str = "unknown"

    def all_groups(self) -> frozenset[str]:
        groups = set(self.local_groups) | set(self.global_groups)
        for wiki_groups in self.merged.values():
            groups |= wiki_groups
        return frozenset(groups)

    def refusal(self) -> Refusal | None:
        """Why this account may not sign in, in words for the person; None when it may."""
        if self.locked:
            return Refusal(N_("This account is globally locked."))
        if self.globally_blocked:
            return Refusal(
                N_("This account is globally blocked. The reason given: %(reason)s"),
                {"reason": self.block_reason or "-"},
            )
        if self.blocked and self.block_reason:
            return Refusal(
                N_("This account is blocked on the central wiki. The reason given: %(reason)s"),
                {"reason": self.block_reason},
            )
        if self.blocked:
            return Refusal(N_("This account is blocked on the central wiki."))
        return None


def wiki_roles(account: WikiAccount, functionary_groups: Iterable[str]) -> frozenset[Role]:
    """Roles that follow from the wikis alone (none for a blocked or locked account)."""
    if account.refusal():
        return frozenset()
    roles = {Role.USER}
    if account.all_groups() & set(functionary_groups):
        roles.add(Role.FUNCTIONARY)
    return frozenset(roles)


def bootstrap_roles(username: str, settings: Settings) -> frozenset[Role]:
    """Roles the settings give by name, so a new installation has its first admin."""
    listed = {
        Role.SPECIALIST: settings.bootstrap_specialists,
        Role.RESTRICTED_SPECIALIST: settings.bootstrap_restricted_specialists,
        Role.ADMIN: settings.bootstrap_admins,
    }
    return frozenset(role for role, names in listed.items() if username in names)


def effective_roles(
    from_wikis: Iterable[Role], granted: Iterable[str], bootstrap: Iterable[Role]
) -> frozenset[Role]:
    """All roles of a signed-in person; tool roles count only for an account in good standing."""
    roles = frozenset(from_wikis)
    if Role.USER not in roles:
        return frozenset()
    known = {role.value for role in GRANTABLE_ROLES}
    extra = {Role(name) for name in granted if name in known} | set(bootstrap)
    return roles | extra


def permissions_for(roles: Iterable[Role]) -> frozenset[Permission]:
    result: set[Permission] = set()
    for role in roles:
        result |= ROLE_PERMISSIONS[role]
    return frozenset(result)


# --- reading the wikis' answers ------------------------------------------------


def account_from_api(username: str, query: Mapping[str, Any]) -> WikiAccount:
    """Build a :class:`WikiAccount` from one api.php ``query`` answer (formatversion 2).

    The request is ``list=users|globalblocks&usprop=groups|blockinfo|centralids|gender``
    together with ``meta=globaluserinfo&guiprop=groups|merged`` for the same name, so
    one round trip to Meta-Wiki tells local groups, blocks, global groups, lock and
    every merged account's groups.

    The one rule of blocks, at sign-in and at every refresh: a sitewide block on the
    central wiki or a global block refuses; a partial block does not (it limits some
    pages, not the person's standing). A lock or a hidden account always refuses.
    """
    users = query.get("users") or [{}]
    local = users[0]
    global_info = query.get("globaluserinfo") or {}
    sitewide = "blockid" in local and not local.get("blockpartial", False)
    global_blocks = [
        block
        for block in query.get("globalblocks") or ()
        if str(block.get("target", "")).replace("_", " ") == local.get("name", username)
    ]
    blocked = sitewide or bool(global_blocks)
    if sitewide:
        reason = str(local.get("blockreason", ""))
    else:
        reason = str(global_blocks[0].get("reason", "")) if global_blocks else ""
    merged = {
        entry["wiki"]: frozenset(entry.get("groups", ()))
        for entry in global_info.get("merged", ())
        if "wiki" in entry
    }
    central_id = global_info.get("id") or (local.get("centralids") or {}).get("CentralAuth")
    return WikiAccount(
        username=local.get("name", username),
        central_id=int(central_id) if central_id else None,
        local_groups=frozenset(local.get("groups", ())),
        global_groups=frozenset(global_info.get("groups", ())),
        merged=merged,
        blocked=blocked,
        block_reason=reason,
        globally_blocked=bool(global_blocks) and not sitewide,
        locked=_is_set(global_info.get("locked")),
        gender=local.get("gender") if local.get("gender") in ("male", "female") else "unknown",
    )


def _is_set(flag: Any) -> bool:
    """MediaWiki flags: ``""`` (formatversion 1) or ``true`` (2) when present."""
    return flag is not None and flag is not False
