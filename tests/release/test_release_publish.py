"""Publishing: layout, atomicity, write-once versions, resumption, gc, reproducible manifests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from mhds.gates.distribution import estimate_tokens
from mhds.release import (
    CURRICULUM_NAME,
    MANIFEST_NAME,
    ReleaseError,
    ReleaseExistsError,
    ReleaseNotFoundError,
    ReleaseReader,
    ReleaseWriter,
    gc_releases,
    list_unpublished,
    list_versions,
    manifest_bytes,
    manifest_digest_without,
    read_manifest,
    verify_release,
)
from mhds.store import S3Store
from mhds.store.base import Store
from tests.release.test_release_cases import (
    RELEASES,
    fill,
    make_split_record,
    publish,
    sample_records,
    snapshot,
)

V1 = "v2026-11-25"
V2 = "v2026-11-25.1"
ROOT = Path(__file__).resolve().parents[2]
KILLED_BUILD = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from mhds.store import open_store
from mhds.release import ReleaseWriter
from tests.release.test_release_cases import RELEASES, fill, sample_records
store = open_store(sys.argv[1])
writer = ReleaseWriter(store, RELEASES, sys.argv[2], max_shard_records=5)
fill(writer, store, sample_records())
os.kill(os.getpid(), signal.SIGKILL)  # after shards and files, before the manifest
"""


def test_publish_layout_and_manifest(store: Store) -> None:
    manifest = publish(store, V1)
    folder = f"{RELEASES}{V1}/"
    keys = [info.key[len(folder) :] for info in store.list(folder)]
    assert keys == sorted(
        [
            "audit.jsonl",
            CURRICULUM_NAME,
            *(f"data/train/part-{i:05d}.jsonl.zst" for i in range(5)),
            "data/val/part-00000.jsonl.zst",
            "data/test/part-00000.jsonl.zst",
            MANIFEST_NAME,
            "reports/overview.html",
            "reports/pii.json",
        ]
    )
    assert [s.split for s in manifest.shards] == ["train"] * 5 + ["val", "test"]
    assert [s.records for s in manifest.shards] == [5, 5, 5, 5, 2, 3, 5]
    assert manifest.total_records("train") == 22
    assert manifest.total_records() == 30
    assert manifest.shards[0].families == ("crisis", "reasoning")
    assert manifest.counts["therapy"]["train"].records == 12
    assert set(manifest.counts["voice"]) == {"test"}
    assert manifest.holdout_families == ("voice",)
    assert manifest.reports == ("reports/overview.html", "reports/pii.json")
    assert [f.key for f in manifest.files] == [
        "audit.jsonl",
        CURRICULUM_NAME,
        "reports/overview.html",
        "reports/pii.json",
    ]
    assert [g["gate"] for g in manifest.gates] == ["pii", "bias"]
    assert manifest.gates[1]["passed"] and manifest.gates[1]["waivers"][0]["who"] == "QA"
    assert manifest.waivers[0]["scope"] == "family:crisis"
    assert manifest.created == "2026-11-25T12:00:00Z"
    assert manifest.audit_head and manifest.audit_head.startswith("sha256:")
    assert store.read_bytes(folder + MANIFEST_NAME) == manifest_bytes(manifest)
    assert read_manifest(store, folder) == manifest
    report = verify_release(store, folder)
    assert report.ok, report.problems
    assert (report.shards, report.records) == (7, 30)


def test_shards_rotate_by_size_and_records(store: Store) -> None:
    records = sample_records((("therapy", "train", 9),))
    line = len(records[0].to_json()) + 1
    with ReleaseWriter(store, RELEASES, V1, max_shard_bytes=line * 4) as writer:
        _, audit = fill(writer, store, records)
        manifest = writer.publish(code_version="x", registry_hash="r", config_hash="c", audit=audit)
    assert [s.records for s in manifest.shards] == [4, 4, 1]
    assert verify_release(store, f"{RELEASES}{V1}/").ok


def test_token_estimate_is_ceil_of_chars_over_four() -> None:
    assert [estimate_tokens(t) for t in ("", "a", "abcd", "abcde")] == [0, 1, 1, 2]


