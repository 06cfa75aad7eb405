"""Acceptance: a bucket laid out like the seed's (everything under ``datasets/``, one dataset
under two tiers, stray files) on the S3 server, inventoried against an explicit registry."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
import zstandard

from mhds.records import codec
from mhds.records.adapters.counselchat import COLUMNS
from mhds.registry import compute_coverage, load_registry, take_inventory, write_inventory_report
from mhds.store import S3Settings, S3Store, Store

NOW = datetime(2026, 11, 25, 11, 15, 7, tzinfo=UTC)
COUNSEL_COLUMNS = list(COLUMNS)


def _counsel_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COUNSEL_COLUMNS)
    for i in range(rows):
        writer.writerow(
            [i, i // 2, "title", "question\nover two lines", "https://x", "depression"]
            + ["Therapist", "https://t", "answer,\nwith comma", 1, 10, "train"]
        )
    return out.getvalue().encode()


def _jsonl(n: int) -> bytes:
    return b"".join(codec.dumps({"messages": [], "i": i}) + b"\n" for i in range(n))


def _seed_bucket(root: Store) -> None:
    """The seed's layout: datasets/ on top, a second tier, files nobody registered."""
    objects = {
        "datasets/raw/counsel_chat/counsel_chat.csv": _counsel_csv(30),
        "datasets/gdrive/processed/clinical_reasoning/part1.jsonl.gz": gzip.compress(_jsonl(3)),
        "datasets/gdrive/processed/clinical_reasoning/part2.jsonl.zst": (
            zstandard.ZstdCompressor().compress(_jsonl(4))
        ),
        "datasets/tier2/processed/clinical_reasoning/part1.jsonl.gz": gzip.compress(_jsonl(3)),
        "datasets/raw/crisis/scenarios.jsonl": _jsonl(50),
        "datasets/notes/readme.txt": b"notes",
        "datasets/tmp/foo.bin": b"\x00" * 10,
    }
    for key, data in objects.items():
        root.write_bytes(key, data)


