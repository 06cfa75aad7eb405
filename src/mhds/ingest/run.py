"""Ingest: read one registry source from the store and write canonical records in shards.

Output goes to ``processed/<family>/<source-id>/<run-id>/part-NNNNN.jsonl.zst`` and a
``_manifest.json`` beside the run folders that names the current run; the manifest is written
last, so a crashed run leaves the previous one intact. The run id hashes the inputs (keys,
ETags, sizes) and the config, so an unchanged source is not ingested twice.

One bad object never stops a run: an object whose key the store cannot address (a ``..``
segment, which S3 allows) is quarantined as ``bad_key``, and an object over the read limits
(``IngestConfig.limits``) as ``line_too_long``, ``object_too_large`` or ``compression_ratio``;
the run goes on with the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from mhds import __version__
from mhds.audit import AuditLog
from mhds.errors import ConfigError, InputError, NothingIngestedError
from mhds.ingest.config import IngestConfig, config_hash
from mhds.ingest.quarantine import QuarantineWriter
from mhds.records import codec
from mhds.records.adapters import get_adapter
from mhds.records.adapters.base import Adapter, AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import read_generator
from mhds.records.hashing import compute_content_hash, stable_id
from mhds.records.schema import Metadata, Provenance, Record, StepStamp
from mhds.records.validate import Reason, validate_metadata
from mhds.registry.schema import Registry, Source
from mhds.steps.provenance import (
    ProvenanceReason,
    ShardProvenanceBuilder,
    check_record_provenance,
)
from mhds.store.base import ObjectInfo, Store
from mhds.store.limits import ReadLimits
from mhds.store.streams import Format, JsonlWriter, iter_items, split_suffixes
from mhds.store.uri import check_key, join_key, redact_uri

log = logging.getLogger(__name__)

STEP_NAME = "ingest"
STEP_VERSION = 1
_KIND: dict[str, InputKind] = {
    "jsonl": "object",
    "json": "object",
    "csv": "row",
    "tsv": "row",
    "text": "text",
}
_LOCATOR = {"jsonl": "line", "json": "item", "csv": "row", "tsv": "row", "text": "file"}

ProgressFn = Callable[[int], None]


@dataclass
class IngestResult:
    """What one ingest run did, by counts (no text)."""

    source_id: str
    family: str
    run_id: str
    objects: int = 0
    items: int = 0
    records: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    shards: list[dict[str, Any]] = field(default_factory=list)
    manifest_key: str = ""
    quarantine_key: str | None = None
    up_to_date: bool = False
    # Leading assistant turns the adapter removed (``leading_assistant: drop``).
    dropped_turns: int = 0


def select_objects(store: Store, registry: Registry, source: Source) -> list[ObjectInfo]:
    """The objects of ``source`` at its canonical location (the first that holds any).

    Objects under mhds's own prefixes (processed/, releases/ ...) never count as input, nor
    do folder markers (empty objects whose key ends with ``/``, as consoles create). Keys the
    store cannot address are listed too: ingest quarantines them (``bad_key``).
    """
    own = registry.layout.own_prefixes()
    for location in source.locations():
        if location.endswith("/"):
            found = [
                o
                for o in store.list(location)
                if not o.key.startswith(own) and not (o.key.endswith("/") and o.size == 0)
            ]
        else:
            found = [store.head(location)] if store.exists(location) else []
        if found:
            return found
    return []


def ingest_source(
    store: Store,
    registry: Registry,
    source_id: str,
    *,
    config: IngestConfig | None = None,
    build_id: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    audit: AuditLog | None = None,
) -> IngestResult:
    """Ingest one source; see the module docstring for the layout.

    Raises:
        ConfigError: unknown source, unapproved source, adapter that cannot read the format,
            or no object at any of the source's locations.
        NothingIngestedError: no record came out (every item quarantined, or no item read).
            The quarantine file is written; the manifest is not, so a rerun ingests again.
    """
    config = config or IngestConfig()
    source = _approved_source(registry, source_id, config)
    adapter = get_adapter(source.adapter)
    options = registry.adapter_options(source)
    objects = select_objects(store, registry, source)
    if not objects:
        raise ConfigError(
            f"source {source.id!r}: no object at {', '.join(source.locations())}", source="registry"
        )
    formats = {o.key: _format_of(source, o.key, adapter) for o in objects if is_usable_key(o.key)}
    # The zstd level changes the processed shards' bytes, never a record: not hashed.
    settings = config.model_dump(mode="json", exclude={"zstd_level"})
    chash = config_hash(settings, source.model_dump(mode="json"))
    inputs = [{"key": o.key, "etag": o.etag, "size": o.size} for o in objects]
    run_id = stable_id(chash, codec.canonical_json(inputs).decode(), length=16)
    folder = join_key(registry.layout.processed, source.family, source.id)
    manifest_key = registry.layout.ingest_manifest_key(source.family, source.id)
    result = IngestResult(source.id, source.family, run_id, manifest_key=manifest_key)
    if not force and _is_current(store, manifest_key, run_id):
        result.up_to_date = True
        result.objects = len(objects)
        if audit is not None:
            audit.append(
                "ingest_skipped",
                inputs=[object_uri(store, o.key) for o in objects],
                outputs=[store.url_for(manifest_key)],
                decisions={"source": source.id, "run_id": run_id, "reason": "inputs unchanged"},
                config_hash=chash,
            )
        return result

    build_id = build_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    ctx = _Context(registry, source, adapter, options, chash, config.allow_pending, config.limits)
    with (
        QuarantineWriter(store, registry.layout.quarantine, build_id, source.id) as quarantine,
        _ShardWriter(store, join_key(folder, run_id), config) as shards,
    ):
        for obj in objects:
            result.objects += 1
            if obj.key not in formats:
                _quarantine_bad_key(store, source, obj.key, quarantine)
                continue
            records = _iter_object_records(store, ctx, obj.key, formats[obj.key], quarantine)
            for record in records:
                shards.write(record)
            result.items = quarantine.count + shards.records
            if progress:
                progress(result.items)
    result.records = shards.records
    result.shards = shards.shards
    result.quarantined = quarantine.reasons
    result.quarantine_key = quarantine.key if quarantine.count else None
    result.items = result.records + quarantine.count
    result.dropped_turns = ctx.tally["dropped_turns"]
    if not result.records:
        _refuse_empty(store, result, [o.key for o in objects], chash, audit)
    _write_manifest(store, result, source, inputs, chash, folder)
    if audit is not None:
        audit.append(
            "ingest",
            inputs=[object_uri(store, o.key) for o in objects],
            outputs=[store.url_for(s["key"]) for s in result.shards]
            + [store.url_for(manifest_key)],
            counts={
                "records": result.records,
                "dropped_leading_assistant_turns": result.dropped_turns,
                **{f"quarantined:{k}": v for k, v in sorted(result.quarantined.items())},
            },
            decisions={"source": source.id, "approval": source.approval, "run_id": run_id},
            config_hash=chash,
        )
    return result


@dataclass
class IngestRun:
    """Several sources ingested under one build id, with the build's audit log."""

    build_id: str
    audit_key: str
    results: list[IngestResult]


