"""Read back what ingest wrote: the per-source manifest and its records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from mhds.errors import InputError, ObjectNotFoundError
from mhds.records import codec
from mhds.records.schema import Record
from mhds.records.validate import Reason
from mhds.registry.schema import Registry
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import iter_lines


def read_manifest(store: Store, registry: Registry, source_id: str) -> dict[str, Any]:
    """The current ingest manifest of ``source_id``.

    Raises:
        ObjectNotFoundError: the source has not been ingested.
    """
    source = registry.source(source_id)
    key = registry.layout.ingest_manifest_key(source.family, source.id)
    if not store.exists(key):
        raise ObjectNotFoundError("not ingested yet", uri=store.url_for(key), operation="read")
    manifest: dict[str, Any] = codec.loads(store.read_bytes(key))
    return manifest


def iter_records(store: Store, manifest: dict[str, Any]) -> Iterator[Record]:
    """Stream the records of every shard named in ``manifest``, in shard order.

    Raises:
        InputError: a shard line that is not a valid record (names the shard and line).
    """
    for shard in manifest["shards"]:
        yield from iter_shard_records(store, shard["key"])


def iter_shard_records(store: Store, key: str) -> Iterator[Record]:
    """Stream the canonical records of one JSONL(.zst) shard.

    Raises:
        InputError: a line that is not a valid record (names the shard and line, no text).
    """
    for line, data in iter_lines(store, key, limits=OWN_OUTPUT):
        try:
            yield Record.from_json(data)
        except msgspec.ValidationError as exc:
            raise InputError(
                Reason.BAD_METADATA, key=key, line=line, detail=str(exc)[:120]
            ) from None
        except msgspec.DecodeError:
            raise InputError(Reason.MALFORMED_JSON, key=key, line=line) from None
