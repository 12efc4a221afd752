"""The registry of Wikimedia wikis: database names, hosts, links, titles (no network)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.wiki import wikis
from tools.wiki.wikis import (
    InvalidTitle,
    UnknownWiki,
    Wiki,
    known_wikis,
    normalize_title,
    parse_title,
    parse_wiki,
    register_wiki,
    split_url,
    unregister_wiki,
    wiki_by_dbname,
    wiki_by_host,
)


@pytest.fixture
def devwiki() -> Iterator[Wiki]:
    """The local development wiki, registered as the web tool does at start-up.

    Whatever was registered under that name before the test comes back after it.
    """
    before = known_wikis().get("devwiki")
    wiki = Wiki.local("devwiki", "http://127.0.0.1:8181")
    register_wiki(wiki)
    yield wiki
    unregister_wiki("devwiki")
    if before is not None:
        register_wiki(before)


@pytest.mark.parametrize(
    ("dbname", "host"),
    [
        ("enwiki", "en.wikipedia.org"),
        ("metawiki", "meta.wikimedia.org"),
        ("commonswiki", "commons.wikimedia.org"),
        ("frwiktionary", "fr.wiktionary.org"),
        ("zh_min_nanwiki", "zh-min-nan.wikipedia.org"),
        ("wikidatawiki", "www.wikidata.org"),
        ("testwiki", "test.wikipedia.org"),
        ("test2wiki", "test2.wikipedia.org"),
        ("testwikidatawiki", "test.wikidata.org"),
        ("specieswiki", "species.wikimedia.org"),
        ("mediawikiwiki", "www.mediawiki.org"),
        ("incubatorwiki", "incubator.wikimedia.org"),
        ("foundationwiki", "foundation.wikimedia.org"),
        ("outreachwiki", "outreach.wikimedia.org"),
        ("wikimaniawiki", "wikimania.wikimedia.org"),
        ("sourceswiki", "wikisource.org"),
        ("be_x_oldwiki", "be-tarask.wikipedia.org"),
        ("labswiki", "wikitech.wikimedia.org"),
        ("wikifunctionswiki", "www.wikifunctions.org"),
        ("simplewiki", "simple.wikipedia.org"),
        ("ptwikibooks", "pt.wikibooks.org"),
        ("arwikisource", "ar.wikisource.org"),
        ("dewikivoyage", "de.wikivoyage.org"),
        ("loginwiki", "login.wikimedia.org"),
        ("etwikimedia", "ee.wikimedia.org"),
    ],
)
def test_dbname_and_host_name_the_same_wiki(dbname: str, host: str) -> None:
    assert wiki_by_dbname(dbname).host == host
    assert wiki_by_host(host).dbname == dbname


def test_a_wiki_knows_its_entry_points() -> None:
    wiki = wiki_by_dbname("enwiki")
    assert wiki.api_url == "https://en.wikipedia.org/w/api.php"
    assert wiki.index_url == "https://en.wikipedia.org/w/index.php"
    assert wiki.article_url == "https://en.wikipedia.org/wiki/"
    assert wiki.family == "wikipedia"
    assert wiki.language == "en"


def test_page_url_encodes_the_title_like_mediawiki() -> None:
    assert wiki_by_dbname("frwiki").page_url("Café de Flore") == (
        "https://fr.wikipedia.org/wiki/Caf%C3%A9_de_Flore"
    )
    assert wiki_by_dbname("enwiki").page_url("User:A/b (c)") == (
        "https://en.wikipedia.org/wiki/User:A/b_(c)"
    )


@pytest.mark.parametrize(
    ("host", "dbname"),
    [
        ("en.m.wikipedia.org", "enwiki"),
        ("m.wikidata.org", "wikidatawiki"),
        ("commons.m.wikimedia.org", "commonswiki"),
        ("m.mediawiki.org", "mediawikiwiki"),
        ("zh-min-nan.m.wikipedia.org", "zh_min_nanwiki"),
        ("m.wikisource.org", "sourceswiki"),
        ("fr.m.wiktionary.org", "frwiktionary"),
    ],
)
def test_mobile_hosts_are_the_same_wiki(host: str, dbname: str) -> None:
    assert wiki_by_host(host).dbname == dbname


def test_mobile_host_of_a_wiki() -> None:
    assert wiki_by_dbname("enwiki").mobile_host == "en.m.wikipedia.org"
    assert wiki_by_dbname("wikidatawiki").mobile_host == "m.wikidata.org"


@pytest.mark.parametrize(
    ("host", "dbname"),
    [
        ("EN.Wikipedia.ORG", "enwiki"),
        ("en.wikipedia.org.", "enwiki"),
        ("en.wikipedia.org:443", "enwiki"),
        ("nb.wikipedia.org", "nowiki"),  # a language code alias that redirects
        ("be-x-old.wikipedia.org", "be_x_oldwiki"),
        ("wikidata.org", "wikidatawiki"),
    ],
)
def test_host_spellings_and_redirecting_aliases(host: str, dbname: str) -> None:
    assert wiki_by_host(host).dbname == dbname


@pytest.mark.parametrize(
    ("text", "dbname"),
    [
        ("enwiki", "enwiki"),
        (" ENWIKI ", "enwiki"),
        ("fr.wiktionary.org", "frwiktionary"),
        ("en.m.wikipedia.org", "enwiki"),
        ("https://pt.wikipedia.org/wiki/Jo%C3%A3o", "ptwiki"),
        ("http://ar.m.wikipedia.org/wiki/Foo", "arwiki"),
        ("meta.wikimedia.org/wiki/Steward_requests", "metawiki"),
    ],
)
def test_parse_wiki_reads_a_dbname_a_host_or_a_link(text: str, dbname: str) -> None:
    assert parse_wiki(text).dbname == dbname


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("xxwiki", '"xxwiki" is not a Wikimedia wiki'),
        ("example.org", '"example.org" is not a Wikimedia wiki'),
        (
            "https://example.org/wiki/X",
            '"https://example.org/wiki/X" is not a link to a Wikimedia wiki',
        ),
        ("", "no wiki given"),
        (
            "https://en.wikipedia.org@evil.example/",
            '"https://en.wikipedia.org@evil.example/" is not a link to a Wikimedia wiki',
        ),
    ],
)
def test_parse_wiki_refuses_anything_else_with_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(UnknownWiki) as caught:
        parse_wiki(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_closed_and_case_sensitive_wikis_are_marked() -> None:
    assert wiki_by_dbname("aawiki").closed
    assert not wiki_by_dbname("enwiki").closed
    assert wiki_by_dbname("frwiktionary").case_sensitive
    assert not wiki_by_dbname("frwiki").case_sensitive


def test_wikis_know_their_content_language() -> None:
    assert wiki_by_dbname("zh_min_nanwiki").language == "nan"
    assert wiki_by_dbname("simplewiki").language == "en"
    assert wiki_by_dbname("arwiki").language == "ar"
    assert wiki_by_dbname("commonswiki").language == "en"


def test_known_wikis_are_loaded_once() -> None:
    first = known_wikis()
    assert first is known_wikis()
    assert len(first) > 900
    assert first["enwiki"].host == "en.wikipedia.org"


def test_a_registered_local_wiki_is_known_by_name_host_and_link(devwiki: Wiki) -> None:
    assert wiki_by_dbname("devwiki") is devwiki
    assert wiki_by_host("127.0.0.1:8181") is devwiki
    assert parse_wiki("http://127.0.0.1:8181/index.php?title=Main_Page") is devwiki
    assert known_wikis()["devwiki"] is devwiki
    assert devwiki.api_url == "http://127.0.0.1:8181/api.php"
    assert devwiki.index_url == "http://127.0.0.1:8181/index.php"
    assert devwiki.page_url("Main Page") == "http://127.0.0.1:8181/index.php/Main_Page"
    assert devwiki.mobile_host is None


def test_an_unregistered_wiki_is_unknown_again(devwiki: Wiki) -> None:
    unregister_wiki("devwiki")
    with pytest.raises(UnknownWiki):
        wiki_by_dbname("devwiki")
    with pytest.raises(UnknownWiki):
        wiki_by_host("127.0.0.1:8181")


def test_a_local_wiki_needs_a_server_url() -> None:
    with pytest.raises(ValueError, match="is not a server URL"):
        Wiki.local("devwiki", "127.0.0.1:8181")


def test_wikis_are_frozen() -> None:
    with pytest.raises(AttributeError):
        wiki_by_dbname("enwiki").host = "evil.example"  # type: ignore[misc]


# --- titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dbname", "text", "title"),
    [
        ("enwiki", "talk:foo_bar", "Talk:Foo bar"),
        ("enwiki", "  Foo__bar  baz ", "Foo bar baz"),
        ("enwiki", "User_talk:example", "User talk:Example"),
        ("enwiki", "Foo#Section", "Foo"),
        ("enwiki", ":Foo", "Foo"),
        ("enwiki", "Wikipedia:village pump", "Wikipedia:village pump"),  # site namespace
        ("frwiki", "utilisateur:élodie_martin", "Utilisateur:Élodie martin"),
        ("frwiki", "utilisatrice:marie", "Utilisatrice:Marie"),
        ("frwiki", "DISCUSSION_UTILISATEUR:x", "Discussion utilisateur:X"),
        ("frwiki", "user:x", "User:X"),  # canonical names work everywhere
        ("frwiktionary", "chat", "chat"),  # case-sensitive wiki
        ("frwiktionary", "utilisateur:chat", "Utilisateur:Chat"),  # user pages never are
        ("ptwiki", "usuário:joão_silva", "Usuário:João silva"),
        ("ptwiki", "especial:contribuições/joão", "Especial:Contribuições/joão"),
        ("arwiki", "مستخدم:محمد", "مستخدم:محمد"),
        ("dewiki", "straße", "Straße"),  # ß has no one-letter capital
        ("kawiki", "ქართული", "ქართული"),  # Georgian keeps its case on Wikimedia
    ],
)
def test_titles_are_read_the_way_the_wiki_reads_them(dbname: str, text: str, title: str) -> None:
    assert normalize_title(wiki_by_dbname(dbname), text) == title


def test_parse_title_gives_the_namespace() -> None:
    title = parse_title(wiki_by_dbname("arwiki"), "خاص:مساهمات/محمد")
    assert title.namespace == wikis.SPECIAL
    assert title.text == "مساهمات/محمد"
    assert wikis.special_page_name(wiki_by_dbname("arwiki"), "مساهمات") == "Contributions"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Talk:", "empty"),
        ("Foo[bar]", "'['"),
        ("A|b", "'|'"),
        ("A{b", "'{'"),
        ("A\x07b", "control character"),
        ("Foo%41", "escape sequence"),
        ("Foo&amp;", "escape sequence"),
        ("../Foo", "relative path"),
        ("Foo~~~", "tildes"),
        ("é" * 128, "255 bytes"),
    ],
)
def test_titles_mediawiki_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidTitle) as caught:
        parse_title(wiki_by_dbname("enwiki"), text)
    assert reason in str(caught.value)


# --- links ----------------------------------------------------------------------------------


def test_split_url_reads_article_path_and_index_php() -> None:
    link = split_url("https://fr.m.wikipedia.org/wiki/Caf%C3%A9_de_Flore?action=history#top")
    assert link.wiki.dbname == "frwiki"
    assert link.title == "Café_de_Flore"
    assert link.params == {"action": "history"}
    link = split_url("http://en.wikipedia.org/w/index.php?title=C%2B%2B+language&oldid=12")
    assert link.title == "C++ language"
    assert link.params["oldid"] == "12"


def test_split_url_keeps_a_plus_in_a_path_title() -> None:
    assert split_url("https://en.wikipedia.org/wiki/C++").title == "C++"


@pytest.mark.parametrize(
    "url",
    [
        "en.wikipedia.org/wiki/Foo",
        "ftp://en.wikipedia.org/wiki/Foo",
        "https://en.wikipedia.org/w/api.php?action=query",
        "https://en.wikipedia.org/wiki/%FF",
    ],
)
def test_split_url_refuses_what_is_no_page_link(url: str) -> None:
    with pytest.raises(ValueError, match=r"not a link|not UTF-8"):
        split_url(url)