def ingest_sources(
    store: Store,
    registry: Registry,
    source_ids: list[str],
    *,
    config: IngestConfig | None = None,
    force: bool = False,
    build_id: str | None = None,
    progress: Callable[[str, int], None] | None = None,
    audit: AuditLog | None = None,
) -> IngestRun:
    """Ingest ``source_ids`` in order under one build id; every run lands in the build's
    hash-chained audit log (``<layout.audit><build-id>.jsonl``).

    Raises:
        ConfigError: when no source is named, or for any source ``ingest_source`` refuses.
    """
    if not source_ids:
        raise ConfigError("name a source with --source ID, or use --all")
    build_id = build_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if audit is None:
        audit = AuditLog.open(store, join_key(registry.layout.audit, f"{build_id}.jsonl"))
    results = []
    for source_id in source_ids:

        def report(items: int, source_id: str = source_id) -> None:
            if progress is not None:
                progress(source_id, items)

        results.append(
            ingest_source(
                store,
                registry,
                source_id,
                config=config,
                build_id=build_id,
                force=force,
                progress=report,
                audit=audit,
            )
        )
    return IngestRun(build_id, audit.key, results)


def is_usable_key(key: str) -> bool:
    """Whether the store can address ``key`` (no ``..``, ``.`` or empty segment, no leading or
    trailing ``/``). S3 lists such keys; reading one would be refused."""
    try:
        check_key(key)
    except ConfigError:
        return False
    return True


def object_uri(store: Store, key: str) -> str:
    """``store.url_for(key)``; for a key the store refuses, its root URI and the key as
    listed (redacted: no user-info or query string)."""
    if is_usable_key(key):
        return store.url_for(key)
    return redact_uri(f"{store.uri.rstrip('/')}/{key}")


def ingestible_sources(registry: Registry, config: IngestConfig | None = None) -> list[str]:
    """Ids of the sources ``--all`` ingests: approved ones (and pending when allowed)."""
    allowed = {"approved", "pending"} if config and config.allow_pending else {"approved"}
    return [s.id for s in registry.sources if s.approval in allowed]


def _approved_source(registry: Registry, source_id: str, config: IngestConfig) -> Source:
    try:
        source = registry.source(source_id)
    except KeyError:
        known = ", ".join(s.id for s in registry.sources) or "none"
        raise ConfigError(f"unknown source {source_id!r} (known: {known})") from None
    if source.approval == "rejected" or (source.approval == "pending" and not config.allow_pending):
        raise ConfigError(
            f"source {source.id!r} is {source.approval}: only approved sources are ingested"
            + (
                " (use --allow-pending to inspect a pending one)"
                if source.approval == "pending"
                else ""
            )
        )
    return source


def _format_of(source: Source, key: str, adapter: Adapter) -> Format:
    fmt = split_suffixes(key)[0] if source.format == "auto" else source.format
    if fmt is None:
        raise ConfigError(
            f"source {source.id!r}: cannot tell the format of {key!r}; set `format` in the registry"
        )
    if _KIND[fmt] not in adapter.accepts:
        accepted = ", ".join(sorted(adapter.accepts))
        raise ConfigError(
            f"source {source.id!r}: adapter {adapter.name!r} reads {accepted} items, "
            f"not {fmt} ({key!r})"
        )
    return fmt


@dataclass(frozen=True)
class _Context:
    """What every record of one source run shares."""

    registry: Registry
    source: Source
    adapter: Adapter
    options: AdapterOptions
    config_hash: str
    allow_pending: bool
    limits: ReadLimits
    # Running counts of the run: leading assistant turns removed by ``leading_assistant: drop``
    # (``dropped_turns``), counted, never silent.
    tally: Counter[str] = field(default_factory=Counter)


def _iter_object_records(
    store: Store, ctx: _Context, key: str, fmt: Format, quarantine: QuarantineWriter
) -> Iterator[Record]:
    source_uri = store.url_for(key)  # as printed for people (quarantine entries)
    _, compression = split_suffixes(key)
    source_format = fmt + (f"+{compression}" if compression else "")
    items = iter_items(store, key, fmt, items_path=ctx.source.items_path, limits=ctx.limits)
    for line, item in items:
        locator = f"{_LOCATOR[fmt]}:{line}"
        if isinstance(item, InputError):
            quarantine.add(item.located(key, line), source_uri=source_uri, locator=locator)
            continue
        try:
            conversations = ctx.adapter.convert(item, ctx.options)
            if not conversations:
                raise InputError(Reason.EMPTY_CONVERSATION, detail="item holds no conversation")
            generator = _generator(ctx, item)
            built = [
                _build_record(
                    ctx,
                    conv,
                    Provenance(
                        # Relative to the store root: the same data in another folder or
                        # bucket gives the same source keys, ids, splits and release.
                        source_key=key,
                        source_format=source_format,
                        adapter=ctx.adapter.name,
                        locator=f"{locator}#{n}" if len(conversations) > 1 else locator,
                        pipeline_version=__version__,
                        config_hash=ctx.config_hash,
                        steps=(StepStamp(STEP_NAME, STEP_VERSION, ctx.config_hash),),
                        generator=generator,
                    ),
                )
                for n, conv in enumerate(conversations)
            ]
        except InputError as exc:
            quarantine.add(
                exc.located(key, line), source_uri=source_uri, locator=locator, item=item
            )
            continue
        ctx.tally["dropped_turns"] += sum(conv.dropped_turns for conv in conversations)
        yield from built


def _generator(ctx: _Context, item: Any) -> dict[str, Any] | None:
    """A record's provenance ``generator``: the source's registry generator, with the
    item's own (``generator_field``) over it."""
    source = ctx.source.generator.model_dump(mode="json") if ctx.source.generator else None
    own = read_generator(item, ctx.options.generator_field)
    if own is None:
        return source
    return {**(source or {}), **own}


def _quarantine_bad_key(
    store: Store, source: Source, key: str, quarantine: QuarantineWriter
) -> None:
    """Quarantine an object the store cannot address; the run goes on with the others."""
    log.warning("source %s: quarantined %r: the store cannot address this key", source.id, key)
    quarantine.add(
        InputError(
            Reason.BAD_KEY,
            key=key,
            detail="key with an empty, '.' or '..' segment, or a leading or trailing '/'",
        ),
        source_uri=object_uri(store, key),
        locator="object",
    )


