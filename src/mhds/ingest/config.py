"""Ingest configuration: everything that can change ingest output, typed and hashed."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mhds import __version__
from mhds.records.codec import canonical_json
from mhds.records.hashing import HASH_VERSION
from mhds.store.limits import ReadLimits
from mhds.store.streams import WORK_ZSTD_LEVEL


class IngestConfig(BaseModel):
    """How ``mhds ingest`` reads sources and writes processed shards."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    records_per_shard: int = Field(50_000, ge=1, description="Records per processed shard.")
    zstd_level: int = Field(
        WORK_ZSTD_LEVEL,
        ge=1,
        le=19,
        description="zstd level of processed shards (3: fast; 9 and above: smaller, slower). "
        "Not part of the config hash: it changes no record.",
    )
    allow_pending: bool = Field(
        False,
        description="Also ingest sources whose approval is 'pending' (never 'rejected'). "
        "Their records still cannot pass the release gates.",
    )
    limits: ReadLimits = Field(
        default_factory=ReadLimits,
        description="Bounds on each input object, checked while streaming: line (CSV row, "
        "JSON item, text object) length, size after decompression, compression ratio. What "
        "breaks one is quarantined with the limit it broke; memory stays bounded.",
    )


def config_hash(*parts: Any) -> str:
    """``sha256:`` over the canonical JSON of ``parts`` plus the code and hash versions."""
    payload = canonical_json(
        {"mhds": __version__, "hash_version": HASH_VERSION, "parts": list(parts)}
    )
    return "sha256:" + hashlib.sha256(payload).hexdigest()
