"""Releases: versioned, immutable, verifiable sets of shards with a manifest and a curriculum."""

from __future__ import annotations

from mhds.gates.distribution import count_tokens as estimate_record_tokens
from mhds.gates.distribution import estimate_tokens
from mhds.release.curriculum import (
    Curriculum,
    CurriculumPhase,
    build_curriculum,
    curriculum_yaml,
    load_curriculum,
)
from mhds.release.manifest import (
    FileEntry,
    Manifest,
    ShardEntry,
    SplitCount,
    content_digest,
    load_manifest,
    manifest_bytes,
    manifest_digest_without,
    read_manifest,
)
from mhds.release.publish import ReleaseExistsError, ReleaseWriter, gc_releases
from mhds.release.reader import ReleaseReader, ReleaseSealError, ShardIntegrityError
from mhds.release.verify import Problem, ProblemCode, VerifyReport, verify_release
from mhds.release.version import (
    AUDIT_NAME,
    CURRICULUM_NAME,
    MANIFEST_NAME,
    ReleaseError,
    ReleaseNotFoundError,
    format_version,
    latest_version,
    list_unpublished,
    list_versions,
    next_version,
    parse_version,
    release_prefix,
)

__all__ = [
    "AUDIT_NAME",
    "CURRICULUM_NAME",
    "MANIFEST_NAME",
    "Curriculum",
    "CurriculumPhase",
    "FileEntry",
    "Manifest",
    "Problem",
    "ProblemCode",
    "ReleaseError",
    "ReleaseExistsError",
    "ReleaseNotFoundError",
    "ReleaseReader",
    "ReleaseSealError",
    "ReleaseWriter",
    "ShardEntry",
    "ShardIntegrityError",
    "SplitCount",
    "VerifyReport",
    "build_curriculum",
    "curriculum_yaml",
    "content_digest",
    "estimate_record_tokens",
    "estimate_tokens",
    "format_version",
    "gc_releases",
    "latest_version",
    "list_unpublished",
    "list_versions",
    "load_curriculum",
    "load_manifest",
    "manifest_bytes",
    "manifest_digest_without",
    "next_version",
    "parse_version",
    "read_manifest",
    "release_prefix",
    "verify_release",
]
