"""Accounts, IPs and ranges as MediaWiki writes them, from what functionaries paste."""

from __future__ import annotations

import pytest

from tools.models import SubjectKind
from tools.wiki.subjects import InvalidSubject, Subject, parse_subject, parse_subjects

ACCOUNT, IP, RANGE = SubjectKind.ACCOUNT, SubjectKind.IP, SubjectKind.RANGE


# --- IP addresses and ranges ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("010.000.002.001", "10.0.2.1"),  # leading zeros are decimal, as in MediaWiki
        ("2001:db8::1", "2001:DB8:0:0:0:0:0:1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:DB8:0:0:0:0:0:1"),
        ("2001:db8:0:0:1::", "2001:DB8:0:0:1:0:0:0"),
        ("::1", "0:0:0:0:0:0:0:1"),
        ("::", "0:0:0:0:0:0:0:0"),
        ("fe80::abcd:12", "FE80:0:0:0:0:0:ABCD:12"),
        ("::ffff:192.0.2.1", "0:0:0:0:0:FFFF:C000:201"),
    ],
)
def test_ip_addresses_take_mediawikis_form(text: str, value: str) -> None:
    assert parse_subject(text) == Subject(IP, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("192.0.2.77/24", "192.0.2.0/24"),  # host bits cleared, as in IPUtils::sanitizeRange
        ("10.1.2.3/16", "10.1.0.0/16"),
        ("192.0.2.1/32", "192.0.2.1/32"),
        ("2001:db8::/32", "2001:DB8:0:0:0:0:0:0/32"),
        ("2001:db8:abcd:12::1/64", "2001:DB8:ABCD:12:0:0:0:0/64"),
        ("2001:db8::/19", "2001:0:0:0:0:0:0:0/19"),
        ("2001:DB8::1/128", "2001:DB8:0:0:0:0:0:1/128"),
    ],
)
def test_ranges_are_cidr_with_the_network_address(text: str, value: str) -> None:
    assert parse_subject(text) == Subject(RANGE, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.0.0.0/8", '"10.0.0.0/8" is wider than /16, the widest IPv4 range'),
        ("10.0.0.0/15", '"10.0.0.0/15" is wider than /16'),
        ("2001:db8::/18", '"2001:db8::/18" is wider than /19, the widest IPv6 range'),
        ("192.0.2.1/33", '"192.0.2.1/33" is not a valid IP range'),
        ("192.0.2.1/x", '"192.0.2.1/x" is not a valid IP range'),
        ("2001:db8::/129", '"2001:db8::/129" is not a valid IP range'),
        ("256.1.1.1", '"256.1.1.1" is not a valid IP address'),
        ("192.0.2.xxx", '"192.0.2.xxx" is not a valid IP address'),
        ("2001:db8:::1", '"2001:db8:::1" is not a valid IP address'),
        ("1:2:3:4:5:6:7:8:9", '"1:2:3:4:5:6:7:8:9" is not a valid IP address'),
    ],
)
def test_broken_addresses_and_too_wide_ranges_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidSubject) as caught:
        parse_subject(text)
    assert str(caught.value).startswith(message)


