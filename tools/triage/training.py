"""``safetydesk triage train``: the learned layer from the data folder, and its data card.

Trained on the ``train`` split of each real data set (see :mod:`tools.triage.data`)
and of our own labelled comments; calibrated, and its thresholds chosen, on the
``dev`` splits only; ``test`` splits are measured for the data card and nothing
else. A category is learned when its training rows have enough positives. Where
the real sets have enough (violence, self-harm, harassment) it learns from them
alone: our own comments were written to try the rules, and a model that learns
their phrasing raised alerts on clean Wikipedia comments. The others (doxxing,
grooming, terrorism, legal threats: no real data yet) learn from our own train
rows, with every real row as a negative, and only support the other evidence: a
few hundred comments teach words like "client" and "editors" as well as
"lawyer", so alone they would alert on "my client thanks the editors".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from tools.triage import evaluate
from tools.triage.combine import CombinedScorer
from tools.triage.learned import MODEL_FILE, CategoryModel, Features, LearnedModel
from tools.triage.rules import default_scorer
from tools.triage.verdict import CATEGORIES, EMERGENCY_CATEGORIES, THRESHOLD

MIN_POSITIVES = 20
#: The source name of our own labelled comments (``tools/triage/eval``).
OWN = "own"
#: A language gets a threshold of its own when its dev rows hold this many positives.
MIN_LANGUAGE_POSITIVES = 30
#: The precision a per-language threshold of a queue category must keep on dev.
TARGET_PRECISION = 0.8
#: The most alerts on clean dev comments a threshold may cost (the patrol's budget).
MAX_FALSE_ALARMS = 0.01
LICENCES = {
    "jigsaw": "Wikipedia talk comments (Jigsaw toxic comments): text CC BY-SA 3.0, labels CC0",
    "told_br": "ToLD-Br (Leite et al. 2020): CC BY-SA 4.0",
    "mpold": "MPOLD (Chowdhury et al. 2020): Apache-2.0",
    "cssrs": "C-SSRS Reddit (Gaur et al. 2019, Zenodo 2667859): CC BY",
    "own": "Safety Desk's own labelled comments (tools/triage/eval): the project's licence",
}


def _fit(features: object, labels: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=2000)
    return model.fit(features, labels)


def _platt(margins: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration of dev margins: ``p = sigmoid(a * margin + b)``."""
    if labels.min() == labels.max():
        return 1.0, 0.0
    fitted = LogisticRegression(C=100.0).fit(margins.reshape(-1, 1), labels)
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def choose_threshold(
    probabilities: np.ndarray, evidence: np.ndarray, labels: np.ndarray, emergency: bool
) -> float:
    """The learned threshold with the best F-beta on dev, within the false-alarm budget.

    A comment is flagged when the other evidence already flags it or ``p >= t``; the
    budget counts the false alarms the learned layer adds to the rules'.
    Emergency categories weigh recall twice (beta 2): a missed threat costs more.
    """
    beta2 = 4.0 if emergency else 1.0
    negatives = max(1, int((labels == 0).sum()))
    best, chosen = -1.0, 0.99
    for t in np.round(np.arange(0.05, 0.99, 0.01), 2):
        flagged = evidence | (probabilities >= t)
        tp = int((flagged & (labels == 1)).sum())
        fp = int((flagged & (labels == 0)).sum())
        fn = int((~flagged & (labels == 1)).sum())
        added = int((flagged & ~evidence & (labels == 0)).sum())
        if added / negatives > MAX_FALSE_ALARMS:
            continue
        score = (1 + beta2) * tp / max(1, (1 + beta2) * tp + beta2 * fn + fp)
        if score > best:
            best, chosen = score, float(t)
    return chosen


def train(data: Path | None = None, c: float = 4.0) -> LearnedModel:
    """Train, calibrate and choose thresholds; the model is returned, not saved."""
    rows = evaluate.all_examples(data)
    train_rows = [r for r in rows if r.split == "train"]
    dev_rows = [r for r in rows if r.split == "dev"]
    features = Features()
    x_train = features.transform([r.text for r in train_rows], [r.language for r in train_rows])
    x_dev = features.transform([r.text for r in dev_rows], [r.language for r in dev_rows])
    models: dict[str, CategoryModel] = {}
    real = np.array([r.source != OWN for r in train_rows])
    real_dev = np.array([r.source != OWN for r in dev_rows])
    every_dev = np.ones(len(dev_rows), dtype=bool)
    measured_on: dict[str, np.ndarray] = {}  # per category, the dev rows it is calibrated on
    for category in CATEGORIES:
        y = np.array([category in r.labels for r in train_rows], dtype=int)
        keep = real if y[real].sum() >= MIN_POSITIVES else np.ones(len(y), dtype=bool)
        if y[keep].sum() < MIN_POSITIVES:
            continue
        # calibrated and thresholded on the dev rows of what it learned from
        measured_on[category] = real_dev if keep is real else every_dev
        fitted = _fit(x_train[keep], y[keep], c)
        weights = fitted.coef_[0].astype(np.float16).astype(np.float32)
        margins = np.asarray(x_dev @ weights).ravel() + float(fitted.intercept_[0])
        y_dev = np.array([category in r.labels for r in dev_rows], dtype=int)
        dev = measured_on[category]
        a, b = _platt(margins[dev], y_dev[dev])
        models[category] = CategoryModel(weights, float(fitted.intercept_[0]), a, b)
    model = LearnedModel(models, {"trained": dt.date.today().isoformat()})
    model.meta["thresholds"] = _thresholds(model, dev_rows, measured_on)
    # learned from our own comments alone: a hint beside the rules, never an alert by itself
    model.meta["supporting"] = sorted(c for c, rows in measured_on.items() if rows is every_dev)
    model.meta["rows"] = _counts(rows)
    return model


