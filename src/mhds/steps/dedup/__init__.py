"""De-duplication: exact (content hash) and near (MinHash + LSH) duplicates across families,
clustered with union-find and resolved by a documented keep rule. Phases exchange data through
a store, so the same code runs in one process, on a process pool or on Dask."""

from mhds.steps.dedup.apply import (
    Deduplicator,
    DedupReason,
    apply_decisions,
    load_decisions,
    to_outcome,
)
from mhds.steps.dedup.cluster import (
    UNKNOWN_PRIORITY,
    DedupResult,
    DedupStats,
    DuplicateDecision,
    Member,
    UnionFind,
    choose_survivor,
    cluster,
    keep_key,
)
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import ShardSummary, clear_workdir, shard_number
from mhds.steps.dedup.minhash import (
    HASH_SPEC,
    band_keys,
    estimate_jaccard,
    exact_jaccard,
    normalise_text,
    shingles,
    signatures,
)
from mhds.steps.dedup.near import (
    BucketSummary,
    PartitionSummary,
    map_shard,
    reduce_bucket,
    verify_partition,
)
from mhds.steps.dedup.run import ShardSource, family_priorities, find_duplicates

__all__ = [
    "HASH_SPEC",
    "UNKNOWN_PRIORITY",
    "BucketSummary",
    "DedupConfig",
    "DedupReason",
    "DedupResult",
    "DedupStats",
    "Deduplicator",
    "DuplicateDecision",
    "Member",
    "PartitionSummary",
    "ShardSource",
    "ShardSummary",
    "UnionFind",
    "apply_decisions",
    "band_keys",
    "choose_survivor",
    "clear_workdir",
    "cluster",
    "estimate_jaccard",
    "exact_jaccard",
    "family_priorities",
    "find_duplicates",
    "keep_key",
    "load_decisions",
    "map_shard",
    "normalise_text",
    "reduce_bucket",
    "shard_number",
    "shingles",
    "signatures",
    "to_outcome",
    "verify_partition",
]
