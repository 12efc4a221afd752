"""The registry of wikis: Wikimedia's from ``data/wikis.json``, and those registered at run time.

A wiki is named by its database name (``enwiki``); a host (``en.m.wikipedia.org``) or a link
finds it too. Reading the registry asks no wiki anything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlsplit


class UnknownWiki(ValueError):
    """The text names no Wikimedia wiki (nor a wiki registered at run time)."""


@dataclass(frozen=True)
class Wiki:
    """One wiki: its database name, where it lives, and how it reads titles."""

    dbname: str  # "enwiki", "commonswiki", "zh_min_nanwiki"
    host: str  # "en.wikipedia.org"; with a port for a local wiki ("127.0.0.1:8181")
    family: str  # Pywikibot's family ("wikipedia", "commons", "wikimediachapter"), or "local"
    language: str = "en"  # content language code, as MediaWiki's language files name it
    closed: bool = False  # read-only since its community closed it
    case_sensitive: bool = False  # $wgCapitalLinks = false (Wiktionary): "chat" is not "Chat"
    scheme: str = "https"
    script_path: str = "/w"  # where api.php and index.php live
    article_path: str = "/wiki/"  # what comes before a title in a page's URL

    @classmethod
    def local(cls, dbname: str, server: str, *, article_path: str = "/index.php/") -> Wiki:
        """A wiki at ``server`` (``http://127.0.0.1:8181``) with MediaWiki's default paths."""
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{server!r} is not a server URL such as http://127.0.0.1:8181")
        return cls(
            dbname=dbname,
            host=parts.netloc.lower(),
            family="local",
            scheme=parts.scheme,
            script_path=parts.path.rstrip("/"),
            article_path=article_path,
        )

    @property
    def server(self) -> str:
        """``https://en.wikipedia.org`` (``$wgServer``)."""
        return f"{self.scheme}://{self.host}"

    @property
    def api_url(self) -> str:
        """``https://en.wikipedia.org/w/api.php``."""
        return f"{self.server}{self.script_path}/api.php"

    @property
    def index_url(self) -> str:
        """``https://en.wikipedia.org/w/index.php``."""
        return f"{self.server}{self.script_path}/index.php"

    @property
    def article_url(self) -> str:
        """``https://en.wikipedia.org/wiki/``: a title appended to it is a link to the page."""
        return f"{self.server}{self.article_path}"

    @property
    def mobile_host(self) -> str | None:
        """``en.m.wikipedia.org``, ``m.wikidata.org``; None for wikis not at Wikimedia."""
        if self.family == "local":
            return None
        return mobile_host(self.host)

    def page_url(self, title: str) -> str:
        """The link to a page: ``https://fr.wikipedia.org/wiki/Caf%C3%A9``."""
        return self.article_url + url_title(title)


def url_title(title: str) -> str:
    """A title as MediaWiki puts it in links: underscores, percent-encoded (``wfUrlencode``)."""
    return quote(title.replace(" ", "_"), safe=";@$!*(),/~:")


def mobile_host(host: str) -> str:
    """Wikimedia's mobile host of a desktop host: ``m.`` after the first label."""
    if host.startswith("www."):
        return "m." + host.removeprefix("www.")
    first, _, rest = host.partition(".")
    if "." not in rest:  # wikisource.org
        return "m." + host
    return f"{first}.m.{rest}"


_registered: dict[str, Wiki] = {}
_merged: Mapping[str, Wiki] | None = None  # Wikimedia's and the registered, built on demand
_lock = threading.Lock()


@cache
def _data() -> Mapping[str, Any]:
    text = resources.files("tools.wiki").joinpath("data", "wikis.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _builtin_wikis() -> Mapping[str, Wiki]:
    return MappingProxyType(
        {row["dbname"]: Wiki(**row) for row in _data()["wikis"]},
    )


@cache
def _builtin_hosts() -> Mapping[str, str]:
    """Every host a Wikimedia wiki answers on (desktop, mobile, redirecting aliases) -> dbname."""
    hosts: dict[str, str] = {}
    for wiki in _builtin_wikis().values():
        hosts[wiki.host] = wiki.dbname
        hosts.setdefault(mobile_host(wiki.host), wiki.dbname)
    for host, dbname in _data()["host_aliases"].items():
        hosts.setdefault(host, dbname)
        hosts.setdefault(mobile_host(host), dbname)
    return MappingProxyType(hosts)


def known_wikis() -> Mapping[str, Wiki]:
    """All wikis by database name: Wikimedia's, then those registered at run time."""
    global _merged
    with _lock:
        if _merged is None:
            _merged = MappingProxyType({**_builtin_wikis(), **_registered})
        return _merged


def register_wiki(wiki: Wiki) -> None:
    """Make a wiki known to this process (the local development wiki, a test wiki)."""
    global _merged
    with _lock:
        _registered[wiki.dbname] = wiki
        _merged = None


def unregister_wiki(dbname: str) -> None:
    """Forget a wiki registered at run time (tests clean up with it); Wikimedia's stay."""
    global _merged
    with _lock:
        _registered.pop(dbname, None)
        _merged = None


def wiki_by_dbname(name: str) -> Wiki:
    """The wiki of a database name (``enwiki``); :class:`UnknownWiki` if there is none."""
    key = name.strip().lower()
    wiki = _registered.get(key) or _builtin_wikis().get(key)
    if wiki is None:
        raise UnknownWiki(f'"{name.strip()}" is not a Wikimedia wiki')
    return wiki


def wiki_by_host(host: str) -> Wiki:
    """The wiki at a host, desktop or mobile (``en.m.wikipedia.org``); :class:`UnknownWiki`."""
    key = host.strip().lower().rstrip(".")
    for wiki in list(_registered.values()):
        if wiki.host == key:
            return wiki
    name, _, port = key.partition(":")
    if port in ("", "80", "443"):
        dbname = _builtin_hosts().get(name)
        if dbname is not None:
            return _builtin_wikis()[dbname]
    raise UnknownWiki(f'"{host.strip()}" is not a Wikimedia wiki')


def parse_wiki(text: str) -> Wiki:
    """The wiki a person means by a database name, a host or a link to one of its pages."""
    value = text.strip()
    if not value:
        raise UnknownWiki("no wiki given")
    if "://" in value:
        netloc = urlsplit(value).netloc.rpartition("@")[2]
        try:
            return wiki_by_host(netloc)
        except UnknownWiki:
            raise UnknownWiki(f'"{value}" is not a link to a Wikimedia wiki') from None
    if "." in value or ":" in value or "/" in value:
        return wiki_by_host(value.split("/", 1)[0])
    return wiki_by_dbname(value)
