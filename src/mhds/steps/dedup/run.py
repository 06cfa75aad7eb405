"""Run every phase in this process, in order: the reference driver for executors.

Map units are shards, reduce units buckets and verify units partitions; units of one phase are
independent, so an executor may run them in any order and in parallel, then go on to the next
phase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.dedup.cluster import DedupResult, cluster
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import clear_workdir
from mhds.steps.dedup.near import map_shard, reduce_bucket, verify_partition
from mhds.store.base import Store

ShardSource = tuple[str, Callable[[], Iterable[Record]]]


# Added to the priority of every family that is not test-only: a held-out record is kept over
# any training family's near copy, so held-out text never survives in training data while its
# holdout record is dropped.
TRAINING_OFFSET = 1 << 24  # above any family priority (|priority| <= 1,000,000)


def family_priorities(registry: Registry) -> dict[str, int]:
    """Each registry family's keep priority (lower wins): test-only (holdout) families first,
    then the registry's ``priority``."""
    return {
        family.name: family.priority + (0 if family.holdout == "test_only" else TRAINING_OFFSET)
        for family in registry.families
    }


def find_duplicates(
    store: Store,
    workdir: str,
    shards: Sequence[ShardSource],
    config: DedupConfig | None = None,
    family_priority: Mapping[str, int] | None = None,
) -> DedupResult:
    """Find exact and near duplicates across ``shards`` and decide what to keep.

    Args:
        store: where the phases exchange their files.
        workdir: a prefix of its own per build (``work/<build-id>/dedup``); cleared first.
        shards: ``(shard_id, read)`` pairs; ``read()`` yields the shard's records.
        config: the dedup configuration (defaults when omitted).
        family_priority: family name -> keep priority, lower wins (see ``family_priorities``).
    """
    config = config or DedupConfig()
    clear_workdir(store, workdir)
    for shard_id, read in shards:
        map_shard(store, workdir, shard_id, read(), config)
    for bucket in range(config.buckets):
        reduce_bucket(store, workdir, bucket, config)
    if config.near:
        for part in range(config.partitions):
            verify_partition(store, workdir, part, config)
    return cluster(store, workdir, config, family_priority or {})
