"""The release manifest: what a release holds, how to check it, and how it was made.

The manifest is written last and once; a release without one does not exist. Its bytes are
canonical (sorted keys, two-space indent, one trailing newline). Two builds of the same input
and config hold the same data: their ``content_digest`` is equal and so is every field it
covers. Fields that describe the run differ: ``version`` and ``created``, the audit log (entry
times, build id) with ``audit_head`` and its file entry, and, when the builds compared
themselves to different previous releases, ``previous_release`` and the gate results' drift
and leakage evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mhds.errors import ObjectNotFoundError
from mhds.records import codec
from mhds.records.schema import Split
from mhds.release.version import (
    AUDIT_NAME,
    MANIFEST_NAME,
    VERSION_PATTERN,
    ReleaseError,
    ReleaseNotFoundError,
    normalize_prefix,
)
from mhds.store.base import Store

SCHEMA_VERSION: Literal[1] = 1
SPLIT_ORDER: tuple[Split, ...] = ("train", "val", "test")
_SHA256_PATTERN = r"^[0-9a-f]{64}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShardEntry(_Frozen):
    """One data shard of a release."""

    key: str = Field(description="Key relative to the release folder (data/<split>/part-...).")
    sha256: str = Field(pattern=_SHA256_PATTERN, description="Hex sha256 of the stored bytes.")
    bytes: int = Field(ge=0, description="Stored (compressed) size in bytes.")
    records: int = Field(ge=0, description="Number of records (lines).")
    families: tuple[str, ...] = Field(description="Families present in the shard, sorted.")
    split: Split = Field(description="The split every record of the shard belongs to.")

    @model_validator(mode="after")
    def _key_in_split_folder(self) -> ShardEntry:
        if not self.key.startswith(f"data/{self.split}/"):
            raise ValueError(f"shard key {self.key!r} is not under data/{self.split}/")
        return self


class FileEntry(_Frozen):
    """One non-data object of a release (curriculum, report, audit log)."""

    key: str = Field(description="Key relative to the release folder.")
    sha256: str = Field(pattern=_SHA256_PATTERN, description="Hex sha256 of the stored bytes.")
    bytes: int = Field(ge=0, description="Size in bytes.")


class SplitCount(_Frozen):
    """Records and estimated tokens of one family in one split."""

    records: int = Field(ge=0, description="Number of records.")
    tokens_estimate: int = Field(ge=0, description="Sum of estimate_tokens over message texts.")


Counts = dict[str, dict[str, SplitCount]]


class Manifest(_Frozen):
    """Everything a consumer needs to find, check and trust a release."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Manifest schema version.")
    version: str = Field(pattern=VERSION_PATTERN, description="Release version.")
    created: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
        description="Creation time, ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ).",
    )
    code_version: str = Field(description="mhds version (and commit) that built it.")
    registry_hash: str = Field(description="Hash of the registry in force.")
    config_hash: str = Field(description="Hash of the build configuration.")
    shards: tuple[ShardEntry, ...] = Field(description="Data shards, by split then key.")
    files: tuple[FileEntry, ...] = Field((), description="Other objects, sorted by key.")
    counts: Counts = Field(description="family -> split -> records and token estimate.")
    holdout_families: tuple[str, ...] = Field((), description="Families allowed only in test.")
    gates: tuple[dict[str, Any], ...] = Field((), description="Gate verdicts (Verdict.to_dict).")
    waivers: tuple[dict[str, Any], ...] = Field((), description="Waivers applied.")
    previous_release: str | None = Field(None, description="Release this one was compared to.")
    curriculum_key: str = Field(description="Key of the curriculum, relative to the release.")
    audit_head: str | None = Field(None, description="Head hash of the build's audit log.")
    reports: tuple[str, ...] = Field((), description="Report keys, relative to the release.")
    funnel: tuple[dict[str, Any], ...] = Field(
        (),
        description="Per source: items read, quarantined at ingest (by reason), records, sent "
        "to PII review (by reason), removed as exact/near duplicates, released (by split).",
    )
    removed: tuple[dict[str, Any], ...] = Field(
        (),
        description="The previous release's records this one does not hold, as "
        "{source_id, reason, records} rows: source_removed (the build ingested nothing of the "
        "source) or record_gone (the item left or changed, was quarantined, or is now a "
        "duplicate).",
    )
    qa: dict[str, Any] | None = Field(
        None,
        description="Clinical sign-off: the candidate it was published from, the QA run, "
        "the decision record's key and sha256, the items excluded by review (None when the "
        "release config did not require sign-off).",
    )
    content_digest: str = Field(
        "",
        description="sha256 of what the release holds (see content_digest): equal digests "
        "mean the same shards, counts, holdouts and curriculum.",
    )

    def shards_of(self, split: str) -> tuple[ShardEntry, ...]:
        """The shards of one split, in manifest order."""
        return tuple(s for s in self.shards if s.split == split)

    def file(self, key: str) -> FileEntry | None:
        """The entry of a non-data object, or None."""
        return next((f for f in self.files if f.key == key), None)

    def total_records(self, split: str | None = None) -> int:
        """Records in one split, or in the whole release."""
        return sum(s.records for s in self.shards if split is None or s.split == split)


