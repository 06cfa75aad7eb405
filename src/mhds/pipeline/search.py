"""The build's duplicate search, run once: over every record that can ship, with both kinds
(exact and near) on whatever the de-duplication switches say. De-duplication clusters its
edges by those switches; the pairs kept in one split and the leakage gate reuse the same
edges (``mhds.steps.dedup.reuse``), and the leakage gate searches only a previous release's
records against them. The searches run the map / shuffle / reduce units (``mhds.steps.dedup``)
on the build's executor. A build that reuses earlier work keeps its search in one folder
from build to build (``KEPT_SEARCH``): only new shards are hashed, and only the pairs the last
search did not check are verified (``mhds.steps.dedup.prior``). Everything else goes in
scratch folders under the build's work folder, cleared when the build ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass
from typing import Any

from mhds.engine.base import Executor
from mhds.errors import ConfigError, MhdsError, ObjectNotFoundError
from mhds.ingest.processed import iter_shard_records
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.units import DedupUnit, run_dedup_unit
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.dedup.cluster import DedupResult, cluster
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import BASE_CODES, clear_workdir, save_array, shard_number
from mhds.steps.dedup.near import dedup_spec
from mhds.steps.dedup.prior import NO_GENERATIONS, Generations, clear_outputs, commit, prepare
from mhds.steps.dedup.reuse import Graph, base_codes, load_graph
from mhds.steps.dedup.run import family_priorities
from mhds.store.base import Store
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

# The build's progress callback: (stage, units or records done, total when known).
Progress = Callable[[str, int, int | None], None]


# The build's search, under its work folder (a build from scratch), or kept from build to
# build (a build that reuses earlier work).
SEARCH = "dedup"
KEPT_SEARCH = "work/search"


@dataclass(frozen=True)
class Where:
    """Where a build's searches live.

    Attributes:
        work: the build's work folder (its scratch searches: ``links/``, ``leakage/``).
        search: the folder of its duplicate search (``searches_of``).
    """

    work: str
    search: str


def searches_of(work: str, reuse: bool) -> Where:
    """Where a build's searches live: its duplicate search in ``KEPT_SEARCH`` when the build
    reuses earlier work, else in ``<work>/dedup``."""
    return Where(work, KEPT_SEARCH if reuse else join_key(work, SEARCH))


def shard_ids(staged: list[str]) -> list[str]:
    """The search's name for each staged shard: its key (a staged key hashes the shard's
    content, so the name does not depend on the shard's place in the build), with ``#n``
    added, in key order, where two keys' shard numbers would collide."""
    taken: set[int] = set()
    names: dict[str, str] = {}
    for staged_key in sorted(set(staged)):
        name, n = staged_key, 0
        while shard_number(name) in taken:
            n += 1
            name = f"{staged_key}#{n}"
        taken.add(shard_number(name))
        names[staged_key] = name
    return [names[k] for k in staged]


def search_duplicates(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    staged: list[str],
    search: str,
    tick: Progress,
    incumbents: Set[str] = frozenset(),
) -> DedupResult:
    """The build's one duplicate search, over ``staged`` in ``search`` (``searches_of``),
    then the de-duplication decisions: the clusters of the kinds ``config.dedup`` switches
    on, with the previous release's records (``incumbents``), then the registry's family
    priorities deciding which member survives. Progress goes to ``tick`` as
    ``dedup: <phase>``.

    In ``KEPT_SEARCH`` the shards mapped by the last search are not hashed again and the
    pairs it checked are not verified again (``mhds.steps.dedup.prior``); elsewhere the
    folder is cleared first. Either way the pairs and decisions are those of a search from
    scratch."""
    cfg = search_config(config).dedup
    ids, spec = shard_ids(staged), dedup_spec(cfg)
    key_of = dict(zip(ids, staged, strict=True))
    to_map, pairs_of = ids, NO_GENERATIONS
    if search == KEPT_SEARCH:
        prepared = prepare(store, search, ids, spec, cfg.threshold)
        to_map, pairs_of = prepared.to_map, Generations(prepared.prior, uuid.uuid4().hex[:16])
    else:
        clear_workdir(store, search)
    units = [
        ("map", _maps(store, search, cfg, to_map, [key_of[i] for i in to_map])),
        ("reduce", _numbered_units(store, search, "reduce", cfg, pairs_of, cfg.buckets)),
        ("verify", _numbered_units(store, search, "verify", cfg, pairs_of, cfg.partitions)),
    ]
    _run(executor, SEARCH, units, tick)
    if pairs_of.current:
        commit(store, search, ids, pairs_of.current, pairs_of.prior, spec, cfg.threshold)
    return cluster(store, search, config.dedup, family_priorities(registry), incumbents)


