"""Links to wiki pages taken apart: which wiki, which title, which query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote, urlsplit

from tools.wiki.registry import UnknownWiki, Wiki, wiki_by_host


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
