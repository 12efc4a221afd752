"""The fixed words of the mail the desk writes, in the language of the case.

The fetcher has no Flask and no request locale, so it reads the same catalogues the
web tool uses (``flaskapp/translations/<language>/LC_MESSAGES/messages.po``, through
Babel) and looks its few messages up there: one set of translations for the whole tool.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from tools.base.messages import N_

CATALOGUES = Path(__file__).resolve().parents[2] / "flaskapp" / "translations"

ACK_SUBJECT = N_("We received your message [%(reference)s]")
ACK_BODY = N_(
    "Hello,\n\nThe Trust and Safety team of the Wikimedia Foundation received your message. "
    "Its reference is %(reference)s.\n\nTo add to it, answer this mail and keep "
    "[%(reference)s] in the subject. This is an automatic answer: you get at most one an hour."
)
REPLY_HEADER = N_("About your message (%(reference)s), the Trust and Safety team writes:")
SIGNATURE = N_("Trust and Safety, Wikimedia Foundation, via Safety Desk")


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return {}
    with path.open("rb") as source:
        catalogue = read_po(source)
    return {
        str(message.id): str(message.string)
        for message in catalogue
        if message.id and isinstance(message.string, str) and message.string and not message.fuzzy
    }


def text(language: str, message: str, **values: str) -> str:
    """``message`` in ``language`` (English when it has no translation), values filled in."""
    translated = _catalogue(language).get(message, message) if language != "en" else message
    return translated % values if values else translated
