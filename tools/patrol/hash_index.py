"""Finding the bank hashes within a Hamming distance of a PDQ hash, fast on a million.

A brute-force scan XORs the query with every hash and counts bits (numpy's
``bitwise_count`` over four 64-bit words a hash): exact, and what the tests check the
index against. The index is multi-index hashing (Norouzi et al., as HMA's ``pdq``
index does with faiss): the 256 bits are cut into 16 chunks of 16 bits. Two hashes
within ``t`` bits differ by at most ``t // 16`` bits in at least one chunk
(pigeonhole), so probing, in each chunk's sorted column, the query's chunk and every
value within ``t // 16`` bits of it (17 values at PDQ's 31) finds every candidate;
candidates are then checked with the full distance. A probe is a ``searchsorted`` over
a sorted array, so the index is plain numpy: no faiss, no native build to maintain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np

#: PDQ's usual match threshold: HMA and ThreatExchange match at 31 bits of 256 or fewer.
DEFAULT_THRESHOLD = 31
HASH_BITS = 256
CHUNKS = 16
CHUNK_BITS = HASH_BITS // CHUNKS


class BadHash(ValueError):
    """Not 64 hexadecimal digits."""


def parse_hash(text: str) -> bytes:
    """32 bytes of a PDQ hash written as 64 hex digits (either case)."""
    text = text.strip().lower()
    if len(text) != 64:
        raise BadHash(text)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise BadHash(text) from None


def to_words(hashes: Iterable[str | bytes]) -> np.ndarray:
    """Hashes as an (n, 4) array of big-endian 64-bit words: the bits in PDQ's order."""
    raw = b"".join(h if isinstance(h, bytes) else parse_hash(h) for h in hashes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def distances(words: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance from ``query`` (4 words) to each row of ``words``: brute force."""
    return _popcount(words ^ query)


def _popcount(xored: np.ndarray) -> np.ndarray:
    """Bits set per row of (n, 4) words (four adds: a ``sum(axis=1)`` is slower by far)."""
    bits = np.bitwise_count(xored)
    return bits[:, 0].astype(np.int64) + bits[:, 1] + bits[:, 2] + bits[:, 3]


def brute_force(words: np.ndarray, query: np.ndarray, threshold: int) -> np.ndarray:
    """Row numbers of ``words`` within ``threshold`` bits of ``query``, scanning all."""
    return np.flatnonzero(distances(words, query) <= threshold)


@cache
def _masks(radius: int) -> np.ndarray:
    """Every 16-bit value with at most ``radius`` bits set (the flips to probe)."""
    masks = [0]
    for flips in range(1, radius + 1):
        masks += [sum(1 << bit for bit in bits) for bits in combinations(range(CHUNK_BITS), flips)]
    return np.array(masks, dtype=np.uint16)


def _chunks(words: np.ndarray) -> np.ndarray:
    """(n, 16) chunks of 16 bits: each 64-bit word is four chunks, high bits first."""
    shifts = np.array([48, 32, 16, 0], dtype=np.uint64)
    return ((words[:, :, None] >> shifts) & np.uint64(0xFFFF)).reshape(-1, CHUNKS).astype(np.uint16)


def _distinct(rows: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` hashes, slower by far on a few thousand)."""
    rows = np.sort(rows.astype(np.int64))
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


@dataclass(frozen=True)
class Match:
    row: int
    distance: int


class HashIndex:
    """A multi-index over a fixed set of hashes; rows are positions in the given order.

    Per chunk, the rows sorted by the chunk's value (``order``) and where each of the
    65,536 values starts in that order (``offsets``): a probe is two array reads.
    """

    def __init__(self, words: np.ndarray) -> None:
        self.words = np.ascontiguousarray(words, dtype=np.uint64).reshape(-1, 4)
        chunks = _chunks(self.words)
        self.order = np.ascontiguousarray(np.argsort(chunks, axis=0).T, dtype=np.int32)
        counts = np.stack(
            [np.bincount(chunks[:, chunk], minlength=1 << CHUNK_BITS) for chunk in range(CHUNKS)]
        )
        self.offsets = np.zeros((CHUNKS, (1 << CHUNK_BITS) + 1), dtype=np.int64)
        np.cumsum(counts, axis=1, out=self.offsets[:, 1:])

    @classmethod
    def of(cls, hashes: Sequence[str | bytes]) -> HashIndex:
        return cls(to_words(hashes))

    def __len__(self) -> int:
        return len(self.words)

    def candidates(self, queries: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
        """(row, query number) pairs sharing a chunk within ``threshold // 16`` bits.

        A superset of the matches of each of ``queries`` ((k, 4) words); a row may come
        several times. Every probe of every query is read in one vectorised pass.
        """
        queries = queries.reshape(-1, 4)
        empty = np.zeros(0, dtype=np.int64)
        if len(self.words) == 0 or len(queries) == 0:
            return empty, empty
        masks = _masks(max(threshold, 0) // CHUNKS)
        values = _chunks(queries)  # (k, 16)
        probes = (values[:, :, None] ^ masks[None, None, :]).astype(np.int64)  # (k, 16, m)
        chunk = np.broadcast_to(np.arange(CHUNKS)[None, :, None], probes.shape)
        starts = self.offsets[chunk, probes].ravel()
        lengths = self.offsets[chunk, probes + 1].ravel() - starts
        total = int(lengths.sum())
        if total == 0:
            return empty, empty
        # Positions start..end-1 of every probe, in one vector (no Python loop).
        flat = starts + chunk.ravel() * len(self.words)
        before = np.cumsum(lengths) - lengths
        positions = np.repeat(flat - before, lengths) + np.arange(total)
        number = np.repeat(np.arange(len(queries)).repeat(probes[0].size), lengths)
        return self.order.ravel()[positions].astype(np.int64), number

    def search(self, query: np.ndarray, threshold: int = DEFAULT_THRESHOLD) -> list[Match]:
        """Every row within ``threshold`` bits of ``query`` (4 words), nearest first."""
        return [match for match, _ in self.search_any(query.reshape(1, 4), threshold)]

    def search_any(
        self, queries: np.ndarray, threshold: int = DEFAULT_THRESHOLD
    ) -> list[tuple[Match, int]]:
        """Rows within ``threshold`` of any of ``queries`` ((k, 4) words: an image's
        transforms), each once with its nearest query's number, nearest first."""
        queries = np.asarray(queries, dtype=np.uint64).reshape(-1, 4)
        rows, number = self.candidates(queries, threshold)
        if len(rows) == 0:
            return []
        near = _popcount(self.words[rows] ^ queries[number])
        keep = near <= threshold
        best: dict[int, tuple[Match, int]] = {}
        for row, d, n in zip(rows[keep], near[keep], number[keep], strict=True):
            if row not in best or d < best[row][0].distance:
                best[int(row)] = (Match(int(row), int(d)), int(n))
        return sorted(best.values(), key=lambda item: (item[0].distance, item[0].row))
