"""Precision and recall of a scorer on the labelled comments in ``tools/triage/eval/``.

The set holds noticeboard-style comments written for this purpose in English,
French, Arabic and Portuguese: positives of every category and hard negatives
(ordinary disputes, edit-war complaints, false friends, reports of past
sanctions). Each comment belongs to one split, fixed by a hash of its text:
``dev`` is the part rules may be tuned on, ``test`` the part reported as the
honest figure. A comment is counted as flagged in a category when the scorer
gives that category at least the threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.triage import CATEGORIES, THRESHOLD, Scorer, classify

EVAL_DIR = Path(__file__).parent / "eval"
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Example:
    """One labelled comment."""

    text: str
    language: str
    labels: frozenset[str]
    split: str


def examples(directory: Path = EVAL_DIR) -> list[Example]:
    """Every labelled comment of the ``*.jsonl`` files, in file order."""
    found = []
    for file in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            unknown = set(row["labels"]) - set(CATEGORIES)
            if unknown or row["split"] not in SPLITS:
                raise ValueError(f"{file.name}:{number}: bad labels {unknown} or split")
            found.append(
                Example(row["text"], row["language"], frozenset(row["labels"]), row["split"])
            )
    return found


@dataclass
class Counts:
    """True positives, false positives and false negatives of one cell of the table."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Report:
    """Counts per (language, category) of one split; language and category "all" sum them."""

    split: str
    threshold: float = THRESHOLD
    size: int = 0
    cells: dict[tuple[str, str], Counts] = field(default_factory=dict)
    misses: list[tuple[Example, frozenset[str]]] = field(default_factory=list)

    def cell(self, language: str, category: str) -> Counts:
        return self.cells.setdefault((language, category), Counts())


def evaluate(
    rows: Iterable[Example], split: str, scorer: Scorer | None = None, threshold: float = THRESHOLD
) -> Report:
    """Score every comment of ``split`` and count hits and misses per language and category."""
    score = scorer.score if scorer is not None else classify
    report = Report(split, threshold)
    for example in rows:
        if example.split != split:
            continue
        report.size += 1
        verdict = score(example.text, example.language)
        flagged = frozenset(f.category for f in verdict.findings if f.score >= threshold)
        if flagged != example.labels:
            report.misses.append((example, flagged))
        for category in CATEGORIES:
            predicted, actual = category in flagged, category in example.labels
            for language in (example.language, "all"):
                for column in (category, "all"):
                    counts = report.cell(language, column)
                    counts.tp += predicted and actual
                    counts.fp += predicted and not actual
                    counts.fn += actual and not predicted
    return report


def _percent(value: float | None) -> str:
    return "   -" if value is None else f"{value * 100:4.0f}"


def table(report: Report) -> Iterator[str]:
    """The report as lines of text: precision/recall (%) per category and language."""
    languages = [*sorted({language for language, _ in report.cells} - {"all"}), "all"]
    yield f"split {report.split}: {report.size} comments, threshold {report.threshold}"
    yield f"{'category':<14}" + "".join(f"{language:>12}" for language in languages)
    yield f"{'':<14}" + "".join(f"{'P    R':>12}" for _ in languages)
    for category in (*CATEGORIES, "all"):
        cells = [report.cells.get((language, category), Counts()) for language in languages]
        yield f"{category:<14}" + "".join(
            f"{_percent(c.precision):>7} {_percent(c.recall)}" for c in cells
        )


def format_report(reports: Iterable[Report], show_misses: bool = False) -> str:
    """The table of every split, test last, saying which split is which."""
    lines = [
        "Triage rules on the labelled evaluation set (tools/triage/eval/*.jsonl).",
        "P = precision, R = recall, in %; '-' = no comment of that kind.",
        "Rules are tuned on 'dev' only; 'test' is the honest figure.",
    ]
    for report in reports:
        lines.append("")
        lines.extend(table(report))
        if show_misses:
            for example, flagged in report.misses:
                expected = ",".join(sorted(example.labels)) or "none"
                got = ",".join(sorted(flagged)) or "none"
                lines.append(f"  miss [{example.language}] expected {expected}, got {got}:")
                lines.append(f"    {example.text}")
    return "\n".join(lines)


def run(show_misses: bool = False, splits: Iterable[str] = SPLITS) -> str:
    """Evaluate the default scorer on each split and format the result."""
    rows = examples()
    return format_report((evaluate(rows, split) for split in splits), show_misses)
