"""Messages of the core that a person reads, kept translatable without Flask in ``tools/``."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation, unchanged: ``tools/`` has no Flask and no locale.

    ``make translations`` extracts it; the web tool translates it where it shows it.
    """
    return message


class TranslatableError(Exception):
    """An error whose ``message`` (marked with :func:`N_`) the web tool shows translated.

    ``message`` may hold ``%(name)s`` placeholders filled from ``variables``;
    ``str()`` gives the English text, for logs and the command line.
    """

    def __init__(self, message: str, **variables: str) -> None:
        self.message = message
        self.variables = variables
        super().__init__(message % variables if variables else message)
