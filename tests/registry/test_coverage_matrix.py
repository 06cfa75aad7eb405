"""The coverage matrix rules, and the write-once inventory report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mhds.errors import ObjectExistsError
from mhds.records import codec
from mhds.registry import (
    Coverage,
    FamilyCoverage,
    Registry,
    compute_coverage,
    take_inventory,
    write_inventory_report,
)
from mhds.store import LocalStore, Store

SECRET = "my therapist is Dr. Jane Roe at 555-0100"
NOW = datetime(2026, 11, 25, 11, 15, 7, tzinfo=UTC)


def _registry(families: list[dict[str, Any]], sources: list[dict[str, Any]]) -> Registry:
    return Registry.model_validate(
        {"stages": [{"id": "s1", "order": 1}], "families": families, "sources": sources}
    )


def _family(name: str, min_records: int = 3, required: bool = True) -> dict[str, Any]:
    return {"name": name, "stage": "s1", "required": required, "min_records": min_records}


def _source(sid: str, family: str, prefix: str, approval: str = "approved") -> dict[str, Any]:
    return {
        "id": sid,
        "family": family,
        "prefixes": [prefix],
        "adapter": "chatml",
        "license": "MIT",
        "approval": approval,
    }


def _lines(n: int) -> bytes:
    return b"".join(codec.dumps({"text": SECRET, "i": i}) + b"\n" for i in range(n))


def _coverage(store: Store, registry: Registry, **kwargs: Any) -> dict[str, FamilyCoverage]:
    inventory = take_inventory(store, registry, **kwargs)
    return {row.family: row for row in compute_coverage(inventory, registry).families}


@pytest.fixture()
def local(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_missing_without_source_or_objects(local: LocalStore) -> None:
    registry = _registry(
        [_family("declared"), _family("undeclared")], [_source("s", "declared", "raw/s/")]
    )
    rows = _coverage(local, registry)
    assert (rows["declared"].status, rows["declared"].next_action) == (
        "missing",
        "upload s to raw/s/",
    )
    assert (rows["undeclared"].status, rows["undeclared"].next_action) == (
        "missing",
        "declare a source for undeclared in the registry",
    )
    assert rows["declared"].records is None and rows["declared"].records_basis == "unknown"
    assert rows["declared"].evidence == () and rows["declared"].evidence_total == 0


@pytest.mark.parametrize(
    ("approval", "action"),
    [
        ("pending", "approve licence of source s"),
        ("rejected", "replace rejected source(s) s: declare and upload an approved source for f"),
    ],
)
def test_unapproved_sources_are_partial(local: LocalStore, approval: str, action: str) -> None:
    local.write_bytes("raw/s/a.jsonl", _lines(10))
    rows = _coverage(local, _registry([_family("f")], [_source("s", "f", "raw/s/", approval)]))
    assert (rows["f"].status, rows["f"].next_action, rows["f"].records) == ("partial", action, 10)


def test_below_min_records_is_partial(local: LocalStore) -> None:
    local.write_bytes("raw/s/a.jsonl", _lines(2))
    local.write_bytes("raw/p/a.jsonl", _lines(5))
    registry = _registry(
        [_family("f", min_records=10)],
        [_source("s", "f", "raw/s/"), _source("p", "f", "raw/p/", "pending")],
    )
    row = _coverage(local, registry)["f"]
    assert (row.status, row.records, row.records_basis) == ("partial", 2, "estimate")
    assert row.next_action == (
        "acquire 8 more records for f (have 2 of 10); or approve licence of source p"
    )


def test_unknown_count_needs_ingest(local: LocalStore) -> None:
    local.write_bytes("raw/s/a.jsonl", _lines(20))
    registry = _registry([_family("f")], [_source("s", "f", "raw/s/")])
    row = _coverage(local, registry, count_records_below=10)["f"]
    assert (row.status, row.records, row.next_action) == (
        "partial",
        None,
        "run mhds ingest --source s",
    )


def test_present_from_raw_estimate_then_from_ingest(local: LocalStore) -> None:
    local.write_bytes("raw/s/a.jsonl", _lines(4))
    registry = _registry([_family("f")], [_source("s", "f", "raw/s/")])
    row = _coverage(local, registry)["f"]
    assert (row.status, row.records, row.records_basis) == ("present", 4, "estimate")
    assert row.next_action == "run mhds ingest --source s"
    [info] = list(local.list("raw/"))
    manifest = {
        "source_id": "s",
        "family": "f",
        "records": 3,
        "quarantined": 1,
        "inputs": [{"key": info.key, "etag": info.etag, "size": info.size}],
    }
    local.write_bytes("processed/f/s/_manifest.json", codec.dumps(manifest))
    row = _coverage(local, registry)["f"]
    assert (row.status, row.records, row.records_basis, row.next_action) == (
        "present",
        3,
        "ingested",
        "none",
    )
    assert row.evidence == ("raw/s/a.jsonl", "processed/f/s/_manifest.json")
    # The raw object changes after the ingest: the counts still stand, but re-ingest.
    local.write_bytes("raw/s/a.jsonl", _lines(6))
    row = _coverage(local, registry)["f"]
    assert row.next_action == "re-run mhds ingest --source s (raw objects changed)"


def test_ingested_count_below_min_records(local: LocalStore) -> None:
    manifest = {"source_id": "s", "family": "f", "records": 1, "inputs": []}
    local.write_bytes("processed/f/s/_manifest.json", codec.dumps(manifest))
    registry = _registry([_family("f", min_records=5)], [_source("s", "f", "raw/s/")])
    row = _coverage(local, registry)["f"]
    assert (row.status, row.records, row.records_basis) == ("partial", 1, "ingested")
    assert row.next_action == "acquire 4 more records for f (have 1 of 5)"


def test_required_first_summary_and_evidence_cap(local: LocalStore) -> None:
    for i in range(25):
        local.write_bytes(f"raw/many/{i:02d}.jsonl", _lines(1))
    registry = _registry(
        [_family("optional", required=False), _family("many"), _family("absent")],
        [_source("many", "many", "raw/many/"), _source("opt", "optional", "raw/opt/")],
    )
    coverage = compute_coverage(take_inventory(local, registry), registry)
    assert [r.family for r in coverage.families] == ["many", "absent", "optional"]
    many = coverage.families[0]
    assert many.status == "present" and many.records == 25
    assert len(many.evidence) == 20 and many.evidence_total == 25
    summary = coverage.summary
    assert (summary.required_present, summary.required_partial, summary.required_missing) == (
        1,
        0,
        1,
    )
    assert (summary.present, summary.missing) == (1, 2)


def _report_registry() -> Registry:
    return _registry([_family("f"), _family("g", required=False)], [_source("s", "f", "raw/s/")])


def test_report_is_written_once_per_folder(store: Store) -> None:
    store.write_bytes("raw/s/a.jsonl", _lines(4))
    store.write_bytes("raw/unknown|odd`name.txt", b"x")
    registry = _report_registry()
    inventory = take_inventory(store, registry)
    coverage = compute_coverage(inventory, registry)
    folder = write_inventory_report(store, inventory, coverage, now=NOW)
    assert folder == "inventory/2026-11-25T111507Z"
    files = {info.key: store.read_bytes(info.key) for info in store.list("inventory/")}
    assert sorted(files) == [
        f"{folder}/{n}" for n in ("coverage.json", "coverage.md", "inventory.json")
    ]
    assert Coverage.model_validate(codec.loads(files[f"{folder}/coverage.json"])) == coverage
    assert codec.loads(files[f"{folder}/inventory.json"])["objects"][0]["key"] == "raw/s/a.jsonl"
    for data in files.values():
        assert SECRET.encode() not in data
    markdown = files[f"{folder}/coverage.md"].decode()
    assert "| family | required | status | records | evidence | next action |" in markdown
    assert (
        "| f | yes | present | 4 / 3 (estimate) | `raw/s/a.jsonl` | run mhds ingest --source s |"
        in markdown
    )
    assert (
        "| g | no | missing | unknown / 3 | - | declare a source for g in the registry |"
        in markdown
    )
    assert "`raw/unknown\\|odd'name.txt`" in markdown

    again = write_inventory_report(store, inventory, coverage, now=NOW)
    third = write_inventory_report(store, inventory, coverage, now=NOW)
    assert (again, third) == (f"{folder}-1", f"{folder}-2")
    assert store.read_bytes(f"{folder}/coverage.md") == files[f"{folder}/coverage.md"]
    with pytest.raises(ObjectExistsError):
        store.put_if_absent(f"{folder}/coverage.md", b"overwrite")
    # Reports live under the layout's own prefix: the next inventory does not list them.
    assert take_inventory(store, registry).unmapped == ("raw/unknown|odd`name.txt",)


def test_report_folder_taken_by_a_stray_file(local: LocalStore) -> None:
    local.write_bytes("inventory/2026-11-25T111507Z/notes.txt", b"someone else's")
    registry = _report_registry()
    inventory = take_inventory(local, registry)
    coverage = compute_coverage(inventory, registry)
    naive = NOW.replace(tzinfo=None)  # naive times are taken as UTC
    assert write_inventory_report(local, inventory, coverage, now=naive).endswith("Z-1")