def _thresholds(
    model: LearnedModel, dev_rows: Sequence[evaluate.Example], measured_on: dict[str, np.ndarray]
) -> dict[str, float]:
    """A threshold per learned category, and per language where its dev rows suffice.

    A category learned from the real sets is thresholded on their dev rows alone (the
    comments it will meet), not on ours, which the rules were written to catch.

    The per-language threshold of a queue category is the lowest that keeps
    :data:`TARGET_PRECISION` on that language's dev rows (the most recall at a
    precision specialists can trust), else the category's own.
    """
    rules_only = CombinedScorer(default_scorer(), None)
    evidence = [rules_only.evidence(r.text, r.language) for r in dev_rows]
    probabilities = model.probabilities([r.text for r in dev_rows], [r.language for r in dev_rows])
    languages = np.array([r.language.split("-")[0] for r in dev_rows])
    chosen = {}
    for category in model.models:
        rows = measured_on[category]
        labels = np.array([category in r.labels for r in dev_rows], dtype=int)[rows]
        other = np.array(
            [e[category].score >= THRESHOLD if category in e else False for e in evidence]
        )[rows]
        p = np.array([row[category] for row in probabilities])[rows]
        emergency = category in EMERGENCY_CATEGORIES
        chosen[category] = choose_threshold(p, other, labels, emergency)
        if emergency:
            continue
        for language in sorted(set(languages[rows])):
            mask = languages[rows] == language
            if labels[mask].sum() < MIN_LANGUAGE_POSITIVES:
                continue
            found = precise_threshold(p[mask], other[mask], labels[mask])
            if found is not None:
                chosen[f"{category}@{language}"] = found
    return chosen


def precise_threshold(
    probabilities: np.ndarray, evidence: np.ndarray, labels: np.ndarray
) -> float | None:
    """The lowest threshold whose flags keep :data:`TARGET_PRECISION` (None: none does)."""
    negatives = max(1, int((labels == 0).sum()))
    for t in np.round(np.arange(0.05, 0.99, 0.01), 2):
        flagged = evidence | (probabilities >= t)
        tp = int((flagged & (labels == 1)).sum())
        fp = int((flagged & (labels == 0)).sum())
        added = int((flagged & ~evidence & (labels == 0)).sum())
        if tp and tp / (tp + fp) >= TARGET_PRECISION and added / negatives <= MAX_FALSE_ALARMS:
            return float(t)
    return None


def _counts(rows: Sequence[evaluate.Example]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        cell = counts.setdefault(row.source, {})
        cell[row.split] = cell.get(row.split, 0) + 1
    return counts


def data_card(model: LearnedModel, report: str) -> str:
    """The data card shipped beside the model: sources, licences, rows, date, figures."""
    sources = sorted(model.meta.get("rows", {}))  # type: ignore[call-overload]
    lines = [
        "# Data card: the triage learned layer (`triage.npz`)",
        "",
        f"Trained {model.meta.get('trained')} by `safetydesk triage train`: hashed character",
        "2-5-grams and stemmed word 1-2-grams, a logistic regression per category",
        "(class-balanced), Platt-calibrated and thresholded on the dev splits only.",
        f"Learned categories: {', '.join(model.models)}; supporting only (learned from our"
        f" own comments, they lift other evidence but never alert alone):"
        f" {', '.join(model.meta.get('supporting', [])) or 'none'}.",
        f"Thresholds: {model.meta.get('thresholds')} (`category@language`: the lowest",
        "that keeps precision 0.8 on that language's dev rows; the others: the best",
        "F-beta on all dev rows, beta 2 for emergency categories, within 1 % false alarms).",
        "Features are hashed with scikit-learn's public `murmurhash3_32`, as",
        "`HashingVectorizer(alternate_sign=False)` hashes them.",
        "",
        "## Sources and licences",
        "",
        *(f"- `{name}`: {LICENCES.get(name, '?')}" for name in sources),
        "",
        "Real sets are read from the data folder (its README gives the sources); the",
        "split of a row is fixed by a hash of its id (70/15/15); nothing is copied here.",
        "",
        "## Rows per split",
        "",
        "| set | train | dev | test |",
        "|---|---|---|---|",
        *(
            f"| {name} | "
            + " | ".join(str(model.meta["rows"][name].get(s, 0)) for s in ("train", "dev", "test"))  # type: ignore[index]
            + " |"
            for name in sources
        ),
        "",
        "## Figures per split (rules + detectors + this model)",
        "",
        "```",
        report,
        "```",
        "",
    ]
    return "\n".join(lines)


def train_and_save(data: Path | None = None, file: Path = MODEL_FILE) -> str:
    """Train, save the model and its data card; the evaluation report is returned."""
    model = train(data)
    model.save(file)
    scorer = CombinedScorer(default_scorer(), model)
    report = evaluate.run(data=data, scorer=scorer)
    (file.parent / "DATA_CARD.md").write_text(data_card(model, report), encoding="utf-8")
    return report
