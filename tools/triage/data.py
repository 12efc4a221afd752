"""The real labelled comments of the data folder, read into our categories, split once.

The folder (``../shared/data/triage`` beside the repository, or the
``SAFETYDESK_TRIAGE_DATA`` environment variable, or a CLI option) holds public data
sets as their authors published them (its README gives sources and licences). Each
row goes to ``train``, ``dev`` or ``test`` by a hash of its id (or text): the split is
the same on every machine and never changes when rows are added, and nothing is
copied into the repository. Rules and thresholds are tuned on ``dev``; ``test`` is
only reported.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: ``../shared/data/triage`` beside the repository (or beside a folder above it: a worktree).
DEFAULT_DATA = next(
    (p / "shared" / "data" / "triage" for p in REPO.parents if (p / "shared/data/triage").is_dir()),
    REPO.parent / "shared" / "data" / "triage",
)
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Row:
    """One labelled comment of a real data set, its labels in our categories."""

    text: str
    language: str
    labels: frozenset[str]
    split: str
    source: str
    #: No rater flagged anything in it, even outside our categories (a clean comment).
    clean: bool = True


def data_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: the option, else ``SAFETYDESK_TRIAGE_DATA``, else the default."""
    chosen = option or os.environ.get("SAFETYDESK_TRIAGE_DATA") or DEFAULT_DATA
    return Path(chosen)


def split_of(key: str, train: int = 70, dev: int = 15) -> str:
    """The split of a row, fixed by the SHA-1 of its key (70 / 15 / 15 by default)."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < train else "dev" if bucket < train + dev else "test"


def _csv(file: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with file.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _flag(row: dict[str, str], *columns: str, at_least: float = 1) -> bool:
    return any(float(row.get(column) or 0) >= at_least for column in columns)


#: Every toxicity column of the Jigsaw set: a comment with none of them is clean.
JIGSAW_COLUMNS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")


def jigsaw(folder: Path) -> Iterator[Row]:
    """Wikipedia talk comments: ``threat`` is violence; ``insult``/``identity_hate`` harassment."""
    for row in _csv(folder / "jigsaw_wiki_talk_en" / "comments.csv"):
        labels = set()
        if _flag(row, "threat"):
            labels.add("violence")
        if _flag(row, "insult", "identity_hate"):
            labels.add("harassment")
        clean = not _flag(row, *JIGSAW_COLUMNS)
        split = split_of(row["id"])
        yield Row(row["comment_text"], "en", frozenset(labels), split, "jigsaw", clean)


def told_br(folder: Path) -> Iterator[Row]:
    """ToLD-Br tweets: harassment when two of the three annotators flagged an insult or hate."""
    columns = ("insult", "homophobia", "racism", "misogyny", "xenophobia")
    for row in _csv(folder / "told_br_pt" / "ToLD-BR.csv"):
        labels = {"harassment"} if _flag(row, *columns, at_least=2) else set()
        clean = not _flag(row, *columns, "obscene")
        yield Row(row["text"], "pt", frozenset(labels), split_of(row["text"]), "told_br", clean)


def mpold(folder: Path) -> Iterator[Row]:
    """MPOLD news comments: the majority label ``Offensive`` is harassment."""
    for row in _csv(folder / "mpold_ar" / "MPOLD_4000.csv"):
        labels = {"harassment"} if row["Majority_Label"].strip() == "Offensive" else set()
        yield Row(row["Comment"], "ar", frozenset(labels), split_of(row["Id"]), "mpold")


#: C-SSRS levels that mean the writer intends to harm themself.
SELF_HARM_LEVELS = {"Ideation", "Behavior", "Attempt"}


def cssrs(folder: Path, limit: int = 1500) -> Iterator[Row]:
    """Reddit users labelled on the C-SSRS: each user's posts, joined, cut to ``limit`` chars.

    Labels are per user, so the posts of one user are one row (and one split).
    """
    for row in _csv(folder / "cssrs_reddit_en" / "posts_labels.csv"):
        try:
            posts = ast.literal_eval(row["Post"])
        except (ValueError, SyntaxError):
            posts = [row["Post"]]
        text = " ".join(str(post) for post in posts)[:limit]
        labels = {"self_harm"} if row["Label"].strip() in SELF_HARM_LEVELS else set()
        yield Row(text, "en", frozenset(labels), split_of(row["User"]), "cssrs")


READERS: dict[str, Callable[[Path], Iterator[Row]]] = {
    "jigsaw": jigsaw,
    "told_br": told_br,
    "mpold": mpold,
    "cssrs": cssrs,
}


def real_rows(folder: Path | None = None, sources: tuple[str, ...] = ()) -> list[Row]:
    """Every row of the data sets present in ``folder`` (all of them, or ``sources``)."""
    folder = data_dir(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"triage data folder not found: {folder}")
    rows: list[Row] = []
    for name, reader in READERS.items():
        if sources and name not in sources:
            continue
        try:
            rows.extend(reader(folder))
        except FileNotFoundError:
            continue  # a folder with only some of the sets (a test fixture) is fine
    return rows
