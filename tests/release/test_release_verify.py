"""``verify_release``: every problem has a stable code, a key, a line where it applies, no text."""

from __future__ import annotations

import hashlib
import json

import pytest
import zstandard

from mhds.release import (
    MANIFEST_NAME,
    Manifest,
    ReleaseReader,
    ReleaseWriter,
    ShardIntegrityError,
    content_digest,
    manifest_bytes,
    read_manifest,
    verify_release,
)
from mhds.release.verify import MAX_LINE_PROBLEMS
from mhds.store.base import Store
from tests.release.test_release_cases import RELEASES, fill, make_split_record, publish

V0 = "v2026-11-24"
V1 = "v2026-11-25"
FOLDER = f"{RELEASES}{V1}/"


def flip_byte(store: Store, key: str) -> None:
    data = bytearray(store.read_bytes(key))
    data[len(data) // 2] ^= 0x01
    store.write_bytes(key, bytes(data))


def rewrite_shard(store: Store, manifest: Manifest, index: int, lines: list[bytes]) -> None:
    """Replace one shard and tamper the manifest to match it (an inside job: hashes agree)."""
    shard = manifest.shards[index]
    data = zstandard.ZstdCompressor().compress(b"".join(line + b"\n" for line in lines))
    store.write_bytes(FOLDER + shard.key, data)
    fixed = shard.model_copy(
        update={"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    )
    shards = list(manifest.shards)
    shards[index] = fixed
    tampered = manifest.model_copy(update={"shards": tuple(shards)})
    tampered = tampered.model_copy(update={"content_digest": content_digest(tampered)})
    store.write_bytes(FOLDER + MANIFEST_NAME, manifest_bytes(tampered))


def test_a_corrupted_shard_fails_verify_and_the_reader(store: Store) -> None:
    manifest = publish(store, V1)
    bad = manifest.shards[1]
    flip_byte(store, FOLDER + bad.key)
    report = verify_release(store, FOLDER)
    assert not report.ok
    assert "sha256_mismatch" in report.codes()
    assert {p.key for p in report.problems} == {bad.key}

    reader = ReleaseReader(store, V1)
    seen = []
    with pytest.raises(ShardIntegrityError) as caught:
        for record in reader.iter_split("train"):
            seen.append(record)
    assert caught.value.key == bad.key
    assert bad.key in str(caught.value)
    # Only the intact first shard was yielded; nothing of the corrupted one.
    assert len(seen) == manifest.shards[0].records


def test_missing_manifest_missing_shard_and_unlisted_object(store: Store) -> None:
    assert verify_release(store, FOLDER).codes() == {"missing_manifest"}
    manifest = publish(store, V1)
    store.delete(FOLDER + manifest.shards[0].key)
    store.write_bytes(FOLDER + "data/train/part-09999.jsonl.zst", b"stray")
    store.write_bytes(FOLDER + "notes.txt", b"stray")
    report = verify_release(store, FOLDER)
    problems = {(p.key, p.problem.value) for p in report.problems}
    assert problems == {
        (manifest.shards[0].key, "shard_missing"),
        ("data/train/part-09999.jsonl.zst", "unlisted_object"),
        ("notes.txt", "unlisted_object"),
    }


def test_record_level_problems_name_the_line_and_never_the_text(store: Store) -> None:
    manifest = publish(store, V1)
    train0 = manifest.shards[0]  # families crisis, reasoning
    good = make_split_record("crisis", "train", 1).to_json()
    secret = b'{"messages": "my name is Alice Example"}'
    lines = [
        good,
        secret,  # schema_error
        make_split_record("crisis", "val", 2).to_json(),  # split_mismatch
        make_split_record("therapy", "train", 3).to_json(),  # family_not_declared
        good.replace(b"cope with stress", b"cope with STRESS"),  # content hash mismatch
    ]
    rewrite_shard(store, manifest, 0, lines)
    report = verify_release(store, FOLDER)
    found = {(p.problem.value, p.line) for p in report.problems if p.key == train0.key}
    assert found == {
        ("schema_error", 2),
        ("split_mismatch", 3),
        ("family_not_declared", 4),
        ("schema_error", 5),
    }
    assert (MANIFEST_NAME, "count_mismatch") in {(p.key, p.problem.value) for p in report.problems}
    text = json.dumps(report.to_dict())
    assert "Alice" not in text and "STRESS" not in text and "cope" not in text


def test_line_problems_are_capped_per_shard(store: Store) -> None:
    manifest = publish(store, V1)
    rewrite_shard(store, manifest, 0, [b"{}"] * (MAX_LINE_PROBLEMS + 7))
    report = verify_release(store, FOLDER)
    schema = [p for p in report.problems if p.problem.value == "schema_error"]
    assert len(schema) == MAX_LINE_PROBLEMS + 1
    assert schema[-1].detail == "7 more lines not listed"


def test_holdout_family_in_train_is_reported(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Get a holdout record into train past the writer's own check, as a buggy build might.
    monkeypatch.setattr(ReleaseWriter, "_check_holdouts", lambda self, holdouts: None)
    records = [make_split_record("therapy", "train", 1), make_split_record("voice", "train", 2)]
    with ReleaseWriter(store, RELEASES, V1) as writer:
        _, audit = fill(writer, store, records)
        writer.publish(
            code_version="x",
            registry_hash="r",
            config_hash="c",
            holdout_families=["voice"],
            audit=audit,
        )
    report = verify_release(store, FOLDER)
    assert report.codes() == {"holdout_outside_test"}
    assert {(p.key, p.line) for p in report.problems} == {
        ("data/train/part-00000.jsonl.zst", None),
        ("data/train/part-00000.jsonl.zst", 2),
    }


def test_tampered_files_and_audit_head_are_reported(store: Store) -> None:
    manifest = publish(store, V1)
    store.write_bytes(FOLDER + "reports/pii.json", b'{"gate": "pii", "status": "fail"}\n')
    wrong_head = manifest.model_copy(update={"audit_head": "sha256:" + "0" * 64})
    store.write_bytes(FOLDER + MANIFEST_NAME, manifest_bytes(wrong_head))
    store.delete(FOLDER + "reports/overview.html")
    problems = {(p.key, p.problem.value) for p in verify_release(store, FOLDER).problems}
    assert problems == {
        ("reports/pii.json", "sha256_mismatch"),
        ("reports/overview.html", "file_missing"),
        ("audit.jsonl", "audit_invalid"),
    }


def test_a_manifest_whose_content_digest_disagrees_is_reported(store: Store) -> None:
    manifest = publish(store, V1)
    assert manifest.content_digest == content_digest(manifest)
    # Counts edited by hand (shards untouched): the digest no longer covers what is listed.
    family, splits = next(iter(manifest.counts.items()))
    split, count = next(iter(splits.items()))
    edited = {**manifest.counts, family: {**splits, split: count.model_copy(update={"records": 0})}}
    store.write_bytes(
        FOLDER + MANIFEST_NAME, manifest_bytes(manifest.model_copy(update={"counts": edited}))
    )
    assert "content_digest_mismatch" in verify_release(store, FOLDER).codes()


def test_a_funnel_that_disagrees_with_the_counts_is_reported(store: Store) -> None:
    counts = publish(store, V0).counts
    rows = [
        {"source": f"{family}_chats", "family": family, "license": "MIT", "records": 0,
         "items_read": 0, "quarantined": {}, "pii_review": {}, "duplicates": {},
         "released": {split: c.records for split, c in splits.items()}}
        for family, splits in counts.items()
    ]  # fmt: skip
    manifest = publish(store, V1, funnel=rows)
    assert verify_release(store, FOLDER).ok
    rows[0]["released"] = {split: n + 1 for split, n in rows[0]["released"].items()}
    store.write_bytes(
        FOLDER + MANIFEST_NAME, manifest_bytes(manifest.model_copy(update={"funnel": tuple(rows)}))
    )
    report = verify_release(store, FOLDER)
    # The funnel no longer adds up, and it no longer matches the audit log's seal.
    assert report.codes() == {"funnel_mismatch", "seal_mismatch"}
    assert rows[0]["family"] in str(report.problems[0].detail)


def test_invalid_manifest_is_reported(store: Store) -> None:
    publish(store, V1)
    store.write_bytes(FOLDER + MANIFEST_NAME, b'{"version": "nope"}')
    report = verify_release(store, FOLDER)
    assert report.codes() == {"manifest_invalid"}
    assert not report.ok


def test_report_is_json_ready(store: Store) -> None:
    publish(store, V1)
    report = verify_release(store, FOLDER)
    data = report.to_dict()
    assert data["ok"] is True and data["version"] == V1 and data["problems"] == []
    assert data["release"].endswith(V1)
    assert read_manifest(store, FOLDER).version == V1