def search_against(
    store: Store,
    config: BuildConfig,
    executor: Executor,
    shards: list[str],
    shipped: Callable[[str], bool],
    where: Where,
    tick: Progress,
) -> Graph:
    """The records of ``shards`` searched against the build's search (``where.search``), in
    ``<where.work>/leakage/``:
    their pairs among themselves and with the searched records that ``shipped`` accepts (by
    id); the pairs among those are the build's and are not searched again.

    Raises:
        ConfigError: a shard's number is one of the build's search's (rename it).
    """
    cfg = search_config(config).dedup
    base, workdir = where.search, join_key(where.work, "leakage")
    base_shards = _start(store, base, workdir, shipped)
    ids = [f"against-{n:05d}" for n in range(len(shards))]
    if {shard_number(i) for i in base_shards} & {shard_number(i) for i in ids}:
        raise ConfigError("a shard searched against the build shares a shard number with it")
    buckets = range(cfg.buckets)
    units = [
        ("map", _maps(store, workdir, cfg, ids, shards)),
        ("reduce", [_unit(store, workdir, "reduce", cfg, bucket=b, base=base) for b in buckets]),
        ("verify", _verifies(store, workdir, cfg, base)),
    ]
    _run(executor, "leakage", units, tick)
    return load_graph(store, workdir, cfg, also=base)


def search_within(
    store: Store,
    config: BuildConfig,
    executor: Executor,
    kept: Callable[[str], bool],
    where: Where,
    tick: Progress,
) -> Graph:
    """The duplicate graph among the records of the build's search (``where.search``) that
    ``kept`` accepts (by id), as a search of only those records would find it
    (``reduce_within``), without hashing them again: the search's own pairs among them, plus
    its long band runs tried again on them in ``<where.work>/links/``. Progress:
    ``links: <phase>``."""
    cfg = search_config(config).dedup
    base, workdir = where.search, join_key(where.work, "links")
    _start(store, base, workdir, kept)
    buckets = range(cfg.buckets)
    units = [
        ("reduce", [_unit(store, workdir, "within", cfg, bucket=b, base=base) for b in buckets]),
        ("verify", _verifies(store, workdir, cfg, base)),
    ]
    _run(executor, "links", units, tick)
    graph = load_graph(store, base, cfg).restrict(kept)
    return graph.merge(load_graph(store, workdir, cfg, also=base))


def shipped_duplicates(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    shipped: Callable[[str], bool],
    survivors: Graph | None,
    previous: list[str],
    where: Where,
    tick: Progress,
) -> DedupResult:
    """The duplicate clusters among the records that ``shipped`` accepts (by id) and the
    records of ``previous`` (a previous release's, that this build does not have): the graph
    among the survivors (``survivors``, from the links; searched within the shipped records
    when there are none), restricted to the shipped records, plus ``previous`` searched
    against the build's search."""
    if survivors is None:
        survivors = search_within(store, config, executor, shipped, where, tick)
    graph = survivors.restrict(shipped)
    if previous:
        graph = graph.merge(search_against(store, config, executor, previous, shipped, where, tick))
    return graph.decide(family_priorities(registry))


def kept_together(
    store: Store,
    config: BuildConfig,
    executor: Executor,
    where: Where,
    dedup: DedupResult,
    tick: Progress,
) -> Graph:
    """The duplicate graph among the records that survived de-duplication (both kinds,
    whatever its switches say): each of its clusters shares one split."""
    return search_within(store, config, executor, lambda i: not dedup.is_duplicate(i), where, tick)


