"""``safetydesk triage train``: the learned layer from the data folder, and its data card.

Trained on the ``train`` split of each real data set (see :mod:`tools.triage.data`)
and of the comments written for it (``tools/triage/written``, see
:func:`tools.triage.evaluate.written`); calibrated, and its thresholds chosen, on
their ``dev`` splits only; ``test`` splits are measured for the data card and
nothing else. Our own labelled set (``tools/triage/eval``) is not learned from: the
rules were tuned on it, so it would teach the model what the rules already know.

A threshold keeps each source's budget: on a real set, the clean comments the
learned layer adds to the rules' alerts (:data:`MAX_FALSE_ALARMS` per category:
the patrol reads thousands a day); on a written set, whose negatives were chosen
to be hard, the precision of what it adds. No set spends another's budget.
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
#: The sources the learned layer learns from (and is calibrated and thresholded on).
LEARNS_FROM = frozenset({"jigsaw", "told_br", "mpold", "cssrs", "written"})
#: Sets written for the patrol, whose negatives are hard ones: held to precision, not a rate.
WRITTEN_SOURCES = frozenset({OWN, evaluate.WRITTEN})
#: Sets whose negatives are not clean comments (C-SSRS: people who talk about their
#: distress without intent): an alert there costs little, so they spend no budget.
UNBUDGETED = frozenset({"cssrs"})
#: Real sets whose clean train comments count in the budget too (they are few on dev).
BUDGET_TRAIN = frozenset({"jigsaw"})
#: How much a training row of a source counts (the real sets: 1).
WEIGHTS = {evaluate.WRITTEN: 3.0}
#: Categories that only lift other evidence to an alert, never alert alone.
SUPPORTING: frozenset[str] = frozenset()
#: A language gets a threshold of its own when its dev rows hold this many positives.
MIN_LANGUAGE_POSITIVES = 30
#: The precision a per-language threshold of a queue category must keep on dev.
TARGET_PRECISION = 0.8
#: The most alerts on clean dev comments a threshold may cost (the patrol's budget), per
#: category: seven of them add up to 0.35 %, which leaves the rules' own alerts room under
#: the 1 % of clean Wikipedia comments the patrol may alert on.
MAX_FALSE_ALARMS = 0.0005
LICENCES = {
    "jigsaw": "Wikipedia talk comments (Jigsaw toxic comments): text CC BY-SA 3.0, labels CC0",
    "told_br": "ToLD-Br (Leite et al. 2020): CC BY-SA 4.0",
    "mpold": "MPOLD (Chowdhury et al. 2020): Apache-2.0",
    "cssrs": "C-SSRS Reddit (Gaur et al. 2019, Zenodo 2667859): CC BY",
    "own": "Safety Desk's own labelled comments (tools/triage/eval): the project's licence",
    "written": "comments written for the learned layer (tools/triage/written): project licence",
}


def _fit(
    features: object, labels: np.ndarray, c: float, weights: np.ndarray | None = None
) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=2000)
    return model.fit(features, labels, sample_weight=weights)


def _platt(margins: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration of dev margins: ``p = sigmoid(a * margin + b)``."""
    if labels.min() == labels.max():
        return 1.0, 0.0
    fitted = LogisticRegression(C=100.0).fit(margins.reshape(-1, 1), labels)
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def choose_threshold(
    probabilities: np.ndarray,
    evidence: np.ndarray,
    labels: np.ndarray,
    emergency: bool,
    sources: np.ndarray | None = None,
    clean: np.ndarray | None = None,
) -> float:
    """The learned threshold with the best F-beta on dev, within each source's budget.

    A comment is flagged when the other evidence already flags it or ``p >= t``.
    On a real set the budget is the false alarms the learned layer adds to the
    rules' (:data:`MAX_FALSE_ALARMS` of its clean comments: the patrol reads
    thousands of them a day); on a written set, whose negatives were chosen to be
    hard, it is precision (:data:`TARGET_PRECISION`). Each source is held to its
    own budget, so that the largest set cannot spend the others'. Emergency
    categories weigh recall twice (beta 2): a missed threat costs more.
    """
    beta2 = 4.0 if emergency else 1.0
    groups = _budget_groups(np.full(len(labels), "real") if sources is None else sources)
    clean = labels == 0 if clean is None else clean
    best, chosen = -1.0, 0.99
    for t in np.round(np.arange(0.01, 0.99, 0.01), 2):
        flagged = evidence | (probabilities >= t)
        if not _within_budgets(flagged, evidence, labels, groups, clean):
            continue
        tp = int((flagged & (labels == 1)).sum())
        fp = int((flagged & (labels == 0)).sum())
        fn = int((~flagged & (labels == 1)).sum())
        score = (1 + beta2) * tp / max(1, (1 + beta2) * tp + beta2 * fn + fp)
        if score > best:
            best, chosen = score, float(t)
    return chosen