def test_two_builds_give_identical_manifests_but_version_time_and_audit(store: Store) -> None:
    first = publish(store, V1)
    second = publish(store, V2, sample_records())
    assert first.version != second.version
    # The audit log's publish entry names the version: its bytes and head differ.
    run = ("version", "created", "audit_head", "files")
    assert manifest_digest_without(first, run) == manifest_digest_without(second, run)
    assert manifest_digest_without(first) != manifest_digest_without(second)
    assert first.content_digest == second.content_digest
    assert [f for f in first.files if f.key != "audit.jsonl"] == [
        f for f in second.files if f.key != "audit.jsonl"
    ]
    for a, b in zip(first.shards, second.shards, strict=True):
        assert store.read_bytes(f"{RELEASES}{V1}/{a.key}") == store.read_bytes(
            f"{RELEASES}{V2}/{b.key}"
        )


def test_a_published_version_is_never_overwritten(store: Store) -> None:
    publish(store, V1)
    before = snapshot(store)
    with pytest.raises(ReleaseExistsError, match=V1):
        publish(store, V1, sample_records((("therapy", "train", 3),)))
    assert snapshot(store) == before


def test_publish_refuses_when_the_version_appeared_meanwhile(store: Store) -> None:
    late = ReleaseWriter(store, RELEASES, V1)
    publish(store, V1)
    manifest = store.read_bytes(f"{RELEASES}{V1}/{MANIFEST_NAME}")
    with pytest.raises(ReleaseExistsError):
        late.publish(code_version="x", registry_hash="r", config_hash="c")
    assert store.read_bytes(f"{RELEASES}{V1}/{MANIFEST_NAME}") == manifest


def test_a_writer_that_loses_the_race_leaves_the_published_release_alone(store: Store) -> None:
    late = ReleaseWriter(store, RELEASES, V1, max_shard_records=5)
    late.write_all(sample_records())  # the same shard keys as the winner's
    publish(store, V1)
    published = snapshot(store, f"{RELEASES}{V1}/")
    with pytest.raises(ReleaseExistsError), late:
        late.publish(code_version="x", registry_hash="r", config_hash="c")
    assert snapshot(store, f"{RELEASES}{V1}/") == published
    assert verify_release(store, f"{RELEASES}{V1}/").ok


def test_an_abort_also_removes_what_a_killed_attempt_left(store: Store) -> None:
    # A killed attempt at this version got as far as its files; the rerun fails its gates.
    store.write_bytes(f"{RELEASES}{V1}/reports/pii.json", b"{}")
    store.write_bytes(f"{RELEASES}{V1}/data/test/part-00007.jsonl.zst", b"left over")
    with ReleaseWriter(store, RELEASES, V1) as writer:
        writer.write_all(sample_records())
        writer.flush()
        writer.abort()
    assert [i.key for i in store.list(RELEASES)] == []


def test_aborted_publish_is_invisible_and_a_rerun_completes_it(store: Store) -> None:
    with (
        pytest.raises(RuntimeError),
        ReleaseWriter(store, RELEASES, V1, max_shard_records=5) as writer,
    ):
        fill(writer, store, sample_records())
        writer.write(make_split_record("therapy", "train", 99))  # an open, partial shard
        raise RuntimeError("killed before the manifest")
    # The aborted writer removed what it wrote: closed shards, files, and the open shard.
    assert [i.key for i in store.list(RELEASES)] == []
    assert list_versions(store, RELEASES) == [] and list_unpublished(store, RELEASES) == []
    with pytest.raises(ReleaseNotFoundError):
        ReleaseReader(store)

    # A killed process cannot clean up: its closed shards stay, invisible without a manifest.
    for i in range(4):
        store.write_bytes(f"{RELEASES}{V1}/data/train/part-{i:05d}.jsonl.zst", b"left over")
    assert list_versions(store, RELEASES) == []
    assert list_unpublished(store, RELEASES) == [V1]
    with pytest.raises(ReleaseNotFoundError):
        ReleaseReader(store, V1)
    assert verify_release(store, f"{RELEASES}{V1}/").codes() == {"missing_manifest"}

    # The rerun writes fewer shards: the killed run's extra shards must not survive.
    fewer = sample_records((("therapy", "train", 6), ("voice", "test", 1)))
    manifest = publish(store, V1, fewer)
    assert list_versions(store, RELEASES) == [V1]
    assert list_unpublished(store, RELEASES) == []
    report = verify_release(store, f"{RELEASES}{V1}/")
    assert report.ok, report.problems
    reader = ReleaseReader(store, V1)
    assert list(reader.iter_split("train")) == [r for r in fewer if r.metadata.split == "train"]
    assert manifest.total_records() == 7