# --- user names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Example", "Example"),
        ("example", "Example"),
        ("jean_dupont", "Jean dupont"),
        ("  Jean   Dupont  ", "Jean Dupont"),
        ("Jean\u00a0Dupont", "Jean Dupont"),  # no-break space folds like a space
        ("élodie Martin", "Élodie Martin"),
        ("çà et là", "Çà et là"),
        ("joão_da_silva", "João da silva"),
        ("محمد_علي", "محمد علي"),
        ("ǆemal", "Ǆemal"),
        ("ßtraße", "ßtraße"),  # no one-letter capital: kept, as on Wikimedia
        ("1.2.3", "1.2.3"),  # not an IP: a valid name
        ("~2025-12345-67", "~2025-12345-67"),  # a temporary account
        ("User:Example", "Example"),
        ("user:example", "Example"),
        ("User talk:Example", "Example"),
        ("User:Example/sandbox", "Example"),
        ("Special:Contributions/Example", "Example"),
        ("special:contribs/example", "Example"),
        ("Special:CentralAuth/Example", "Example"),
        ("Utilisateur:Élodie", "Élodie"),  # any language's user namespace
        ("Utilisatrice:Marie", "Marie"),
        ("Usuário:João", "João"),
        ("مستخدم:محمد", "محمد"),
        ("Spécial:Contributions/Élodie", "Élodie"),
        ("a" * 255, "A" + "a" * 254),
        ("é" * 127, "É" + "é" * 126),
    ],
)
def test_account_names_take_their_canonical_form(text: str, value: str) -> None:
    assert parse_subject(text) == Subject(ACCOUNT, value)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("User:2001:db8::1", "2001:DB8:0:0:0:0:0:1", IP),
        ("Special:Contributions/192.0.2.1", "192.0.2.1", IP),
        ("Special:Contributions/192.0.2.0/24", "192.0.2.0/24", RANGE),
        ("Special:Contributions/2001:db8::/32", "2001:DB8:0:0:0:0:0:0/32", RANGE),
        ("User:192.0.2.1/sandbox", "192.0.2.1", IP),
    ],
)
def test_prefixed_ips_and_ranges(text: str, value: str, kind: SubjectKind) -> None:
    assert parse_subject(text) == Subject(kind, value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "nothing given"),
        ("   ", "nothing given"),
        ("Foo#bar", "# is not allowed"),
        ("Foo@enwiki", "@ is not allowed"),
        ("Talk:Foo", ": is not allowed"),
        ("Foo/bar", "/ is not allowed"),
        ("Foo<bar>", "'<'"),
        ("Foo[bar]", "'['"),
        ("Foo|bar", "'|'"),
        ("Foo{bar}", "'{'"),
        ("Foo%41bar", "escape sequence"),
        ("Foo\u200bbar", "invisible"),  # zero-width space
        ("Foo\ue000", "invisible"),  # private use
        ("Foo~~~", "tildes"),
        ("a" * 256, "255 bytes"),
        ("é" * 128, "255 bytes"),
        ("User:", "names no account or IP"),
        ("Special:Contributions/", "names no account or IP"),
    ],
)
def test_names_mediawiki_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidSubject) as caught:
        parse_subject(text)
    assert reason in str(caught.value)
    if text.strip():
        assert text.strip()[:20] in str(caught.value)  # the message names the input


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "subject"),
    [
        ("https://en.wikipedia.org/wiki/User:Example", Subject(ACCOUNT, "Example", "enwiki")),
        (
            "https://en.m.wikipedia.org/wiki/User_talk:Example/Archive_1#top",
            Subject(ACCOUNT, "Example", "enwiki"),
        ),
        (
            "http://fr.wikipedia.org/wiki/Utilisateur:%C3%89lodie_Martin",
            Subject(ACCOUNT, "Élodie Martin", "frwiki"),
        ),
        (
            "https://fr.wikipedia.org/wiki/Sp%C3%A9cial:Contributions/%C3%89lodie_Martin",
            Subject(ACCOUNT, "Élodie Martin", "frwiki"),
        ),
        (
            "https://ar.m.wikipedia.org/wiki/%D8%AE%D8%A7%D8%B5:%D9%85%D8%B3%D8%A7%D9%87%D9%85%D8%A7%D8%AA/%D9%85%D8%AD%D9%85%D8%AF",
            Subject(ACCOUNT, "محمد", "arwiki"),
        ),
        (
            "https://pt.wikipedia.org/w/index.php?title=Especial:Contribui%C3%A7%C3%B5es"
            "&target=Jo%C3%A3o+Silva&namespace=all",
            Subject(ACCOUNT, "João Silva", "ptwiki"),
        ),
        (
            "https://meta.wikimedia.org/wiki/Special:CentralAuth/Example",
            Subject(ACCOUNT, "Example", "metawiki"),
        ),
        (
            "https://en.wikipedia.org/wiki/Special:Contributions/2001:db8::1",
            Subject(IP, "2001:DB8:0:0:0:0:0:1", "enwiki"),
        ),
        (
            "https://commons.wikimedia.org/wiki/Special:Contributions/192.0.2.0/24",
            Subject(RANGE, "192.0.2.0/24", "commonswiki"),
        ),
        (
            "https://www.wikidata.org/w/index.php?title=User:Example&action=history",
            Subject(ACCOUNT, "Example", "wikidatawiki"),
        ),
    ],
)
def test_links_to_user_pages_and_contributions_give_the_wiki(url: str, subject: Subject) -> None:
    assert parse_subject(url) == subject


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.org/wiki/User:Example", "is not a link to a Wikimedia wiki"),
        ("https://en.wikipedia.org/wiki/Example", "is not a link to a user page"),
        ("https://en.wikipedia.org/wiki/Special:Log/block", "is not a link to a user page"),
        ("https://en.wikipedia.org/wiki/User:", "names no account or IP"),
        ("https://en.wikipedia.org/wiki/User:Foo%5Bbar%5D", "'['"),
        ("https://en.wikipedia.org/wiki/Special:Contributions/10.0.0.0/8", "wider than /16"),
    ],
)
def test_links_that_name_no_subject_are_refused(url: str, reason: str) -> None:
    with pytest.raises(InvalidSubject) as caught:
        parse_subject(url)
    assert reason in str(caught.value)
    assert url in str(caught.value)


# --- a text area ----------------------------------------------------------------------------


def test_parse_subjects_reads_one_per_line_dropping_blanks_and_repeats() -> None:
    text = "\n".join(
        [
            "jean_Dupont",
            "",
            "192.0.2.1",
            "User:Jean Dupont",  # the same account again
            "   ",
            "Foo#bar",
            "https://fr.wikipedia.org/wiki/Utilisateur:Jean_Dupont",  # again, from a link
            "2001:db8::1",
            "2001:DB8:0:0:0:0:0:1",  # the same address again
            "10.0.0.0/8",
        ]
    )
    subjects, errors = parse_subjects(text)
    assert subjects == [
        Subject(ACCOUNT, "Jean Dupont"),
        Subject(IP, "192.0.2.1"),
        Subject(IP, "2001:DB8:0:0:0:0:0:1"),
    ]
    assert len(errors) == 2
    assert '"Foo#bar"' in errors[0]
    assert '"10.0.0.0/8"' in errors[1]


def test_parse_subjects_of_nothing_is_nothing() -> None:
    assert parse_subjects("") == ([], [])
    assert parse_subjects("\r\n \n") == ([], [])


def test_subjects_are_frozen_and_errors_are_value_errors() -> None:
    subject = parse_subject("Example")
    with pytest.raises(AttributeError):
        subject.value = "Other"  # type: ignore[misc]
    assert issubclass(InvalidSubject, ValueError)