def _budget_groups(sources: np.ndarray) -> np.ndarray:
    """Each row's budget: its source's, the written sets sharing one (each alone holds
    too few of what the model adds)."""
    return np.where(np.isin(sources, list(WRITTEN_SOURCES)), evaluate.WRITTEN, sources)


def _within_budgets(
    flagged: np.ndarray,
    evidence: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    clean: np.ndarray,
) -> bool:
    """Whether the flags keep every budget group's budget (see :func:`choose_threshold`)."""
    return all(
        _within_budget(flagged & ~evidence & (groups == g), labels, clean & (groups == g), g)
        for g in set(groups)
    )


def _within_budget(added: np.ndarray, labels: np.ndarray, clean: np.ndarray, source: str) -> bool:
    """Whether the flags the learned layer adds on one source's dev rows keep its budget.

    ``added``: the rows of that source it flags and the other evidence does not;
    ``clean``: that source's rows no rater flagged in any way.
    """
    if source in UNBUDGETED:
        return True
    if source in WRITTEN_SOURCES:  # another category's comment is an alert worth having
        return int((added & clean).sum()) <= (1 - TARGET_PRECISION) * int(added.sum())
    # a real set: the clean comments it flags, not the merely rude
    return int((added & clean).sum()) <= MAX_FALSE_ALARMS * max(1, int(clean.sum()))


def train(
    data: Path | None = None,
    c: float = 4.0,
    learns_from: frozenset[str] = LEARNS_FROM,
    supporting: frozenset[str] = SUPPORTING,
) -> LearnedModel:
    """Train, calibrate and choose thresholds; the model is returned, not saved.

    Each category learns from the train rows of the sources in ``learns_from`` and
    is calibrated and thresholded on their dev rows; those in ``supporting`` only
    ever lift other evidence.
    """
    rows = evaluate.all_examples(data)
    train_rows = [r for r in rows if r.split == "train" and r.source in learns_from]
    dev_rows = [r for r in rows if r.split == "dev" and r.source in learns_from]
    features = Features()
    x_train = features.transform([r.text for r in train_rows], [r.language for r in train_rows])
    x_dev = features.transform([r.text for r in dev_rows], [r.language for r in dev_rows])
    models: dict[str, CategoryModel] = {}
    row_weights = np.array([WEIGHTS.get(r.source, 1.0) for r in train_rows])
    for category in CATEGORIES:
        y = np.array([category in r.labels for r in train_rows], dtype=int)
        if y.sum() < MIN_POSITIVES:
            continue
        fitted = _fit(x_train, y, c, row_weights)
        weights = fitted.coef_[0].astype(np.float16).astype(np.float32)
        margins = np.asarray(x_dev @ weights).ravel() + float(fitted.intercept_[0])
        y_dev = np.array([category in r.labels for r in dev_rows], dtype=int)
        a, b = _platt(margins, y_dev)
        models[category] = CategoryModel(weights, float(fitted.intercept_[0]), a, b)
    model = LearnedModel(models, {"trained": dt.date.today().isoformat()})
    # our own dev rows do not calibrate, but their hard negatives hold the thresholds too;
    # so do the clean train comments of Wikipedia talk pages (the patrol's own kind): a
    # budget read on a few hundred dev comments alone is one alert either way
    checked = [r for r in rows if r.split == "dev" and r.source in learns_from | {OWN}]
    checked += [r for r in rows if r.split == "train" and r.source in BUDGET_TRAIN and r.clean]
    model.meta["thresholds"] = _thresholds(model, checked)
    model.meta["supporting"] = sorted(supporting & set(models))
    model.meta["learns_from"] = sorted(learns_from)
    model.meta["rows"] = _counts(rows)
    return model


