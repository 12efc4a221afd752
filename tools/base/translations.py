"""The tool's catalogues outside a web request: mail in the reader's language.

A callout or a notice is written by a worker, not in answer to the reader's request, so
Flask-Babel cannot pick its language: it is the recipient's stored language
(``User.language``, a MediaWiki code such as ``fr`` or ``pt-br``). The catalogues are the
web tool's (``flaskapp/translations``); as on MediaWiki, a regional language (``pt_BR``)
holds only what it says differently and falls back to its language (``pt``).
"""

from __future__ import annotations

import functools
import io
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGUES = Path(__file__).parents[2] / "flaskapp" / "translations"
DOMAIN = "messages"


def babel_id(code: str) -> str:
    """Babel's identifier of a language code: ``pt-br`` (MediaWiki) is ``pt_BR``."""
    return str(Locale.parse(code.replace("_", "-"), sep="-"))


def fallbacks(po_path: Path) -> list[Path]:
    """The catalogue a regional one falls back to: ``pt_BR``'s is ``pt``'s."""
    folder = po_path.parts[-3]
    language = folder.split("_")[0]
    parent = po_path.parents[2] / language / "LC_MESSAGES" / po_path.name
    return [parent] if language != folder and parent.exists() else []


def read_over_fallbacks(po_path: Path) -> Catalog:
    """A regional catalogue's messages over its fallback's: one complete catalogue."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parts[-3])
    for fallback in fallbacks(po_path):
        with fallback.open("rb") as po_file:
            base = read_po(po_file, locale=po_path.parts[-3])
        for message in base:
            own = catalog.get(message.id, message.context) if message.id else None
            if message.id and (own is None or not own.string):
                catalog[message.id] = message
    return catalog


def catalogue_path(code: str, source: Path = CATALOGUES) -> Path | None:
    """The ``.po`` a language is served from: its own, else its base language's; or None."""
    try:
        identifier = babel_id(code)
    except (ValueError, UnknownLocaleError):
        return None
    for candidate in (identifier, identifier.split("_")[0]):
        path = source / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            return path
    return None


#: The gender preferences MediaWiki shares (``list=users&usprop=gender``), as ``{{GENDER:}}``
#: reads them; ``unknown`` (not set, or not shared) gets the message's neutral wording.
GENDERS = ("male", "female", "unknown")


def addressed(catalogue: NullTranslations, gender: str | None, message: str) -> str:
    """A message that addresses its reader, in the form for their gender (``NP_`` contexts).

    A language that does not tell them apart translates both contexts alike; English has
    none, so every context falls back to the message itself.
    """
    if gender in ("male", "female"):
        return catalogue.pgettext(gender, message)
    return catalogue.gettext(message)


@functools.cache
def translations(code: str | None) -> NullTranslations:
    """``gettext``/``ngettext`` in a language (English, the messages' own, if it has none)."""
    path = catalogue_path(code) if code else None
    if path is None:
        return NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, read_over_fallbacks(path))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
