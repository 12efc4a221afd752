"""Options of a select field, as WTForms wants them since 3.3 (tuples are deprecated)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """``[(value, label), …]`` as :class:`SelectChoice` objects, labels kept lazy."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
