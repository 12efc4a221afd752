"""The learned layer: character and word n-grams in a linear model per category, calibrated.

Character n-grams of the normalised text survive leetspeak, misspellings and
inflections, and are partly shared across languages; stemmed word n-grams carry
the meaning. Both are hashed (no vocabulary to store), so the model is one small
file of weights per category (``model/triage.npz``) and its data card
(``model/DATA_CARD.md``), built by ``safetydesk triage train`` (see
:mod:`tools.triage.training`). A probability is calibrated on the dev split
(Platt scaling), so 0.7 means about seven in ten such comments were positive there.
An alert says why: the words of the comment that pushed the score up the most.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from tools.triage.normalise import normalise, stems, words

MODEL_FILE = Path(__file__).parent / "model" / "triage.npz"
CHAR_FEATURES = 2**18
WORD_FEATURES = 2**17
_ORIGINAL_WORDS = re.compile(r"[^\W_][\w'@$*-]*[^\W_]|[^\W_]")


class Features:
    """Text to hashed features: character 2-5-grams and stemmed word 1-2-grams, each L2-normed.

    Character n-grams never cross a word boundary (scikit-learn's ``char_wb``), so
    each word's hashed n-grams are computed once per process and reused: words
    repeat from comment to comment. The hashing is scikit-learn's public
    ``murmurhash3_32``, as ``HashingVectorizer(alternate_sign=False)`` hashes: its
    ``transform`` validates its parameters on every call, which costs more than
    scoring a comment, so each gram's index is computed once and cached.
    """

    def __init__(self) -> None:
        self.char_grams = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), lowercase=False
        ).build_analyzer()
        self._word_cache = functools.lru_cache(maxsize=200_000)(self._word_chars)

    def _word_chars(self, word: str) -> np.ndarray:
        return _hash(self.char_grams(word), CHAR_FEATURES)

    @staticmethod
    def _word_grams(text: str, language: str) -> list[str]:
        stemmed = stems(words(text), language)
        return stemmed + [f"{a} {b}" for a, b in itertools.pairwise(stemmed)]

    def hashed(self, text: str, language: str) -> tuple[np.ndarray, np.ndarray]:
        """The feature indices of one text and their values (each part L2-normed)."""
        normal = normalise(text)
        chars = [self._word_cache(word) for word in normal.split()]
        parts = []
        for indices, offset in (
            (np.concatenate(chars) if chars else None, 0),
            (_hash(self._word_grams(normal, language), WORD_FEATURES), CHAR_FEATURES),
        ):
            if indices is None or not len(indices):
                continue
            unique, counts = _counted(indices)
            parts.append((unique + offset, counts / np.sqrt((counts**2).sum())))
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def transform(self, texts: list[str], languages: list[str]) -> sparse.csr_matrix:
        """Rows of features for training and evaluation (the same as :meth:`hashed`)."""
        pieces = [self.hashed(t, lang) for t, lang in zip(texts, languages, strict=True)]
        indptr = np.cumsum([0] + [len(p[0]) for p in pieces])
        indices = np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0)
        values = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0)
        shape = (len(pieces), CHAR_FEATURES + WORD_FEATURES)
        return sparse.csr_matrix((values, indices, indptr), shape=shape)


def _counted(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(indices, return_counts=True)`` without its checks (a third of its time
    on the few hundred grams of a comment, which the patrol scores one at a time)."""
    ordered = np.sort(indices)
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


@functools.lru_cache(maxsize=500_000)
def _index(gram: str, size: int) -> int:
    """The column of one gram: ``abs(murmurhash3_32(gram)) % size``, as scikit-learn's hasher."""
    return abs(murmurhash3_32(gram, seed=0)) % size


def _hash(grams: list[str], size: int) -> np.ndarray:
    """The hashed indices of ``grams`` (with repeats), as ``HashingVectorizer`` hashes them."""
    if not grams:
        return np.zeros(0, dtype=np.int32)
    return np.fromiter((_index(g, size) for g in grams), dtype=np.int32, count=len(grams))


@dataclass(frozen=True)
class CategoryModel:
    """One category's weights and its Platt scaling ``sigmoid(a * margin + b)``."""

    weights: np.ndarray
    intercept: float
    a: float
    b: float


class LearnedModel:
    """The learned layer: per category, a calibrated probability that a comment belongs."""

    def __init__(self, models: dict[str, CategoryModel], meta: dict[str, object]) -> None:
        self.models = models
        self.meta = meta
        self.features = Features()
        # the same words come back comment after comment, as in Features' own cache
        self._weigh = functools.lru_cache(maxsize=200_000)(self._word_weight)
        self._matrix = (
            np.ascontiguousarray(np.stack([m.weights for m in models.values()], axis=1))
            if models
            else None
        )
        self._intercepts = np.array([m.intercept for m in models.values()])
        self._a = np.array([m.a for m in models.values()])
        self._b = np.array([m.b for m in models.values()])

    def margins(self, rows: sparse.csr_matrix) -> np.ndarray:
        """The raw linear margins of ``rows``, one column per category."""
        assert self._matrix is not None
        return np.asarray(rows @ self._matrix) + self._intercepts

    def probabilities(self, texts: list[str], languages: list[str]) -> list[dict[str, float]]:
        """The calibrated probability of each category, per text."""
        if not self.models or self._matrix is None:
            return [{} for _ in texts]
        if len(texts) == 1:  # the patrol's case: gather the weights of the text's features
            indices, values = self.features.hashed(texts[0], languages[0])
            margins = (values @ self._matrix[indices] + self._intercepts)[None, :]
        else:
            margins = self.margins(self.features.transform(texts, languages))
        probs = 1 / (1 + np.exp(-(margins * self._a + self._b)))
        return [dict(zip(self.models, map(float, row), strict=True)) for row in probs]

    def explain(self, text: str, language: str, category: str, top: int = 3) -> tuple[str, ...]:
        """The words of ``text`` (as written) that raise ``category``'s score the most.

        Words of three letters or fewer (you, je, te, ك) are left out: they weigh in
        every comment, and a specialist learns nothing from seeing them marked.
        """
        if category not in self.models:
            return ()
        found = [w for w in dict.fromkeys(_ORIGINAL_WORDS.findall(text)) if len(w) > 3]
        ranked = sorted(((self._weigh(w, language, category), w) for w in found), reverse=True)
        return tuple(word for value, word in ranked[:top] if value > 0)

    def _word_weight(self, word: str, language: str, category: str) -> float:
        """What one word alone scores for ``category`` (cached per model as ``_weigh``)."""
        indices, values = self.features.hashed(word, language)
        return float(values @ self.models[category].weights[indices])

    def save(self, file: Path = MODEL_FILE) -> None:
        """Weights as float16 (half the size, no measurable change in the scores)."""
        file.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"w_{name}": m.weights.astype(np.float16) for name, m in self.models.items()}
        calibration = {n: [m.intercept, m.a, m.b] for n, m in self.models.items()}
        meta = json.dumps({**self.meta, "calibration": calibration})
        np.savez_compressed(file, meta=np.array(meta), **arrays)

    @classmethod
    def load(cls, file: Path = MODEL_FILE) -> LearnedModel:
        with np.load(file, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            models = {
                name: CategoryModel(data[f"w_{name}"].astype(np.float32), *values)
                for name, values in meta.pop("calibration").items()
            }
        return cls(models, meta)


@functools.cache
def default_model() -> LearnedModel | None:
    """The shipped model, loaded once per process (None when it has not been trained)."""
    return LearnedModel.load() if MODEL_FILE.exists() else None
