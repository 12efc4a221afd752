"""A mail's own words apart from the history it quotes and the signature it ends with.

The case page shows the new text and folds the rest away (still there, one click on).
The cut is the first line that starts what a mail client adds below a message: an
attribution ("On … wrote:", in the languages of the desk), an "Original Message"
divider, a block of ``>`` lines that runs to the end, or the ``-- `` signature line.
"""

from __future__ import annotations

import re

ATTRIBUTION = re.compile(
    r"^(On .{1,200} wrote:|Le .{1,200} a écrit\s?:|Em .{1,200} escreveu:|.{0,200}كتب:)\s*$"
)
DIVIDERS = ("-----Original Message-----", "-------- Original Message --------", "________________")


def fold(text: str) -> tuple[str, str]:
    """``(own words, folded rest)``; the rest is "" when nothing is quoted or signed."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\r") == "-- " or stripped in DIVIDERS or ATTRIBUTION.match(stripped):
            return _split(lines, index)
        if stripped.startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[index:]
        ):
            return _split(lines, index)
    return text, ""


def _split(lines: list[str], index: int) -> tuple[str, str]:
    own = "\n".join(lines[:index]).rstrip()
    if not own:  # a mail that is all quote: show it all
        return "\n".join(lines), ""
    return own, "\n".join(lines[index:]).strip("\n")
