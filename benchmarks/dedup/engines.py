"""One dedup engine timed in a fresh process: the worker that ``run.py`` starts per engine.

The worker imports everything, says ``ready`` on stdout and waits for ``go`` on stdin, so the
parent can take the memory baseline after imports and sample the process tree from outside
(no sampler thread competes for this process's GIL). It then times one detection run over the
corpus shards and writes the predicted ``(member, survivor)`` pairs (document indices) and its
numbers to ``--out``.

Engines (all read the same stored shards with the same reader and parse):

* ``mhds_pool2``: the dedup phases (map, reduce, verify) on a 2-process spawn pool,
  ``cluster`` in the parent.
* ``mhds_inline``: ``find_duplicates``, every phase in this process.
* ``datasketch``: per document ``MinHash`` + ``update_batch`` over the same word shingles,
  ``MinHashLSH`` query then insert, candidates kept when their estimated Jaccard reaches the
  threshold, union-find over the kept pairs.
* ``datasketch_pool2``: the same, with the signatures computed on a 2-process pool (LSH is a
  single in-memory index, so query and insert stay in this process).
* ``datasketch_xxh32`` and ``datasketch_xxh32_pool2``: both again with ``hashfunc`` set to
  ``xxhash.xxh32_intdigest`` instead of datasketch's default SHA-1: a tuned user's setup.

    .venv/bin/python benchmarks/dedup/engines.py --engine mhds_pool2 --corpus DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from corpus import FAMILY_PRIORITY, index_of
from xxhash import xxh32_intdigest

from mhds.errors import InputError
from mhds.records.schema import Record
from mhds.records.validate import Reason
from mhds.steps.dedup.cluster import cluster
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import clear_workdir
from mhds.steps.dedup.minhash import normalise_text
from mhds.steps.dedup.near import map_shard, reduce_bucket, verify_partition
from mhds.steps.dedup.run import find_duplicates
from mhds.store.base import Store
from mhds.store.local import LocalStore
from mhds.store.streams import iter_lines

ENGINES = (
    "mhds_pool2", "mhds_inline", "datasketch", "datasketch_pool2", "datasketch_xxh32",
    "datasketch_xxh32_pool2",
)  # fmt: skip
#: datasketch hash functions: its default (SHA-1 per shingle) and a fast one a tuned user picks.
HASHFUNCS: dict[str, Callable[[bytes], int] | None] = {"sha1": None, "xxh32": xxh32_intdigest}
WORKERS = 2
WORKDIR_PREFIX = "work/"
IntArray = npt.NDArray[np.int64]
Detector = Callable[[LocalStore, list[str], int, DedupConfig], tuple[IntArray, dict[str, Any]]]


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    manifest = json.loads((Path(args.corpus) / "manifest.json").read_text())
    store = LocalStore(args.corpus)
    keys = [shard["key"] for shard in manifest["shards"]]
    docs = int(manifest["spec"]["docs"])
    config = DedupConfig()
    detect = DETECTORS[args.engine]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    load_before = os.getloadavg()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    pairs, info = detect(store, keys, docs, config)
    wall_s = time.perf_counter() - started
    cpu_s = _cpu_seconds() - cpu_before  # pool workers count once reaped (at pool shutdown)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "pairs.npy", pairs)
    report = {
        "engine": args.engine,
        "docs": docs,
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "ru_maxrss_mib": {
            "process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "largest_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        },
        "loadavg_before_after": [load_before, os.getloadavg()],
        **info,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    print("done", flush=True)
    return 0


def iter_records(store: Store, key: str) -> Iterator[Record]:
    """The records of one corpus shard (the reader every engine uses)."""
    for line, data in iter_lines(store, key):
        try:
            yield Record.from_json(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise InputError(Reason.BAD_METADATA, key=key, line=line) from None


def detect_mhds_inline(
    store: LocalStore, keys: list[str], docs: int, config: DedupConfig
) -> tuple[IntArray, dict[str, Any]]:
    """``find_duplicates`` in this process."""
    workdir = WORKDIR_PREFIX + "mhds_inline"
    shards = [(key, _reader(store, key)) for key in keys]
    result = find_duplicates(store, workdir, shards, config, FAMILY_PRIORITY)
    info = {
        "stats": msgspec.to_builtins(result.stats),
        "workdir_bytes": _tree_bytes(store, workdir),
    }
    clear_workdir(store, workdir)
    return _mhds_pairs(result.decisions.values()), info


def detect_mhds_pool(
    store: LocalStore, keys: list[str], docs: int, config: DedupConfig
) -> tuple[IntArray, dict[str, Any]]:
    """The phases on a 2-process spawn pool, one phase after the other; cluster here."""
    workdir = WORKDIR_PREFIX + "mhds_pool2"
    phases: dict[str, float] = {}
    clock = time.perf_counter()
    clear_workdir(store, workdir)
    buckets = list(range(config.buckets))
    with _pool() as pool:
        _ = list(pool.map(_noop, range(WORKERS)))  # started and imported: timed apart
        clock = _lap(phases, "pool_start", clock)
        units = [(store, workdir, key, config) for key in keys]
        list(pool.map(_map_unit, units))
        clock = _lap(phases, "map", clock)
        list(pool.map(_reduce_unit, [(store, workdir, b, config) for b in buckets]))
        clock = _lap(phases, "reduce", clock)
        parts = range(config.partitions)
        list(pool.map(_verify_unit, [(store, workdir, p, config) for p in parts]))
        clock = _lap(phases, "verify", clock)
    result = cluster(store, workdir, config, FAMILY_PRIORITY)
    _lap(phases, "cluster", clock)
    info = {
        "phases_s": phases,
        "stats": msgspec.to_builtins(result.stats),
        "workdir_bytes": _tree_bytes(store, workdir),
    }
    clear_workdir(store, workdir)
    return _mhds_pairs(result.decisions.values()), info


def detect_datasketch(
    store: LocalStore, keys: list[str], docs: int, config: DedupConfig, hashfunc: str = "sha1"
) -> tuple[IntArray, dict[str, Any]]:
    """datasketch in this process: signatures, then query-then-insert, per document."""
    index = _DatasketchIndex(docs, config)
    perms = _permutations(config)
    clock = time.perf_counter()
    sign_s = 0.0
    for key in keys:
        for record in iter_records(store, key):
            start = time.perf_counter()
            values = _signature(record, config, perms, hashfunc)
            sign_s += time.perf_counter() - start
            index.add(_doc_index(record), values)
    phases = {"signatures": sign_s, "lsh_and_verify": time.perf_counter() - clock - sign_s}
    return index.finish(phases)


def detect_datasketch_pool(
    store: LocalStore, keys: list[str], docs: int, config: DedupConfig, hashfunc: str = "sha1"
) -> tuple[IntArray, dict[str, Any]]:
    """datasketch with signatures on a 2-process pool, LSH query-then-insert here."""
    index = _DatasketchIndex(docs, config)
    with _pool() as pool:
        list(pool.map(_noop, range(WORKERS)))
        clock = time.perf_counter()
        units = [(store, key, config, hashfunc) for key in keys]
        for rows, sigs in pool.map(_datasketch_shard, units):
            for row, values in zip(rows.tolist(), sigs, strict=True):
                index.add(row, values)
    return index.finish({"signatures_and_lsh": time.perf_counter() - clock})


class _DatasketchIndex:
    """MinHashLSH plus the signatures kept for verification (a preallocated uint32 array)."""

    def __init__(self, docs: int, config: DedupConfig) -> None:
        from datasketch import LeanMinHash, MinHashLSH

        self.config = config
        self.lean = LeanMinHash
        self.lsh = MinHashLSH(
            threshold=config.threshold,
            num_perm=config.num_perm,
            params=(config.bands, config.rows),
        )
        self.sigs = np.zeros((docs, config.num_perm), dtype=np.uint32)
        # Same rule as mhds: estimates are multiples of 1/num_perm, compared with an epsilon.
        self.need = int(np.ceil((config.threshold - 1e-9) * config.num_perm))
        self.left: list[int] = []
        self.right: list[int] = []
        self.candidates = 0
        self.empty = 0

    def add(self, row: int, values: npt.NDArray[np.uint32] | None) -> None:
        """Query the index with a document's signature, verify, then insert it."""
        if values is None:
            self.empty += 1  # no shingles: not indexed (mhds skips empty texts too)
            return
        sketch = self.lean(seed=1, hashvalues=values, scheme="affine32")
        self.sigs[row] = values
        for other in self.lsh.query(sketch):
            self.candidates += 1
            if np.count_nonzero(self.sigs[other] == values) >= self.need:
                self.left.append(other)
                self.right.append(row)
        self.lsh.insert(row, sketch, check_duplication=False)

    def finish(self, phases: dict[str, float]) -> tuple[IntArray, dict[str, Any]]:
        """Union-find over the verified pairs; each cluster's smallest index survives."""
        clock = time.perf_counter()
        left = np.array(self.left, dtype=np.int64)
        right = np.array(self.right, dtype=np.int64)
        pairs = _cluster_pairs(left, right)
        phases["cluster"] = time.perf_counter() - clock
        info = {
            "phases_s": phases,
            "stats": {
                "candidate_pairs": self.candidates,
                "verified_pairs": len(left),
                "empty_texts": self.empty,
                "duplicates": len(pairs),
            },
        }
        return pairs, info


