"""A stand-in for CentralAuth: global groups, global locks and merged accounts.

CentralAuth is not packaged, so ``globalusers.json`` in the development wiki's
folder says, per username, what Meta-Wiki's ``meta=globaluserinfo`` would::

    {"Steward One": {"groups": ["steward"], "locked": false,
                     "merged": {"devwiki": ["steward"], "enwiki": []}}}

``"hidden": true`` hides (suppresses) an account; ``"global_block": "reason"`` blocks
it globally (GlobalBlocking, answered by ``list=globalblocks``).

The entry of the local wiki itself (``devwiki``) only says that the account is
attached there: its groups, edit count, registration and block are read from the
wiki at request time. An account the file does not name but the wiki knows is
attached to the local wiki alone; an account neither knows is ``missing``.
:class:`GlobalUsers` reads and changes the file (tests lock accounts with it);
:func:`global_user_info` builds the answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devwiki.oauth_wiki import WikiClient

#: The mapping's file in the development wiki's folder.
GLOBAL_USERS_FILE = "globalusers.json"
GUIPROPS = ("groups", "rights", "merged", "unattached", "editcount")
#: Registration of accounts the file names but the wiki does not know.
DEFAULT_REGISTRATION = "2024-01-01T00:00:00Z"
#: Global rights of the global groups the development wiki knows (guiprop=rights).
GLOBAL_GROUP_RIGHTS = {
    "steward": (
        "centralauth-lock",
        "centralauth-suppress",
        "globalblock",
        "userrights",
        "userrights-interwiki",
        "checkuser",
        "checkuser-log",
        "suppressionlog",
    ),
    "ombuds": ("checkuser-log", "suppressionlog"),
    "global-sysop": ("globalblock-whitelist",),
}
#: Database names whose URL is not ``https://{language}.{project}.org``.
SPECIAL_WIKIS = {
    "metawiki": "https://meta.wikimedia.org",
    "commonswiki": "https://commons.wikimedia.org",
    "wikidatawiki": "https://www.wikidata.org",
    "mediawikiwiki": "https://www.mediawiki.org",
    "specieswiki": "https://species.wikimedia.org",
    "loginwiki": "https://login.wikimedia.org",
}
PROJECTS = (
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
    "wikivoyage",
    "wiki",
)
INVALID_NAME_CHARACTERS = set("#<>[]|{}")
#: Added to a local user ID to make its central (CentralAuth) ID.
CENTRAL_ID_OFFSET = 100_000


class ApiError(Exception):
    """An error ``api.php`` reports in its own shape (``code`` and ``info``)."""

    def __init__(self, code: str, info: str) -> None:
        super().__init__(info)
        self.code = code
        self.info = info


@dataclass(frozen=True)
class GlobalAccount:
    """One entry of ``globalusers.json``: a global account as CentralAuth would hold it."""

    groups: tuple[str, ...] = ()
    locked: bool = False
    hidden: bool = False
    merged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    home: str | None = None
    #: The reason of a global block of the account (GlobalBlocking), None when not blocked.
    global_block: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "groups": list(self.groups),
            "locked": self.locked,
            "merged": {wiki: list(groups) for wiki, groups in sorted(self.merged.items())},
        }
        if self.hidden:
            data["hidden"] = True
        if self.home:
            data["home"] = self.home
        if self.global_block is not None:
            data["global_block"] = self.global_block
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GlobalAccount:
        return cls(
            groups=tuple(data.get("groups", ())),
            locked=bool(data.get("locked", False)),
            hidden=bool(data.get("hidden", False)),
            merged={wiki: tuple(groups or ()) for wiki, groups in data.get("merged", {}).items()},
            home=data.get("home"),
            global_block=data.get("global_block"),
        )


class GlobalUsers:
    """``globalusers.json``: read at each request, changed atomically from any process."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, GlobalAccount]:
        """Every entry, by username; an absent file is an empty mapping."""
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {name: GlobalAccount.from_json(entry) for name, entry in raw.items()}

    def get(self, name: str) -> GlobalAccount | None:
        """The entry of one username (canonical form), or None."""
        return self.load().get(name)

    def put(self, name: str, account: GlobalAccount | None) -> None:
        """Set (or with None remove) the entry of one username."""
        with self._locked() as accounts:
            if account is None:
                accounts.pop(name, None)
            else:
                accounts[name] = account

    def update(self, name: str, **changes: Any) -> GlobalAccount | None:
        """Change some fields of an entry (created if absent); returns the entry before.

        For example ``update("Plain User", locked=True)`` locks an account globally.
        """
        with self._locked() as accounts:
            before = accounts.get(name)
            accounts[name] = replace(before or GlobalAccount(), **_normalised(changes))
        return before

    @contextlib.contextmanager
    def changed(self, name: str, **changes: Any) -> Iterator[GlobalAccount]:
        """:meth:`update` for the length of a ``with`` block, then put the entry back."""
        before = self.update(name, **changes)
        try:
            yield self.load()[name]
        finally:
            self.put(name, before)

    def add_missing(self, defaults: Mapping[str, GlobalAccount]) -> None:
        """Add entries for names the file lacks; what a developer changed stays."""
        with self._locked() as accounts:
            for name, account in defaults.items():
                accounts.setdefault(name, account)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, GlobalAccount]]:
        """Read, let the caller change, write back atomically, under an exclusive file lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            accounts = self.load()
            yield accounts
            data = {name: accounts[name].to_json() for name in sorted(accounts)}
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            temporary.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
            os.replace(temporary, self.path)


def _normalised(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Lists from callers become the tuples the frozen dataclass holds."""
    result = dict(changes)
    if "groups" in result:
        result["groups"] = tuple(result["groups"])
    if "merged" in result:
        result["merged"] = {wiki: tuple(groups) for wiki, groups in result["merged"].items()}
    return result


