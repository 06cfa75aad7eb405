"""Ingest: registry sources in the store -> canonical records in processed/ shards."""

from __future__ import annotations

from mhds.ingest.config import IngestConfig
from mhds.ingest.run import (
    IngestResult,
    IngestRun,
    ingest_source,
    ingest_sources,
    ingestible_sources,
    select_objects,
)
from mhds.store.limits import ReadLimits

__all__ = [
    "IngestConfig",
    "IngestResult",
    "IngestRun",
    "ReadLimits",
    "ingest_source",
    "ingest_sources",
    "ingestible_sources",
    "select_objects",
]