def shingle_bytes(text: str, k: int) -> list[bytes]:
    """The word ``k``-shingles of a normalised text as bytes (mhds's windows, unhashed)."""
    words = text.encode("utf-8").split()
    if len(words) < k:
        return [b" ".join(words)] if words else []
    return [b" ".join(words[i : i + k]) for i in range(len(words) - k + 1)]


def _signature(
    record: Record, config: DedupConfig, perms: Any, hashfunc: str
) -> npt.NDArray[np.uint32] | None:
    from datasketch import MinHash

    shingles = shingle_bytes(normalise_text(record), config.shingle_size)
    if not shingles:
        return None
    sketch = MinHash(
        num_perm=config.num_perm,
        permutations=perms,
        scheme="affine32",
        hashfunc=HASHFUNCS[hashfunc],
    )
    sketch.update_batch(shingles)
    values: npt.NDArray[np.uint32] = sketch.hashvalues
    return values


def _permutations(config: DedupConfig) -> Any:
    """datasketch's own permutations for its default seed, built once and shared."""
    from datasketch import MinHash

    return MinHash(num_perm=config.num_perm).permutations


def _datasketch_shard(
    unit: tuple[LocalStore, str, DedupConfig, str],
) -> tuple[IntArray, list[npt.NDArray[np.uint32] | None]]:
    store, key, config, hashfunc = unit
    perms = _permutations(config)
    rows: list[int] = []
    sigs: list[npt.NDArray[np.uint32] | None] = []
    for record in iter_records(store, key):
        rows.append(_doc_index(record))
        sigs.append(_signature(record, config, perms, hashfunc))
    return np.array(rows, dtype=np.int64), sigs


