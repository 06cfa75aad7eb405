"""Provenance checks, deny by default: every record must trace back to an approved source.

``check_record_provenance`` lists what is missing or wrong in one record's provenance (empty:
the record may go on). ``build_shard_provenance`` describes a written shard (hash, size, record
ids, sources) and ``verify_shard_provenance`` re-reads the shard from the store and proves that
description still holds. Issues carry ids, reason codes and field names, never record text.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

import msgspec

from mhds.errors import StoreError
from mhds.records.schema import Record
from mhds.registry.schema import Registry, Source
from mhds.store.base import Store, iter_chunks
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import iter_lines

SYNTHETIC_LICENSE_PREFIX = "internal-synthetic"
SYNTHETIC_SOURCE_PREFIX = "synthetic"
GENERATOR_KEYS = ("name", "parameters")


class ProvenanceReason(StrEnum):
    """Stable reason codes for provenance failures; reports and gates count by these."""

    MISSING_SOURCE_KEY = "missing_source_key"
    SOURCE_KEY_MISMATCH = "source_key_mismatch"
    UNKNOWN_SOURCE = "unknown_source"
    UNAPPROVED_SOURCE = "unapproved_source"
    FAMILY_MISMATCH = "family_mismatch"
    MISSING_STEPS = "missing_steps"
    MISSING_CONFIG_HASH = "missing_config_hash"
    MISSING_PIPELINE_VERSION = "missing_pipeline_version"
    SYNTHETIC_WITHOUT_GENERATOR = "synthetic_without_generator"
    MISSING_CONSENT = "missing_consent"
    SHARD_UNREADABLE = "shard_unreadable"
    SHARD_HASH_MISMATCH = "shard_hash_mismatch"
    SHARD_COUNT_MISMATCH = "shard_count_mismatch"
    SHARD_IDS_MISMATCH = "shard_ids_mismatch"
    MALFORMED_RECORD = "malformed_record"
    RECORD_NOT_COVERED = "record_not_covered"


class ProvenanceIssue(msgspec.Struct, frozen=True):
    """One provenance failure.

    Attributes:
        record_id: the record at fault (None for shard-level issues).
        reason: the stable reason code.
        field: the field (``metadata.source_key``) or shard property (``sha256``) at fault.
        shard_key: the shard the record was read from, when checking a shard.
    """

    record_id: str | None
    reason: ProvenanceReason
    field: str | None = None
    shard_key: str | None = None


class ShardProvenance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one written shard holds, so a later step or gate can prove it unchanged.

    Attributes:
        shard_key: the shard's store key.
        sha256: hex sha256 of the stored (compressed) bytes.
        bytes: size of the stored object.
        records: number of records.
        record_ids_sha256: hex sha256 of the sorted record ids joined by ``\\n``.
        sources: record count per source key, sorted by key.
        families: the families present, sorted.
        producing_step: the step that wrote the shard.
        step_version: that step's version.
    """

    shard_key: str
    sha256: str
    bytes: int
    records: int
    record_ids_sha256: str
    sources: dict[str, int]
    families: tuple[str, ...]
    producing_step: str
    step_version: int