def test_a_build_killed_mid_publish_leaves_no_release_and_the_rerun_completes(
    store: Store,
) -> None:
    env = dict(os.environ)
    if isinstance(store, S3Store):
        env["AWS_ENDPOINT_URL_S3"] = store.settings.endpoint_url or ""
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, store.uri, V1], env=env, timeout=120, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    assert [i.key for i in store.list(f"{RELEASES}{V1}/data/")]
    assert list_versions(store, RELEASES) == []
    with pytest.raises(ReleaseNotFoundError):
        ReleaseReader(store, V1)
    publish(store, V1)
    report = verify_release(store, f"{RELEASES}{V1}/")
    assert report.ok, report.problems
    assert list_versions(store, RELEASES) == [V1]


def test_gc_removes_leftovers_but_never_a_release(store: Store) -> None:
    publish(store, V1)
    published = snapshot(store, f"{RELEASES}{V1}/")
    # A process killed after writing its shards: no abort ran, so they stay behind.
    writer = ReleaseWriter(store, RELEASES, V2, max_shard_records=5)
    writer.write_all(sample_records())
    writer.flush()
    store.write_bytes(f"{RELEASES}notes.txt", b"not a version folder")
    leftovers = sorted(i.key for i in store.list(f"{RELEASES}{V2}/"))
    assert leftovers
    assert gc_releases(store, RELEASES, older_than=timedelta(hours=1)) == []
    assert gc_releases(store, RELEASES, dry_run=True) == leftovers
    assert sorted(i.key for i in store.list(f"{RELEASES}{V2}/")) == leftovers
    assert gc_releases(store, RELEASES) == leftovers
    assert list(store.list(f"{RELEASES}{V2}/")) == []
    assert snapshot(store, f"{RELEASES}{V1}/") == published
    assert store.exists(f"{RELEASES}notes.txt")
    assert gc_releases(store, RELEASES) == []


def test_holdout_records_outside_test_are_refused(store: Store) -> None:
    records = sample_records((("therapy", "train", 2), ("voice", "train", 1)))
    with ReleaseWriter(store, RELEASES, V1) as writer:
        fill(writer, store, records)
        with pytest.raises(ReleaseError, match="voice/train"):
            writer.publish(
                code_version="x", registry_hash="r", config_hash="c", holdout_families=["voice"]
            )
    assert list_versions(store, RELEASES) == []


@pytest.mark.parametrize(
    ("key", "match"),
    [(MANIFEST_NAME, "reserved"), ("data/train/x.jsonl.zst", "reserved"), ("/abs", "invalid")],
)
def test_add_file_refuses_reserved_keys(store: Store, key: str, match: str) -> None:
    writer = ReleaseWriter(store, RELEASES, V1)
    with pytest.raises(Exception, match=match):
        writer.add_file(key, b"x")


def test_writer_checks_its_inputs(store: Store) -> None:
    writer = ReleaseWriter(store, RELEASES, V1)
    with pytest.raises(ReleaseError, match="no split"):
        writer.write(make_split_record("therapy", None, 1))
    with pytest.raises(ReleaseError, match="curriculum"):
        writer.publish(code_version="x", registry_hash="r", config_hash="c")
    writer.add_file(CURRICULUM_NAME, b"phases: []\n")
    with pytest.raises(ReleaseError, match="already added"):
        writer.add_file(CURRICULUM_NAME, b"phases: []\n")
    with pytest.raises(ReleaseError):
        ReleaseWriter(store, RELEASES, V1, max_shard_records=0)
    with pytest.raises(Exception, match="invalid release version"):
        ReleaseWriter(store, RELEASES, "2026-11-25")
