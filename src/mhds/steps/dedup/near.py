"""The phased engine: map per shard, reduce per bucket, fetch per shard, verify per partition.

Each phase is a top-level, picklable function of ``(store, workdir, unit, config)`` that reads
and writes only store keys (see ``layout``), so the units of a phase can run in any order, in
one process, on a process pool or on Dask, with the same output. Memory per unit:

* ``map_shard``: one shard's signatures and band rows (about 1 KiB per record at defaults).
* ``reduce_bucket``: one bucket's band and exact rows (16 B x bands per record / buckets).
* ``fetch_rows``: one shard's signatures and the requests for them.
* ``verify_partition``: one partition's candidate pairs and the signatures they name (sent by
  ``fetch_rows``, one file per shard): a request/response join, so no phase ever reads the
  signatures of the whole corpus and each signature file is read twice in all.

Only non-empty partition files are written (a small corpus makes few files), so a workdir
holds one run: ``clear_workdir`` before reusing it with other inputs or another config. A
rerun of a unit with the same inputs rewrites the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import msgspec
import numpy as np

from mhds.errors import ShardError
from mhds.records.schema import Record
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.exact import exact_buckets, exact_links, exact_rows
from mhds.steps.dedup.layout import (
    BAND_ROW,
    BASE_CODES,
    EXACT_ROW,
    PAIR,
    REQUEST,
    VERIFIED,
    AnyArray,
    ShardSummary,
    check_shard,
    concat,
    group_indices,
    key,
    load_array,
    load_arrays,
    load_concat,
    num_name,
    part_name,
    save_array,
    save_arrays,
    search_sorted,
    shard_number,
    split_codes,
    to_codes,
    write_summary,
)
from mhds.steps.dedup.lsh import (
    band_buckets,
    band_rows,
    candidate_runs,
    pair_partitions,
    record_order,
    unique_pairs,
)
from mhds.steps.dedup.minhash import (
    HASH_SPEC,
    band_keys,
    batch_shingles,
    exact_jaccard,
    normalise_text,
    signatures_from_shingles,
)
from mhds.steps.dedup.prior import (
    NO_GENERATIONS,
    Generations,
    contains,
    save_checked,
    save_verified,
    split_known,
    with_known,
)
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter

SPEC_FIELDS = (
    "shingle_size",
    "num_perm",
    "bands",
    "rows",
    "seed",
    "buckets",
    "partitions",
    "verify",
)
_VERIFY_CHUNK = 1 << 15


class BucketSummary(msgspec.Struct, frozen=True):
    """What one reduce found: rows read, exact links and candidate near pairs written."""

    bucket: int
    band_rows: int
    exact_rows: int
    exact_links: int
    candidates: int
    known: int = 0  # of the candidates, checked by the prior search (``prior``)


class PartitionSummary(msgspec.Struct, frozen=True):
    """What one verification kept: unique candidate pairs in, verified pairs out."""

    part: int
    candidates: int
    verified: int
    known: int = 0  # of the candidates, decided by the prior search (``prior``)


def dedup_spec(config: DedupConfig) -> dict[str, str | int]:
    """The hashing spec plus every config field that must match across shards of one run."""
    return {"hash_spec": HASH_SPEC, **{name: getattr(config, name) for name in SPEC_FIELDS}}


def record_quality(record: Record) -> int:
    """The keep policy's quality: characters of assistant turns (the more substantive answer)."""
    return sum(len(m.content) for m in record.messages if m.role == "assistant")


