"""The fixed words of the mail the desk writes, in the language of the case.

The fetcher has no Flask and no request locale: it reads the web tool's catalogues through
``tools.base.translations``, as callouts do, so the whole tool has one set of translations.
"""

from __future__ import annotations

from tools.base.messages import N_
from tools.base.translations import translations

ACK_SUBJECT = N_("We received your message [%(reference)s]")
ACK_BODY = N_(
    "Hello,\n\nThe Trust and Safety team of the Wikimedia Foundation received your message. "
    "Its reference is %(reference)s.\n\nTo add to it, answer this mail and keep "
    "[%(reference)s] in the subject. This is an automatic answer: you get at most one an hour."
)
REPLY_HEADER = N_("About your message (%(reference)s), the Trust and Safety team writes:")
SIGNATURE = N_("Trust and Safety, Wikimedia Foundation, via Safety Desk")


def text(language: str, message: str, **values: str) -> str:
    """``message`` in ``language`` (English when it has no translation), values filled in."""
    translated = translations(language).gettext(message)
    return translated % values if values else translated
