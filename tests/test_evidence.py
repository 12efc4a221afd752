"""Evidence links taken apart: diffs, revisions, log entries and pages of Wikimedia wikis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.models import EvidenceKind
from tools.wiki.evidence import (
    Evidence,
    InvalidEvidence,
    canonical_url,
    parse_evidence,
    parse_evidence_links,
)
from tools.wiki.wikis import Wiki, known_wikis, register_wiki, unregister_wiki

DIFF, PERMALINK, LOG = EvidenceKind.DIFF, EvidenceKind.PERMALINK, EvidenceKind.LOG
PAGE, OTHER = EvidenceKind.PAGE, EvidenceKind.OTHER
EN = "https://en.wikipedia.org"


@pytest.fixture
def devwiki() -> Iterator[Wiki]:
    """A local wiki registered for the test; whatever was registered before comes back."""
    before = known_wikis().get("devwiki")
    wiki = Wiki.local("devwiki", "http://127.0.0.1:8181")
    register_wiki(wiki)
    yield wiki
    unregister_wiki("devwiki")
    if before is not None:
        register_wiki(before)


def parts(url: str) -> tuple[object, ...]:
    """What a link points at, without the pasted URL."""
    e = parse_evidence(url)
    return (e.kind, e.wiki, e.page_title, e.rev_id, e.old_rev_id, e.log_id, e.diff_to)


# --- diffs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"{EN}/w/index.php?title=Foo_bar&diff=123&oldid=100",
            (DIFF, "enwiki", "Foo bar", 123, 100, None, None),
        ),
        (f"{EN}/w/index.php?diff=123&oldid=100", (DIFF, "enwiki", None, 123, 100, None, None)),
        # The newer revision is the larger id, whichever way round it was written.
        (f"{EN}/w/index.php?diff=100&oldid=123", (DIFF, "enwiki", None, 123, 100, None, None)),
        (f"{EN}/w/index.php?diff=prev&oldid=123", (DIFF, "enwiki", None, 123, None, None, None)),
        (f"{EN}/w/index.php?diff=123", (DIFF, "enwiki", None, 123, None, None, None)),
        (f"{EN}/w/index.php?oldid=123&diff=next", (DIFF, "enwiki", None, None, 123, None, "next")),
        (f"{EN}/w/index.php?diff=cur&oldid=123", (DIFF, "enwiki", None, None, 123, None, "cur")),
        (
            f"{EN}/w/index.php?title=Foo&diff=cur",
            (DIFF, "enwiki", "Foo", None, None, None, "cur"),
        ),
        (f"{EN}/wiki/Foo?diff=123&oldid=100", (DIFF, "enwiki", "Foo", 123, 100, None, None)),
        (f"{EN}/wiki/Special:Diff/123", (DIFF, "enwiki", None, 123, None, None, None)),
        (f"{EN}/wiki/Special:Diff/100/123", (DIFF, "enwiki", None, 123, 100, None, None)),
        (f"{EN}/wiki/Special:Diff/100/next", (DIFF, "enwiki", None, None, 100, None, "next")),
        (f"{EN}/wiki/special:diff/123", (DIFF, "enwiki", None, 123, None, None, None)),
        (
            "https://en.m.wikipedia.org/wiki/Special:MobileDiff/123",
            (DIFF, "enwiki", None, 123, None, None, None),
        ),
        (
            "https://en.m.wikipedia.org/wiki/Special:MobileDiff/100...123",
            (DIFF, "enwiki", None, 123, 100, None, None),
        ),
        (
            "https://en.m.wikipedia.org/w/index.php?diff=123&oldid=100",
            (DIFF, "enwiki", None, 123, 100, None, None),
        ),
        (
            "http://fr.wikipedia.org/wiki/Sp%C3%A9cial:Diff/123",
            (DIFF, "frwiki", None, 123, None, None, None),
        ),
        (
            "https://ar.wikipedia.org/wiki/%D8%AE%D8%A7%D8%B5:%D9%81%D8%B1%D9%82/100/123",
            (DIFF, "arwiki", None, 123, 100, None, None),
        ),
        (
            "https://pt.wikipedia.org/wiki/Especial:Diferen%C3%A7as_entre_edi%C3%A7%C3%B5es/123",
            (DIFF, "ptwiki", None, 123, None, None, None),
        ),
        (
            "https://pt.wikipedia.org/w/index.php?title=Jo%C3%A3o_Pessoa&diff=123&oldid=100"
            "#mw-diff-ntitle1",
            (DIFF, "ptwiki", "João Pessoa", 123, 100, None, None),
        ),
    ],
)
def test_diffs(url: str, expected: tuple[object, ...]) -> None:
    assert parts(url) == expected


# --- revisions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{EN}/w/index.php?oldid=123", (PERMALINK, "enwiki", None, 123, None, None, None)),
        (
            f"{EN}/w/index.php?title=Foo&oldid=123",
            (PERMALINK, "enwiki", "Foo", 123, None, None, None),
        ),
        (
            f"{EN}/wiki/Special:PermanentLink/123",
            (PERMALINK, "enwiki", None, 123, None, None, None),
        ),
        (f"{EN}/wiki/Special:Permalink/123", (PERMALINK, "enwiki", None, 123, None, None, None)),
        (
            f"{EN}/wiki/Special:Redirect/revision/123",
            (PERMALINK, "enwiki", None, 123, None, None, None),
        ),
        (
            "https://fr.m.wikipedia.org/wiki/Sp%C3%A9cial:Lien_permanent/123",
            (PERMALINK, "frwiki", None, 123, None, None, None),
        ),
        (f"{EN}/w/index.php?title=Foo&oldid=0", (PAGE, "enwiki", "Foo", None, None, None, None)),
    ],
)
def test_permanent_links(url: str, expected: tuple[object, ...]) -> None:
    assert parts(url) == expected


# --- log entries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://meta.wikimedia.org/wiki/Special:Log?logid=123",
        "https://meta.wikimedia.org/wiki/Special:Log/globalauth?logid=123",
        "https://meta.wikimedia.org/w/index.php?title=Special:Log&logid=123",
        "https://meta.wikimedia.org/wiki/Special:Redirect/logid/123",
        "https://meta.wikimedia.org/w/index.php?title=Special:Redirect&wptype=logid&wpvalue=123",
        "http://meta.m.wikimedia.org/wiki/Special:Log?logid=123",
    ],
)
def test_log_entries(url: str) -> None:
    assert parts(url) == (LOG, "metawiki", None, None, None, 123, None)


def test_log_entries_in_the_wikis_language() -> None:
    url = "https://fr.wikipedia.org/wiki/Sp%C3%A9cial:Journal?logid=77"
    assert parts(url) == (LOG, "frwiki", None, None, None, 77, None)


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "dbname", "title"),
    [
        (f"{EN}/wiki/Foo_bar", "enwiki", "Foo bar"),
        (f"{EN}/wiki/foo", "enwiki", "Foo"),
        (f"{EN}/wiki/Foo#History", "enwiki", "Foo"),
        (f"{EN}/wiki/Talk:Foo/Archive_1", "enwiki", "Talk:Foo/Archive 1"),
        (f"{EN}/w/index.php?title=Foo_bar&action=history", "enwiki", "Foo bar"),
        ("https://en.m.wikipedia.org/wiki/Foo", "enwiki", "Foo"),
        ("https://fr.wikipedia.org/wiki/Caf%C3%A9_de_Flore", "frwiki", "Café de Flore"),
        ("https://fr.wikipedia.org/wiki/%C3%A9l%C3%A9phant", "frwiki", "Éléphant"),
        ("https://fr.wiktionary.org/wiki/%C3%A9l%C3%A9phant", "frwiktionary", "éléphant"),
        (
            "https://fr.wikipedia.org/wiki/Discussion_utilisateur:%C3%89lodie",
            "frwiki",
            "Discussion utilisateur:Élodie",
        ),
        ("https://ar.wikipedia.org/wiki/%D9%85%D8%B5%D8%B1", "arwiki", "مصر"),
        ("https://pt.wikipedia.org/wiki/S%C3%A3o_Paulo", "ptwiki", "São Paulo"),
        ("https://pt.wikipedia.org/wiki/São_Paulo", "ptwiki", "São Paulo"),
        ("https://zh-min-nan.wikipedia.org/wiki/T%C3%A2i-o%C3%A2n", "zh_min_nanwiki", "Tâi-oân"),
        ("https://www.wikidata.org/wiki/Q42", "wikidatawiki", "Q42"),
        ("https://en.wikipedia.org/wiki/C++", "enwiki", "C++"),
    ],
)
def test_pages(url: str, dbname: str, title: str) -> None:
    assert parts(url) == (PAGE, dbname, title, None, None, None, None)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (f"{EN}/wiki/Special:AbuseLog/123", "Special:AbuseLog/123"),
        (f"{EN}/w/index.php?title=Special:Log&type=block&user=Example", "Special:Log"),
        (f"{EN}/wiki/Special:Contributions/Example", "Special:Contributions/Example"),
        (f"{EN}/w/index.php?curid=123", None),
    ],
)
def test_other_links_of_a_wiki_are_kept_as_they_are(url: str, title: str | None) -> None:
    evidence = parse_evidence(url)
    assert (evidence.kind, evidence.wiki, evidence.page_title) == (OTHER, "enwiki", title)
    assert canonical_url(evidence) == url


def test_links_of_the_local_wiki(devwiki: Wiki) -> None:
    assert parts("http://127.0.0.1:8181/index.php?title=Main_Page&diff=5&oldid=4") == (
        DIFF,
        "devwiki",
        "Main Page",
        5,
        4,
        None,
        None,
    )
    page = parse_evidence("http://127.0.0.1:8181/index.php/Main_Page")
    assert (page.kind, page.page_title) == (PAGE, "Main Page")
    assert canonical_url(page) == "http://127.0.0.1:8181/index.php/Main_Page"


# --- refused --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "no link given"),
        ("not a link", "is not a link"),
        ("en.wikipedia.org/wiki/Foo", "is not a link"),
        ("https://example.org/wiki/Foo", "is not a link to a Wikimedia wiki"),
        ("https://en.wikipedia.org.example.com/wiki/Foo", "is not a link to a Wikimedia wiki"),
        ("https://en.wikipedia.org@evil.example/wiki/Foo", "is not a link to a Wikimedia wiki"),
        ("https://en.wikipedia.org:8443/wiki/Foo", "is not a link to a Wikimedia wiki"),
        (f"{EN}/w/index.php?diff=abc", "'abc', which is not a number"),
        (f"{EN}/w/index.php?diff=123&oldid=12a", "'12a', which is not a number"),
        (f"{EN}/w/index.php?oldid=-1", "'-1', which is not a number"),
        (f"{EN}/w/index.php?oldid=%D9%A1%D9%A2", "which is not a number"),  # Arabic-Indic digits
        (f"{EN}/w/index.php?diff=prev", "a diff without a revision"),
        (f"{EN}/w/index.php?diff=next", "a diff without a revision"),
        (f"{EN}/w/index.php?diff=cur", "a diff without a revision"),
        (f"{EN}/wiki/Special:Diff", "a diff without a revision"),
        (f"{EN}/wiki/Special:Diff/1/2/3", "a diff without a revision"),
        (f"{EN}/wiki/Special:Diff/prev", "a diff without a revision"),
        (f"{EN}/wiki/Special:Diff/abc", "which is not a number"),
        (f"{EN}/wiki/Special:PermanentLink", "has no revision id"),
        (f"{EN}/wiki/Special:PermanentLink/abc", "which is not a number"),
        (f"{EN}/wiki/Special:Log?logid=abc", "which is not a number"),
        (f"{EN}/wiki/Special:Redirect/logid/x1", "which is not a number"),
        (f"{EN}/w/index.php?oldid=123&direction=prev", "revision prev to 123"),
        (f"{EN}/w/index.php?curid=abc", "which is not a number"),
        (f"{EN}/w/api.php?action=query", "is not a link to a page of enwiki"),
        (f"{EN}/", "is not a link to a page of enwiki"),
        (f"{EN}/w/index.php", "is not a link to a page, a revision, a diff or a log entry"),
        (f"{EN}/wiki/Foo%5Bbar%5D", "the title contains '['"),
        (f"{EN}/wiki/Foo%2541", "escape sequence"),
        (f"{EN}/wiki/%FF", "not UTF-8"),
    ],
)
def test_anything_else_is_refused_naming_the_link(url: str, reason: str) -> None:
    with pytest.raises(InvalidEvidence) as caught:
        parse_evidence(url)
    assert reason in str(caught.value)
    if url:
        assert f'"{url}"' in str(caught.value)


# --- canonical links ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (f"{EN}/wiki/Special:Diff/100/123", f"{EN}/w/index.php?diff=123&oldid=100"),
        (
            "http://en.m.wikipedia.org/w/index.php?title=Foo_bar&oldid=100&diff=123",
            f"{EN}/w/index.php?title=Foo_bar&diff=123&oldid=100",
        ),
        (f"{EN}/wiki/Special:Diff/123", f"{EN}/w/index.php?diff=prev&oldid=123"),
        (f"{EN}/w/index.php?diff=next&oldid=100", f"{EN}/w/index.php?diff=next&oldid=100"),
        (f"{EN}/w/index.php?diff=cur&oldid=100", f"{EN}/w/index.php?diff=cur&oldid=100"),
        (f"{EN}/w/index.php?title=Foo&diff=cur", f"{EN}/w/index.php?title=Foo&diff=cur"),
        (f"{EN}/wiki/Special:PermanentLink/123", f"{EN}/w/index.php?oldid=123"),
        (
            "https://fr.m.wikipedia.org/w/index.php?title=Caf%C3%A9&oldid=5",
            "https://fr.wikipedia.org/w/index.php?title=Caf%C3%A9&oldid=5",
        ),
        (
            "https://meta.m.wikimedia.org/wiki/Special:Redirect/logid/123",
            "https://meta.wikimedia.org/w/index.php?title=Special:Log&logid=123",
        ),
        (
            "http://ar.m.wikipedia.org/wiki/%D9%85%D8%B5%D8%B1#x",
            "https://ar.wikipedia.org/wiki/%D9%85%D8%B5%D8%B1",
        ),
        (
            "https://en.wikipedia.org/w/index.php?title=Rock_%26_roll",
            "https://en.wikipedia.org/wiki/Rock_%26_roll",
        ),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(parse_evidence(url)) == canonical


def test_the_pasted_link_is_kept_trimmed() -> None:
    evidence = parse_evidence(f"  {EN}/wiki/Foo  \n")
    assert evidence.url == f"{EN}/wiki/Foo"


# --- a text area ----------------------------------------------------------------------------


def test_parse_evidence_links_reads_one_per_line_dropping_blanks_and_repeats() -> None:
    text = "\n".join(
        [
            f"{EN}/wiki/Special:Diff/123",
            "",
            "not a link",
            f"{EN}/w/index.php?diff=prev&oldid=123",  # the same diff, written otherwise
            "   ",
            "https://meta.wikimedia.org/wiki/Special:Log?logid=9",
            "https://example.org/x",
            f"{EN}/wiki/Special:Diff/123",
        ]
    )
    found, errors = parse_evidence_links(text)
    assert [(e.kind, e.wiki, e.rev_id, e.log_id) for e in found] == [
        (DIFF, "enwiki", 123, None),
        (LOG, "metawiki", None, 9),
    ]
    assert found[0].url == f"{EN}/wiki/Special:Diff/123"
    assert errors == [
        '"not a link" is not a link (http:// or https://)',
        '"https://example.org/x" is not a link to a Wikimedia wiki',
    ]


def test_parse_evidence_links_of_nothing_is_nothing() -> None:
    assert parse_evidence_links("\n \n") == ([], [])


def test_evidence_is_frozen_and_errors_are_value_errors() -> None:
    evidence = parse_evidence(f"{EN}/wiki/Foo")
    assert isinstance(evidence, Evidence)
    with pytest.raises(AttributeError):
        evidence.rev_id = 1  # type: ignore[misc]
    assert issubclass(InvalidEvidence, ValueError)
