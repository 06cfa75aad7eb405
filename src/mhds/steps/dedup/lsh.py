"""LSH banding: band rows out of signatures (map), candidate pairs out of a bucket (reduce).

A band row is ``(key, order, code)``: the band index is mixed into the key, so equal keys
mean the same band; ``order`` is a hash of the record id (``record_order``) and ``code`` says
where the record sits (shard, row). Reduce sorts a bucket by ``(key, order, code)``; every run
of equal keys is a set of records that agree on a whole band. Runs of at most
``max_run_size`` records yield every pair (``m (m - 1) / 2``); a longer run (a mass-duplicated
template) yields a star from its first record plus the chain of neighbours, ``2 (m - 1)``
pairs, so the pairs of a bucket stay linear in its rows. Pairs that are dropped that way are
almost always re-found: a similar pair shares several bands (``bands * J**rows`` on average:
4 at J=0.6 with 32 x 4) and the chain and star link the run anyway once verified.

Runs are ordered by ``order``, not by position, so the same records give the same candidate
pairs however they are sharded: the build's search over the survivors and the leakage gate's
search over the compiled release (the same records in other shards) agree pair for pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xxhash

from mhds.steps.dedup.layout import BAND_ROW, PAIR, AnyArray, concat
from mhds.steps.dedup.minhash import SHINGLE_MULT, fmix64


def record_order(record_ids: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Each record's place in a run: xxh64 (seed 0) of its id, as uint64. Independent of where
    the record is stored, so runs sort the same way whatever the sharding."""
    return np.fromiter(
        (xxhash.xxh64_intdigest(record_id.encode()) for record_id in record_ids),
        dtype=np.uint64,
        count=len(record_ids),
    )


def band_rows(
    keys: npt.NDArray[np.uint64], codes: npt.NDArray[np.uint64], order: npt.NDArray[np.uint64]
) -> AnyArray:
    """Flatten ``(n, bands)`` keys of records with ``codes`` and ``order`` into ``BAND_ROW``
    rows."""
    repeat = keys.shape[1] if keys.ndim == 2 else 1
    rows = np.empty(keys.size, dtype=BAND_ROW)
    rows["key"] = keys.reshape(-1)
    rows["order"] = np.repeat(order, repeat)
    rows["code"] = np.repeat(codes, repeat)
    return rows


def band_buckets(rows: AnyArray, buckets: int) -> AnyArray:
    """The shuffle bucket of each band row (high key bits, so buckets and runs are unrelated)."""
    return ((rows["key"] >> np.uint64(32)) % np.uint64(buckets)).astype(np.int64)


def candidate_pairs(rows: AnyArray, max_run_size: int) -> AnyArray:
    """Unique ``PAIR`` candidates ``a < b`` from records sharing a band key."""
    return candidate_runs(rows, max_run_size)[0]


def candidate_runs(rows: AnyArray, max_run_size: int) -> tuple[AnyArray, AnyArray]:
    """``candidate_pairs``, and the rows of the runs longer than ``max_run_size`` (sorted):
    the only runs whose pairs depend on who is in them (see ``mhds.steps.dedup.reuse``)."""
    if len(rows) < 2:
        return np.empty(0, dtype=PAIR), np.empty(0, dtype=BAND_ROW)
    ranked = rows[np.lexsort((rows["code"], rows["order"], rows["key"]))]
    keys, codes = ranked["key"], ranked["code"]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(ranked)])))
    found: list[AnyArray] = []
    small = (sizes >= 2) & (sizes <= max_run_size)
    for size in np.unique(sizes[small]):
        first = starts[sizes == size]
        left, right = np.triu_indices(int(size), 1)
        found.append(_pairs(codes[first[:, None] + left], codes[first[:, None] + right]))
    big = sizes > max_run_size
    if big.any():
        member = np.concatenate(
            [np.arange(s + 1, s + n) for s, n in zip(starts[big], sizes[big], strict=True)]
        )
        anchor = np.repeat(starts[big], sizes[big] - 1)
        found.append(_pairs(codes[anchor], codes[member]))
        found.append(_pairs(codes[member - 1], codes[member]))
    pairs = unique_pairs(concat(found, PAIR))
    return pairs, ranked[np.repeat(big, sizes)]


def unique_pairs(pairs: AnyArray) -> AnyArray:
    """Sorted, de-duplicated pairs with ``a < b`` (self pairs dropped)."""
    pairs = pairs[pairs["a"] != pairs["b"]]
    if not len(pairs):
        return pairs
    ranked = pairs[np.lexsort((pairs["b"], pairs["a"]))]
    keep = np.concatenate(
        ([True], (ranked["a"][1:] != ranked["a"][:-1]) | (ranked["b"][1:] != ranked["b"][:-1]))
    )
    return ranked[keep]


def pair_partitions(pairs: AnyArray, parts: int) -> AnyArray:
    """The verification partition of each pair: a stable hash of the pair, modulo ``parts``."""
    return (pair_mix(pairs) % np.uint64(parts)).astype(np.int64)


def pair_mix(pairs: AnyArray) -> AnyArray:
    """A stable 64-bit hash of each pair (both ends mixed)."""
    return fmix64(pairs["a"] * SHINGLE_MULT ^ pairs["b"])


def _pairs(left: AnyArray, right: AnyArray) -> AnyArray:
    out = np.empty(left.size, dtype=PAIR)
    a, b = left.reshape(-1), right.reshape(-1)
    out["a"] = np.minimum(a, b)
    out["b"] = np.maximum(a, b)
    return out