def canonical_username(name: str) -> str:
    """MediaWiki's canonical form (first letter upper case, spaces); ApiError if invalid."""
    canonical = " ".join(name.replace("_", " ").split())
    if (
        not canonical
        or len(canonical.encode("utf-8")) > 255
        or INVALID_NAME_CHARACTERS & set(canonical)
        or ":" in canonical[:1]
    ):
        raise ApiError("baduser", f'Invalid value "{name}" for user parameter "guiuser".')
    return canonical[0].upper() + canonical[1:]


def wiki_url(wiki: str) -> str:
    """The canonical server of a Wikimedia wiki by database name (``enwiki`` -> en.wikipedia)."""
    if wiki in SPECIAL_WIKIS:
        return SPECIAL_WIKIS[wiki]
    for project in PROJECTS:
        if wiki.endswith(project) and len(wiki) > len(project):
            language = wiki[: -len(project)].replace("_", "-")
            domain = "wikipedia" if project == "wiki" else project
            return f"https://{language}.{domain}.org"
    return f"https://{wiki}.invalid"


@dataclass(frozen=True)
class LocalWiki:
    """The wiki the provider stands beside: its database name, URL and API."""

    id: str
    url: str
    client: WikiClient


def global_user_info(
    name: str, props: Iterable[str], accounts: GlobalUsers, wiki: LocalWiki
) -> dict[str, Any]:
    """``query.globaluserinfo`` for one user, in formatversion 2 (flags are ``true``).

    The shape of CentralAuth's ApiQueryGlobalUserInfo: ``home``, ``id``,
    ``registration``, ``name``, ``locked`` and ``hidden`` when set; ``groups``,
    ``rights``, ``merged``, ``unattached``, ``editcount`` as asked. A hidden
    account is answered as missing, as to anyone without ``centralauth-suppress``.
    """
    props = set(props)
    entry = accounts.get(name)
    local = wiki.client.user(name=name)
    if (entry is None and local is None) or (entry is not None and entry.hidden):
        return {"missing": True}
    entry = entry or GlobalAccount(merged={wiki.id: ()})
    global_id = central_id(local["userid"]) if local else _stable_id(name)
    registration = local["registration"] if local else DEFAULT_REGISTRATION
    attached = sorted(wiki_id for wiki_id in entry.merged if wiki_id != wiki.id or local)
    home = entry.home or (wiki.id if wiki.id in attached else min(attached, default=wiki.id))
    data: dict[str, Any] = {
        "home": home,
        "id": global_id,
        "registration": registration,
        "name": name,
    }
    if entry.locked:
        data["locked"] = True
    if "groups" in props:
        data["groups"] = list(entry.groups)
    if "rights" in props:
        data["rights"] = sorted(
            {right for group in entry.groups for right in GLOBAL_GROUP_RIGHTS.get(group, ())}
        )
    merged = [
        _local_account(local or {}, wiki, "new" if wiki_id == home else "login")
        if wiki_id == wiki.id
        else _merged_account(
            wiki_id,
            entry.merged[wiki_id],
            "new" if wiki_id == home else "login",
            global_id,
            registration,
        )
        for wiki_id in attached
    ]
    if "merged" in props:
        data["merged"] = merged
    if "editcount" in props:
        data["editcount"] = sum(account["editcount"] for account in merged)
    if "unattached" in props:
        unattached = local is not None and wiki.id not in entry.merged
        data["unattached"] = [_local_account(local, wiki, None)] if unattached else []
    return data


def _merged_account(
    wiki_id: str, groups: tuple[str, ...], method: str, global_id: int, registration: str
) -> dict[str, Any]:
    """An account on a wiki other than the local one, as the file describes it."""
    account: dict[str, Any] = {
        "wiki": wiki_id,
        "url": wiki_url(wiki_id),
        "id": global_id,
        "timestamp": registration,
        "method": method,
        "editcount": 0,
        "registration": registration,
    }
    if groups:
        account["groups"] = list(groups)
    return account


def _local_account(local: Mapping[str, Any], wiki: LocalWiki, method: str | None) -> dict[str, Any]:
    """The local wiki's account from ``list=users``: attached (with ``method``) or not."""
    account: dict[str, Any] = {"wiki": wiki.id}
    if method is not None:
        account |= {
            "url": wiki.url,
            "id": local["userid"],
            "timestamp": local["registration"],
            "method": method,
        }
    account |= {"editcount": local.get("editcount", 0), "registration": local["registration"]}
    groups = [membership["group"] for membership in local.get("groupmemberships", ())]
    if groups:
        account["groups"] = groups
    if "blockid" in local:
        account["blocked"] = {
            "expiry": local.get("blockexpiry", "infinite"),
            "reason": local.get("blockreason", ""),
        }
    return account


def central_id(local_id: int) -> int:
    """The CentralAuth ID of a local account: on Meta-Wiki it differs from the local ID, so
    here too (a tool that confused them would be caught)."""
    return int(local_id) + CENTRAL_ID_OFFSET


def global_blocks(names: Iterable[str], accounts: GlobalUsers) -> list[dict[str, Any]]:
    """``list=globalblocks`` (GlobalBlocking) for account targets, formatversion 2."""
    blocks = []
    for name in names:
        entry = accounts.get(name)
        if entry is None or entry.global_block is None or entry.hidden:
            continue
        blocks.append(
            {
                "id": _stable_id(f"globalblock:{name}"),
                "target": name,
                "expiry": "infinity",
                "reason": entry.global_block,
            }
        )
    return blocks


def _stable_id(name: str) -> int:
    """A global ID for accounts only the file knows: the same at every request."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF
