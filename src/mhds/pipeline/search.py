"""The build's duplicate searches: de-duplication, the search over the survivors that links
pairs into one split, and the leakage gate's search over the compiled release. All three run
the same map / shuffle / reduce units (``mhds.steps.dedup``) on the build's executor, in
scratch folders under the build's work folder that are cleared when the build ends."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from mhds.engine.base import Executor
from mhds.errors import MhdsError, ObjectNotFoundError
from mhds.ingest.processed import iter_shard_records
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.units import DedupUnit, run_dedup_unit
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.dedup.cluster import DedupResult, cluster
from mhds.steps.dedup.layout import clear_workdir
from mhds.steps.dedup.run import family_priorities
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

# The build's progress callback: (stage, units or records done, total when known).
Progress = Callable[[str, int, int | None], None]


def search_duplicates(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    staged: list[str],
    work: str,
    name: str,
    tick: Progress,
) -> DedupResult:
    """One duplicate search, ``name`` (``dedup``, ``links``, ``leakage``), over ``staged`` in
    ``<work>/<name>/`` (cleared first): map per shard, reduce per bucket, fetch and verify
    near candidates, then cluster with the registry's family priorities deciding which
    member survives. Progress goes to ``tick`` as ``<name>: <phase>``."""
    cfg = config.dedup
    workdir = join_key(work, name)
    clear_workdir(store, workdir)
    shard_units = [
        DedupUnit(store, workdir, "map", cfg, shard_id=f"{n:05d}", shard_key=key)
        for n, key in enumerate(staged)
    ]
    phases = [
        ("map", shard_units),
        (
            "reduce",
            [DedupUnit(store, workdir, "reduce", cfg, bucket=b) for b in range(cfg.buckets)],
        ),
    ]
    if cfg.near:
        fetch = [DedupUnit(store, workdir, "fetch", cfg, shard_id=u.shard_id) for u in shard_units]
        verify = [DedupUnit(store, workdir, "verify", cfg, bucket=b) for b in range(cfg.buckets)]
        phases += [("fetch", fetch), ("verify", verify)]
    for phase, units in phases:
        stage, total = f"{name}: {phase}", len(units)
        executor.map(run_dedup_unit, units, on_done=lambda n: tick(stage, n, total))  # noqa: B023
    return cluster(store, workdir, cfg, family_priorities(registry))


def write_survivors(
    store: Store, staged: list[str], dedup: DedupResult, folder: str
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Copy each staged shard without its duplicates into ``folder`` (one shard each): what
    the link search, the splits and the compile read. Returns the survivor shards and the
    records removed per source, by kind (exact, near), for the funnel."""
    kinds = {d.id: d.kind for d in dedup.duplicates()}
    survivors: list[str] = []
    removed: dict[str, Counter[str]] = {}
    for n, key in enumerate(staged):
        out = join_key(folder, f"part-{n:05d}.jsonl.zst")
        with JsonlWriter(store, out) as writer:
            for record in iter_shard_records(store, key):
                kind = kinds.get(record.metadata.id)
                if kind is None:
                    writer.write_line(record.to_json())
                else:
                    removed.setdefault(record.metadata.source_id, Counter())[kind] += 1
        survivors.append(out)
    return survivors, {source: dict(counts) for source, counts in sorted(removed.items())}


# Work folders a finished build no longer needs (``stage/`` stays: a rebuild of the same
# inputs and config reuses its redacted shards).
SCRATCH = ("dedup", "links", "leakage", "survivors", "previous-only")
# Done markers of the whole-corpus phases, in the work folder: a build killed after one of
# them resumes after it. Cleared with the scratch folders (markers first).
DEDUP_DONE = "dedup.done.json"
LINKS_DONE = "links.done.json"


def clear_scratch(store: Store, work: str) -> None:
    """Remove the de-duplication, link and leakage work of a build that has ended (published
    or stopped by a gate): at a million conversations it is tens of GB. Best effort: a store
    error here is logged and must not hide how the build ended (the next build of the same
    inputs clears these folders before it uses them)."""
    try:
        for marker in (DEDUP_DONE, LINKS_DONE):
            store.delete(join_key(work, marker))
        for name in SCRATCH:
            clear_workdir(store, join_key(work, name))
    except MhdsError as exc:
        log.warning("scratch work under %s was not removed: %s", work, type(exc).__name__)


def write_done(store: Store, marker: str, inputs: str, **state: Any) -> None:
    """Mark a whole-corpus phase done for the staged shards ``inputs`` names (a digest)."""
    store.write_bytes(marker, codec.dumps({"inputs": inputs, **state}, indent=True))


def read_done(store: Store, marker: str, inputs: str) -> dict[str, Any] | None:
    """The state a phase's done marker recorded, when it is there and names the same staged
    shards (``inputs``); None means: run the phase. A marker whose work is gone is ignored."""
    if not inputs:
        return None
    try:
        done = codec.loads(store.read_bytes(marker))
    except (ObjectNotFoundError, codec.DecodeError):
        return None
    if not isinstance(done, dict) or done.get("inputs") != inputs:
        return None
    survivors = done.get("survivors", [])
    if not all(isinstance(k, str) and store.exists(k) for k in survivors):
        return None
    return done


def search_config(config: BuildConfig) -> BuildConfig:
    """The build config with both duplicate kinds on: the search after de-duplication and the
    leakage gate's look for it use this one, whatever the de-duplication switches say."""
    dedup = config.dedup.model_copy(update={"exact": True, "near": True})
    return config.model_copy(update={"dedup": dedup})


def records_of(store: Store, shards: list[str]) -> Iterator[Record]:
    """Every record of ``shards``, in order."""
    for key in shards:
        yield from iter_shard_records(store, key)
