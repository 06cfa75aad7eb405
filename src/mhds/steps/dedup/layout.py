"""Where the de-duplication phases exchange data under a work prefix, and how arrays travel.

Every phase reads and writes only through a Store, so a local folder, S3, a process pool and
Dask run the same code. Band and exact rows are shuffled to ``config.buckets`` buckets (one
reduce each), candidate pairs to ``config.partitions`` partitions (one verification each,
which reads the signatures its pairs name from the shards' own files). Per-shard files are
named by the shard *number*: ``xxh32`` (seed 0) of the shard id, a stable, order-free name
that needs no coordinator. Two shard ids with the same number are refused (``ConfigError``),
never silently merged. Under ``<workdir>/``::

    shards/<num>.json                  ShardSummary (shard id, record count, spec)
    sig/<num>.npy                      (n, num_perm) uint32 signatures, row = record order
    shingles/<num>.npz                 verify="exact" only: shingle hashes + offsets
    meta/<num>.jsonl.zst               [row, id, family, source_key, content_hash, quality]
    shuffle/<bucket>/<num>.npz         a shard's rows that fall in bucket: BAND_ROW rows by
                                       band key ("bands"), EXACT_ROW rows by content hash
                                       ("exact"); one object a shard and bucket
    links/<bucket>.npy                 exact-duplicate links (a, b) from reduce
    long/<bucket>.npy                  BAND_ROW rows of the runs longer than max_run_size
    repeated/<bucket>.npy              EXACT_ROW rows whose hash another row shares
    candidates/<part>/<bucket>.npz     candidate near pairs (a, b) routed to a partition
                                       ("pairs"), and those of them the prior search
                                       checked ("known": not verified, see ``prior``)
    verified/<part>.npy                VERIFIED rows: pairs at or above the threshold
    pairs/<gen>/checked/<bucket>.npy   a kept search: every pair a reduce generated
    pairs/<gen>/verified/<part>.npy    a kept search: the pairs a verification kept
    pairs.json, prior-shards.npy       a kept search: its last finished generation; the shard
                                       numbers whose pairs that generation holds
    decisions.jsonl, decisions/<num>.jsonl, result.json
    base-codes.npy                     a search against a base search: the base's records
                                       that take part (sorted codes, see ``reuse``)

A record is addressed by a 64-bit code ``shard_number << 32 | row``. Partition files are
written only when non-empty, so a workdir holds exactly one run (``clear_workdir`` first, or
``prior.prepare`` for a search kept from build to build).
"""

from __future__ import annotations

import io
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import xxhash

from mhds.errors import ConfigError, ObjectNotFoundError
from mhds.records import codec
from mhds.store.base import Store

BAND_ROW = np.dtype([("key", "<u8"), ("order", "<u8"), ("code", "<u8")])
EXACT_ROW = np.dtype([("hi", "<u8"), ("lo", "<u8"), ("code", "<u8")])
PAIR = np.dtype([("a", "<u8"), ("b", "<u8")])
VERIFIED = np.dtype([("a", "<u8"), ("b", "<u8"), ("similarity", "<f4")])
BASE_CODES = "base-codes.npy"
ROW_MASK = np.uint64(0xFFFFFFFF)
SHIFT = np.uint64(32)

AnyArray = npt.NDArray[Any]


class ShardSummary(msgspec.Struct, frozen=True):
    """What the map phase wrote for one shard.

    Attributes:
        shard_id: the caller's shard id.
        number: ``shard_number(shard_id)``, the name of every per-shard file.
        records: rows in the shard (codes ``number << 32 | 0 .. records - 1``).
        empty: records whose normalised text has no words (no near-duplicate search).
        spec: the hashing spec and the config fields it depends on.
    """

    shard_id: str
    number: int
    records: int
    empty: int
    spec: dict[str, str | int]


def shard_number(shard_id: str) -> int:
    """The stable 32-bit number of a shard id (XXH32, seed 0, of its UTF-8 bytes)."""
    return xxhash.xxh32_intdigest(shard_id.encode("utf-8"))


def num_name(number: int) -> str:
    """The file stem of a shard number."""
    return f"{number:08x}"


def part_name(index: int) -> str:
    """The folder or file stem of a bucket or partition."""
    return f"{index:05d}"


def key(workdir: str, *parts: str) -> str:
    """Join ``workdir`` and relative parts into a store key."""
    return "/".join(p.strip("/") for p in (workdir, *parts) if p)


def to_codes(number: int | npt.NDArray[np.uint32], rows: AnyArray) -> npt.NDArray[np.uint64]:
    """Record codes from shard numbers and rows."""
    return (np.asarray(number, dtype=np.uint64) << SHIFT) | rows.astype(np.uint64)


def split_codes(codes: npt.NDArray[np.uint64]) -> tuple[AnyArray, AnyArray]:
    """``(shard numbers, rows)`` of record codes, as uint32 arrays."""
    return (codes >> SHIFT).astype(np.uint32), (codes & ROW_MASK).astype(np.uint32)