def map_shard(
    store: Store, workdir: str, shard_id: str, records: Iterable[Record], config: DedupConfig
) -> ShardSummary:
    """Hash one shard: signatures, per-record metadata, band rows and exact rows per bucket.

    Raises:
        ConfigError: another shard id already mapped here has the same shard number.
        InputError: a record's content hash is malformed.
    """
    number = check_shard(store, workdir, shard_id)
    stem = num_name(number)
    out = _ShardArrays()
    count = empty = 0
    with JsonlWriter(store, key(workdir, "meta", stem + ".jsonl.zst")) as meta:
        for batch in _batches(records, config.batch_size):
            codes = to_codes(number, np.arange(count, count + len(batch)))
            for row, record in enumerate(batch, start=count):
                m = record.metadata
                quality = record_quality(record)
                meta.write([row, m.id, m.family, m.source_key, m.content_hash, quality])
            if config.exact:
                out.exact.append(exact_rows([r.metadata.content_hash for r in batch], codes))
            if config.near:
                empty += out.add_near(batch, codes, config)
            count += len(batch)
    if count >= 2**32:
        raise ShardError(f"{count} records: at most 2**32 - 1 per shard", shard=shard_id)
    out.save(store, workdir, stem, config)
    summary = ShardSummary(shard_id, number, count, empty, dedup_spec(config))
    write_summary(store, workdir, summary)
    return summary


def reduce_bucket(
    store: Store,
    workdir: str,
    bucket: int,
    config: DedupConfig,
    base: str = "",
    pairs_of: Generations = NO_GENERATIONS,
) -> BucketSummary:
    """Link exact duplicates and find candidate near pairs among one bucket's rows.

    Reads only ``bands/<bucket>/`` and ``exact/<bucket>/``. Writes ``links/<bucket>.npy``,
    candidates per verification partition and, per shard named by a candidate, the rows that
    each partition needs from it; and ``long/<bucket>.npy``, the band rows of the runs
    longer than ``max_run_size`` (``reduce_within`` reads them).

    With ``base`` (the workdir of a finished search), the bucket's rows of that search's
    records listed in ``<workdir>/base-codes.npy`` join in, and only links and pairs that
    touch a record of this workdir are kept: the pairs among the base's records are that
    search's own (see ``mhds.steps.dedup.reuse``).

    With ``pairs_of`` (a search kept from build to build, see ``prior``), every pair is
    recorded as checked in its ``current`` generation, and the pairs its ``prior`` search
    checked in this bucket are written as known (the ``known`` array beside the candidates),
    not as candidates to fetch.
    """
    name = part_name(bucket)
    known = load_array(store, key(workdir, BASE_CODES)) if base else None
    exact = (
        _rows_with_base(store, workdir, base, known, "exact", name, EXACT_ROW)
        if config.exact
        else np.empty(0, EXACT_ROW)
    )
    rows = (
        _rows_with_base(store, workdir, base, known, "bands", name, BAND_ROW)
        if config.near
        else np.empty(0, BAND_ROW)
    )
    pairs, long_runs = candidate_runs(rows, config.max_run_size)
    save_array(store, key(workdir, "long", name + ".npy"), long_runs)
    links = _touching(exact_links(exact), known)
    pairs = _touching(pairs, known)
    read = (len(rows), len(exact))
    return _save_reduced(store, workdir, bucket, config, links, pairs, read, pairs_of)


def reduce_within(
    store: Store, workdir: str, bucket: int, config: DedupConfig, base: str
) -> BucketSummary:
    """The exact links and candidate near pairs among the records of the finished search in
    ``base`` that ``<workdir>/base-codes.npy`` lists (the survivors of de-duplication), as a
    search of only those records would find them, without hashing them again.

    A band run of at most ``max_run_size`` records gave every pair in ``base`` already, so
    its pairs among the listed records are the base's own verified pairs; only the runs that
    were longer (``long/``), where the base tried a star and a chain, are tried again on the
    listed records. Exact links are made again (a star's centre may be gone).
    """
    name = part_name(bucket)
    known = load_array(store, key(workdir, BASE_CODES))
    exact = load_concat(store, key(base, "exact", name), EXACT_ROW)
    rows = load_array(store, key(base, "long", name + ".npy"))
    rows = rows[_isin_sorted(rows["code"], known)]
    exact = exact[_isin_sorted(exact["code"], known)]
    pairs, _ = candidate_runs(rows, config.max_run_size)
    return _save_reduced(
        store, workdir, bucket, config, exact_links(exact), pairs, (len(rows), len(exact))
    )


