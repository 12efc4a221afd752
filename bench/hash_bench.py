"""Benchmark of the upload watcher's hashing and matching (tools.patrol.image_hashes, hash_index).

Prints, each measured in one run on one core:

- hashing: images per second through :func:`hash_image` on a 512-pixel-wide PNG
  (the watcher's thumbnail), alone and with its seven rotations and flips
  (``dihedral=True``, what the watcher computes for every upload).
- matching: for banks of 10,000 and 1,000,000 random PDQ hashes, queries per second of
  the multi-index (:class:`HashIndex`) beside a brute-force numpy scan of the whole
  bank, and the ratio; then one upload (eight transforms) against the bank, in ms.
  Goal: an upload against a 1M bank in under 10 ms.

    python bench/hash_bench.py                     # banks of 10k and 1M
    python bench/hash_bench.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time

import numpy as np
from PIL import Image, ImageDraw

from tools.patrol.hash_index import DEFAULT_THRESHOLD, HashIndex, brute_force
from tools.patrol.image_hashes import hash_image


def thumbnail(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (512, 384), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y, w, h = rng.randrange(512), rng.randrange(384), rng.randrange(200), rng.randrange(200)
        draw.ellipse((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_hashing(images: int) -> None:
    data = [thumbnail(seed) for seed in range(images)]
    for dihedral in (False, True):
        started = time.perf_counter()
        for item in data:
            hash_image(item, dihedral=dihedral)
        rate = per_second(images, time.perf_counter() - started)
        what = "hash + 7 transforms" if dihedral else "hash"
        print(f"hashing ({what}, 512 px PNG): {rate:,.0f} images/s")


def near(bank: np.ndarray, rng: np.random.Generator, flips: int) -> np.ndarray:
    """A bank hash with ``flips`` random bits changed: a re-upload's hash."""
    query = bank[rng.integers(0, len(bank))].copy()
    for bit in rng.choice(256, size=flips, replace=False):
        query[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return query


def bench_matching(size: int, queries: int) -> None:
    rng = np.random.default_rng(size)
    bank = rng.integers(0, 2**64 - 1, size=(size, 4), dtype=np.uint64)
    started = time.perf_counter()
    index = HashIndex(bank)
    built = time.perf_counter() - started
    asked = [near(bank, rng, int(rng.integers(0, 40))) for _ in range(queries)]
    started = time.perf_counter()
    found = [len(index.search(query)) for query in asked]
    indexed = per_second(queries, time.perf_counter() - started)
    scanned_queries = max(3, min(queries, 2_000_000 // size))
    started = time.perf_counter()
    scanned = [len(brute_force(bank, q, DEFAULT_THRESHOLD)) for q in asked[:scanned_queries]]
    brute = per_second(scanned_queries, time.perf_counter() - started)
    assert found[:scanned_queries] == scanned, "the index must find what brute force finds"
    uploads = []
    for _ in range(20):
        transforms = np.stack(
            [near(bank, rng, 20)] + [rng.integers(0, 2**64 - 1, 4, np.uint64) for _ in range(7)]
        )
        started = time.perf_counter()
        index.search_any(transforms)
        uploads.append((time.perf_counter() - started) * 1000)
    print(
        f"bank of {size:,}: index built in {built:.1f} s; index {indexed:,.0f} queries/s, "
        f"brute force {brute:,.1f} queries/s, ratio {indexed / brute:,.0f}x; one upload "
        f"(8 transforms) median {statistics.median(uploads):.2f} ms, "
        f"max {max(uploads):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args()
    bench_hashing(args.images)
    for size in args.sizes:
        bench_matching(size, args.queries)


if __name__ == "__main__":
    main()
