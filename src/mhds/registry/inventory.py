"""Inventory: what the store holds, which registry source each object belongs to, and how
many records it has where counting is cheap. Mapping is explicit (registry keys and prefixes,
longest match wins); nothing is guessed from a substring of a key.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mhds.errors import ConfigError, MhdsError
from mhds.records import codec
from mhds.records.validate import Reason
from mhds.registry.counting import InventoryReason, count_records
from mhds.registry.load import registry_hash
from mhds.registry.schema import (
    INGEST_MANIFEST_NAME,
    Approval,
    FrozenModel,
    Layout,
    Registry,
    Source,
)
from mhds.store.base import ObjectInfo, Store
from mhds.store.existence import STORE_MARKER_KEY
from mhds.store.streams import Format, split_suffixes
from mhds.store.uri import check_key

logger = logging.getLogger(__name__)

DEFAULT_COUNT_BELOW = 64 << 20


class InventoryObject(FrozenModel):
    """One listed object: what it is, how many records it holds, where it maps."""

    key: str
    size: int
    etag: str | None
    last_modified: datetime | None
    format: Format | None = Field(description="Container format (source's, else suffix).")
    compression: str | None
    records: int | None = Field(default=None, description="Records counted; None when not counted.")
    malformed: int = Field(
        default=0, description="Rows or lines the reader rejected while counting."
    )
    skipped: Literal["too_large", "unknown_format"] | None = None
    error: str | None = Field(default=None, description="InventoryReason code when reading failed.")
    source: str | None = None
    location: str | None = Field(default=None, description="The source key or prefix it matched.")
    mirror: bool = Field(default=False, description="Under a non-canonical location of its source.")
    conflict: tuple[str, ...] = Field(default=(), description="Sources that tie for this key.")


class IngestManifest(FrozenModel):
    """What one ``processed/<family>/<source>/_manifest.json`` says (or why it is unusable)."""

    key: str
    source: str | None = None
    family: str | None = None
    records: int | None = None
    quarantined: int | None = None
    shards: int = 0
    config_hash: str | None = None
    created: str | None = None
    stale: bool = Field(
        default=False, description="Its inputs differ from the source's objects now."
    )
    error: str | None = None


class SourceInventory(FrozenModel):
    """Totals for one registry source (canonical location only; mirrors are counted apart)."""

    source: str
    family: str
    approval: Approval
    canonical_location: str | None
    objects: int
    bytes: int
    records: int | None = Field(description="Raw record estimate; None unless all counted.")
    uncounted: int = Field(description="Canonical objects whose records were not counted.")
    mirror_objects: int
    ingested: int | None = Field(description="Records in the processed manifest, if any.")
    manifest_key: str | None
    stale: bool


class Mirror(FrozenModel):
    """A second location of a source that also holds objects (another storage tier)."""

    source: str
    canonical: str
    mirror: str
    objects: int
    bytes: int


class Conflict(FrozenModel):
    """A key that equally long locations of different sources claim; mapped to none."""

    key: str
    sources: tuple[str, ...]


class Inventory(FrozenModel):
    """The whole inventory of a store against a registry."""

    store: str
    registry_hash: str
    layout: Layout
    taken_at: datetime
    count_records_below: int
    objects: tuple[InventoryObject, ...]
    sources: tuple[SourceInventory, ...]
    manifests: tuple[IngestManifest, ...]
    unmapped: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    mirrors: tuple[Mirror, ...]
    skipped_objects: int = Field(description="Objects under mhds's own or ignored prefixes.")


class _ManifestFile(BaseModel):
    """The part of an ingest manifest inventory relies on (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    source_id: str
    family: str
    records: int = Field(ge=0)
    quarantined: int = Field(default=0, ge=0)
    shards: list[dict[str, object]] = []
    inputs: list[dict[str, object]] = []
    config_hash: str | None = None
    created: str | None = None


def take_inventory(
    store: Store, registry: Registry, *, count_records_below: int = DEFAULT_COUNT_BELOW
) -> Inventory:
    """List the whole store and map every object to its registry source.

    Objects under the layout's own prefixes and ``registry.ignore_prefixes``, and the store
    marker (``mhds-store.json``), are left out, except ingest manifests
    (``<processed>/.../_manifest.json``), which give ingested counts.
    Objects smaller than ``count_records_below`` bytes are streamed to count their records.
    Keys are relative to the store root: for a bucket that keeps everything under a folder
    (the seed's ``datasets/``), open the store there (``s3://bucket/datasets``) or spell
    that folder in the registry's locations.
    """
    taken_at = datetime.now(UTC)
    infos, manifest_infos, skipped = _list_store(store, registry)
    mapped = [_map_object(registry, info) for info in infos]
    canonical = _canonical_locations(registry, mapped)
    objects = [
        _count_object(store, registry, obj, canonical, count_records_below) for obj in mapped
    ]
    by_source: dict[str, list[InventoryObject]] = defaultdict(list)
    for obj in objects:
        by_source[obj.source or ""].append(obj)  # "" (unmapped) is never a source id
    manifests = [_read_manifest(store, registry, info, by_source) for info in manifest_infos]
    inventory = Inventory(
        store=store.uri,
        registry_hash=registry_hash(registry),
        layout=registry.layout,
        taken_at=taken_at,
        count_records_below=count_records_below,
        objects=tuple(objects),
        sources=tuple(
            _summarise(s, by_source[s.id], canonical, manifests) for s in registry.sources
        ),
        manifests=tuple(manifests),
        unmapped=tuple(o.key for o in objects if o.source is None and not o.conflict),
        conflicts=tuple(Conflict(key=o.key, sources=o.conflict) for o in objects if o.conflict),
        mirrors=tuple(_mirrors(registry, by_source, canonical)),
        skipped_objects=skipped,
    )
    logger.info(
        "inventory of %s: %d objects, %d unmapped", store.uri, len(objects), len(inventory.unmapped)
    )
    return inventory


def _list_store(store: Store, registry: Registry) -> tuple[list[ObjectInfo], list[ObjectInfo], int]:
    """Split the listing into objects to map, ingest manifests, and a count of skipped ones."""
    processed = registry.layout.processed
    skip = registry.layout.own_prefixes() + registry.ignore_prefixes
    infos: list[ObjectInfo] = []
    manifests: list[ObjectInfo] = []
    skipped = 0
    for info in store.list(""):
        if info.key.startswith(processed) and info.key.rsplit("/", 1)[-1] == INGEST_MANIFEST_NAME:
            manifests.append(info)
        elif info.key.startswith(skip) or info.key == STORE_MARKER_KEY:
            skipped += 1  # mhds's own objects (the store marker of `mhds init` included)
        else:
            infos.append(info)
    return infos, manifests, skipped


def _map_object(registry: Registry, info: ObjectInfo) -> InventoryObject:
    """Find the source whose longest matching location holds ``info.key``."""
    fmt, compression = split_suffixes(info.key)
    best: list[tuple[Source, str]] = []
    for source in registry.sources:
        location = _longest_location(source, info.key)
        if location is None:
            continue
        if not best or len(location) > len(best[0][1]):
            best = [(source, location)]
        elif len(location) == len(best[0][1]):
            best.append((source, location))
    base = InventoryObject(
        key=info.key,
        size=info.size,
        etag=info.etag,
        last_modified=info.last_modified,
        format=fmt,
        compression=compression,
    )
    if len(best) > 1:
        return base.model_copy(update={"conflict": tuple(s.id for s, _ in best)})
    if best:
        source, location = best[0]
        if source.format != "auto":
            base = base.model_copy(update={"format": source.format})
        return base.model_copy(update={"source": source.id, "location": location})
    return base


def _longest_location(source: Source, key: str) -> str | None:
    hits = [
        loc
        for loc in source.locations()
        if key == loc or (loc.endswith("/") and key.startswith(loc))
    ]
    return max(hits, key=len) if hits else None


def _canonical_locations(registry: Registry, objects: Iterable[InventoryObject]) -> dict[str, str]:
    """Per source: the first declared location that holds any object."""
    used: dict[str, set[str]] = defaultdict(set)
    for obj in objects:
        if obj.source is not None and obj.location is not None:
            used[obj.source].add(obj.location)
    canonical = {}
    for source in registry.sources:
        first = next((loc for loc in source.locations() if loc in used[source.id]), None)
        if first is not None:
            canonical[source.id] = first
    return canonical


def _count_object(
    store: Store,
    registry: Registry,
    obj: InventoryObject,
    canonical: dict[str, str],
    limit: int,
) -> InventoryObject:
    """Mark mirrors and count records of small objects of a known format.

    A key the store cannot address (``..``, ``.`` or empty segments, which S3 lists) is not
    read: its error is ``bad_key``, as ingest quarantines it.
    """
    update: dict[str, object] = {}
    if obj.source is not None:
        update["mirror"] = obj.location != canonical.get(obj.source)
    try:
        check_key(obj.key)
    except ConfigError:
        update["error"] = Reason.BAD_KEY.value
        return obj.model_copy(update=update)
    if obj.format is None:
        update["skipped"] = "unknown_format"
    elif obj.size >= limit:
        update["skipped"] = "too_large"
    else:
        items_path = registry.source(obj.source).items_path if obj.source else None
        records, malformed, error = count_records(store, obj.key, obj.format, items_path)
        update.update(records=records, malformed=malformed, error=error)
    return obj.model_copy(update=update)


def _read_manifest(
    store: Store,
    registry: Registry,
    info: ObjectInfo,
    by_source: dict[str, list[InventoryObject]],
) -> IngestManifest:
    """Read one ingest manifest; a bad one is listed with a reason code, never used."""
    try:
        data = _ManifestFile.model_validate(codec.loads(store.read_bytes(info.key)))
    except (ValidationError, codec.DecodeError):
        return IngestManifest(key=info.key, error=InventoryReason.MALFORMED_MANIFEST)
    except MhdsError:
        return IngestManifest(key=info.key, error=InventoryReason.UNREADABLE_OBJECT)
    error: str | None = None
    try:
        if registry.source(data.source_id).family != data.family:
            error = InventoryReason.FAMILY_MISMATCH
    except KeyError:
        error = InventoryReason.UNKNOWN_SOURCE
    return IngestManifest(
        key=info.key,
        source=data.source_id,
        family=data.family,
        records=data.records,
        quarantined=data.quarantined,
        shards=len(data.shards),
        config_hash=data.config_hash,
        created=data.created,
        stale=error is None and _is_stale(data.inputs, by_source.get(data.source_id, [])),
        error=error,
    )


def _is_stale(inputs: list[dict[str, object]], objects: list[InventoryObject]) -> bool:
    """Inputs that changed or vanished, or canonical objects the ingest never read."""
    now = {o.key: o.etag for o in objects}
    read = {str(i.get("key")): i.get("etag") for i in inputs}
    if any(key not in now or (etag and now[key] != etag) for key, etag in read.items()):
        return True
    return any(o.key not in read for o in objects if not o.mirror)


def _summarise(
    source: Source,
    objects: list[InventoryObject],
    canonical: dict[str, str],
    manifests: list[IngestManifest],
) -> SourceInventory:
    main = [o for o in objects if not o.mirror]
    uncounted = sum(1 for o in main if o.records is None)
    manifest = next((m for m in manifests if m.source == source.id and m.error is None), None)
    return SourceInventory(
        source=source.id,
        family=source.family,
        approval=source.approval,
        canonical_location=canonical.get(source.id),
        objects=len(main),
        bytes=sum(o.size for o in main),
        records=None if uncounted or not main else sum(o.records or 0 for o in main),
        uncounted=uncounted,
        mirror_objects=len(objects) - len(main),
        ingested=manifest.records if manifest else None,
        manifest_key=manifest.key if manifest else None,
        stale=manifest.stale if manifest else False,
    )


def _mirrors(
    registry: Registry, by_source: dict[str, list[InventoryObject]], canonical: dict[str, str]
) -> Iterable[Mirror]:
    for source in registry.sources:
        for location in source.locations():
            hits = [o for o in by_source[source.id] if o.mirror and o.location == location]
            if hits:
                yield Mirror(
                    source=source.id,
                    canonical=canonical[source.id],
                    mirror=location,
                    objects=len(hits),
                    bytes=sum(o.size for o in hits),
                )
