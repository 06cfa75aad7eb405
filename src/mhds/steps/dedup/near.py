"""The phased engine: map per shard, reduce per bucket, verify per partition.

Each phase is a top-level, picklable function of ``(store, workdir, unit, config)`` that reads
and writes only store keys (see ``layout``), so the units of a phase can run in any order, in
one process, on a process pool or on Dask, with the same output. Memory per unit:

* ``map_shard``: one shard's signatures and band rows (about 1 KiB per record at defaults).
* ``reduce_bucket``: one bucket's band and exact rows (16 B x bands per record / buckets).
* ``verify_partition``: one partition's candidate pairs and the signatures they name, taken
  from each named shard's signature file, read one at a time (the file is read by each
  partition that names one of its rows: few, large reads rather than a request and a
  response object per shard and bucket, which on S3 cost a request each).

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

from mhds.errors import ObjectNotFoundError, ShardError
from mhds.records.schema import Record
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.exact import exact_buckets, exact_links, exact_rows, repeated
from mhds.steps.dedup.layout import (
    BAND_ROW,
    BASE_CODES,
    EXACT_ROW,
    PAIR,
    VERIFIED,
    AnyArray,
    ShardSummary,
    check_shard,
    group_indices,
    key,
    load_array,
    load_arrays,
    load_grouped,
    num_name,
    part_name,
    save_array,
    save_arrays,
    save_grouped,
    search_sorted,
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

    Reads only ``shuffle/<bucket>/``. Writes ``links/<bucket>.npy``,
    candidates per verification partition, and for ``reduce_within``: ``long/<bucket>.npy``,
    the band rows of the runs longer than ``max_run_size``, and ``repeated/<bucket>.npy``, the
    exact rows whose hash another row shares.

    With ``base`` (the workdir of a finished search), the bucket's rows of that search's
    records listed in ``<workdir>/base-codes.npy`` join in, and only links and pairs that
    touch a record of this workdir are kept: the pairs among the base's records are that
    search's own (see ``mhds.steps.dedup.reuse``).

    With ``pairs_of`` (a search kept from build to build, see ``prior``), every pair is
    recorded as checked in its ``current`` generation, and the pairs its ``prior`` search
    checked in this bucket are written as known (the ``known`` array beside the candidates),
    not as candidates to verify.
    """
    name = part_name(bucket)
    known = load_array(store, key(workdir, BASE_CODES)) if base else None
    rows, exact = _rows_with_base(store, workdir, base, known, name)
    pairs, long_runs = candidate_runs(rows, config.max_run_size)
    save_array(store, key(workdir, "long", name + ".npy"), long_runs)
    shared = repeated(exact)  # the only rows a link joins: one sort of the bucket, not two
    save_array(store, key(workdir, "repeated", name + ".npy"), shared)
    links = _touching(exact_links(shared), known)
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
    listed records. Exact links are made again from the base's rows whose hash another row
    shares (``repeated/``): a star's centre may be gone.
    """
    name = part_name(bucket)
    known = load_array(store, key(workdir, BASE_CODES))
    exact = load_array(store, key(base, "repeated", name + ".npy"))
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
    """Write a reduce's exact links and its candidates per partition (those the ``prior``
    search checked as known); ``read`` is the band and exact rows it read."""
    name = part_name(bucket)
    save_array(store, key(workdir, "links", name + ".npy"), links)
    if pairs_of.current:
        save_checked(store, workdir, pairs_of.current, bucket, pairs)
    pairs, known = split_known(store, workdir, bucket, pairs, pairs_of.prior)
    _save_by_part(store, workdir, name, pairs, known, config)
    return BucketSummary(bucket, *read, len(links), len(pairs) + len(known), len(known))


def _save_by_part(
    store: Store,
    workdir: str,
    name: str,
    pairs: AnyArray,
    known: AnyArray,
    config: DedupConfig,
) -> None:
    """Write bucket ``name``'s candidate ``pairs`` and its ``known`` pairs by verification
    partition, both in one ``candidates/<part>/<name>.npz`` (written where either is
    non-empty): one object a partition and bucket, which on S3 is one request, not two."""
    save_grouped(
        store,
        key(workdir, "candidates"),
        name,
        pairs=(pairs, pair_partitions(pairs, config.partitions)),
        known=(known, pair_partitions(known, config.partitions)),
    )


def _load_by_part(store: Store, workdir: str, name: str) -> tuple[AnyArray, AnyArray]:
    """Partition ``name``'s candidate pairs and known pairs from every bucket
    (``_save_by_part``), each sorted and unique."""
    found = load_grouped(store, key(workdir, "candidates", name), pairs=PAIR, known=PAIR)
    return unique_pairs(found["pairs"]), unique_pairs(found["known"])


def verify_partition(
    store: Store,
    workdir: str,
    part: int,
    config: DedupConfig,
    pairs_of: Generations = NO_GENERATIONS,
    base: str = "",
) -> PartitionSummary:
    """Keep the candidate pairs of one partition whose Jaccard is at least the threshold.
    With ``pairs_of``, the known pairs (``reduce_bucket``) keep the ``prior`` search's
    outcome, and what is kept is recorded in the ``current`` generation too. With ``base``
    (the search this one runs against or within), a shard not mapped in ``workdir`` has its
    signatures there.

    Raises:
        ShardError: a candidate names a shard with no signatures, or a row it does not have.
    """
    name = part_name(part)
    pairs, known = _load_by_part(store, workdir, name)
    pairs = pairs[~contains(known, pairs)]  # generated in a bucket where it was checked, too
    verified = _verify(store, workdir, base, pairs, config)
    verified = with_known(store, workdir, part, pairs_of.prior, verified, known)
    save_array(store, key(workdir, "verified", name + ".npy"), verified)
    if pairs_of.current:
        save_verified(store, workdir, pairs_of.current, part, verified)
    summary = PartitionSummary(part, len(pairs) + len(known), len(verified), len(known))
    store.write_bytes(key(workdir, "verified", name + ".json"), msgspec.json.encode(summary))
    return summary


def _verify(
    store: Store, workdir: str, base: str, pairs: AnyArray, config: DedupConfig
) -> AnyArray:
    """The ``VERIFIED`` rows of ``pairs`` (sorted, unique) at or above the threshold."""
    verified = np.empty(0, dtype=VERIFIED)
    if len(pairs):
        similarity = _similarities(store, workdir, base, pairs, config)
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
        bands, exact = _concat(self.bands, BAND_ROW), _concat(self.exact, EXACT_ROW)
        save_grouped(
            store,
            key(workdir, "shuffle"),
            stem,
            bands=(bands, band_buckets(bands, config.buckets)),
            exact=(exact, exact_buckets(exact, config.buckets)),
        )


def _rows_with_base(
    store: Store, workdir: str, base: str, known: AnyArray | None, name: str
) -> tuple[AnyArray, AnyArray]:
    """Bucket ``name``'s band and exact rows in ``workdir``, plus those of ``base`` whose
    code is ``known`` (sorted codes)."""
    mine = load_grouped(store, key(workdir, "shuffle", name), bands=BAND_ROW, exact=EXACT_ROW)
    if known is None:
        return mine["bands"], mine["exact"]
    theirs = load_grouped(store, key(base, "shuffle", name), bands=BAND_ROW, exact=EXACT_ROW)
    joined = {
        kind: np.concatenate((mine[kind], rows[_isin_sorted(rows["code"], known)]))
        for kind, rows in theirs.items()
    }
    return joined["bands"], joined["exact"]


def _touching(pairs: AnyArray, known: AnyArray | None) -> AnyArray:
    """The pairs with at least one end outside ``known`` (sorted codes; all when None)."""
    if known is None:
        return pairs
    return pairs[~(_isin_sorted(pairs["a"], known) & _isin_sorted(pairs["b"], known))]


def _isin_sorted(values: AnyArray, known: AnyArray) -> AnyArray:
    return search_sorted(known, values)[1]


def _similarities(
    store: Store, workdir: str, base: str, pairs: AnyArray, config: DedupConfig
) -> AnyArray:
    """The similarity of each pair: the share of equal signature values, or with
    ``verify="exact"`` the Jaccard of the two shingle sets."""
    numbers, rows = split_codes(np.concatenate((pairs["a"], pairs["b"])))
    own = _mapped(store, workdir) if base else set()
    codes_parts: list[AnyArray] = []
    sig_parts: list[AnyArray] = []
    sets: list[AnyArray] = []
    for number, index in group_indices(numbers).items():
        wanted = np.unique(rows[index])
        mapped = workdir if not base or number in own else base
        sig, shingles = _shard_rows(store, mapped, number, wanted, config)
        codes_parts.append(to_codes(number, wanted))
        sig_parts.append(sig)
        sets.extend(shingles)
    codes = np.concatenate(codes_parts)  # sorted: numbers ascending, rows ascending in each
    ia, ib = (np.searchsorted(codes, pairs[end]) for end in ("a", "b"))
    if config.verify == "exact":
        return np.array([exact_jaccard(sets[i], sets[j]) for i, j in zip(ia, ib, strict=True)])
    sigs = np.concatenate(sig_parts)
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), _VERIFY_CHUNK):
        a, b = ia[start : start + _VERIFY_CHUNK], ib[start : start + _VERIFY_CHUNK]
        out[start : start + len(a)] = np.count_nonzero(sigs[a] == sigs[b], axis=1) / config.num_perm
    return out


def _mapped(store: Store, workdir: str) -> set[int]:
    """The numbers of the shards mapped in ``workdir`` (those with a signature file)."""
    stems = (
        info.key.rsplit("/", 1)[-1].split(".", 1)[0]
        for info in store.list(key(workdir, "sig") + "/")
    )
    return {int(stem, 16) for stem in stems}


def _shard_rows(
    store: Store, mapped: str, number: int, rows: AnyArray, config: DedupConfig
) -> tuple[AnyArray, list[AnyArray]]:
    """The signatures of ``rows`` (sorted) of one shard mapped in ``mapped``, and with
    ``verify="exact"`` their shingle sets.

    Raises:
        ShardError: the shard has no signature file there, or not that many rows.
    """
    stem = num_name(number)
    try:
        sig = load_array(store, key(mapped, "sig", stem + ".npy"))
    except ObjectNotFoundError:
        raise ShardError(
            "a candidate pair names it, but it has no signatures", shard=stem
        ) from None
    if len(rows) and int(rows[-1]) >= len(sig):
        raise ShardError(f"a candidate pair names row {int(rows[-1])} of {len(sig)}", shard=stem)
    if config.verify != "exact":
        return sig[rows], []
    shingles = load_arrays(store, key(mapped, "shingles", stem + ".npz"))
    values, offsets = shingles["values"], shingles["offsets"]
    return sig[rows], [values[offsets[r] : offsets[r + 1]] for r in rows.tolist()]


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _concat(parts: list[AnyArray], dtype: np.dtype[Any], empty: tuple[int, ...] = (0,)) -> AnyArray:
    return np.concatenate(parts) if parts else np.empty(empty, dtype=dtype)
