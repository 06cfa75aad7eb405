"""MinHash signatures and LSH band keys: no I/O, stable across runs and machines.

THE hashing spec (``HASH_SPEC``; a later build compares its signatures against an earlier
release's only when the spec, ``shingle_size``, ``num_perm`` and ``seed`` are equal):

1. Text: the ``user`` and ``assistant`` contents, joined by newlines (system prompts are shared
   boilerplate and would make every conversation of a family look alike); Unicode NFKC,
   ``casefold``; every character that is neither a word character nor whitespace, and ``_``,
   is deleted; whitespace runs become one space; trimmed.
2. Words: the text split on spaces, each encoded UTF-8 and hashed with XXH32, seed 0.
3. Shingles: every window of ``k`` consecutive words (a text of fewer than ``k`` words is one
   window of all its words; an empty text has none). A window's value is
   ``acc = 0; acc = acc * SHINGLE_MULT + word_hash (mod 2**64)`` over its words in order,
   then ``fmix64(acc) >> 32`` (MurmurHash3's 64-bit finaliser): a 32-bit shingle hash.
4. Permutations: ``a_j = xxh64(b"mhds-minhash-a" + j as 4 bytes little-endian, seed)``,
   ``b_j`` the same with ``b"mhds-minhash-b"``. Value ``j`` of the signature is
   ``min over shingles x of ((a_j * x + b_j) mod 2**64)`` shifted right by 32: the
   multiply-add-shift family, strongly universal for 32-bit keys (Dietzfelbinger 1996) like
   the Mersenne-prime one, but three machine operations and no overflow. A text without
   shingles gets all values ``EMPTY_VALUE``. Signatures are ``uint32``.
5. Band key of band ``i`` (rows ``r``): ``acc = (i + 1) * BAND_MULT``, then
   ``acc = acc * SHINGLE_MULT + value`` over the band's values (mod 2**64), then ``fmix64``.

Everything is integer arithmetic on fixed constants: no Python ``hash``, no numpy RNG stream
(NEP 19 does not promise those across versions). Golden values in the tests catch any change.
Steps 2-4 run in compiled loops (``_kernels.c``, built with the package); the tests hold them to
the spec written out in plain Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from mhds.records.schema import Record
from mhds.steps.dedup import _kernels

HASH_SPEC = "mhds-minhash-v1"
SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
BAND_MULT = np.uint64(0xC2B2AE3D27D4EB4F)
EMPTY_VALUE = np.uint32(0xFFFFFFFF)
NEAR_ROLES = frozenset({"user", "assistant"})

U32Array = npt.NDArray[np.uint32]
U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]

_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_DROP = re.compile(r"[^\w\s]|_")
# The same deletion for ASCII text as one translate table (built from _DROP: equal by design).
_ASCII_DROP = {c: None for c in range(128) if _DROP.match(chr(c))}


def normalise_content(text: str) -> str:
    """Normalise one text as the spec's step 1 does (NFKC, casefold, no punctuation)."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_DROP).split())
    text = _DROP.sub("", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


def normalise_text(record: Record) -> str:
    """The near-duplicate text of a record: its user and assistant turns, normalised."""
    return normalise_content("\n".join(m.content for m in record.messages if m.role in NEAR_ROLES))


def shingles(text: str, k: int) -> U32Array:
    """The 32-bit shingle hashes of a normalised text, in word order (duplicates kept)."""
    values, _ = batch_shingles([text], k)
    return values


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[U64Array, U64Array]:
    """The ``(a, b)`` coefficients of the permutation family (read-only arrays)."""
    a = np.array([_coefficient(b"mhds-minhash-a", j, seed) for j in range(num_perm)], np.uint64)
    b = np.array([_coefficient(b"mhds-minhash-b", j, seed) for j in range(num_perm)], np.uint64)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def signatures(
    texts: Sequence[str], *, num_perm: int = 128, shingle_size: int = 5, seed: int = 1
) -> U32Array:
    """MinHash signatures of normalised texts, ``(len(texts), num_perm)`` uint32."""
    values, offsets = batch_shingles(texts, shingle_size)
    return signatures_from_shingles(values, offsets, num_perm=num_perm, seed=seed)


def signatures_from_shingles(
    values: npt.NDArray[np.unsignedinteger[Any]], offsets: I64Array, *, num_perm: int, seed: int
) -> U32Array:
    """Signatures of documents whose shingles are ``values[offsets[d]:offsets[d + 1]]``."""
    a, b = permutations(num_perm, seed)
    out = np.empty((len(offsets) - 1, num_perm), dtype=np.uint32)
    _kernels.minhash(
        np.ascontiguousarray(values, dtype=np.uint32),
        np.ascontiguousarray(offsets, dtype=np.int64),
        a,
        b,
        out,
    )
    return out


def band_keys(sigs: U32Array, bands: int, rows: int) -> U64Array:
    """The 64-bit key of every band of every signature, ``(n, bands)`` uint64."""
    if sigs.shape[1] != bands * rows:
        raise ValueError(f"signature length {sigs.shape[1]} != bands * rows ({bands} * {rows})")
    grouped = sigs.reshape(len(sigs), bands, rows).astype(np.uint64)
    acc = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64) * BAND_MULT, grouped.shape[:2])
    acc = acc.copy()
    for r in range(rows):
        acc *= SHINGLE_MULT
        acc += grouped[:, :, r]
    return fmix64(acc)


def estimate_jaccard(sig_a: U32Array, sig_b: U32Array) -> npt.NDArray[np.float64]:
    """Share of equal signature values (last axis): the MinHash estimate of Jaccard."""
    return np.asarray(np.mean(sig_a == sig_b, axis=-1), dtype=np.float64)


def exact_jaccard(a: U32Array, b: U32Array) -> float:
    """True Jaccard similarity of two shingle hash sets (duplicates ignored)."""
    set_a, set_b = np.unique(a), np.unique(b)
    if not len(set_a) and not len(set_b):
        return 1.0
    inter = len(np.intersect1d(set_a, set_b, assume_unique=True))
    return inter / (len(set_a) + len(set_b) - inter)


def fmix64(x: U64Array) -> U64Array:
    """MurmurHash3's 64-bit finaliser, elementwise (returns a new array)."""
    x = x ^ (x >> _S33)
    x *= _FMIX_1
    x ^= x >> _S33
    x *= _FMIX_2
    x ^= x >> _S33
    return x


def batch_shingles(texts: Sequence[str], k: int) -> tuple[U32Array, I64Array]:
    """Shingle hashes of many normalised texts, concatenated, plus ``n + 1`` document offsets.

    The texts are encoded into one byte buffer, which the compiled loops split and hash
    (``_kernels.word_hashes``), then window (``_kernels.shingle_values``).
    """
    if k < 1:
        raise ValueError(f"shingle size must be at least 1, got {k}")
    encoded = [text.encode("utf-8") for text in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    buf = b"".join(encoded)
    words = np.empty((len(buf) + len(encoded)) // 2 + 1, dtype=np.uint64)
    counts = np.empty(len(encoded), dtype=np.int64)
    words = words[: _kernels.word_hashes(buf, starts, words, counts)]
    windows = np.where(counts >= k, counts - k + 1, np.minimum(counts, 1))
    offsets = np.concatenate(([0], np.cumsum(windows))).astype(np.int64)
    values = np.empty(int(offsets[-1]), dtype=np.uint32)
    _kernels.shingle_values(words, counts, offsets, k, values)
    return values, offsets


def _coefficient(label: bytes, index: int, seed: int) -> int:
    return xxhash.xxh64_intdigest(label + index.to_bytes(4, "little"), seed=seed)
