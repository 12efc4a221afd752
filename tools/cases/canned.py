"""Canned responses: reply templates that admins keep in every language of the tool.

A response is a ``key`` (``need-diffs``) with one text per language. Its text may
name the case's requester, reference and wiki as ``{requester}``, ``{reference}``
and ``{wiki}``; any other ``{name}`` is refused when the text is saved, so a typo
never reaches a requester as a literal brace. The text is only a starting point: the
specialist edits it in the reply box before sending. Every change is an admin event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base.messages import N_, TranslatableError
from tools.models import AdminEvent, CannedResponse, Case

#: The languages a response is written in; English is required, as the fallback.
LANGUAGES = ("en", "fr", "ar", "pt")
FALLBACK_LANGUAGE = "en"
PLACEHOLDERS = ("requester", "reference", "wiki")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TITLE_MAX = 255
BODY_MAX = 20_000

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class CannedError(TranslatableError):
    """A canned response that cannot be saved or used; ``field`` says which input is wrong."""

    def __init__(self, message: str, field: str = "", **variables: str) -> None:
        super().__init__(message, **variables)
        self.field = field


@dataclass(frozen=True)
class CannedSet:
    """One key and its texts by language (only the languages that have one)."""

    key: str
    title: str
    texts: dict[str, str]


def unknown_placeholders(body: str) -> list[str]:
    """The ``{names}`` in ``body`` that :func:`fill` would not know, in order of appearance."""
    names = [match.group(1) for match in _PLACEHOLDER.finditer(body)]
    return list(dict.fromkeys(name for name in names if name not in PLACEHOLDERS))


def fill(body: str, values: Mapping[str, str]) -> str:
    """Replace the known placeholders; anything else in braces is left as written."""
    return _PLACEHOLDER.sub(
        lambda match: values.get(match.group(1), match.group(0)) if match.group(1) else "{}",
        body,
    )


def values_for(case: Case) -> dict[str, str]:
    """What the placeholders stand for in one case (its first wiki when it names several)."""
    return {
        "requester": case.requester.username if case.requester else "",
        "reference": case.reference or "",
        "wiki": case.wikis[0].wiki if case.wikis else "",
    }


def all_sets(session: Session) -> list[CannedSet]:
    """Every canned response, by key."""
    rows = session.scalars(select(CannedResponse).order_by(CannedResponse.key))
    grouped: dict[str, list[CannedResponse]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    return [_set(key, group) for key, group in grouped.items()]


def get_set(session: Session, key: str) -> CannedSet | None:
    rows = list(session.scalars(select(CannedResponse).where(CannedResponse.key == key)))
    return _set(key, rows) if rows else None


def _set(key: str, rows: list[CannedResponse]) -> CannedSet:
    title = next((r.title for r in rows if r.language == FALLBACK_LANGUAGE), rows[0].title)
    return CannedSet(key, title, {row.language: row.body for row in rows})


def text_for(session: Session, key: str, language: str, case: Case) -> str:
    """The response ``key`` in ``language`` (else English), filled in for ``case``."""
    entry = get_set(session, key)
    if entry is None:
        raise CannedError(N_("There is no canned response called %(key)s."), "key", key=key)
    body = entry.texts.get(language) or entry.texts.get(FALLBACK_LANGUAGE)
    if body is None:
        raise CannedError(N_("This canned response has no text in that language."), "language")
    return fill(body, values_for(case))


def save(
    session: Session,
    actor_id: int,
    key: str,
    title: str,
    texts: Mapping[str, str],
    creating: bool,
) -> CannedSet:
    """Create (``creating``) or edit a response; an empty text removes that language.

    Checks everything before writing, so a refused save changes nothing.
    """
    key = key.strip()
    title = title.strip()
    texts = {language: (texts.get(language) or "").strip() for language in LANGUAGES}
    _check(key, title, texts)
    rows = {
        row.language: row
        for row in session.scalars(select(CannedResponse).where(CannedResponse.key == key))
    }
    if creating and rows:
        raise CannedError(N_("A canned response called %(key)s already exists."), "key", key=key)
    if not creating and not rows:
        raise CannedError(N_("There is no canned response called %(key)s."), "key", key=key)
    changed = []
    for language, body in texts.items():
        row = rows.get(language)
        if not body:
            if row is not None:
                session.delete(row)
                changed.append(language)
            continue
        if row is None:
            session.add(
                CannedResponse(
                    key=key, language=language, title=title, body=body, updated_by_id=actor_id
                )
            )
            changed.append(language)
        elif (row.title, row.body) != (title, body):
            row.title, row.body, row.updated_by_id = title, body, actor_id
            changed.append(language)
    action = "canned-created" if creating else "canned-edited"
    session.add(
        AdminEvent(actor_id=actor_id, action=action, data={"key": key, "languages": changed})
    )
    session.flush()
    return CannedSet(key, title, {language: body for language, body in texts.items() if body})


def _check(key: str, title: str, texts: Mapping[str, str]) -> None:
    if not KEY_PATTERN.match(key):
        raise CannedError(
            N_("A key is up to 64 lower-case letters, digits and hyphens, e.g. need-diffs."),
            "key",
        )
    if not title:
        raise CannedError(N_("A canned response needs a title."), "title")
    if len(title) > TITLE_MAX:
        raise CannedError(N_("The title is too long."), "title")
    if not texts.get(FALLBACK_LANGUAGE):
        raise CannedError(N_("The English text is required: it is the fallback."), "en")
    for language, body in texts.items():
        if len(body) > BODY_MAX:
            raise CannedError(N_("This text is too long."), language)
        unknown = unknown_placeholders(body)
        if unknown:
            raise CannedError(
                N_("Unknown placeholder %(names)s. Use {requester}, {reference} or {wiki}."),
                language,
                names=", ".join("{" + name + "}" for name in unknown),
            )
