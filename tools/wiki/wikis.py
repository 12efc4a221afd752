"""The Wikimedia wikis: which wiki a pasted database name, host or link means, and its titles.

Safety Desk names a wiki by its database name (``enwiki``, ``zh_min_nanwiki``); people paste
hosts (``en.m.wikipedia.org``) and links. The list of wikis, and the namespace and special page
names of their languages (``Utilisateur:``, ``Spécial:Contributions``), come from
``tools/wiki/data/wikis.json``, written by ``scripts/make_wikis.py`` from Pywikibot's family files
and MediaWiki's language files: reading a link asks no wiki anything.

Wikis known only at run time (the local development wiki ``devwiki`` at
``http://127.0.0.1:PORT``) join the list with :func:`register_wiki`; each process registers
its own at start-up.

Titles are read the way MediaWiki's title codec does, kept simple: underscores and runs of
white space become one space; a known namespace prefix (canonical English, or a name of the
wiki's language) is recognised and spelled as MediaWiki spells it, keeping the name used; the
first letter is upper-cased unless the wiki is case-sensitive (Wiktionary) for that namespace.
Project namespaces (``Wikipedia:``) and extension namespaces (``Module:``) are site settings
not in the data: such prefixes stay as typed, part of a main-namespace title.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# --- the registry ---------------------------------------------------------------------------


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


# --- namespaces and special pages -----------------------------------------------------------

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


# --- titles ---------------------------------------------------------------------------------


class InvalidTitle(ValueError):
    """MediaWiki would not accept this text as a page title; the message says why."""


# White space MediaWiki folds into one "_" in titles, and bidi marks it drops (TitleCodec).
_SPACES = re.compile(r"[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e]")
# Outside $wgLegalTitleChars: ASCII controls, DEL and "#<>[]|{}"; and the replacement char.
_ILLEGAL = re.compile(r"[\x00-\x1f\x7f#<>\[\]|{}\ufffd]")
_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|&[A-Za-z0-9\x80-\U0010ffff]+;")
_PREFIX = re.compile(r"^(.+?) ?: ?(.*)$", re.DOTALL)
_GEORGIAN = re.compile(r"[\u10d0-\u10fa\u10fd-\u10ff]")  # Wikimedia keeps their case
MAX_TITLE_BYTES = 255


def clean_spaces(text: str) -> str:
    """Underscores and runs of white space as one space, bidi marks dropped, ends trimmed."""
    return _SPACES.sub(" ", _BIDI.sub("", text)).strip(" ")


def ucfirst(text: str) -> str:
    """Upper-case the first letter, as MediaWiki does for titles and user names.

    A letter whose upper case is more than one letter (``ß``) is kept, and so are Georgian
    letters, as on Wikimedia's wikis; Turkish dotted ``i`` rules are not applied.
    """
    if not text:
        return text
    first = text[0]
    upper = first.upper()
    if len(upper) != 1 or _GEORGIAN.match(first):
        return text
    return upper + text[1:]


def title_problem(text: str) -> str | None:
    """Why MediaWiki would refuse ``text`` (a title without its prefix), or None if it would not.

    The reason reads after "it" or "the title": ``contains '[', which titles may not contain``.
    """
    bad = _ILLEGAL.search(text)
    if bad:
        char = bad.group()
        if not char.isprintable():
            return "contains a control character"
        return f"contains {char!r}, which titles may not contain"
    if _ESCAPES.search(text):
        return "contains an escape sequence (%xx or &…;), which titles may not contain"
    if (
        text in (".", "..")
        or text.startswith(("./", "../"))
        or "/./" in text
        or "/../" in text
        or text.endswith(("/.", "/.."))
    ):
        return "is a relative path (./ or ../)"
    if "~~~" in text:
        return "contains three tildes (~~~), a signature"
    if len(text.encode("utf-8")) > MAX_TITLE_BYTES:
        return f"is longer than {MAX_TITLE_BYTES} bytes"
    return None


@dataclass(frozen=True)
class Title:
    """A page title taken apart: its namespace, the prefix as written, the rest."""

    namespace: int
    prefix: str  # the namespace name used, spelled as MediaWiki spells it; "" in main
    text: str  # the title without its prefix: "Jean Dupont", "Contributions/Jean Dupont"

    def __str__(self) -> str:
        return f"{self.prefix}:{self.text}" if self.prefix else self.text


def parse_title(wiki: Wiki | None, text: str) -> Title:
    """A title as a wiki reads it: ``talk:foo_bar`` -> ``Talk:Foo bar``.

    The namespace prefix keeps the name used (``User:`` or ``Utilisateur:`` on a French wiki:
    both are right, and sites rename namespaces beyond what the data knows), spelled the
    wiki's way. Raises :class:`InvalidTitle` with the reason MediaWiki would give.
    """
    rest = clean_spaces(text)
    namespace, prefix = MAIN, ""
    if rest.startswith(":"):  # explicit main namespace
        rest = rest[1:].lstrip(" ")
    match = _PREFIX.match(rest)
    if match:
        found = _language_of(wiki).namespaces.get(_fold(match.group(1)))
        if found is not None:
            (namespace, prefix), rest = found, match.group(2)
    rest = rest.split("#", 1)[0].rstrip(" ")  # a fragment is not part of the title
    if not rest:
        raise InvalidTitle("the title is empty")
    problem = title_problem(rest)
    if problem:
        raise InvalidTitle(f"the title {problem}")
    if rest.startswith(":"):
        raise InvalidTitle("the title starts with a colon")
    if wiki is None or not wiki.case_sensitive or namespace in _ALWAYS_CAPITALISED:
        rest = ucfirst(rest)
    return Title(namespace, prefix.replace("_", " "), rest)


def normalize_title(wiki: Wiki | None, text: str) -> str:
    """A title as the wiki shows it: ``"utilisatrice:marie_x"`` -> ``"Utilisatrice:Marie x"``."""
    return str(parse_title(wiki, text))


# --- links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WikiLink:
    """A link to a wiki, taken apart: the wiki, the title it names, its query parameters."""

    url: str
    wiki: Wiki
    title: str | None  # percent-decoded, not normalised; None for index.php?oldid=123
    params: Mapping[str, str]  # the last value of each query parameter, as PHP reads them


def split_url(url: str) -> WikiLink:
    """Take apart a link to a page of a known wiki, desktop or mobile, http or https.

    Raises :class:`UnknownWiki` for another site, and :class:`ValueError` for text that is not
    a link to a wiki page (no http(s) scheme, api.php, undecodable percent-encoding).
    """
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f'"{text}" is not a link (http:// or https://)')
    host = parts.netloc.rpartition("@")[2]
    try:
        wiki = wiki_by_host(host)
    except UnknownWiki:
        raise UnknownWiki(f'"{text}" is not a link to a Wikimedia wiki') from None
    try:
        params = dict(parse_qsl(parts.query, keep_blank_values=True, errors="strict"))
        path = unquote(parts.path, errors="strict")
    except UnicodeDecodeError:
        raise ValueError(f'"{text}" has percent-encoding that is not UTF-8') from None
    is_page, title = _title_from_path(wiki, path)
    if not is_page:
        raise ValueError(f'"{text}" is not a link to a page of {wiki.dbname}')
    if title is None:
        title = params.get("title")
    return WikiLink(text, wiki, title or None, MappingProxyType(params))


def _title_from_path(wiki: Wiki, path: str) -> tuple[bool, str | None]:
    """Is the path a page's, and its title: None for index.php itself (index.php?title=…)."""
    if wiki.article_path and path.startswith(wiki.article_path):
        return True, path[len(wiki.article_path) :]
    index = f"{wiki.script_path}/index.php"
    if path == index:
        return True, None
    if path.startswith(index + "/"):  # index.php/Title, MediaWiki's default article path
        return True, path[len(index) + 1 :]
    return False, None
