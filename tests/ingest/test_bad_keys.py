"""A listed object whose key the store cannot address (``..``, ``.`` or empty segments: S3
allows them) is quarantined as ``bad_key``; ingest and the build go on with the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mhds.audit import AuditLog
from mhds.errors import NothingIngestedError
from mhds.ingest import ingest_source, ingest_sources, select_objects
from mhds.ingest.processed import iter_records, read_manifest
from mhds.pipeline.run import build_release
from mhds.records import codec
from mhds.registry.inventory import take_inventory
from mhds.store import LocalStore, S3Settings, S3Store
from mhds.store.base import ObjectInfo
from mhds.store.s3 import make_client
from mhds.store.streams import iter_jsonl
from tests.ingest.test_run import chat, make_registry, write_lines
from tests.pipeline import build_cases

GOOD = [codec.dumps(chat("I can't sleep.", "How long has this been going on?"))]
BAD_KEYS = ["raw/chats/../escape.jsonl", "raw/chats/./dot.jsonl", "raw/chats//empty.jsonl"]


def _put_raw(store: S3Store, settings: S3Settings, key: str, body: bytes) -> None:
    """Write ``key`` exactly as given, past S3Store's key check (as another tool could)."""
    make_client(settings).put_object(Bucket=store.bucket, Key=key, Body=body)


def _quarantined(store: Any, build: str = "b1") -> list[dict[str, Any]]:
    return [entry for _, entry in iter_jsonl(store, f"quarantine/{build}/chats.jsonl")]


def test_s3_keys_with_dot_segments_are_quarantined_and_ingest_goes_on(
    s3_store: S3Store, s3_settings: S3Settings
) -> None:
    write_lines(s3_store, "raw/chats/a.jsonl", GOOD)
    for key in BAD_KEYS:
        _put_raw(s3_store, s3_settings, key, GOOD[0] + b"\n")
    _put_raw(s3_store, s3_settings, "raw/chats/folder/", b"")  # a console's folder marker
    listed = {o.key for o in s3_store.list("raw/chats/")}
    assert set(BAD_KEYS) <= listed  # S3 keeps them verbatim
    registry = make_registry()
    assert "raw/chats/folder/" not in {
        o.key for o in select_objects(s3_store, registry, registry.source("chats"))
    }

    audit = AuditLog.open(s3_store, "audit/b1.jsonl")
    result = ingest_source(s3_store, registry, "chats", build_id="b1", audit=audit)

    assert result.records == 1
    assert result.objects == 1 + len(BAD_KEYS)
    assert dict(result.quarantined) == {"bad_key": len(BAD_KEYS)}
    entries = _quarantined(s3_store)
    assert sorted(e["key"] for e in entries) == sorted(BAD_KEYS)
    for entry in entries:
        assert entry["reason"] == "bad_key" and entry["locator"] == "object"
        assert entry["source_key"] == f"s3://{s3_store.bucket}/{entry['key']}"
        assert entry["item"] is None  # never read
    manifest = read_manifest(s3_store, registry, "chats")
    assert manifest["quarantine_reasons"] == {"bad_key": len(BAD_KEYS)}
    # Every listed object is an input of the run (a new bad key changes the run id).
    assert {i["key"] for i in manifest["inputs"]} == {"raw/chats/a.jsonl", *BAD_KEYS}
    assert [r.metadata.source_key for r in iter_records(s3_store, manifest)] == [
        "raw/chats/a.jsonl"
    ]
    [event] = [e for _, e in iter_jsonl(s3_store, audit.key)]
    assert f"s3://{s3_store.bucket}/raw/chats/../escape.jsonl" in event["inputs"]
    # Unchanged inputs: the rerun is skipped, not re-quarantined.
    assert ingest_source(s3_store, registry, "chats", build_id="b2").up_to_date


def test_a_source_of_only_bad_keys_ingests_nothing_loudly(
    s3_store: S3Store, s3_settings: S3Settings
) -> None:
    _put_raw(s3_store, s3_settings, "raw/chats/../only.jsonl", GOOD[0] + b"\n")
    with pytest.raises(NothingIngestedError, match="bad_key=1") as raised:
        ingest_source(s3_store, make_registry(), "chats", build_id="b1")
    assert raised.value.exit_code == 3  # not 2: the registry is fine, the input is not
    assert [e["reason"] for e in _quarantined(s3_store)] == ["bad_key"]


def test_other_sources_of_the_run_are_ingested(s3_store: S3Store, s3_settings: S3Settings) -> None:
    write_lines(s3_store, "raw/chats/a.jsonl", GOOD)
    _put_raw(s3_store, s3_settings, "raw/chats/../escape.jsonl", GOOD[0] + b"\n")
    registry = make_registry(prefixes=["raw/chats/"])
    run = ingest_sources(s3_store, registry, ["chats"], build_id="b1")
    assert [(r.source_id, r.records, dict(r.quarantined)) for r in run.results] == [
        ("chats", 1, {"bad_key": 1})
    ]


def test_a_build_goes_on_past_a_bad_key(s3_store: S3Store, s3_settings: S3Settings) -> None:
    # The issue: one such key stopped the whole build with exit 2.
    build_cases.seed_store(s3_store)
    _put_raw(s3_store, s3_settings, "raw/therapy/../escape.jsonl", GOOD[0] + b"\n")
    registry = build_cases.make_registry()
    result = build_release(s3_store, registry, build_cases.fast_config(), today=build_cases.TODAY)
    assert result.published
    assert result.counts["records"] == 90  # every good record of every source
    [therapy] = [row for row in result.funnel if row["source"] == "therapy_chats"]
    assert therapy["quarantined"] == {"bad_key": 1}


def test_inventory_lists_a_bad_key_without_reading_it(
    s3_store: S3Store, s3_settings: S3Settings
) -> None:
    write_lines(s3_store, "raw/chats/a.jsonl", GOOD)
    _put_raw(s3_store, s3_settings, "raw/chats/../escape.jsonl", GOOD[0] + b"\n")
    inventory = take_inventory(s3_store, make_registry())
    by_key = {o.key: o for o in inventory.objects}
    assert by_key["raw/chats/../escape.jsonl"].error == "bad_key"
    assert by_key["raw/chats/../escape.jsonl"].records is None
    assert by_key["raw/chats/a.jsonl"].records == 1


class _ListsBadKeys(LocalStore):
    """A local folder whose listing also holds keys a folder cannot (as a sync tool's
    manifest or another backend could list them)."""

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        yield from super().list(prefix)
        for key in BAD_KEYS:
            if key.startswith(prefix):
                yield ObjectInfo(key=key, size=10, etag="x", last_modified=None)


def test_local_listing_with_bad_keys_is_quarantined(tmp_path: Path) -> None:
    store = _ListsBadKeys(tmp_path / "store")
    write_lines(store, "raw/chats/a.jsonl", GOOD)
    result = ingest_source(store, make_registry(), "chats", build_id="b1")
    assert result.records == 1
    assert dict(result.quarantined) == {"bad_key": len(BAD_KEYS)}
    root = str(store.root)
    assert sorted(e["source_key"] for e in _quarantined(store)) == sorted(
        f"{root}/{key}" for key in BAD_KEYS
    )
