"""Picklable work units for the dedup phases (one shard or one bucket each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mhds.ingest.processed import iter_shard_records
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.near import (
    map_shard,
    reduce_bucket,
    reduce_within,
    verify_partition,
)
from mhds.steps.dedup.prior import NO_GENERATIONS, Generations
from mhds.store.base import Store


@dataclass(frozen=True)
class DedupUnit:
    """One dedup work unit: a phase, and the shard or bucket it covers."""

    store: Store
    workdir: str
    phase: str  # map | reduce | within | verify
    config: DedupConfig
    shard_id: str = ""
    shard_key: str = ""
    bucket: int = 0  # reduce, within: the bucket; verify: the partition
    # reduce, within, verify: the workdir of the search this one runs against or within,
    # where its shards were mapped (see ``mhds.steps.dedup.reuse``)
    base: str = ""
    # reduce, verify: the pair generations of a search kept from build to build
    pairs_of: Generations = NO_GENERATIONS

    def __str__(self) -> str:
        return f"dedup {self.phase} {self.shard_id or self.bucket}"


def run_dedup_unit(unit: DedupUnit) -> Any:
    """Run one unit of one dedup phase."""
    if unit.phase == "map":
        records = iter_shard_records(unit.store, unit.shard_key)
        return map_shard(unit.store, unit.workdir, unit.shard_id, records, unit.config)
    if unit.phase == "reduce":
        return reduce_bucket(
            unit.store, unit.workdir, unit.bucket, unit.config, unit.base, unit.pairs_of
        )
    if unit.phase == "within":
        return reduce_within(unit.store, unit.workdir, unit.bucket, unit.config, unit.base)
    return verify_partition(
        unit.store, unit.workdir, unit.bucket, unit.config, unit.pairs_of, unit.base
    )
