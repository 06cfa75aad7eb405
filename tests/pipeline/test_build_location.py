"""Results do not depend on where the data sits: the same sources in a local folder and in a
bucket give the same record ids and the same release content; a store copied to another
folder rebuilds the same release and compares cleanly against its own previous one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mhds.pipeline.run import build_release
from mhds.records.schema import Record
from mhds.release import ReleaseReader, read_manifest, verify_release
from mhds.store import LocalStore, S3Store
from mhds.store.base import Store
from tests.pipeline.build_cases import (
    RELEASES,
    SPLITS,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    seed_store,
)


def _released(store: Store, version: str) -> list[Record]:
    reader = ReleaseReader(store, version, releases_prefix=RELEASES)
    return sorted(
        (r for split in SPLITS for r in reader.iter_split(split)), key=lambda r: r.metadata.id
    )


def test_a_local_and_an_s3_build_of_the_same_sources_are_the_same_release(
    tmp_path: Path, s3_store: S3Store
) -> None:
    local = LocalStore(tmp_path / "somewhere" / "store")
    registry, config = make_registry(), fast_config()
    results = []
    for store in (local, s3_store):
        seed_store(store)
        results.append(build_release(store, registry, config, today=TODAY))
    digests = {read_manifest(s, f"{RELEASES}{VERSION}/").content_digest for s in (local, s3_store)}
    assert len(digests) == 1
    on_disk, in_bucket = _released(local, VERSION), _released(s3_store, VERSION)
    assert [r.metadata.id for r in on_disk] == [r.metadata.id for r in in_bucket]
    assert [r.metadata.split for r in on_disk] == [r.metadata.split for r in in_bucket]
    assert [r.to_json() for r in on_disk] == [r.to_json() for r in in_bucket]
    # Source keys are store-relative: no local path, no bucket name in what ships.
    assert {r.metadata.source_key for r in on_disk} == {
        "raw/therapy/part-0.jsonl",
        "raw/counselling/part-0.jsonl",
        "raw/crisis/part-0.jsonl",
    }
    shipped = "\n".join(r.to_json().decode() for r in on_disk + in_bucket)
    assert str(tmp_path) not in shipped and s3_store.bucket not in shipped


def test_a_copied_store_rebuilds_the_same_release_against_its_own_previous_one(
    tmp_path: Path,
) -> None:
    first = LocalStore(tmp_path / "first")
    seed_store(first)
    registry, config = make_registry(), fast_config()
    build_release(first, registry, config, today=TODAY)
    copy = LocalStore(tmp_path / "elsewhere" / "copy")
    # A plain copy: new modification times, so every source is ingested again there.
    shutil.copytree(first.root, copy.root, copy_function=shutil.copy)

    again = build_release(copy, registry, config, today=TODAY)
    assert [r.metadata.id for r in _released(copy, again.version)] == [
        r.metadata.id for r in _released(first, VERSION)
    ]

    assert again.published and again.version == f"{VERSION}.1"
    leakage = next(v for v in again.verdicts if v.gate == "leakage")
    assert leakage.passed and not leakage.failures  # the previous release's ids are ours
    before = read_manifest(copy, f"{RELEASES}{VERSION}/")
    after = read_manifest(copy, f"{RELEASES}{again.version}/")
    assert before.content_digest == after.content_digest
    assert verify_release(copy, f"{RELEASES}{again.version}/").ok


def test_the_build_key_changes_with_the_pii_engine_and_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build interrupted under one engine must not be resumed by another: the key of a
    # build (its scratch folder) names the PII step's version and packaged data.
    registry, config = make_registry(), fast_config()
    keys = []
    for n, identity in enumerate(("pii_redact:5:sha256:aa", "pii_redact:6:sha256:aa")):
        store = LocalStore(tmp_path / str(n))
        seed_store(store)
        monkeypatch.setattr("mhds.pipeline.phases.pii_identity", lambda value=identity: value)
        keys.append(build_release(store, registry, config, today=TODAY).build_key)
    assert keys[0] != keys[1]
