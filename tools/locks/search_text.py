"""Reason search in every script, served by each backend's full-text index.

SQLite's ``lower()`` and ``LIKE`` fold ASCII only, so ``спам`` never met ``Спам-бот``.
Each row therefore keeps ``reason_search``, its reason in a case-folded form
(:func:`search_form`), and a query is folded the same way: the comparison is then
byte for byte on both backends, in any script.

At scale a substring ``LIKE`` reads the whole table. The indexes that serve it:

- SQLite: an FTS5 table with the ``trigram`` tokenizer over ``reason_search``
  (external content, kept by triggers). A phrase of three or more characters matches
  exactly the rows that contain it, anywhere, as ``LIKE`` would.
- MariaDB: a ``FULLTEXT`` index on ``reason_search``. InnoDB's index holds words, not
  trigrams (MariaDB has no n-gram parser), so it finds the rows with a word starting
  with each query word, and ``LIKE`` then keeps those that contain the query itself.
  The one difference: on MariaDB a query must start at the start of a word (``term``
  finds ``Long-term``; ``erm`` does not). Queries with no word of three characters or
  more (``50%``) fall back to ``LIKE`` over the table.
"""

from __future__ import annotations

import re
import unicodedata

#: The SQLite FTS5 table and the MariaDB index; schema objects outside the models.
FTS_TABLE = "lock_reason_fts"
FULLTEXT_INDEX = "ft_lock_events_reason"
#: InnoDB's innodb_ft_min_token_size default, and its default stopwords: a word the
#: index cannot hold would make the full-text condition miss rows.
_MIN_WORD = 3
_INNODB_STOPWORDS = frozenset(
    """a about an are as at be by com de en for from how i in is it la of on or that the this
    to was what when where who will with und www""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W_]+")


def search_form(text: str | None) -> str | None:
    """``text`` as stored for search and as queried: NFC, case-folded in any script.

    Case folding (``str.casefold``) pairs upper and lower case in Cyrillic, Greek,
    Armenian, ``ß``/``SS`` and final sigma. Turkish has two i's: ``İ``/``i`` and
    ``I``/dotless i (U+0131); folding keeps the dotless one apart and makes ``İ`` ``i``
    plus a dot. A searcher cannot know which i a reason used, so all four fold to ``i``.
    """
    if text is None:
        return None
    folded = unicodedata.normalize("NFC", text).casefold()
    folded = folded.replace("i\u0307", "i").replace("\u0131", "i")
    return unicodedata.normalize("NFC", folded)


def like_pattern(query: str) -> str:
    """A ``LIKE`` pattern (escape ``\\``) for rows whose search form contains ``query``."""
    folded = search_form(query) or ""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts5_phrase(query: str) -> str | None:
    """An FTS5 trigram phrase matching exactly the rows that contain ``query``, or None.

    None when the query is shorter than a trigram: the index cannot serve it.
    """
    folded = search_form(query) or ""
    if len(folded) < 3:
        return None
    return '"' + folded.replace('"', '""') + '"'


def boolean_words(query: str) -> str | None:
    """A MariaDB boolean-mode expression: each indexable word required, as a prefix.

    None when no word is long enough and not a stopword: the index cannot serve it.
    """
    words = [
        word
        for word in _WORD.findall(search_form(query) or "")
        if len(word) >= _MIN_WORD and word not in _INNODB_STOPWORDS
    ]
    return " ".join(f"+{word}*" for word in words) or None


def is_search_object(name: str | None) -> bool:
    """A table or index of the full-text search, made by the migration, not by a model."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == FULLTEXT_INDEX)