def _thresholds(model: LearnedModel, dev_rows: Sequence[evaluate.Example]) -> dict[str, float]:
    """A threshold per learned category, and per language where its dev rows suffice.

    ``dev_rows``: the dev rows of the sets the model learned from, and our own (their
    hard negatives are look-alikes the rules were taught to leave alone).

    The per-language threshold of a queue category is the lowest that keeps
    :data:`TARGET_PRECISION` on that language's dev rows (the most recall at a
    precision specialists can trust), else the category's own. It is lower than the
    category's own only where real comments of that language keep it to their budget
    too: written comments alone (French) are too few and too hard-won to trust it
    on the everyday talk a patrol reads.
    """
    rules_only = CombinedScorer(default_scorer(), None)
    evidence = [rules_only.evidence(r.text, r.language) for r in dev_rows]
    probabilities = model.probabilities([r.text for r in dev_rows], [r.language for r in dev_rows])
    languages = np.array([r.language.split("-")[0] for r in dev_rows])
    sources = np.array([r.source for r in dev_rows])
    clean = np.array([r.clean and not r.labels for r in dev_rows])
    chosen = {}
    for category in model.models:
        labels = np.array([category in r.labels for r in dev_rows], dtype=int)
        other = np.array(
            [e[category].score >= THRESHOLD if category in e else False for e in evidence]
        )
        p = np.array([row[category] for row in probabilities])
        emergency = category in EMERGENCY_CATEGORIES
        chosen[category] = choose_threshold(p, other, labels, emergency, sources, clean)
        if emergency:
            continue
        for language in sorted(set(languages)):
            mask = languages == language
            if labels[mask].sum() < MIN_LANGUAGE_POSITIVES:
                continue
            found = precise_threshold(
                p[mask], other[mask], labels[mask], sources[mask], clean[mask]
            )
            if found is not None and (found > chosen[category] or _has_real(sources[mask])):
                chosen[f"{category}@{language}"] = found
    return chosen


def _has_real(sources: np.ndarray) -> bool:
    """Whether rows of a real set (one whose clean comments have a budget) are among these."""
    return bool(np.isin(sources, list(LEARNS_FROM - WRITTEN_SOURCES - UNBUDGETED)).any())


def precise_threshold(
    probabilities: np.ndarray,
    evidence: np.ndarray,
    labels: np.ndarray,
    sources: np.ndarray,
    clean: np.ndarray,
) -> float | None:
    """The lowest threshold whose flags keep :data:`TARGET_PRECISION` (None: none does).

    The flags the learned layer adds to the other evidence must keep it too, each
    counted against this category: the rules' own precise flags would otherwise
    carry a threshold that adds mostly comments of other categories (French legal
    threats at 0.11 flagged French threats of violence as legal ones).
    """
    groups = _budget_groups(sources)
    for t in np.round(np.arange(0.01, 0.99, 0.01), 2):
        flagged = evidence | (probabilities >= t)
        tp = int((flagged & (labels == 1)).sum())
        fp = int((flagged & (labels == 0)).sum())
        added = flagged & ~evidence
        added_tp = int((added & (labels == 1)).sum())
        if (
            tp
            and tp / (tp + fp) >= TARGET_PRECISION
            and added_tp >= TARGET_PRECISION * int(added.sum())
            and _within_budgets(flagged, evidence, labels, groups, clean)
        ):
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
    supporting = ", ".join(model.meta.get("supporting", []))  # type: ignore[arg-type]
    lines = [
        "# Data card: the triage learned layer (`triage.npz`)",
        "",
        f"Trained {model.meta.get('trained')} by `safetydesk triage train`: hashed character",
        "2-5-grams and stemmed word 1-2-grams, a logistic regression per category",
        "(class-balanced), Platt-calibrated and thresholded on the dev splits only.",
        f"Learned categories: {', '.join(model.models)}; learned from:"
        f" {', '.join(model.meta.get('learns_from', []))}; supporting only (they lift other"
        f" evidence but never alert alone): {supporting or 'none'}.",
        f"Thresholds: {model.meta.get('thresholds')} (`category@language`: the lowest",
        "that keeps precision 0.8 on that language's dev rows; the others: the best",
        "F-beta on all dev rows, beta 2 for emergency categories, within each source's budget:",
        f"at most {MAX_FALSE_ALARMS:.2%} of a real set's clean comments added per category,",
        "precision 0.8 of what it adds on a written set).",
        "Features are hashed with scikit-learn's public `murmurhash3_32`, as",
        "`HashingVectorizer(alternate_sign=False)` hashes them.",
        "",
        "## Sources and licences",
        "",
        *(f"- `{name}`: {LICENCES.get(name, '?')}" for name in sources),
        "",
        "Real sets are read from the data folder (its README gives the sources); the",
        "split of a row is fixed by a hash of its id (70/15/15); nothing is copied here.",
        "The written comments were written in bulk by people who never saw the rules,",
        "from the kinds of comments issue #16 describes, with hard negatives; split by a",
        "hash of their text, as the real sets are.",
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