def check_record_provenance(record: Record, registry: Registry) -> list[ProvenanceIssue]:
    """Every provenance problem of ``record`` (an empty list: it may go on).

    Deny by default: the record needs a source key (the same in metadata and provenance), a
    source known to the registry, approved, of the record's family; at least one step; a config
    hash and pipeline version; for synthetic data, its generator's name and parameters; and,
    in a family that carries a real person's voice (``consent_required``), a source with a
    ``consent`` reference.
    """
    meta, prov = record.metadata, record.metadata.provenance
    issues: list[tuple[ProvenanceReason, str]] = []
    if not meta.source_key:
        issues.append((ProvenanceReason.MISSING_SOURCE_KEY, "metadata.source_key"))
    if not prov.source_key:
        issues.append((ProvenanceReason.MISSING_SOURCE_KEY, "metadata.provenance.source_key"))
    if meta.source_key and prov.source_key and meta.source_key != prov.source_key:
        issues.append((ProvenanceReason.SOURCE_KEY_MISMATCH, "metadata.provenance.source_key"))
    source = _find_source(registry, meta.source_id)
    if source is None:
        issues.append((ProvenanceReason.UNKNOWN_SOURCE, "metadata.source_id"))
    else:
        if source.approval != "approved":
            issues.append((ProvenanceReason.UNAPPROVED_SOURCE, "metadata.source_id"))
        if meta.family != source.family:
            issues.append((ProvenanceReason.FAMILY_MISMATCH, "metadata.family"))
        if source.consent is None and _needs_consent(registry, meta.family, source.family):
            issues.append((ProvenanceReason.MISSING_CONSENT, "source.consent"))
    if not prov.steps:
        issues.append((ProvenanceReason.MISSING_STEPS, "metadata.provenance.steps"))
    if not prov.config_hash:
        issues.append((ProvenanceReason.MISSING_CONFIG_HASH, "metadata.provenance.config_hash"))
    for i, step in enumerate(prov.steps):
        if not step.config_hash:
            field = f"metadata.provenance.steps[{i}].config_hash"
            issues.append((ProvenanceReason.MISSING_CONFIG_HASH, field))
    if not prov.pipeline_version:
        field = "metadata.provenance.pipeline_version"
        issues.append((ProvenanceReason.MISSING_PIPELINE_VERSION, field))
    if is_synthetic(record, source) and not _has_generator(record):
        field = "metadata.provenance.generator"
        issues.append((ProvenanceReason.SYNTHETIC_WITHOUT_GENERATOR, field))
    return [ProvenanceIssue(meta.id, reason, field) for reason, field in issues]


def _needs_consent(registry: Registry, *families: str) -> bool:
    """Whether any of ``families`` carries a real person's voice (``consent_required``)."""
    known = {family.name: family for family in registry.families}
    return any(name in known and known[name].consent_required for name in families)


def is_synthetic(record: Record, source: Source | None) -> bool:
    """Whether ``record`` is generated data.

    It is when its source's licence or its own ``license_tag`` starts with
    ``internal-synthetic``, its source id starts with ``synthetic``, or its ``synthetic``
    attribute is True.
    """
    meta = record.metadata
    licenses = [meta.license_tag] + ([source.license] if source is not None else [])
    return (
        any(tag.startswith(SYNTHETIC_LICENSE_PREFIX) for tag in licenses)
        or meta.source_id.startswith(SYNTHETIC_SOURCE_PREFIX)
        or meta.attributes.get("synthetic") is True
    )


