"""Per-core MinHash signature rate: mhds's own spec against rensa (Rust) on the same texts,
in one process, one thread each (issue 15, item 4).

The texts are the varied corpus's (``benchmarks/pipeline/varied.py``: a Markov chain trained
on CounselChat), normalised as mhds's spec step 1 does. Timed, in turn, ``--repeat`` times
each in interleaved rounds after one untimed call, the best and the median run reported, all
with 128 permutations:

- ``mhds``: ``signatures`` from normalised texts (word hashing, 5-word shingles, the
  multiply-add-shift permutations, per-document minimum; the C loops of ``_kernels.c``);
- ``mhds_from_shingles``: ``signatures_from_shingles`` on precomputed shingle hashes (the
  permutation and minimum work alone);
- ``rensa_from_shingles``: ``RMinHash.digest_matrix_from_flat_token_hashes`` on the same
  shingle hashes (rensa's fastest bulk path: the same work in Rust);
- ``rensa_from_words``: ``RMinHash.digest_matrix_from_token_sets`` on the 5-word shingles as
  strings, built in Python (what a rensa user writes; rensa hashes the strings itself).

    RAYON_NUM_THREADS=1 .venv/bin/python benchmarks/dedup/signatures.py --docs 20000 \
        --out benchmarks/results/signatures-rate.json

The two engines hash differently (rensa's R-MinHash is its own permutation family), so their
signatures are not compared value for value; the benchmark compares rates only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from varied import VariedSpec, conversations, train_chains  # noqa: E402

from mhds.steps.dedup.minhash import (  # noqa: E402
    batch_shingles,
    normalise_content,
    signatures,
    signatures_from_shingles,
)

NUM_PERM = 128
SHINGLE = 5
SEED = 1


def texts_of(docs: int, seed: int) -> list[str]:
    """``docs`` normalised conversation texts of the varied corpus."""
    chains = train_chains()
    return [
        normalise_content("\n".join(m["content"] for m in messages))
        for messages, _ in conversations(docs, seed, VariedSpec(), chains)
    ]


def gcc_version() -> str:
    """The first line of ``gcc --version`` (the compiler that built ``_kernels.c`` here)."""
    try:
        found = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.splitlines()[0]


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """The wall time of one run, and its CPU time (all threads): a CPU time above the wall
    time means the engine used more than one core."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import rensa

    texts = texts_of(args.docs, args.seed)
    values, offsets = batch_shingles(texts, SHINGLE)
    flat = np.ascontiguousarray(values, dtype=np.uint64)
    rows = np.ascontiguousarray(offsets, dtype=np.uint64)

    def word_shingles() -> list[list[str]]:
        found = []
        for text in texts:
            words = text.split()
            n = max(len(words) - SHINGLE + 1, 1)
            found.append([" ".join(words[i : i + SHINGLE]) for i in range(n)])
        return found

    engines: dict[str, Callable[[], Any]] = {
        "mhds": lambda: signatures(texts, num_perm=NUM_PERM, shingle_size=SHINGLE, seed=SEED),
        "mhds_from_shingles": lambda: signatures_from_shingles(
            values, offsets, num_perm=NUM_PERM, seed=SEED
        ),
        "rensa_from_shingles": lambda: rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            flat, rows, NUM_PERM, SEED
        ),
        "rensa_from_words": lambda: rensa.RMinHash.digest_matrix_from_token_sets(
            word_shingles(), NUM_PERM, SEED
        ),
    }
    results: dict[str, Any] = {
        "docs": len(texts),
        "shingles": int(len(values)),
        "num_perm": NUM_PERM,
        "shingle_size": SHINGLE,
        "threads": {"RAYON_NUM_THREADS": os.environ.get("RAYON_NUM_THREADS")},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "versions": {
            "rensa": getattr(rensa, "__version__", "0.5.0"),
            "numpy": np.__version__,
            "gcc": gcc_version(),
        },
        "engines": {},
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for run in engines.values():
        run()
    for _ in range(args.repeat):  # interleaved, so a slow spell of the VM hits every engine
        for name, run in engines.items():
            runs[name].append(timed(run))
    for name, times in runs.items():
        seconds, cpu = min(times)
        median = float(np.median([wall for wall, _ in times]))
        results["engines"][name] = {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "median_seconds": round(median, 3),
            "docs_per_s": round(len(texts) / seconds, 1),
            "shingles_per_s": round(len(values) / seconds, 1),
            "median_shingles_per_s": round(len(values) / median, 1),
        }
        print(name, results["engines"][name], flush=True)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