def group_indices(keys: AnyArray) -> dict[int, AnyArray]:
    """Indices of ``keys`` grouped by value (one sort, not one scan per value)."""
    if not len(keys):
        return {}
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    starts: list[int] = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1]))).tolist()
    bounds = [*starts, len(keys)]
    return {int(ranked[b]): order[b:e] for b, e in zip(bounds[:-1], bounds[1:], strict=True)}


def search_sorted(known: AnyArray, values: AnyArray) -> tuple[AnyArray, AnyArray]:
    """Where each of ``values`` sits in ``known`` (sorted), and whether it is there."""
    index = np.searchsorted(known, values)
    found = index < len(known)
    found[found] = known[index[found]] == values[found]
    return index, found


def save_array(store: Store, key_: str, array: AnyArray) -> None:
    """Write one array as ``.npy`` bytes (no pickles)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    store.write_bytes(key_, buffer.getvalue())


def load_array(store: Store, key_: str) -> AnyArray:
    """Read one ``.npy`` array written by ``save_array``."""
    return np.asarray(np.load(io.BytesIO(store.read_bytes(key_)), allow_pickle=False))


def save_arrays(store: Store, key_: str, **arrays: AnyArray) -> None:
    """Write several named arrays as one uncompressed ``.npz``."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    store.write_bytes(key_, buffer.getvalue())


def load_arrays(store: Store, key_: str) -> dict[str, AnyArray]:
    """Read every array of an ``.npz`` written by ``save_arrays``."""
    with np.load(io.BytesIO(store.read_bytes(key_)), allow_pickle=False) as data:
        return {name: np.asarray(data[name]) for name in data.files}


def save_grouped(store: Store, folder: str, stem: str, **named: tuple[AnyArray, AnyArray]) -> None:
    """Write each group's rows of every named array in one ``<folder>/<group>/<stem>.npz``
    (``named``: name -> (array, group of each row)). Only groups with a row are written; each
    file holds every name (empty where the group has none of its rows)."""
    indices = {name: group_indices(groups) for name, (_, groups) in named.items()}
    nothing = np.empty(0, dtype=np.intp)
    for group in sorted(set().union(*(found.keys() for found in indices.values()))):
        arrays = {
            name: rows[indices[name].get(group, nothing)] for name, (rows, _) in named.items()
        }
        save_arrays(store, key(folder, part_name(group), stem + ".npz"), **arrays)


def load_grouped(store: Store, folder: str, **dtypes: np.dtype[Any]) -> dict[str, AnyArray]:
    """Every name of the files under ``folder`` (one group of ``save_grouped``), each name's
    arrays concatenated in key order (empty arrays of ``dtypes`` where there are none)."""
    found = [load_arrays(store, info.key) for info in store.list(folder + "/")]
    return {name: concat([f[name] for f in found], dtype) for name, dtype in dtypes.items()}


def load_concat(store: Store, prefix: str, dtype: np.dtype[Any]) -> AnyArray:
    """Concatenate every ``.npy`` under ``prefix`` (sorted listing) into one array."""
    return concat([load_array(store, info.key) for info in store.list(prefix + "/")], dtype)


def concat(parts: list[AnyArray], dtype: np.dtype[Any]) -> AnyArray:
    """The non-empty ``parts`` as one array, in order; an empty one of ``dtype`` if none."""
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def clear_workdir(store: Store, workdir: str) -> int:
    """Delete every object under ``workdir`` (before a new run); returns how many.

    Raises:
        ConfigError: ``workdir`` is empty (that would clear the whole store).
    """
    if not workdir.strip("/"):
        raise ConfigError("the dedup workdir must be a non-empty prefix", source=store.uri)
    keys = [info.key for info in store.list(key(workdir) + "/")]
    store.delete_many(keys)  # batched: 1,000 keys a request on S3
    return len(keys)


def check_shard(store: Store, workdir: str, shard_id: str) -> int:
    """The shard's number; refuse a second shard id with the same number (checked first)."""
    number = shard_number(shard_id)
    path = key(workdir, "shards", num_name(number) + ".json")
    try:
        previous = msgspec.json.decode(store.read_bytes(path), type=ShardSummary)
    except ObjectNotFoundError:
        return number
    if previous.shard_id != shard_id:
        raise ConfigError(
            f"shard ids {previous.shard_id!r} and {shard_id!r} share number "
            f"{num_name(number)}; rename one",
            source=store.url_for(path),
        )
    return number


def write_summary(store: Store, workdir: str, summary: ShardSummary) -> None:
    """Record a mapped shard (written last: a summary means the shard's files are complete)."""
    path = key(workdir, "shards", num_name(summary.number) + ".json")
    store.write_bytes(path, codec.dumps(msgspec.to_builtins(summary)))


def read_summaries(store: Store, workdir: str) -> list[ShardSummary]:
    """Every mapped shard's summary, by shard number; checks that all share one spec."""
    summaries = [
        msgspec.json.decode(store.read_bytes(info.key), type=ShardSummary)
        for info in store.list(key(workdir, "shards") + "/")
    ]
    specs = {codec.dumps(s.spec) for s in summaries}
    if len(specs) > 1:
        raise ConfigError("shards were mapped with different dedup specs", source=workdir)
    return summaries
