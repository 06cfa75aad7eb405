"""Inventory on both backends: explicit mapping, cheap streamed counts, manifests, mirrors."""

from __future__ import annotations

import gzip
from typing import Any

import zstandard

from mhds.records import codec
from mhds.registry import Registry, take_inventory
from mhds.registry.inventory import Inventory, InventoryObject
from mhds.store import Store

SECRET = "client said their name is Jane Roe"


def _registry(sources: list[dict[str, Any]], **extra: Any) -> Registry:
    return Registry.model_validate(
        {
            "stages": [{"id": "s1", "order": 1}],
            "families": [
                {"name": "fam_a", "stage": "s1", "required": True},
                {"name": "fam_b", "stage": "s1"},
            ],
            "sources": sources,
            **extra,
        }
    )


def _source(sid: str, *locations: str, family: str = "fam_a", **extra: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "family": family,
        "keys": [loc for loc in locations if not loc.endswith("/")],
        "prefixes": [loc for loc in locations if loc.endswith("/")],
        "adapter": "chatml",
        "license": "MIT",
        "approval": "approved",
        **extra,
    }


def _jsonl(n: int, blank_lines: int = 0) -> bytes:
    lines = [
        codec.dumps({"messages": [{"role": "user", "content": SECRET}], "i": i}) for i in range(n)
    ]
    return b"\n".join(lines) + b"\n" + b"\n" * blank_lines


def _csv(rows: int) -> bytes:
    body = "".join(f'{i},"line one\nline two of {SECRET}",{i * 2}\n' for i in range(rows))
    return ("id,text,score\n" + body).encode()


def _obj(inventory: Inventory, key: str) -> InventoryObject:
    return next(o for o in inventory.objects if o.key == key)


def test_counts_every_format_and_compression(store: Store) -> None:
    store.write_bytes("raw/a/plain.jsonl", _jsonl(3, blank_lines=2))
    store.write_bytes("raw/a/packed.jsonl.gz", gzip.compress(_jsonl(5)))
    store.write_bytes("raw/a/packed.jsonl.zst", zstandard.ZstdCompressor().compress(_jsonl(7)))
    store.write_bytes("raw/a/rows.csv", _csv(4))
    store.write_bytes("raw/a/rows.tsv.gz", gzip.compress(b"a\tb\n1\t2\n3\t4\n"))
    store.write_bytes("raw/a/items.json", codec.dumps([{"x": 1}, {"x": 2}]))
    store.write_bytes("raw/a/session.txt", f"Therapist: hello\nClient: {SECRET}\n".encode())
    store.write_bytes("raw/a/blob.bin", b"\x00\x01")
    inventory = take_inventory(store, _registry([_source("a", "raw/a/")]))
    counts = {
        o.key.rsplit("/", 1)[-1]: (o.format, o.compression, o.records) for o in inventory.objects
    }
    assert counts == {
        "plain.jsonl": ("jsonl", None, 3),
        "packed.jsonl.gz": ("jsonl", "gzip", 5),
        "packed.jsonl.zst": ("jsonl", "zstd", 7),
        "rows.csv": ("csv", None, 4),
        "rows.tsv.gz": ("tsv", "gzip", 2),
        "items.json": ("json", None, 2),
        "session.txt": ("text", None, 1),
        "blob.bin": (None, None, None),
    }
    assert _obj(inventory, "raw/a/blob.bin").skipped == "unknown_format"
    plain = _obj(inventory, "raw/a/plain.jsonl")
    assert plain.size == len(_jsonl(3, blank_lines=2)) and plain.etag and plain.last_modified
    assert inventory.sources[0].records is None  # blob.bin could not be counted
    assert inventory.sources[0].uncounted == 1
    assert SECRET not in codec.dumps(inventory.model_dump(mode="json")).decode()