def _save_reduced(
    store: Store,
    workdir: str,
    bucket: int,
    config: DedupConfig,
    links: AnyArray,
    pairs: AnyArray,
    read: tuple[int, int],
    pairs_of: Generations = NO_GENERATIONS,
) -> BucketSummary:
    """Write a reduce's exact links, its candidates per partition (those the ``prior``
    search checked as known) and the requests; ``read`` is the band and exact rows it
    read."""
    name = part_name(bucket)
    save_array(store, key(workdir, "links", name + ".npy"), links)
    if pairs_of.current:
        save_checked(store, workdir, pairs_of.current, bucket, pairs)
    pairs, known = split_known(store, workdir, bucket, pairs, pairs_of.prior)
    parts = _save_by_part(store, workdir, name, pairs, known, config)
    _save_requests(store, workdir, name, pairs, parts)
    return BucketSummary(bucket, *read, len(links), len(pairs) + len(known), len(known))


def _save_by_part(
    store: Store,
    workdir: str,
    name: str,
    pairs: AnyArray,
    known: AnyArray,
    config: DedupConfig,
) -> AnyArray:
    """Write bucket ``name``'s candidate ``pairs`` and its ``known`` pairs by verification
    partition, both in one ``candidates/<part>/<name>.npz`` (written where either is
    non-empty): one object a partition and bucket, which on S3 is one request, not two.
    Returns each candidate pair's partition."""
    parts = pair_partitions(pairs, config.partitions)
    by_part = group_indices(parts)
    known_by_part = group_indices(pair_partitions(known, config.partitions))
    nothing = np.empty(0, dtype=np.intp)
    for part in sorted(by_part.keys() | known_by_part.keys()):
        arrays = {
            "pairs": pairs[by_part.get(part, nothing)],
            "known": known[known_by_part.get(part, nothing)],
        }
        save_arrays(store, key(workdir, "candidates", part_name(part), name + ".npz"), **arrays)
    return parts


def _load_by_part(store: Store, workdir: str, name: str) -> tuple[AnyArray, AnyArray]:
    """Partition ``name``'s candidate pairs and known pairs from every bucket
    (``_save_by_part``), each sorted and unique."""
    found = [load_arrays(store, i.key) for i in store.list(key(workdir, "candidates", name) + "/")]
    pairs = unique_pairs(concat([f["pairs"] for f in found], PAIR))
    return pairs, unique_pairs(concat([f["known"] for f in found], PAIR))


def fetch_rows(
    store: Store, workdir: str, shard_id: str, config: DedupConfig, mapped: str = ""
) -> int:
    """Send the signature rows (and shingles) that verification partitions asked of a shard.
    ``mapped`` is the workdir where the shard was mapped, when not ``workdir`` (a base
    search's shard, see ``reduce_bucket``).

    Returns the number of rows sent.
    """
    stem = num_name(shard_number(shard_id))
    requests = load_concat(store, key(workdir, "requests", stem), REQUEST)
    if not len(requests) or not config.near:
        return 0
    requests = np.unique(requests)
    mapped = mapped or workdir
    sig = load_array(store, key(mapped, "sig", stem + ".npy"))
    shingles = (
        load_arrays(store, key(mapped, "shingles", stem + ".npz"))
        if config.verify == "exact"
        else None
    )
    for part, index in group_indices(requests["part"]).items():
        rows = np.unique(requests["row"][index])
        arrays = {"rows": rows, "sig": sig[rows]}
        if shingles is not None:
            arrays.update(_gather_shingles(shingles["values"], shingles["offsets"], rows))
        save_arrays(store, key(workdir, "rows", part_name(part), stem + ".npz"), **arrays)
    return len(requests)