def _cluster_pairs(left: IntArray, right: IntArray) -> IntArray:
    """``(member, survivor)`` for every member of the components of the pair graph."""
    if not len(left):
        return np.empty((0, 2), dtype=np.int64)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, inverse = np.unique(np.concatenate((left, right)), return_inverse=True)
    n = len(nodes)
    graph = coo_matrix((np.ones(len(left)), (inverse[: len(left)], inverse[len(left) :])), (n, n))
    _, labels = connected_components(graph, directed=False)
    survivor = np.full(labels.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(survivor, labels, nodes)
    member = nodes != survivor[labels]
    return np.stack((nodes[member], survivor[labels][member]), axis=1)


def _mhds_pairs(decisions: Any) -> IntArray:
    pairs = [(index_of(d.id), index_of(d.survivor_id)) for d in decisions if d.is_duplicate]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _reader(store: Store, key: str) -> Callable[[], Iterator[Record]]:
    return lambda: iter_records(store, key)


def _doc_index(record: Record) -> int:
    return index_of(record.metadata.id)


def _pool() -> Executor:
    return ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))


def _noop(_: int) -> int:
    return os.getpid()


def _map_unit(unit: tuple[LocalStore, str, str, DedupConfig]) -> int:
    store, workdir, key, config = unit
    return map_shard(store, workdir, key, iter_records(store, key), config).records


def _reduce_unit(unit: tuple[LocalStore, str, int, DedupConfig]) -> int:
    store, workdir, bucket, config = unit
    return reduce_bucket(store, workdir, bucket, config).candidates


def _verify_unit(unit: tuple[LocalStore, str, int, DedupConfig]) -> int:
    store, workdir, part, config = unit
    return verify_partition(store, workdir, part, config).verified


def _lap(phases: dict[str, float], name: str, clock: float) -> float:
    now = time.perf_counter()
    phases[name] = now - clock
    return now


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_bytes(store: LocalStore, workdir: str) -> int:
    return sum(info.size for info in store.list(workdir + "/"))


DETECTORS: dict[str, Detector] = {
    "mhds_pool2": detect_mhds_pool,
    "mhds_inline": detect_mhds_inline,
    "datasketch": detect_datasketch,
    "datasketch_pool2": detect_datasketch_pool,
    "datasketch_xxh32": partial(detect_datasketch, hashfunc="xxh32"),
    "datasketch_xxh32_pool2": partial(detect_datasketch_pool, hashfunc="xxh32"),
}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", required=True, choices=ENGINES)
    parser.add_argument("--corpus", required=True, help="folder holding manifest.json + shards")
    parser.add_argument("--out", required=True, help="folder for pairs.npy and report.json")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
