"""The patrol's parts that need no wiki: SSE, the dialect from the API, classifying, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots.boards import PatrolError
from bots.eventstreams import sse_messages
from bots.noticeboard_patrol import parse_options
from tools.base.config import SettingsError, load_settings
from tools.patrol import revisions, wikitext

#: What frwiki's API answers (formatversion=2), cut to what the dialect reads.
FRWIKI = {
    "general": {"lang": "fr", "wikiid": "frwiki"},
    "namespaces": {
        "-1": {"id": -1, "name": "Spécial", "canonical": "Special"},
        "2": {"id": 2, "name": "Utilisateur", "canonical": "User"},
        "3": {"id": 3, "name": "Discussion utilisateur", "canonical": "User talk"},
        "4": {"id": 4, "name": "Wikipédia", "canonical": "Project"},
    },
    "namespacealiases": [
        {"id": 2, "alias": "Utilisatrice"},
        {"id": 3, "alias": "Discussion utilisatrice"},
        {"id": 4, "alias": "WP"},
    ],
    "specialpagealiases": [
        {
            "realname": "Contributions",
            "aliases": ["Contributions", "Contributions de l'utilisateur"],
        },
        {"realname": "Diff", "aliases": ["Diff", "Différence"]},
    ],
    "allmessages": [
        {"name": name, "content": month}
        for name, month in zip(
            wikitext.MONTH_MESSAGES[:12],
            [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            strict=True,
        )
    ],
}

BOARD_BEFORE = "== Demande de blocage ==\nMerci de regarder. ~~~~\n"
SIGNATURE = (
    "[[Utilisatrice:Exemple|Exemple]] ([[Discussion utilisatrice:Exemple|discuter]]) "
    "24 novembre 2026 à 22:05 (CET)"
)
DOXXING = (
    ":Son vrai nom est Jean Dupont et il habite au 12 rue des Lilas à Lyon, "
    "son numéro de téléphone : 06 12 34 56 78. " + SIGNATURE + "\n"
)


def test_the_dialect_comes_from_the_wikis_own_words() -> None:
    dialect = revisions.dialect_from_api(FRWIKI)
    assert dialect.language == "fr" and dialect.months[10] == "novembre"
    assert dialect.namespaces["Utilisatrice"] == 2 and "WP" not in dialect.namespaces
    assert "Contributions de l'utilisateur" in dialect.contributions
    assert dialect.timezones["CET"] == 60  # not in the API: from the captured French dialect


def test_a_french_reply_is_read_with_the_french_dialect_and_rules() -> None:
    dialect = revisions.dialect_from_api(FRWIKI)
    found = revisions.classify_revision(BOARD_BEFORE, BOARD_BEFORE + DOXXING, dialect, "fr")
    [item] = found
    assert item.comment.author == "Exemple"
    assert item.comment.timestamp == datetime(2026, 11, 24, 21, 5, tzinfo=UTC)
    assert item.comment.thread == "Demande de blocage"
    assert item.verdict.top is not None and item.verdict.top.category == "doxxing"


def test_an_ordinary_reply_finds_nothing() -> None:
    dialect = revisions.dialect_from_api(FRWIKI)
    reply = ":Je ne suis pas d'accord avec cette clôture, les sources sont fiables. " + SIGNATURE
    assert revisions.classify_revision(BOARD_BEFORE, BOARD_BEFORE + reply, dialect, "fr") == []


def test_sse_messages_are_read_as_eventstreams_sends_them() -> None:
    stream = [
        b":ok",
        b"",
        b"event: message",
        b'id: [{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":7}]',
        b'data: {"wiki": "frwiki",',
        b'data:  "type": "edit"}',
        b"",
        b"event: message",
        b"data: {}",
    ]
    messages = list(sse_messages(iter(stream)))
    assert messages == [
        (
            '[{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":7}]',
            '{"wiki": "frwiki",\n "type": "edit"}',
        ),
        ('[{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":7}]', "{}"),
    ]


def test_boards_are_wiki_and_title_separated_by_bars() -> None:
    settings = load_settings(
        patrol_boards="metawiki:Steward requests/Global|"
        "enwiki:Wikipedia:Administrators' noticeboard/Incidents\n"
        "frwiki:Wikipédia:Bulletin des administrateurs"
    )
    assert settings.patrol_boards == (
        "metawiki:Steward requests/Global",
        "enwiki:Wikipedia:Administrators' noticeboard/Incidents",
        "frwiki:Wikipédia:Bulletin des administrateurs",
    )
    with pytest.raises(SettingsError, match="PATROL_BOARDS"):
        load_settings(patrol_boards="Wikipedia:Administrators' noticeboard")
    with pytest.raises(SettingsError, match="PATROL_THRESHOLD"):
        load_settings(patrol_threshold=1.5)


def test_options_of_the_script() -> None:
    assert parse_options(["-stream", "-once", "-idle:3", "-x"]) == (
        {"stream": True, "once": True, "idle": 3.0},
        ["-x"],
    )
    with pytest.raises(PatrolError):
        parse_options(["-start:yesterday"])
