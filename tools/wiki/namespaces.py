"""Namespace and special page names as a wiki of a given language reads them.

MediaWiki's canonical English names work on every wiki; the localised ones
(``Utilisateur:``, ``Spécial:Contributions``) come from ``data/wikis.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from tools.wiki.registry import Wiki, _data

MEDIA, SPECIAL, MAIN, TALK, USER, USER_TALK = -2, -1, 0, 1, 2, 3
PROJECT, PROJECT_TALK, MEDIAWIKI, MEDIAWIKI_TALK = 4, 5, 8, 9

#: MediaWiki's canonical names: every wiki accepts them, whatever its language.
CANONICAL_NAMESPACES: Mapping[int, str] = MappingProxyType(
    {
        MEDIA: "Media",
        SPECIAL: "Special",
        TALK: "Talk",
        USER: "User",
        USER_TALK: "User talk",
        PROJECT: "Project",
        PROJECT_TALK: "Project talk",
        6: "File",
        7: "File talk",
        MEDIAWIKI: "MediaWiki",
        MEDIAWIKI_TALK: "MediaWiki talk",
        10: "Template",
        11: "Template talk",
        12: "Help",
        13: "Help talk",
        14: "Category",
        15: "Category talk",
    }
)
_CANONICAL_ALIASES = {6: "Image", 7: "Image talk"}

#: English names of the special pages we read, as every wiki accepts them. The last three
#: belong to extensions (MobileFrontend, CentralAuth), whose localised names are not in the data.
ENGLISH_SPECIAL_PAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Contributions": ("Contributions", "Contribs"),
        "DeletedContributions": ("DeletedContributions",),
        "Diff": ("Diff",),
        "PermanentLink": ("PermanentLink", "PermaLink"),
        "Log": ("Log", "Logs"),
        "Redirect": ("Redirect",),
        "MobileDiff": ("MobileDiff",),
        "CentralAuth": ("CentralAuth",),
        "GlobalContributions": ("GlobalContributions",),
    }
)

#: Namespaces whose titles always start upper-case, even on a case-sensitive wiki.
_ALWAYS_CAPITALISED = {SPECIAL, USER, USER_TALK, MEDIAWIKI, MEDIAWIKI_TALK}


@dataclass(frozen=True)
class _Language:
    # casefolded name or alias -> (namespace, the name as spelled in MediaWiki's data)
    namespaces: Mapping[str, tuple[int, str]]
    special_pages: Mapping[str, str]  # casefolded alias -> canonical special page name


def _fold(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def _spellings(language: Mapping[str, Any]) -> list[tuple[int, str]]:
    """A language's namespace names, then its aliases (gender forms, old names)."""
    names = [(int(ns), name) for ns, name in language.get("namespaces", {}).items()]
    aliases = [(int(ns), alias) for alias, ns in language.get("namespace_aliases", {}).items()]
    return names + aliases


@cache
def _language(code: str | None) -> _Language:
    """Names a wiki of this language reads; None: of any language (no wiki known)."""
    data = _data()["languages"]
    chosen = data.values() if code is None else [data.get(code, {})]
    canonical = [*CANONICAL_NAMESPACES.items(), *_CANONICAL_ALIASES.items()]
    namespaces = {_fold(name): (ns, name) for ns, name in canonical}
    special = {
        _fold(alias): page for page, aliases in ENGLISH_SPECIAL_PAGES.items() for alias in aliases
    }
    for language in chosen:
        for ns, name in _spellings(language):
            namespaces.setdefault(_fold(name), (ns, name))
        for page, page_aliases in language.get("special_pages", {}).items():
            for alias in page_aliases:
                special.setdefault(_fold(alias), page)
    return _Language(MappingProxyType(namespaces), MappingProxyType(special))


def _language_of(wiki: Wiki | None) -> _Language:
    return _language(None if wiki is None else wiki.language)


def namespace_index(wiki: Wiki | None, name: str) -> int | None:
    """The namespace a prefix names on a wiki (any language's names when wiki is None)."""
    found = _language_of(wiki).namespaces.get(_fold(name))
    return None if found is None else found[0]


def special_page_name(wiki: Wiki | None, name: str) -> str | None:
    """Canonical name of a special page alias (``Spécial:Contributions`` -> ``Contributions``).

    Only the pages listed in :data:`ENGLISH_SPECIAL_PAGES` are known; None for any other.
    """
    return _language_of(wiki).special_pages.get(_fold(name))