def verify_partition(
    store: Store,
    workdir: str,
    part: int,
    config: DedupConfig,
    pairs_of: Generations = NO_GENERATIONS,
) -> PartitionSummary:
    """Keep the candidate pairs of one partition whose Jaccard is at least the threshold.
    With ``pairs_of``, the known pairs (``reduce_bucket``) keep the ``prior`` search's
    outcome, and what is kept is recorded in the ``current`` generation too.

    Raises:
        ShardError: a signature row that a candidate names was not fetched (``fetch_rows`` did
            not run for that shard).
    """
    name = part_name(part)
    pairs, known = _load_by_part(store, workdir, name)
    pairs = pairs[~contains(known, pairs)]  # generated in a bucket where it was checked, too
    verified = _verify(store, workdir, name, pairs, config)
    verified = with_known(store, workdir, part, pairs_of.prior, verified, known)
    save_array(store, key(workdir, "verified", name + ".npy"), verified)
    if pairs_of.current:
        save_verified(store, workdir, pairs_of.current, part, verified)
    summary = PartitionSummary(part, len(pairs) + len(known), len(verified), len(known))
    store.write_bytes(key(workdir, "verified", name + ".json"), msgspec.json.encode(summary))
    return summary


def _verify(
    store: Store, workdir: str, name: str, pairs: AnyArray, config: DedupConfig
) -> AnyArray:
    """The ``VERIFIED`` rows of ``pairs`` (sorted, unique) at or above the threshold."""
    verified = np.empty(0, dtype=VERIFIED)
    if len(pairs):
        similarity = _similarities(store, workdir, name, pairs, config)
        # Estimates are multiples of 1/num_perm: the epsilon keeps float noise from losing
        # a pair exactly at the threshold.
        keep = similarity >= config.threshold - 1e-9
        verified = np.empty(int(keep.sum()), dtype=VERIFIED)
        verified["a"], verified["b"] = pairs["a"][keep], pairs["b"][keep]
        verified["similarity"] = similarity[keep]
    return verified


class _ShardArrays:
    """What ``map_shard`` accumulates before writing (one shard, bounded by its size)."""

    def __init__(self) -> None:
        self.sigs: list[AnyArray] = []
        self.bands: list[AnyArray] = []
        self.exact: list[AnyArray] = []
        self.values: list[AnyArray] = []
        self.counts: list[AnyArray] = []

    def add_near(self, batch: list[Record], codes: AnyArray, config: DedupConfig) -> int:
        texts = [normalise_text(record) for record in batch]
        values, offsets = batch_shingles(texts, config.shingle_size)
        sig = signatures_from_shingles(values, offsets, num_perm=config.num_perm, seed=config.seed)
        has_words = np.diff(offsets) > 0
        keys = band_keys(sig[has_words], config.bands, config.rows)
        ids = [r.metadata.id for r, kept in zip(batch, has_words, strict=True) if kept]
        order = record_order(ids)
        self.bands.append(band_rows(keys, codes[has_words], order))
        self.sigs.append(sig)
        if config.verify == "exact":
            self.values.append(values.astype(np.uint32))
            self.counts.append(np.diff(offsets))
        return int((~has_words).sum())

    def save(self, store: Store, workdir: str, stem: str, config: DedupConfig) -> None:
        if config.near:
            sig = _concat(self.sigs, np.dtype(np.uint32), (0, config.num_perm))
            save_array(store, key(workdir, "sig", stem + ".npy"), sig)
        if config.near and config.verify == "exact":
            counts = _concat(self.counts, np.dtype(np.int64))
            offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            values = _concat(self.values, np.dtype(np.uint32))
            save_arrays(
                store, key(workdir, "shingles", stem + ".npz"), values=values, offsets=offsets
            )
        bands = _concat(self.bands, BAND_ROW)
        _save_buckets(
            store, workdir, "bands", stem, bands, band_buckets(bands, config.buckets), config
        )
        exact = _concat(self.exact, EXACT_ROW)
        _save_buckets(
            store, workdir, "exact", stem, exact, exact_buckets(exact, config.buckets), config
        )


def _rows_with_base(
    store: Store,
    workdir: str,
    base: str,
    known: AnyArray | None,
    kind: str,
    name: str,
    dtype: np.dtype[Any],
) -> AnyArray:
    """A bucket's rows of ``kind`` in ``workdir``, plus those of ``base`` whose code is
    ``known`` (sorted codes)."""
    rows = load_concat(store, key(workdir, kind, name), dtype)
    if known is None:
        return rows
    theirs = load_concat(store, key(base, kind, name), dtype)
    return np.concatenate((rows, theirs[_isin_sorted(theirs["code"], known)]))