def test_large_and_unreadable_objects_are_not_counted(store: Store) -> None:
    store.write_bytes("raw/a/big.jsonl", _jsonl(50))
    store.write_bytes("raw/a/small.jsonl", b"{}\n")
    store.write_bytes("raw/a/broken.jsonl.gz", b"\x1f\x8b\x08\x00" + SECRET.encode())
    store.write_bytes("raw/a/broken.jsonl.zst", b"\x28\xb5\x2f\xfd" + SECRET.encode())
    store.write_bytes("raw/a/truncated.json", b'[{"x": 1}, {"x": ' + SECRET.encode())
    store.write_bytes("raw/a/ragged.csv", b"a,b\n1,2\n3\n4,5\n")
    inventory = take_inventory(store, _registry([_source("a", "raw/a/")]), count_records_below=512)
    big = _obj(inventory, "raw/a/big.jsonl")
    assert (big.records, big.skipped, big.error) == (None, "too_large", None)
    assert _obj(inventory, "raw/a/small.jsonl").records == 1
    for key in ("raw/a/broken.jsonl.gz", "raw/a/broken.jsonl.zst"):
        assert (_obj(inventory, key).records, _obj(inventory, key).error) == (
            None,
            "bad_compression",
        )
    truncated = _obj(inventory, "raw/a/truncated.json")
    assert (truncated.records, truncated.error) == (None, "malformed_json")
    ragged = _obj(inventory, "raw/a/ragged.csv")
    assert (ragged.records, ragged.malformed, ragged.error) == (2, 1, None)
    assert SECRET not in codec.dumps(inventory.model_dump(mode="json")).decode()


def test_mapping_is_explicit_and_longest_match_wins(store: Store) -> None:
    for key in (
        "raw/b/special/x.jsonl",
        "raw/b/other.jsonl",
        "raw/b/exact.jsonl",
        "raw/bb/not-b.jsonl",
        "counsel_chat_copy.jsonl",
    ):
        store.write_bytes(key, b"{}\n")
    registry = _registry(
        [
            _source("broad", "raw/b/"),
            _source("special", "raw/b/special/", family="fam_b"),
            _source("exact", "raw/b/exact.jsonl"),
        ]
    )
    inventory = take_inventory(store, registry)
    mapped = {o.key: (o.source, o.location) for o in inventory.objects}
    assert mapped["raw/b/special/x.jsonl"] == ("special", "raw/b/special/")
    assert mapped["raw/b/other.jsonl"] == ("broad", "raw/b/")
    assert mapped["raw/b/exact.jsonl"] == ("exact", "raw/b/exact.jsonl")
    # No substring guessing: raw/bb/ is not under raw/b/, and names never imply a source.
    assert inventory.unmapped == ("counsel_chat_copy.jsonl", "raw/bb/not-b.jsonl")


def test_equal_length_matches_are_conflicts(store: Store) -> None:
    store.write_bytes("raw/shared/x.jsonl", b"{}\n")
    registry = _registry([_source("one", "raw/shared/"), _source("two", "raw/shared/")])
    inventory = take_inventory(store, registry)
    assert [(c.key, c.sources) for c in inventory.conflicts] == [
        ("raw/shared/x.jsonl", ("one", "two"))
    ]
    assert _obj(inventory, "raw/shared/x.jsonl").source is None
    assert inventory.unmapped == ()
    assert [s.objects for s in inventory.sources] == [0, 0]


def test_mirrors_first_declared_location_is_canonical(store: Store) -> None:
    store.write_bytes("tier1/data/a.jsonl", _jsonl(2))
    store.write_bytes("tier2/data/a.jsonl", _jsonl(2))
    store.write_bytes("tier2/data/b.jsonl", _jsonl(1))
    store.write_bytes("tier2/only/c.jsonl", _jsonl(4))
    registry = _registry(
        [
            _source("mirrored", "tier1/data/", "tier2/data/"),
            _source("second_only", "tier1/only/", "tier2/only/", family="fam_b"),
        ]
    )
    inventory = take_inventory(store, registry)
    [mirror] = inventory.mirrors
    assert (mirror.source, mirror.canonical, mirror.mirror, mirror.objects) == (
        "mirrored",
        "tier1/data/",
        "tier2/data/",
        2,
    )
    mirrored, second = inventory.sources
    assert (mirrored.objects, mirrored.records, mirrored.mirror_objects) == (1, 2, 2)
    assert (second.canonical_location, second.records, second.mirror_objects) == (
        "tier2/only/",
        4,
        0,
    )
    assert _obj(inventory, "tier2/data/b.jsonl").mirror


