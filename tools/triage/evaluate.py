"""Precision and recall of a scorer: on our own labelled comments and on each real set.

Our own set (``tools/triage/eval/*.jsonl``) holds noticeboard-style comments in
English, French, Arabic and Portuguese: positives of every category and hard
negatives (ordinary disputes, jokes marked as jokes, discussions of the
no-legal-threats policy). Its newer rows were written from the kinds of comments
the rules missed, not from the rules. The written set (:func:`written`) was
written for the learned layer by people who never saw the rules. The real sets
(:mod:`tools.triage.data`) were written by nobody on this project. Each comment
belongs to one split: ``train`` (the learned layer learns it), ``dev`` (rules and
thresholds are tuned on it) and ``test`` (only reported: the honest figure). Each
set is reported separately. A comment is counted as flagged in a category when
the scorer gives that category at least the threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.triage import CATEGORIES, THRESHOLD, Scorer, classify
from tools.triage.data import real_rows, split_of

EVAL_DIR = Path(__file__).parent / "eval"
#: Comments written for the learned layer (``<language>.tsv``: language, label, text).
WRITTEN_DIR = Path(__file__).parent / "written"
#: Their source name.
WRITTEN = "written"
#: The splits reported by default; ``train`` exists too (what the learned layer learns).
SPLITS = ("dev", "test")
ALL_SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Example:
    """One labelled comment."""

    text: str
    language: str
    labels: frozenset[str]
    split: str
    source: str = "own"
    #: Not flagged by any rater in any way (real sets say; ours are all clean or labelled).
    clean: bool = True


def examples(directory: Path = EVAL_DIR) -> list[Example]:
    """Every labelled comment of the ``*.jsonl`` files, in file order."""
    found = []
    for file in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            unknown = set(row["labels"]) - set(CATEGORIES)
            if unknown or row["split"] not in ALL_SPLITS:
                raise ValueError(f"{file.name}:{number}: bad labels {unknown} or split")
            found.append(
                Example(row["text"], row["language"], frozenset(row["labels"]), row["split"])
            )
    return found


def written(directory: Path = WRITTEN_DIR) -> list[Example]:
    """The comments written for the learned layer, split as the real sets are (by a hash).

    They were written, in bulk and by people who never saw the rules, from the kinds
    of comments the issue describes (noticeboard reports, veiled threats, farewells,
    grooming, formal legal threats, hard negatives): one label per line, or none.
    """
    found = []
    for file in sorted(directory.glob("*.tsv")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            language, label, text = line.split("\t", 2)
            if label and label not in CATEGORIES:
                raise ValueError(f"{file.name}:{number}: unknown label {label!r}")
            labels = frozenset({label} if label else ())
            found.append(Example(text, language, labels, split_of(text), WRITTEN))
    return found


def all_examples(data: Path | None = None) -> list[Example]:
    """Our own labelled comments, the written ones and every real set of the data folder."""
    real = [
        Example(r.text, r.language, r.labels, r.split, r.source, r.clean) for r in real_rows(data)
    ]
    return [*examples(), *written(), *real]


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
    source: str = "own"
    size: int = 0
    cells: dict[tuple[str, str], Counts] = field(default_factory=dict)
    misses: list[tuple[Example, frozenset[str]]] = field(default_factory=list)

    def cell(self, language: str, category: str) -> Counts:
        return self.cells.setdefault((language, category), Counts())


def evaluate(
    rows: Iterable[Example],
    split: str,
    scorer: Scorer | None = None,
    threshold: float = THRESHOLD,
    source: str = "own",
) -> Report:
    """Score every comment of ``split`` of ``source`` and count hits and misses per cell."""
    score = scorer.score if scorer is not None else classify
    report = Report(split, threshold, source)
    for example in rows:
        if example.split != split or example.source != source:
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
    yield (
        f"set {report.source}, split {report.split}: {report.size} comments,"
        f" threshold {report.threshold}"
    )
    yield f"{'category':<14}" + "".join(f"{language:>12}" for language in languages)
    yield f"{'':<14}" + "".join(f"{'P    R':>12}" for _ in languages)
    for category in (*CATEGORIES, "all"):
        cells = [report.cells.get((language, category), Counts()) for language in languages]
        yield f"{category:<14}" + "".join(
            f"{_percent(c.precision):>7} {_percent(c.recall)}" for c in cells
        )


def format_report(
    reports: Iterable[Report], show_misses: bool = False, header: Iterable[str] = ()
) -> str:
    """The table of every set and split, test last, saying which split is which."""
    lines = [
        "Triage (rules, structure, detectors, learned layer) on labelled comments:",
        "own = tools/triage/eval/*.jsonl; jigsaw, told_br, mpold, cssrs = real sets",
        "of the data folder. P = precision, R = recall, in %; '-' = no comment of that kind.",
        "Rules and thresholds are tuned on 'dev' only; 'test' is the honest figure.",
        *header,
    ]
    for report in reports:
        lines.append("")
        lines.extend(table(report))
        if show_misses:
            for example, flagged in report.misses:
                expected = ",".join(sorted(example.labels)) or "none"
                got = ",".join(sorted(flagged)) or "none"
                where = f"{example.source} {example.language}"
                lines.append(f"  miss [{where}] expected {expected}, got {got}:")
                text = example.text if len(example.text) <= 400 else example.text[:399] + "…"
                lines.append(f"    {text}")
    return "\n".join(lines)


def run(
    show_misses: bool = False,
    splits: Iterable[str] = SPLITS,
    data: Path | None = None,
    scorer: Scorer | None = None,
    own_only: bool = False,
) -> str:
    """Evaluate on each set and split and format the result, the thresholds first.

    The real sets are read from the data folder when it is there; without it (or
    with ``own_only``) only our own set is measured, and the report says so.
    """
    from tools.triage.combine import CombinedScorer, default_combined

    header = []
    combined = scorer if isinstance(scorer, CombinedScorer) else default_combined()
    if combined.model is not None:
        thresholds = ", ".join(f"{k} {v:.2f}" for k, v in combined.thresholds.items())
        header.append(f"Learned-layer thresholds (chosen on dev): {thresholds}.")
    rows = examples()
    if not own_only:
        try:
            rows = all_examples(data)
        except FileNotFoundError as err:
            header.append(f"Real sets not measured: {err}.")
    sources = list(dict.fromkeys(row.source for row in rows))
    reports = (
        evaluate(rows, split, scorer, source=source) for source in sources for split in splits
    )
    return format_report(reports, show_misses, header)
