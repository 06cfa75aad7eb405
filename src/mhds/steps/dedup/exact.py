"""Exact duplicates: equal ``metadata.content_hash`` (sha256 over the canonical form).

The hash is trusted, not recomputed: validation refuses a record whose hash does not match its
messages and every step that changes messages (PII redaction) rehashes, so recomputing would
only double the cost. A malformed hash is refused loudly. Map emits ``(hi, lo, code)`` rows (the
first 128 bits of the digest: collisions are out of reach), bucketed by ``hi``; reduce sorts a
bucket and links every member of a run of equal hashes to the run's first (lowest) code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mhds.errors import InputError
from mhds.records.hashing import HASH_PREFIX, is_content_hash
from mhds.records.validate import Reason
from mhds.steps.dedup.layout import EXACT_ROW, PAIR, AnyArray


def exact_rows(hashes: Sequence[str], codes: npt.NDArray[np.uint64]) -> AnyArray:
    """``EXACT_ROW`` rows for records with these content hashes and codes.

    Raises:
        InputError: a hash is not ``sha256:`` + 64 hex digits (reason ``bad_hash``).
    """
    digests = bytearray()
    for value in hashes:
        if not is_content_hash(value):
            raise InputError(
                Reason.BAD_HASH, field="metadata.content_hash", detail="not sha256:<hex>"
            )
        digests += bytes.fromhex(value[len(HASH_PREFIX) : len(HASH_PREFIX) + 32])
    halves = np.frombuffer(bytes(digests), dtype=">u8").reshape(-1, 2)
    rows = np.empty(len(hashes), dtype=EXACT_ROW)
    rows["hi"], rows["lo"] = halves[:, 0], halves[:, 1]
    rows["code"] = codes
    return rows


def exact_buckets(rows: AnyArray, buckets: int) -> AnyArray:
    """The shuffle bucket of each exact row."""
    return (rows["hi"] % np.uint64(buckets)).astype(np.int64)


def exact_links(rows: AnyArray) -> AnyArray:
    """``PAIR`` links ``(first, member)`` for every run of equal hashes (a star per run)."""
    if not len(rows):
        return np.empty(0, dtype=PAIR)
    ranked, same = _ranked(rows)
    run_start = np.concatenate(([True], ~same))
    first = np.maximum.accumulate(np.where(run_start, np.arange(len(ranked)), 0))
    member = ~run_start
    links = np.empty(int(member.sum()), dtype=PAIR)
    links["a"] = ranked["code"][first[member]]
    links["b"] = ranked["code"][member]
    return links


def repeated(rows: AnyArray) -> AnyArray:
    """The rows whose hash another row shares (the only rows a link can join), ranked by hash
    and code."""
    if not len(rows):
        return rows
    ranked, same = _ranked(rows)
    shared = np.zeros(len(ranked), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    return ranked[shared]


def _ranked(rows: AnyArray) -> tuple[AnyArray, AnyArray]:
    """``rows`` sorted by hash then code, and whether each row's hash equals the one before
    it (one flag per row after the first)."""
    ranked = rows[np.lexsort((rows["code"], rows["lo"], rows["hi"]))]
    same = (ranked["hi"][1:] == ranked["hi"][:-1]) & (ranked["lo"][1:] == ranked["lo"][:-1])
    return ranked, same
