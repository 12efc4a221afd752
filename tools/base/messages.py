"""Messages of the core that a person reads, kept translatable without Flask in ``tools/``."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation, unchanged: ``tools/`` has no Flask and no locale.

    ``make translations`` extracts it; the web tool translates it where it shows it.
    """
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a count (``%(num)d``) for translation in every plural form.

    The web tool picks the form with ``ngettext`` (Arabic has six); ``make translations``
    extracts both.
    """
    return singular, plural


def NP_(context: str, message: str) -> str:
    """Mark a message in a context (``male``/``female``: the reader's gender) for extraction.

    MediaWiki's ``{{GENDER:}}``: where a language addresses a man and a woman differently,
    the message gets one translation per context, picked by
    :func:`tools.base.translations.addressed`; ``make translations`` extracts each.
    """
    del context
    return message


class TranslatableError(Exception):
    """An error whose ``message`` (marked with :func:`N_`) the web tool shows translated.

    ``message`` may hold ``%(name)s`` placeholders filled from ``variables``;
    ``str()`` gives the English text, for logs and the command line. A message with a
    count is a :func:`N_plural` pair, and ``num`` the count that chooses the form.
    """

    def __init__(
        self, message: str | tuple[str, str], num: int | None = None, **variables: str
    ) -> None:
        self.message, self.plural = (message, None) if isinstance(message, str) else message
        self.num = num
        self.variables = variables
        english = self.message if self.plural is None or num == 1 else self.plural
        if num is not None:
            variables = {**variables, "num": num}  # type: ignore[dict-item]
        super().__init__(english % variables if variables else english)
