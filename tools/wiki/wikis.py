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

This module is the wiki domain's public face; the code lives beside it:
:mod:`~tools.wiki.registry` (the wikis), :mod:`~tools.wiki.namespaces` (namespace and special
page names), :mod:`~tools.wiki.titles` (titles) and :mod:`~tools.wiki.links` (links).
"""

from tools.wiki.links import WikiLink, split_url
from tools.wiki.namespaces import (
    CANONICAL_NAMESPACES,
    ENGLISH_SPECIAL_PAGES,
    MAIN,
    MEDIA,
    MEDIAWIKI,
    MEDIAWIKI_TALK,
    PROJECT,
    PROJECT_TALK,
    SPECIAL,
    TALK,
    USER,
    USER_TALK,
    namespace_index,
    special_page_name,
)
from tools.wiki.registry import (
    UnknownWiki,
    Wiki,
    known_wikis,
    mobile_host,
    parse_wiki,
    register_wiki,
    unregister_wiki,
    url_title,
    wiki_by_dbname,
    wiki_by_host,
)
from tools.wiki.titles import (
    MAX_TITLE_BYTES,
    InvalidTitle,
    Title,
    clean_spaces,
    normalize_title,
    parse_title,
    title_problem,
    ucfirst,
)

__all__ = [
    "CANONICAL_NAMESPACES",
    "ENGLISH_SPECIAL_PAGES",
    "MAIN",
    "MAX_TITLE_BYTES",
    "MEDIA",
    "MEDIAWIKI",
    "MEDIAWIKI_TALK",
    "PROJECT",
    "PROJECT_TALK",
    "SPECIAL",
    "TALK",
    "USER",
    "USER_TALK",
    "InvalidTitle",
    "Title",
    "UnknownWiki",
    "Wiki",
    "WikiLink",
    "clean_spaces",
    "known_wikis",
    "mobile_host",
    "namespace_index",
    "normalize_title",
    "parse_title",
    "parse_wiki",
    "register_wiki",
    "special_page_name",
    "split_url",
    "title_problem",
    "ucfirst",
    "unregister_wiki",
    "url_title",
    "wiki_by_dbname",
    "wiki_by_host",
]