class ShardProvenanceBuilder:
    """Collects what shard provenance needs while records are written (ids, sources,
    families), without keeping the records themselves."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._sources: Counter[str] = Counter()
        self._families: set[str] = set()

    def add(self, record: Record) -> None:
        """Account for one record written to the shard."""
        self._ids.append(record.metadata.id)
        self._sources[record.metadata.source_key] += 1
        self._families.add(record.metadata.family)

    def build(
        self,
        *,
        shard_key: str,
        shard_sha256: str,
        shard_bytes: int,
        producing_step: str,
        step_version: int,
    ) -> ShardProvenance:
        """The provenance of the finished shard (see ``build_shard_provenance``)."""
        return ShardProvenance(
            shard_key=shard_key,
            sha256=_bare_hex(shard_sha256),
            bytes=shard_bytes,
            records=len(self._ids),
            record_ids_sha256=_ids_digest(self._ids),
            sources=dict(sorted(self._sources.items())),
            families=tuple(sorted(self._families)),
            producing_step=producing_step,
            step_version=step_version,
        )


def build_shard_provenance(
    records: Iterable[Record],
    *,
    shard_key: str,
    shard_sha256: str,
    shard_bytes: int,
    producing_step: str,
    step_version: int,
) -> ShardProvenance:
    """Describe a shard from the records written to it and its writer's hash and size.

    Args:
        records: the records, as written.
        shard_key: the shard's store key.
        shard_sha256: hex sha256 of the stored bytes (``JsonlWriter.sha256``; a ``sha256:``
            prefix is accepted and dropped).
        shard_bytes: size of the stored object (``JsonlWriter.bytes_written``).
        producing_step: the step that wrote the shard.
        step_version: that step's version.
    """
    builder = ShardProvenanceBuilder()
    for record in records:
        builder.add(record)
    return builder.build(
        shard_key=shard_key,
        shard_sha256=shard_sha256,
        shard_bytes=shard_bytes,
        producing_step=producing_step,
        step_version=step_version,
    )


def verify_shard_provenance(
    store: Store, provenance: ShardProvenance, *, registry: Registry | None
) -> list[ProvenanceIssue]:
    """Re-read the shard and list every way it differs from ``provenance``.

    Checks the stored object's sha256 and size, that every line is a record whose source key
    and family ``provenance`` covers, the record count (total and per source), the digest of
    the record ids and, unless ``registry`` is None, each record's own provenance
    (``check_record_provenance``).
    """
    key = provenance.shard_key
    issues: list[ProvenanceIssue] = []
    try:
        digest, size = _object_digest(store, key)
    except StoreError:
        return [ProvenanceIssue(None, ProvenanceReason.SHARD_UNREADABLE, "shard_key", key)]
    if digest != _bare_hex(provenance.sha256):
        issues.append(ProvenanceIssue(None, ProvenanceReason.SHARD_HASH_MISMATCH, "sha256", key))
    if size != provenance.bytes:
        issues.append(ProvenanceIssue(None, ProvenanceReason.SHARD_HASH_MISMATCH, "bytes", key))
    ids: list[str] = []
    sources: Counter[str] = Counter()
    try:
        for line, data in iter_lines(store, key, limits=OWN_OUTPUT):
            try:
                record = Record.from_json(data)
            except (msgspec.ValidationError, msgspec.DecodeError):
                reason = ProvenanceReason.MALFORMED_RECORD
                issues.append(ProvenanceIssue(None, reason, f"line:{line}", key))
                continue
            ids.append(record.metadata.id)
            sources[record.metadata.source_key] += 1
            issues += _record_issues(record, provenance, registry)
    except _stream_errors() as exc:  # a corrupt stream fails the shard, it never passes
        issues.append(
            ProvenanceIssue(None, ProvenanceReason.SHARD_UNREADABLE, type(exc).__name__, key)
        )
    if len(ids) != provenance.records:
        issues.append(ProvenanceIssue(None, ProvenanceReason.SHARD_COUNT_MISMATCH, "records", key))
    elif dict(sorted(sources.items())) != provenance.sources:
        issues.append(ProvenanceIssue(None, ProvenanceReason.SHARD_COUNT_MISMATCH, "sources", key))
    if _ids_digest(ids) != provenance.record_ids_sha256:
        reason = ProvenanceReason.SHARD_IDS_MISMATCH
        issues.append(ProvenanceIssue(None, reason, "record_ids_sha256", key))
    return issues


def _record_issues(
    record: Record, provenance: ShardProvenance, registry: Registry | None
) -> list[ProvenanceIssue]:
    key, record_id = provenance.shard_key, record.metadata.id
    found = []
    if record.metadata.source_key not in provenance.sources:
        found.append((ProvenanceReason.RECORD_NOT_COVERED, "metadata.source_key"))
    if record.metadata.family not in provenance.families:
        found.append((ProvenanceReason.RECORD_NOT_COVERED, "metadata.family"))
    issues = [ProvenanceIssue(record_id, reason, field, key) for reason, field in found]
    if registry is not None:
        issues += [
            msgspec.structs.replace(issue, shard_key=key)
            for issue in check_record_provenance(record, registry)
        ]
    return issues


def _find_source(registry: Registry, source_id: str) -> Source | None:
    try:
        return registry.source(source_id)
    except KeyError:
        return None


def _has_generator(record: Record) -> bool:
    generator = record.metadata.provenance.generator
    if not generator or not all(name in generator for name in GENERATOR_KEYS):
        return False
    name, parameters = generator["name"], generator["parameters"]
    return isinstance(name, str) and bool(name) and isinstance(parameters, dict)


def _ids_digest(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _object_digest(store: Store, key: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with store.open_read(key) as stream:
        for chunk in iter_chunks(stream):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _stream_errors() -> tuple[type[Exception], ...]:
    import zstandard

    # gzip raises BadGzipFile (an OSError) or EOFError; zstd its own ZstdError.
    return (StoreError, OSError, EOFError, zstandard.ZstdError)


def _bare_hex(value: str) -> str:
    return value.removeprefix("sha256:").lower()
