"""tools.wikitext: talk pages read as a reader and the patrol bot need them.

Signatures are written as each wiki's ``~~~~`` writes them (English, French,
Arabic, Portuguese Wikipedia), with the wiki's localised namespaces.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.patrol.dialect import MONTH_MESSAGES, WikiDialect
from tools.patrol.plaintext import plain_text
from tools.patrol.request_status import RequestStatus, request_status
from tools.patrol.wikitext import comments, new_comments, threads

EN = WikiDialect.english()

NOTICEBOARD = """{{Noticeboard header}}
Please sign your posts.

== Threats against [[User:Victim|Victim]] ==
User:Troll left a message on my talk page. [[User:Victim|Victim]] 12:34, 5 March 2026 (UTC)
:That is serious, I have blocked them. --[[User:Admin One|Admin One]] 13:05, 5 March 2026 (UTC)
::Thank you. [[Special:Contributions/192.0.2.7|192.0.2.7]] 13:10, 5 March 2026 (UTC)

== Edit war at [[Foo]] ==
Reverted three times today. [[User:Editor_b|Editor b]] 09:00, 6 March 2026 (UTC)

=== Comments ===
A reply left without a signature.
"""


def test_page_is_split_into_threads_at_every_heading_level() -> None:
    found = threads(NOTICEBOARD, EN)

    assert [(t.title, t.level) for t in found] == [
        ("", 0),
        ("Threats against Victim", 2),
        ("Edit war at Foo", 2),
        ("Comments", 3),
    ]
    assert [c.author for c in found[1].comments] == ["Victim", "Admin One", "192.0.2.7"]


def test_signature_gives_author_and_utc_time_in_english() -> None:
    first = threads(NOTICEBOARD, EN)[1].comments[0]

    assert first.signed
    assert first.author == "Victim"
    assert first.timestamp == datetime(2026, 3, 5, 12, 34, tzinfo=UTC)
    assert first.thread == "Threats against Victim"
    assert first.text.startswith("User:Troll left a message on my talk page. Victim 12:34")


def test_underscores_in_user_links_read_as_spaces() -> None:
    edit_war = threads(NOTICEBOARD, EN)[2]

    assert edit_war.comments[0].author == "Editor b"


@pytest.mark.parametrize(
    ("language", "signed", "author", "moment"),
    [
        (
            "fr",
            "Bonjour. [[Utilisateur:Jean Dupont|JD]] ([[Discussion utilisateur:Jean Dupont|d]])"
            " 5 mars 2026 à 12:34 (CET)",
            "Jean Dupont",
            datetime(2026, 3, 5, 11, 34, tzinfo=UTC),
        ),
        (
            "fr",
            "Été. [[Utilisatrice:Marie|Marie]] 14 juillet 2026 à 09:05 (CEST)",
            "Marie",
            datetime(2026, 7, 14, 7, 5, tzinfo=UTC),
        ),
        (
            "pt",
            "Olá. [[Usuário(a):Maria Silva|Maria]] ([[Usuário(a) Discussão:Maria Silva|discussão]])"
            " 12h34min de 5 de março de 2026 (UTC)",
            "Maria Silva",
            datetime(2026, 3, 5, 12, 34, tzinfo=UTC),
        ),
        (
            "pt",
            "Bom dia. [[Utilizador:Joao|João]] 08h00min de 1 de janeiro de 2026 (UTC)",
            "Joao",
            datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
        ),
        (
            "ar",
            "مرحبا [[مستخدم:أحمد|أحمد]] ([[نقاش المستخدم:أحمد|نقاش]]) 12:34، 5 مارس 2026 (ت ع م)",
            "أحمد",
            datetime(2026, 3, 5, 12, 34, tzinfo=UTC),
        ),
        (
            "ar",
            "شكرا [[مستخدمة:سارة|سارة]] ١٢:٣٤، ٥ مارس ٢٠٢٦ (ت ع م)",  # noqa: RUF001
            "سارة",
            datetime(2026, 3, 5, 12, 34, tzinfo=UTC),
        ),
    ],
)
def test_signatures_in_the_wikis_own_language(
    language: str, signed: str, author: str, moment: datetime
) -> None:
    (comment,) = comments(signed, WikiDialect.for_language(language))

    assert comment.signed
    assert comment.author == author
    assert comment.timestamp == moment


def test_contributions_link_signs_for_an_ip_in_french() -> None:
    text = "Je signale. [[Spécial:Contributions/2001:db8::1|2001:db8::1]] 5 mars 2026 à 12:34 (CET)"

    (comment,) = comments(text, WikiDialect.for_language("fr"))

    assert comment.author == "2001:db8::1"


def test_timestamp_without_user_link_is_not_a_signature() -> None:
    text = "The block expired at 12:34, 5 March 2026 (UTC) and he came back."

    (comment,) = comments(text, EN, revision_user="Reporter")

    assert not comment.signed
    assert comment.author == "Reporter"
    assert comment.timestamp is None


def test_unsigned_comment_is_attributed_to_the_revision_user() -> None:
    last = comments(NOTICEBOARD, EN, revision_user="Anon editor")[-1]

    assert not last.signed
    assert last.author == "Anon editor"
    assert last.text == "A reply left without a signature."


def test_several_signed_comments_on_one_line_are_separate() -> None:
    text = (
        "Agree. [[User:A|A]] 10:00, 1 May 2026 (UTC) Disagree. [[User:B|B]] 10:05, 1 May 2026 (UTC)"
    )

    assert [c.author for c in comments(text, EN)] == ["A", "B"]


def test_user_subpage_links_do_not_sign() -> None:
    text = "See [[User:A/sandbox|my draft]]. [[User:B|B]] 10:00, 1 May 2026 (UTC)"

    assert [c.author for c in comments(text, EN)] == ["B"]


def test_new_comment_in_one_thread_is_the_only_one_returned() -> None:
    added = NOTICEBOARD.replace(
        "Reverted three times today. [[User:Editor_b|Editor b]] 09:00, 6 March 2026 (UTC)\n",
        "Reverted three times today. [[User:Editor_b|Editor b]] 09:00, 6 March 2026 (UTC)\n"
        ":Please discuss on the talk page. [[User:Admin One|A1]] 10:00, 6 March 2026 (UTC)\n",
    )

    found = new_comments(NOTICEBOARD, added, EN, revision_user="Admin One")

    assert [(c.author, c.thread, c.text[:31]) for c in found] == [
        ("Admin One", "Edit war at Foo", "Please discuss on the talk page")
    ]


def test_changed_comment_is_returned_and_keeps_nothing_of_the_old_one() -> None:
    changed = NOTICEBOARD.replace("That is serious", "That is very serious")

    (found,) = new_comments(NOTICEBOARD, changed, EN)

    assert found.author == "Admin One"
    assert "very serious" in found.text


def test_same_comment_in_two_revisions_has_the_same_key() -> None:
    moved_down = NOTICEBOARD + "\n== Another thread ==\nHi [[User:C|C]] 11:00, 7 March 2026 (UTC)\n"

    before = {c.key for c in comments(NOTICEBOARD, EN)}
    after = {c.key for c in comments(moved_down, EN)}

    assert before < after
    assert len(after - before) == 1


def test_unsigned_text_added_is_attributed_to_who_saved_it() -> None:
    added = NOTICEBOARD + "I forgot to sign this.\n"

    found = new_comments(NOTICEBOARD, added, EN, revision_user="Forgetful")

    assert [(c.author, c.signed) for c in found] == [("Forgetful", False)]
    assert "I forgot to sign this." in found[0].text


def test_unchanged_unsigned_text_is_not_new_when_someone_else_edits() -> None:
    added = NOTICEBOARD.replace("Please sign your posts.", "Please sign your posts!")

    found = new_comments(NOTICEBOARD, added, EN, revision_user="Someone")

    assert [c.text for c in found] == ["Please sign your posts!"]


def test_first_revision_has_every_comment_new() -> None:
    assert len(new_comments(None, NOTICEBOARD, EN)) == len(comments(NOTICEBOARD, EN))


def test_removed_comments_are_not_new() -> None:
    shorter = NOTICEBOARD.split("== Edit war")[0]

    assert new_comments(NOTICEBOARD, shorter, EN) == []


@pytest.mark.parametrize(
    ("section", "status"),
    [
        ("=== Global lock for Spammer ===\n{{status}}\n*{{LockHide|Spammer}}", RequestStatus.OPEN),
        ("=== Delete page ===\n{{Status|In progress}}\nPlease delete.", RequestStatus.IN_PROGRESS),
        ("{{status|done}}\n:Locked. --Steward", RequestStatus.DONE),
        ("{{Status|Done}}", RequestStatus.DONE),
        ("{{Status|not done}}\n:No.", RequestStatus.NOT_DONE),
        ("{{status|notdone}}", RequestStatus.NOT_DONE),
        ("{{status|On hold}}", RequestStatus.ON_HOLD),
        ("{{status|withdrawn}}", RequestStatus.WITHDRAWN),
        ("{{status|something odd}}", RequestStatus.UNKNOWN),
        ("No template at all.", RequestStatus.NONE),
        ("{{LockHide|X}} no status here", RequestStatus.NONE),
    ],
)
def test_steward_request_status(section: str, status: RequestStatus) -> None:
    assert request_status(section) is status


def test_done_and_not_done_requests_are_closed_open_ones_are_not() -> None:
    assert request_status("{{status|done}}").closed
    assert request_status("{{status|not done}}").closed
    assert not request_status("{{status}}").closed
    assert not request_status("{{status|on hold}}").closed


@pytest.mark.parametrize(
    ("wikitext", "plain"),
    [
        ("[[Article|label]] and [[Other]]", "label and Other"),
        ("''italic'' and '''bold''' and '''''both'''''", "italic and bold and both"),
        ("Fact.<ref>Source, p. 3</ref> Next.", "Fact. Next."),
        ("Seen <!-- hidden note --> here", "Seen  here"),
        ("<nowiki>[[not a link]]</nowiki>", "[[not a link]]"),
        ("{{cite web|url=x}}Text{{clear}}", "Text"),
        ("{{tq|I will find you}} is what he wrote", "\u201cI will find you\u201d is what he wrote"),
        ("<blockquote>quoted words</blockquote>", "\u201cquoted words\u201d"),
        ("{{ping|Admin One}} please look", "@Admin One please look"),
        ("[https://example.org a site] and [[File:X.png|thumb|caption]]", "a site and "),
        ("a &amp; b&nbsp;c", "a & b\u00a0c"),
        ("[[Category:Noticeboards]]Text", "Text"),
    ],
)
def test_plain_text_is_what_a_reader_sees(wikitext: str, plain: str) -> None:
    assert plain_text(wikitext) == plain


def test_dialect_for_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no captured dialect"):
        WikiDialect.for_language("xx")


def test_dialect_from_api_values_reads_its_own_namespaces() -> None:
    dialect = WikiDialect(
        language="en",
        months=WikiDialect.english().months,
        namespaces={"Benutzer": 2, "Benutzer Diskussion": 3, "Spezial": -1},
        contributions=("Beiträge",),
    )

    text = "Hallo [[Benutzer:Hans|Hans]] 10:00, 1 May 2026 (UTC)"

    assert comments(text, dialect)[0].author == "Hans"


def _edits(page: str, seed: int) -> list[str]:
    """Edits of every kind a talk page sees, at random places."""
    import random

    rng = random.Random(seed)
    lines = page.splitlines(keepends=True)
    signed = f":Reply {seed}. [[User:R{seed}|R]] 10:{seed % 60:02d}, 2 May 2026 (UTC)\n"
    edits = []
    for _ in range(12):
        at = rng.randrange(len(lines) + 1)
        edits.append("".join([*lines[:at], signed, *lines[at:]]))
        edits.append("".join([*lines[:at], f"== New {at} ==\n", signed, *lines[at:]]))
        edits.append("".join(lines[:at] + lines[at + 1 :]))
        position = rng.randrange(len(page))
        edits.append(
            page[:position] + rng.choice(["x", "", "=", "\n", "]]"]) + page[position + 1 :]
        )
    return edits


@pytest.mark.parametrize("seed", range(5))
def test_new_comments_equals_comparing_every_comment_of_both_revisions(seed: int) -> None:
    second = NOTICEBOARD.replace("Victim", "Other").replace("Foo", "Bar").replace("A reply", "Text")
    page = NOTICEBOARD + second  # every comment different, so keys are unique

    for edited in _edits(page, seed):
        old_keys = {c.key for c in comments(page, EN)}
        expected = [c for c in comments(edited, EN, "Saver") if c.key not in old_keys]

        assert new_comments(page, edited, EN, "Saver") == expected


def test_unsigned_template_names_the_author_of_an_unsigned_comment() -> None:
    text = (
        "Something rude. {{unsigned|Vandal42|12:34, 5 March 2026 (UTC)}}\n"
        ":Reply. [[User:A|A]] 13:00, 5 March 2026 (UTC)\n"
        "Another. {{unsigned2|14:00, 5 March 2026 (UTC)|User:Bob}}\n"
        "From an IP. {{unsignedIP|2001:db8:0:0:0:0:0:1}}\n"
    )

    found = comments(text, EN, revision_user="Saver")

    assert [(c.author, c.signed, c.text) for c in found] == [
        ("Vandal42", False, "Something rude."),
        ("A", True, "Reply. A 13:00, 5 March 2026 (UTC)"),
        ("Bob", False, "Another."),
        ("2001:db8:0:0:0:0:0:1", False, "From an IP."),
    ]
    assert found[0].timestamp == datetime(2026, 3, 5, 12, 34, tzinfo=UTC)


def test_french_unsigned_template_reads_the_french_date() -> None:
    text = "Texte. {{non signé|Utilisateur:Jean|5 mars 2026 à 12:34 (CET)}}"

    (comment,) = comments(text, WikiDialect.for_language("fr"))

    assert (comment.author, comment.timestamp) == ("Jean", datetime(2026, 3, 5, 11, 34, tzinfo=UTC))


def test_list_markup_and_user_templates_read_as_a_reader_sees_them() -> None:
    assert plain_text(":a\n::b\n*c") == "a\nb\nc"
    assert plain_text("{{u|Foo}} and {{reply to|A|B}}") == "Foo and @A, @B"
    assert plain_text("[[:Category:Noticeboards|the category]]") == "the category"


def test_quoted_threat_in_a_thread_scores_lower_than_the_same_words_unquoted() -> None:
    from tools.triage import classify

    quoted, direct = comments(
        "He wrote {{tq|I will kill you}} on my page. [[User:V|V]] 10:00, 1 May 2026 (UTC)\n"
        "I will kill you. [[User:T|T]] 10:05, 1 May 2026 (UTC)",
        EN,
    )

    reported, threat = classify(quoted.text, "en").top, classify(direct.text, "en").top
    assert reported is not None and threat is not None
    assert reported.category == threat.category == "violence"
    assert reported.score < threat.score


FRWIKI_SITEINFO = {
    "batchcomplete": True,
    "query": {
        "general": {"lang": "fr", "timezone": "Europe/Paris", "timeoffset": 60},
        "namespaces": {
            "-1": {"id": -1, "case": "first-letter", "name": "Spécial", "canonical": "Special"},
            "0": {"id": 0, "case": "first-letter", "name": "", "content": True},
            "2": {
                "id": 2,
                "case": "first-letter",
                "name": "Utilisateur",
                "canonical": "User",
                "gender": {"male": "Utilisateur", "female": "Utilisatrice"},
            },
            "3": {
                "id": 3,
                "case": "first-letter",
                "name": "Discussion utilisateur",
                "canonical": "User talk",
                "gender": {"male": "Discussion utilisateur", "female": "Discussion utilisatrice"},
            },
        },
        "namespacealiases": [{"id": 2, "alias": "U"}, {"id": 4, "alias": "WP"}],
        "specialpagealiases": [
            {"realname": "Contributions", "aliases": ["Contributions", "Contributions_de"]},
            {"realname": "Log", "aliases": ["Journal"]},
        ],
    },
}
FRENCH_MONTHS = dict(
    zip(
        MONTH_MESSAGES[:12],
        WikiDialect.for_language("fr").months,
        strict=True,
    )
)


def test_dialect_from_the_api_reads_namespaces_aliases_months_and_time_zone() -> None:
    dialect = WikiDialect.from_siteinfo(FRWIKI_SITEINFO, FRENCH_MONTHS)

    assert dialect.language == "fr"
    assert dialect.namespaces["Utilisatrice"] == 2
    assert dialect.namespaces["U"] == 2
    assert "WP" not in dialect.namespaces
    assert "Contributions_de" in dialect.contributions
    assert dialect.timezones["CEST"] == 120
    text = (
        "Merci. [[U:Anne|Anne]] 1 août 2026 à 09:30 (CEST) "
        "Bien. [[Spécial:Contributions_de/203.0.113.9|IP]] 2 août 2026 à 10:00 (CEST)"
    )
    found = comments(text, dialect)
    assert [(c.author, c.timestamp) for c in found] == [
        ("Anne", datetime(2026, 8, 1, 7, 30, tzinfo=UTC)),
        ("203.0.113.9", datetime(2026, 8, 2, 8, 0, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    "wikitext",
    [
        "[[a|b|c]] x [[a|]] [[dog]]s [[a#b|c]] [[#Section]] [[ spaced | label ]]",
        "[[:Category:X|cat]] [[Category:Y]] [[File:x.png|thumb|cap]] [[w:en:Foo|Foo]]",
        "see [https://example.org the site] and [//x.org] and http://bare.org/x",
        "[http://x.org  two  spaces] [http://x.org\tTab] [ftp://x y] [sic] text]] end",
        ":::indented [[x]]\n;term : def\n#item",
        "[[a\nb]] text [[ unclosed [http://x.org label with [[link]]]",
        "Agree. [[User:A_b|A b]] ([[User talk:A_b|talk]]) 12:00, 1 May 2026 (UTC)",
    ],
)
def test_plain_text_without_the_parser_reads_like_the_parser(wikitext: str) -> None:
    import mwparserfromhell

    from tools.patrol.plaintext import _LIST_MARKUP, _render

    assert plain_text(wikitext) == _LIST_MARKUP.sub("", _render(mwparserfromhell.parse(wikitext)))
