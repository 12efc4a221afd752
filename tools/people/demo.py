"""The demo people: one-click identities for a development desk without a wiki.

They come from one data file, ``data/demo_people.toml``, written as the wikis would
describe each person. :func:`account` turns an entry into the ``api.php`` answer
Meta-Wiki would give (``list=users|globalblocks`` + ``meta=globaluserinfo``) and reads it
with :func:`tools.people.roles.account_from_api`, the very code of the real sign-in and
of every refresh, so groups, blocks and locks mean the same thing here as there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.models import RoleGrant, User
from tools.people.accounts import grant_role
from tools.people.roles import GRANTABLE_ROLES, WikiAccount, account_from_api

DATA_FILE = Path(__file__).with_name("data") / "demo_people.toml"


@dataclass(frozen=True)
class DemoPerson:
    """One entry of the data file: what the wikis say, and the roles granted in the tool."""

    username: str
    account: WikiAccount
    tool_roles: tuple[str, ...]


class NotADemoPerson(LookupError):
    """No demo person has that name (the wiki would answer "missing")."""


@cache
def people() -> tuple[DemoPerson, ...]:
    """Every demo person, in the file's order."""
    with DATA_FILE.open("rb") as handle:
        entries = tomllib.load(handle)["person"]
    known = {role.value for role in GRANTABLE_ROLES}
    found = []
    for entry in entries:
        roles = tuple(entry.get("tool_roles", ()))
        if set(roles) - known:
            raise ValueError(f"{DATA_FILE}: unknown tool role in {roles!r}")
        answer = api_answer(entry)
        found.append(
            DemoPerson(entry["username"], account_from_api(entry["username"], answer), roles)
        )
    return tuple(found)


def api_answer(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Meta-Wiki's ``query`` answer (formatversion 2) for the person an entry describes."""
    name = entry["username"]
    local: dict[str, Any] = {
        "name": name,
        "groups": ["*", *entry.get("groups", ())],
        "centralids": {"CentralAuth": entry["central_id"]},
        "gender": entry.get("gender", "unknown"),
    }
    if entry.get("blocked"):
        local |= {"blockid": entry["central_id"], "blockreason": entry["blocked"]}
    info: dict[str, Any] = {
        "id": entry["central_id"],
        "name": name,
        "groups": list(entry.get("global_groups", ())),
        "merged": [
            {"wiki": wiki, "groups": list(groups)}
            for wiki, groups in entry.get("merged", {}).items()
        ],
    }
    if entry.get("locked"):
        info["locked"] = True
    blocks = []
    if entry.get("globally_blocked"):
        blocks.append({"target": name, "reason": entry["globally_blocked"]})
    return {"users": [local], "globaluserinfo": info, "globalblocks": blocks}


def person(username: str) -> DemoPerson:
    """The demo person called ``username``; :class:`NotADemoPerson` for anyone else."""
    for candidate in people():
        if candidate.username == username:
            return candidate
    raise NotADemoPerson(username)


def grant_tool_roles(session: Session, demo: DemoPerson) -> User:
    """Give the person the tool roles the file lists, once, as an admin would.

    Each grant is an admin event by the person themselves (there is no one else on a new
    desk) and, like every grant, ends their earlier sessions: call it before signing in.
    """
    user = session.scalars(select(User).where(User.username == demo.username)).first()
    if user is None:
        user = User(username=demo.username, central_id=demo.account.central_id)
        session.add(user)
        session.flush()
    held = set(session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user.id)))
    for role in demo.tool_roles:
        if role not in held:
            grant_role(session, user.id, demo.username, role)
    return user