def _start(store: Store, base: str, workdir: str, keep: Callable[[str], bool]) -> list[str]:
    """Clear ``workdir`` for a search against or within ``base``, list there the base's
    records that take part (``keep``), and return the base's shard ids."""
    known, base_shards = base_codes(store, base, keep)
    clear_workdir(store, workdir)
    save_array(store, join_key(workdir, BASE_CODES), known)
    return base_shards


def _unit(store: Store, workdir: str, phase: str, cfg: DedupConfig, **where: Any) -> DedupUnit:
    return DedupUnit(store, workdir, phase, cfg, **where)


def _maps(
    store: Store, workdir: str, cfg: DedupConfig, ids: list[str], shards: list[str]
) -> list[DedupUnit]:
    """Map units: one per shard, named by ``ids``."""
    return [
        _unit(store, workdir, "map", cfg, shard_id=i, shard_key=k)
        for i, k in zip(ids, shards, strict=True)
    ]


def _numbered_units(
    store: Store, workdir: str, phase: str, cfg: DedupConfig, pairs_of: Generations, count: int
) -> list[DedupUnit]:
    """One unit of ``phase`` per bucket or partition below ``count``, with the pair
    generations it reads and writes."""
    return [_unit(store, workdir, phase, cfg, bucket=b, pairs_of=pairs_of) for b in range(count)]


def _verifies(store: Store, workdir: str, cfg: DedupConfig, base: str) -> list[DedupUnit]:
    """Verify units: one per partition, for a search against or within ``base``."""
    return [
        _unit(store, workdir, "verify", cfg, bucket=p, base=base) for p in range(cfg.partitions)
    ]


def _run(
    executor: Executor, name: str, phases: list[tuple[str, list[DedupUnit]]], tick: Progress
) -> None:
    """Each phase's units on the executor, phase after phase. Progress: ``<name>: <phase>``."""
    for phase, units in phases:
        stage, total = f"{name}: {phase}", len(units)
        executor.map(run_dedup_unit, units, on_done=lambda n: tick(stage, n, total))  # noqa: B023


def survivors_of(store: Store, staged: list[str], dedup: DedupResult) -> Iterator[Record]:
    """The records of the staged shards that de-duplication kept, in order: what the splits
    read (the compile reads the staged shards itself, to count what it leaves out)."""
    for key in staged:
        for record in iter_shard_records(store, key):
            if not dedup.is_duplicate(record.metadata.id):
                yield record


# Work folders a finished build no longer needs (``stage/`` stays: a rebuild of the same
# inputs and config reuses its redacted shards).
# (``links.done.json``: the marker of the links search of builds before the one search;
# ``survivors/``: the copies of the staged shards without their duplicates that builds made
# before the splits and the compile read the staged shards themselves)
SCRATCH = ("dedup", "links", "leakage", "survivors", "previous-only")
# Done markers of the whole-corpus phases, in the work folder: a build killed after one of
# them resumes after it. Cleared with the scratch folders (markers first).
DEDUP_DONE = "dedup.done.json"
LINKS_DONE = "links.done.json"


def clear_scratch(store: Store, where: Where) -> None:
    """Remove the de-duplication, link and leakage work of a build that has ended (published
    or stopped by a gate): at a million conversations it is tens of GB. A kept search keeps
    its maps and pairs. Best effort: a store error here is logged and must not hide how the
    build ended (the next build of the same inputs clears these folders before it uses
    them)."""
    work = where.work
    try:
        for marker in (DEDUP_DONE, LINKS_DONE):
            store.delete(join_key(work, marker))
        for name in SCRATCH:
            clear_workdir(store, join_key(work, name))
        if where.search == KEPT_SEARCH:
            clear_outputs(store, where.search)
    except MhdsError as exc:
        log.warning("scratch work under %s was not removed: %s", work, type(exc).__name__)


def write_done(store: Store, marker: str, inputs: str, **state: Any) -> None:
    """Mark a whole-corpus phase done for the staged shards ``inputs`` names (a digest)."""
    store.write_bytes(marker, codec.dumps({"inputs": inputs, **state}, indent=True))


def read_done(store: Store, marker: str, inputs: str) -> dict[str, Any] | None:
    """The state a phase's done marker recorded, when it is there and names the same staged
    shards (``inputs``); None means: run the phase. A marker whose work is gone is ignored
    (``survivors``: the copies a marker of an earlier build names)."""
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