def _touching(pairs: AnyArray, known: AnyArray | None) -> AnyArray:
    """The pairs with at least one end outside ``known`` (sorted codes; all when None)."""
    if known is None:
        return pairs
    return pairs[~(_isin_sorted(pairs["a"], known) & _isin_sorted(pairs["b"], known))]


def _isin_sorted(values: AnyArray, known: AnyArray) -> AnyArray:
    return search_sorted(known, values)[1]


def _save_buckets(
    store: Store,
    workdir: str,
    kind: str,
    stem: str,
    rows: AnyArray,
    buckets: AnyArray,
    config: DedupConfig,
) -> None:
    for bucket, index in group_indices(buckets).items():
        chunk = rows[index]
        save_array(store, key(workdir, kind, part_name(bucket), stem + ".npy"), chunk)


def _save_requests(store: Store, workdir: str, name: str, pairs: AnyArray, parts: AnyArray) -> None:
    ends = np.concatenate((pairs["a"], pairs["b"]))
    numbers, rows = split_codes(ends)
    requests = np.empty(len(ends), dtype=REQUEST)
    requests["row"] = rows
    requests["part"] = np.concatenate((parts, parts))
    for number, index in group_indices(numbers).items():
        wanted = np.unique(requests[index])
        save_array(store, key(workdir, "requests", num_name(number), name + ".npy"), wanted)


def _similarities(
    store: Store, workdir: str, name: str, pairs: AnyArray, config: DedupConfig
) -> AnyArray:
    codes_parts: list[AnyArray] = []
    sig_parts: list[AnyArray] = []
    shingle_parts: list[AnyArray] = []
    for info in store.list(key(workdir, "rows", name) + "/"):
        number = int(info.key.rsplit("/", 1)[-1].split(".", 1)[0], 16)
        data = load_arrays(store, info.key)
        codes_parts.append(to_codes(number, data["rows"]))
        sig_parts.append(data["sig"])
        if config.verify == "exact":
            shingle_parts.extend(_split_shingles(data["values"], data["offsets"]))
    codes = _concat(codes_parts, np.dtype(np.uint64))
    order = np.argsort(codes)
    codes = codes[order]
    ia, ib = (_locate(codes, pairs[end]) for end in ("a", "b"))
    if config.verify == "exact":
        sets = [shingle_parts[i] for i in order]
        return np.array([exact_jaccard(sets[i], sets[j]) for i, j in zip(ia, ib, strict=True)])
    sigs = _concat(sig_parts, np.dtype(np.uint32), (0, config.num_perm))[order]
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), _VERIFY_CHUNK):
        a, b = ia[start : start + _VERIFY_CHUNK], ib[start : start + _VERIFY_CHUNK]
        out[start : start + len(a)] = np.count_nonzero(sigs[a] == sigs[b], axis=1) / config.num_perm
    return out


def _locate(codes: AnyArray, wanted: AnyArray) -> AnyArray:
    index, found = search_sorted(codes, wanted)
    if not found.all():
        number, _ = split_codes(wanted[~found][:1])
        raise ShardError(
            "signature rows missing: run fetch_rows first", shard=num_name(int(number[0]))
        )
    return index


def _gather_shingles(values: AnyArray, offsets: AnyArray, rows: AnyArray) -> dict[str, AnyArray]:
    counts = offsets[rows + 1] - offsets[rows]
    new_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    index = np.repeat(offsets[rows] - new_offsets[:-1], counts) + np.arange(new_offsets[-1])
    return {"values": values[index], "offsets": new_offsets}


def _split_shingles(values: AnyArray, offsets: AnyArray) -> list[AnyArray]:
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _concat(parts: list[AnyArray], dtype: np.dtype[Any], empty: tuple[int, ...] = (0,)) -> AnyArray:
    return np.concatenate(parts) if parts else np.empty(empty, dtype=dtype)