def _registry_yaml(top: str) -> str:
    """The registry, with every location under ``top`` (``datasets/`` or the store root)."""
    return yaml.safe_dump(
        {
            "stages": [{"id": "stage1_foundation", "order": 1}, {"id": "stage2", "order": 2}],
            "families": [
                {"name": "professional_therapeutic", "stage": "stage1_foundation",
                 "required": True, "min_records": 20},
                {"name": "clinical_reasoning", "stage": "stage2", "required": True,
                 "min_records": 100},
                {"name": "crisis_edge", "stage": "stage2", "required": True, "min_records": 10},
                {"name": "voice_persona", "stage": "stage2", "required": True, "min_records": 5},
                {"name": "long_running_therapy", "stage": "stage2"},
            ],
            "sources": [
                {"id": "counsel_chat", "family": "professional_therapeutic",
                 "keys": [f"{top}raw/counsel_chat/counsel_chat.csv"], "adapter": "counselchat",
                 "format": "csv", "license": "MIT", "approval": "approved"},
                {"id": "gdrive_clinical", "family": "clinical_reasoning",
                 "prefixes": [f"{top}gdrive/processed/clinical_reasoning/",
                              f"{top}tier2/processed/clinical_reasoning/"],
                 "adapter": "chatml", "license": "internal", "approval": "approved"},
                {"id": "crisis_scenarios", "family": "crisis_edge",
                 "prefixes": [f"{top}raw/crisis/"], "adapter": "sharegpt",
                 "license": "unknown", "approval": "pending"},
                {"id": "voice_transcripts", "family": "voice_persona",
                 "prefixes": [f"{top}raw/voice/"], "adapter": "transcript",
                 "format": "text", "license": "internal", "approval": "approved"},
            ],
        }
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["explicit_prefix", "store_rooted_at_datasets"])
def test_seed_layout_inventory_and_coverage(
    mode: str, s3_bucket: str, s3_settings: S3Settings
) -> None:
    bucket = S3Store(s3_bucket, "", s3_settings)
    _seed_bucket(bucket)
    if mode == "explicit_prefix":  # keys relative to the bucket; the registry spells datasets/
        store, top, inventory_root = bucket, "datasets/", ""
    else:  # s3://bucket/datasets: keys are relative to it, the registry needs no prefix
        store, top, inventory_root = S3Store(s3_bucket, "datasets", s3_settings), "", "datasets/"
    registry = load_registry(_registry_yaml(top))

    inventory = take_inventory(store, registry)
    coverage = compute_coverage(inventory, registry)
    rows = {row.family: row for row in coverage.families}

    counsel = rows["professional_therapeutic"]
    assert (counsel.status, counsel.records, counsel.records_basis) == ("present", 30, "estimate")
    assert counsel.evidence == (f"{top}raw/counsel_chat/counsel_chat.csv",)
    clinical = rows["clinical_reasoning"]  # gzip 3 + zstd 4; the tier-2 copy is not counted
    assert (clinical.status, clinical.records) == ("partial", 7)
    assert clinical.next_action == (
        "acquire 93 more records for clinical_reasoning (have 7 of 100)"
    )
    crisis = rows["crisis_edge"]
    assert (crisis.status, crisis.next_action) == (
        "partial",
        "approve licence of source crisis_scenarios",
    )
    voice = rows["voice_persona"]
    assert (voice.status, voice.next_action) == (
        "missing",
        f"upload voice_transcripts to {top}raw/voice/",
    )
    assert rows["long_running_therapy"].next_action == (
        "declare a source for long_running_therapy in the registry"
    )
    assert [row.family for row in coverage.families][-1] == "long_running_therapy"
    summary = coverage.summary
    assert (summary.required_present, summary.required_partial, summary.required_missing) == (
        1,
        2,
        1,
    )
    assert coverage.unmapped == (f"{top}notes/readme.txt", f"{top}tmp/foo.bin")
    [mirror] = coverage.mirrors
    assert (mirror.source, mirror.canonical, mirror.mirror, mirror.objects) == (
        "gdrive_clinical",
        f"{top}gdrive/processed/clinical_reasoning/",
        f"{top}tier2/processed/clinical_reasoning/",
        1,
    )
    assert coverage.conflicts == ()

    folder = write_inventory_report(store, inventory, coverage, now=NOW)
    assert folder == "inventory/2026-11-25T111507Z"
    for name in ("inventory.json", "coverage.json", "coverage.md"):
        assert bucket.exists(f"{inventory_root}{folder}/{name}")
    first = bucket.read_bytes(f"{inventory_root}{folder}/coverage.json")
    assert codec.loads(first)["summary"]["required_missing"] == 1
    again = write_inventory_report(store, inventory, coverage, now=NOW)
    assert again == f"{folder}-1"
    assert bucket.read_bytes(f"{inventory_root}{folder}/coverage.json") == first
    markdown = bucket.read_bytes(f"{inventory_root}{again}/coverage.md").decode()
    assert "| voice_persona | yes | missing |" in markdown
    assert f"`{top}tier2/processed/clinical_reasoning/`" in markdown


def test_real_counsel_chat_counts_answers(
    shared_data: Path, s3_bucket: str, s3_settings: S3Settings
) -> None:
    """The real CSV has answers spanning lines: inventory counts rows (answers), not lines."""
    store = S3Store(s3_bucket, "datasets", s3_settings)
    data = (shared_data / "counsel_chat.csv").read_bytes()
    store.write_bytes("raw/counsel_chat/counsel_chat.csv", data)
    registry = load_registry(_registry_yaml(""))
    inventory = take_inventory(store, registry)
    [obj] = inventory.objects
    assert (obj.records, obj.malformed, obj.error) == (2129, 0, None)
    row = compute_coverage(inventory, registry).families[0]
    assert (row.family, row.status, row.records) == ("professional_therapeutic", "present", 2129)