def _build_record(ctx: _Context, conversation: Conversation, provenance: Provenance) -> Record:
    """Assemble, validate and provenance-check one record (InputError when it fails)."""
    source = ctx.source
    record_id = (
        f"{source.id}-{stable_id(source.id, provenance.source_key, provenance.locator, length=20)}"
    )
    group = conversation.group_key if conversation.group_key else record_id
    record = Record(
        messages=conversation.messages,
        metadata=Metadata(
            id=record_id,
            family=source.family,
            source_id=source.id,
            source_key=provenance.source_key,
            content_hash=compute_content_hash(conversation.messages),
            license_tag=source.license,
            assistant_role=ctx.options.assistant_role,
            group_id=f"{ctx.options.group_namespace or source.id}:{group}",
            provenance=provenance,
            attributes=dict(conversation.attributes),
        ),
    )
    validate_metadata(record, hash_computed=True)  # build_conversation checked the messages
    for issue in check_record_provenance(record, ctx.registry):
        # A pending source may be ingested for inspection; the release gates still block it.
        if issue.reason == ProvenanceReason.UNAPPROVED_SOURCE and ctx.allow_pending:
            continue
        raise InputError(str(issue.reason), field=issue.field)
    return record


class _ShardWriter:
    """Writes records into size-bounded zstd JSONL shards under one run folder."""

    def __init__(self, store: Store, folder: str, config: IngestConfig) -> None:
        self.store = store
        self.folder = folder
        self.config = config
        self.records = 0
        self.shards: list[dict[str, Any]] = []
        self._current: JsonlWriter | None = None
        self._provenance = ShardProvenanceBuilder()

    def __enter__(self) -> _ShardWriter:
        return self

    def write(self, record: Record) -> None:
        if self._current is None:
            key = join_key(self.folder, f"part-{len(self.shards):05d}.jsonl.zst")
            self._current = JsonlWriter(self.store, key, zstd_level=self.config.zstd_level)
            self._current.__enter__()
        self._current.write_line(record.to_json())
        self._provenance.add(record)
        self.records += 1
        if self._current.records >= self.config.records_per_shard:
            self._close(None)

    def __exit__(self, *exc_info: Any) -> None:
        self._close(exc_info[0])

    def _close(self, exc_type: Any) -> None:
        if self._current is None:
            return
        writer, self._current = self._current, None
        builder, self._provenance = self._provenance, ShardProvenanceBuilder()
        writer.__exit__(exc_type, None, None)
        if exc_type is None:
            provenance = builder.build(
                shard_key=writer.key,
                shard_sha256=writer.sha256,
                shard_bytes=writer.bytes_written,
                producing_step=STEP_NAME,
                step_version=STEP_VERSION,
            )
            self.shards.append(
                {
                    "key": writer.key,
                    "records": writer.records,
                    "bytes": writer.bytes_written,
                    "sha256": writer.sha256,
                    "provenance": msgspec.to_builtins(provenance),
                }
            )


def _refuse_empty(
    store: Store, result: IngestResult, keys: list[str], chash: str, audit: AuditLog | None
) -> None:
    """Record that nothing came out of a source (audit log), then raise NothingIngestedError."""
    quarantine = store.url_for(result.quarantine_key) if result.quarantine_key else None
    if audit is not None:
        audit.append(
            "ingest_failed",
            inputs=[object_uri(store, key) for key in keys],
            outputs=[quarantine] if quarantine else [],
            counts={
                "items": result.items,
                **{f"quarantined:{k}": v for k, v in sorted(result.quarantined.items())},
            },
            decisions={"source": result.source_id, "run_id": result.run_id},
            config_hash=chash,
        )
    raise NothingIngestedError(
        result.source_id,
        items=result.items,
        objects=result.objects,
        reasons=dict(result.quarantined),
        quarantine=quarantine,
    )


def _is_current(store: Store, manifest_key: str, run_id: str) -> bool:
    if not store.exists(manifest_key):
        return False
    manifest = codec.loads(store.read_bytes(manifest_key))
    if manifest.get("run_id") != run_id:
        return False
    return all(store.exists(shard["key"]) for shard in manifest.get("shards", []))


def _write_manifest(
    store: Store,
    result: IngestResult,
    source: Source,
    inputs: list[dict[str, Any]],
    chash: str,
    folder: str,
) -> None:
    """Write the manifest (the switch to the new run), then remove older run folders."""
    manifest = {
        "source_id": source.id,
        "family": source.family,
        "run_id": result.run_id,
        "records": result.records,
        "quarantined": sum(result.quarantined.values()),
        "quarantine_reasons": dict(sorted(result.quarantined.items())),
        "dropped_leading_assistant_turns": result.dropped_turns,
        "quarantine_key": result.quarantine_key,
        "shards": result.shards,
        "inputs": inputs,
        "config_hash": chash,
        "license": source.license,
        "approval": source.approval,
        "step": {"name": STEP_NAME, "version": STEP_VERSION},
        "pipeline_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    store.write_bytes(result.manifest_key, codec.dumps(manifest, indent=True))
    keep = join_key(folder, result.run_id) + "/"
    for obj in store.list(folder + "/"):
        if obj.key != result.manifest_key and not obj.key.startswith(keep):
            store.delete(obj.key)