def test_own_and_ignored_prefixes_are_skipped_but_manifests_read(store: Store) -> None:
    store.write_bytes("raw/a/x.jsonl", _jsonl(3))
    store.write_bytes("processed/fam_a/a/part-00000.jsonl.zst", b"not listed")
    store.write_bytes("inventory/2026-01-01T000000Z/coverage.md", b"old report")
    store.write_bytes("releases/v2026-01-01/manifest.json", b"{}")
    store.write_bytes("scratch/tmp.jsonl", b"{}\n")
    manifest = {
        "source_id": "a",
        "family": "fam_a",
        "records": 3,
        "quarantined": 0,
        "shards": [{"key": "processed/fam_a/a/part-00000.jsonl.zst", "records": 3}],
        "inputs": [{"key": "raw/a/x.jsonl", "etag": None, "size": 1}],
        "config_hash": "sha256:abc",
        "created": "2026-01-01T00:00:00+00:00",
    }
    store.write_bytes("processed/fam_a/a/_manifest.json", codec.dumps(manifest))
    registry = _registry([_source("a", "raw/a/")], ignore_prefixes=["scratch/"])
    inventory = take_inventory(store, registry)
    assert [o.key for o in inventory.objects] == ["raw/a/x.jsonl"]
    assert inventory.unmapped == () and inventory.skipped_objects == 4
    [read] = inventory.manifests
    assert (read.source, read.records, read.shards, read.error, read.stale) == (
        "a",
        3,
        1,
        None,
        False,
    )
    assert inventory.sources[0].ingested == 3
    assert inventory.sources[0].manifest_key == "processed/fam_a/a/_manifest.json"


def test_bad_and_stale_manifests(store: Store) -> None:
    store.write_bytes("raw/a/x.jsonl", _jsonl(3))
    store.write_bytes("raw/a/new.jsonl", _jsonl(1))
    base = {"family": "fam_a", "records": 3, "inputs": [{"key": "raw/a/x.jsonl"}]}
    store.write_bytes("processed/fam_a/a/_manifest.json", codec.dumps({"source_id": "a", **base}))
    store.write_bytes(
        "processed/fam_a/ghost/_manifest.json", codec.dumps({"source_id": "ghost", **base})
    )
    store.write_bytes(
        "processed/fam_b/a/_manifest.json",
        codec.dumps({"source_id": "a", **base, "family": "fam_b"}),
    )
    store.write_bytes("processed/fam_a/broken/_manifest.json", b"{not json")
    store.write_bytes("processed/fam_a/short/_manifest.json", codec.dumps({"source_id": "a"}))
    inventory = take_inventory(store, _registry([_source("a", "raw/a/")]))
    errors = {"/".join(m.key.split("/")[1:3]): (m.error, m.stale) for m in inventory.manifests}
    assert errors == {
        "fam_a/a": (None, True),  # raw/a/new.jsonl was never ingested
        "fam_a/broken": ("malformed_manifest", False),
        "fam_a/ghost": ("unknown_source", False),
        "fam_a/short": ("malformed_manifest", False),
        "fam_b/a": ("family_mismatch", False),
    }
    assert inventory.sources[0].stale and inventory.sources[0].ingested == 3


def test_source_format_and_items_path_override_suffix(store: Store) -> None:
    store.write_bytes("raw/a/export.data", _jsonl(4))
    store.write_bytes("raw/b/dump.json", codec.dumps({"meta": {}, "data": [1, 2, 3]}))
    registry = _registry(
        [
            _source("a", "raw/a/", format="jsonl"),
            _source("b", "raw/b/", family="fam_b", items_path="data.item"),
        ]
    )
    inventory = take_inventory(store, registry)
    assert (
        _obj(inventory, "raw/a/export.data").format,
        _obj(inventory, "raw/a/export.data").records,
    ) == ("jsonl", 4)
    assert _obj(inventory, "raw/b/dump.json").records == 3


def test_empty_store(store: Store) -> None:
    inventory = take_inventory(store, _registry([_source("a", "raw/a/")]))
    assert inventory.objects == () and inventory.unmapped == ()
    assert inventory.sources[0].objects == 0 and inventory.sources[0].records is None
    assert inventory.store == store.uri


def test_the_store_marker_is_never_unmapped(store: Store) -> None:
    from mhds.store import STORE_MARKER_KEY, initialise_store

    assert initialise_store(store)
    store.write_bytes("notes/readme.txt", b"hello\n")
    inventory = take_inventory(store, _registry([_source("a", "raw/a/")]))
    assert inventory.unmapped == ("notes/readme.txt",)
    assert STORE_MARKER_KEY not in [o.key for o in inventory.objects]
    assert inventory.skipped_objects == 1