def utc_timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default now) as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ReleaseError("creation time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_digest(manifest: Manifest) -> str:
    """``sha256:<hex>`` over the canonical JSON of what a release holds: its shards (keys,
    hashes, sizes, counts, families, splits), per-family counts and token estimates, holdout
    families and the curriculum's entry (key and sha256).

    Left out on purpose, because they describe the run rather than the data: version, creation
    time, code/registry/config hashes, gate results and waivers, the previous release compared
    to, the audit log, the reports and the funnel. Two builds of the same inputs and config
    have the same digest, including a second build that compares itself to the first.
    """
    return digest_of_content(
        manifest.shards,
        manifest.counts,
        manifest.holdout_families,
        manifest.file(manifest.curriculum_key),
    )


def digest_of_content(
    shards: Iterable[ShardEntry],
    counts: Counts,
    holdout_families: Iterable[str],
    curriculum: FileEntry | None,
) -> str:
    """``content_digest`` from its parts: what a candidate (which has no version and no
    manifest yet) and the release published from it are both named by."""
    body = {
        "shards": [s.model_dump(mode="json") for s in shards],
        "counts": {
            family: {split: c.model_dump(mode="json") for split, c in splits.items()}
            for family, splits in counts.items()
        },
        "holdout_families": list(holdout_families),
        "curriculum": curriculum.model_dump(mode="json") if curriculum else None,
    }
    return "sha256:" + hashlib.sha256(codec.canonical_json(body)).hexdigest()


def verdict_digest(manifest: Manifest) -> str:
    """``sha256:<hex>`` over everything in a manifest that says how the release came to be
    published: every field but the creation time, the audit head and the audit log's own
    file entry (the log holds this digest, so it cannot cover itself). That is the gate
    results, waivers, previous release, funnel, content digest, code, registry and config
    hashes, and every other file (reports, curriculum) with its sha256.

    The build records it in the ``publish`` entry of its audit log, whose head the manifest
    names, so a gate result, waiver, report or hash edited in the manifest no longer matches
    the chain; ``verify_release`` and the reader check it.
    """
    body = manifest.model_dump(mode="json", exclude={"created", "audit_head"})
    body["files"] = [f for f in body["files"] if f["key"] != AUDIT_NAME]
    if body["qa"] is None:  # releases sealed before sign-off existed keep their digest
        del body["qa"]
    return "sha256:" + hashlib.sha256(codec.canonical_json(body)).hexdigest()


def manifest_bytes(manifest: Manifest) -> bytes:
    """The canonical bytes of a manifest: sorted keys, indented, one trailing newline."""
    return codec.dumps(manifest.model_dump(mode="json"), indent=True) + b"\n"


def manifest_digest_without(
    manifest: Manifest, fields: Iterable[str] = ("version", "created")
) -> str:
    """Hex sha256 of the manifest's canonical JSON with ``fields`` left out.

    Two builds of the same input have the same digest with the default ``fields``.
    """
    skip = set(fields)
    body = {k: v for k, v in manifest.model_dump(mode="json").items() if k not in skip}
    return hashlib.sha256(codec.canonical_json(body)).hexdigest()


def plain_json(value: Mapping[str, Any]) -> dict[str, Any]:
    """``value`` as plain JSON (sets become sorted lists, tuples lists): stable bytes."""
    plain: dict[str, Any] = codec.loads(codec.dumps(dict(value)))
    return plain


def load_manifest(data: bytes, *, release: str | None = None) -> Manifest:
    """Parse and validate manifest bytes.

    Raises:
        ReleaseError: the bytes are not a valid manifest (names the first bad fields).
    """
    try:
        return Manifest.model_validate(codec.loads(data))
    except codec.DecodeError:
        raise ReleaseError("manifest is not valid JSON", release=release) from None
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "<root>" for e in exc.errors())
        raise ReleaseError(f"invalid manifest (fields: {fields[:200]})", release=release) from None


def read_manifest(store: Store, release_folder: str) -> Manifest:
    """Read the manifest of the release at ``release_folder`` (``releases/<version>/``).

    Raises:
        ReleaseNotFoundError: there is no manifest (nothing published there).
        ReleaseError: the manifest is invalid.
    """
    folder = normalize_prefix(release_folder)
    try:
        data = store.read_bytes(folder + MANIFEST_NAME)
    except ObjectNotFoundError:
        raise ReleaseNotFoundError(
            "no manifest: not a published release (missing, or an aborted publish)",
            release=store.url_for(folder.rstrip("/")) if folder else store.uri,
        ) from None
    return load_manifest(data, release=folder.rstrip("/") or store.uri)


class CountTally:
    """A running tally of records and estimated tokens per family and split (plain ints)."""

    def __init__(self) -> None:
        self._tally: dict[tuple[str, str], list[int]] = {}

    def add(self, family: str, split: str, tokens: int) -> None:
        """Count one record of ``family`` in ``split`` with ``tokens`` estimated tokens."""
        entry = self._tally.setdefault((family, split), [0, 0])
        entry[0] += 1
        entry[1] += tokens

    def records(self, family: str, split: str) -> int:
        """Records counted so far for ``family`` in ``split``."""
        return self._tally.get((family, split), [0, 0])[0]

    def to_counts(self) -> Counts:
        """family -> split -> SplitCount, families sorted, splits in train, val, test order."""
        rank: dict[str, int] = {name: i for i, name in enumerate(SPLIT_ORDER)}
        counts: Counts = {}
        for family, split in sorted(self._tally, key=lambda k: (k[0], rank.get(k[1], 9), k[1])):
            records, tokens = self._tally[(family, split)]
            counts.setdefault(family, {})[split] = SplitCount(
                records=records, tokens_estimate=tokens
            )
        return counts
