"""Gate results and waivers are sealed into the audit chain: a manifest edited after
publishing (a gate turned to fail, a forged waiver, a changed digest) fails verify, and the
reader refuses it before yielding a record."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from mhds.pipeline.run import build_release
from mhds.release import (
    MANIFEST_NAME,
    ReleaseReader,
    ReleaseSealError,
    manifest_bytes,
    read_manifest,
    verify_release,
)
from mhds.release.manifest import Manifest, content_digest
from mhds.store import S3Store
from mhds.store.base import Store
from tests.pipeline.build_cases import TODAY, fast_config, make_registry, seed_store
from tests.release.test_release_cases import RELEASES, publish

V1 = "v2026-11-25"
FOLDER = f"{RELEASES}{V1}/"
FORGED = {"gate": "pii", "scope": "all", "reason": "looks fine to me, ship it", "who": "nobody"}


def rewrite(store: Store, manifest: Manifest, **update: Any) -> None:
    store.write_bytes(FOLDER + MANIFEST_NAME, manifest_bytes(manifest.model_copy(update=update)))


def pii_failed(manifest: Manifest) -> tuple[dict[str, Any], ...]:
    gates = []
    for gate in manifest.gates:
        if gate["gate"] == "pii":
            gate = {**gate, "status": "fail", "passed": False, "summary": "identifiers left"}
        gates.append(gate)
    return tuple(gates)


def test_a_sealed_release_verifies_and_reads(store: Store) -> None:
    publish(store, V1)
    assert verify_release(store, FOLDER).ok
    assert sum(1 for _ in ReleaseReader(store, V1).iter_split("train")) == 22


def test_a_gate_turned_to_fail_with_a_forged_waiver_is_refused(store: Store) -> None:
    manifest = publish(store, V1)
    rewrite(store, manifest, gates=pii_failed(manifest), waivers=(*manifest.waivers, FORGED))
    report = verify_release(store, FOLDER)
    assert not report.ok
    assert report.codes() == {"gate_not_passed", "seal_mismatch"}
    with pytest.raises(ReleaseSealError, match="seal_mismatch"):
        ReleaseReader(store, V1)


def test_a_forged_waiver_alone_breaks_the_seal(store: Store) -> None:
    manifest = publish(store, V1)
    rewrite(store, manifest, waivers=(*manifest.waivers, FORGED))
    assert verify_release(store, FOLDER).codes() == {"seal_mismatch"}
    with pytest.raises(ReleaseSealError):
        ReleaseReader(store, V1)


def test_a_removed_waiver_or_previous_release_breaks_the_seal(store: Store) -> None:
    manifest = publish(store, V1)
    rewrite(store, manifest, waivers=())
    assert verify_release(store, FOLDER).codes() == {"seal_mismatch"}
    rewrite(store, manifest, previous_release="v2026-11-01")
    assert verify_release(store, FOLDER).codes() == {"seal_mismatch"}


def test_a_release_without_its_audit_log_is_unsealed(store: Store) -> None:
    manifest = publish(store, V1)
    files = tuple(f for f in manifest.files if f.key != "audit.jsonl")
    store.delete(FOLDER + "audit.jsonl")
    rewrite(store, manifest, files=files, audit_head=None)
    assert verify_release(store, FOLDER).codes() == {"unsealed"}
    with pytest.raises(ReleaseSealError, match="unsealed"):
        ReleaseReader(store, V1)


def test_the_reader_checks_the_content_digest_first(store: Store) -> None:
    manifest = publish(store, V1)
    # A shard swapped for another with the manifest's hash and size updated to match it,
    # and the content digest left as it was.
    shard = manifest.shards[0]
    other = store.read_bytes(FOLDER + manifest.shards[1].key)
    store.write_bytes(FOLDER + shard.key, other)
    swapped = shard.model_copy(
        update={"sha256": hashlib.sha256(other).hexdigest(), "bytes": len(other)}
    )
    rewrite(store, manifest, shards=(swapped, *manifest.shards[1:]))
    assert "content_digest_mismatch" in verify_release(store, FOLDER).codes()
    with pytest.raises(ReleaseSealError, match="content digest"):
        ReleaseReader(store, V1)
    # With the digest recomputed too, the seal in the audit log still tells.
    edited = read_manifest(store, FOLDER)
    rewrite(store, edited, content_digest=content_digest(edited))
    assert "seal_mismatch" in verify_release(store, FOLDER).codes()
    with pytest.raises(ReleaseSealError, match="seal_mismatch"):
        ReleaseReader(store, V1)


def test_a_forged_verdict_on_a_built_release_is_caught(s3_store: S3Store) -> None:
    seed_store(s3_store)
    result = build_release(s3_store, make_registry(), fast_config(), today=TODAY)
    folder = f"{RELEASES}{result.version}/"
    manifest = read_manifest(s3_store, folder)
    assert verify_release(s3_store, folder).ok
    forged = manifest.model_copy(
        update={"gates": pii_failed(manifest), "waivers": (*manifest.waivers, FORGED)}
    )
    s3_store.write_bytes(folder + MANIFEST_NAME, manifest_bytes(forged))
    assert verify_release(s3_store, folder).codes() == {"gate_not_passed", "seal_mismatch"}
    with pytest.raises(ReleaseSealError):
        ReleaseReader(s3_store, result.version)


def test_an_unsealed_release_is_read_only_on_request_and_still_serves_as_previous(
    s3_store: S3Store,
) -> None:
    # A release published before releases were sealed: no audit log in it.
    seed_store(s3_store)
    first = build_release(s3_store, make_registry(), fast_config(), today=TODAY)
    folder = f"{RELEASES}{first.version}/"
    manifest = read_manifest(s3_store, folder)
    s3_store.delete(folder + "audit.jsonl")
    legacy = manifest.model_copy(
        update={
            "audit_head": None,
            "files": tuple(f for f in manifest.files if f.key != "audit.jsonl"),
        }
    )
    s3_store.write_bytes(folder + MANIFEST_NAME, manifest_bytes(legacy))
    assert verify_release(s3_store, folder).codes() == {"unsealed"}
    with pytest.raises(ReleaseSealError, match="allow_unsealed=True"):
        ReleaseReader(s3_store, first.version)
    reader = ReleaseReader(s3_store, first.version, allow_unsealed=True)
    assert sum(1 for _ in reader.iter_split("train")) > 0
    # The next build compares itself against it (leakage, drift) and publishes, sealed.
    second = build_release(s3_store, make_registry(), fast_config(), today=TODAY)
    assert second.published
    assert verify_release(s3_store, f"{RELEASES}{second.version}/").ok
    # A seal that does not match is never read, allow_unsealed or not.
    rewrite_at = f"{RELEASES}{second.version}/"
    sealed = read_manifest(s3_store, rewrite_at)
    s3_store.write_bytes(
        rewrite_at + MANIFEST_NAME,
        manifest_bytes(sealed.model_copy(update={"waivers": (FORGED,)})),
    )
    with pytest.raises(ReleaseSealError, match="seal_mismatch"):
        ReleaseReader(s3_store, second.version, allow_unsealed=True)


def test_reports_and_hashes_are_sealed_too(store: Store) -> None:
    manifest = publish(store, V1)
    original = store.read_bytes(FOLDER + "reports/pii.json")
    forged = b'{"gate": "pii", "status": "pass", "forged": true}\n'
    store.write_bytes(FOLDER + "reports/pii.json", forged)
    files = tuple(
        f.model_copy(update={"sha256": hashlib.sha256(forged).hexdigest(), "bytes": len(forged)})
        if f.key == "reports/pii.json"
        else f
        for f in manifest.files
    )
    rewrite(store, manifest, files=files)
    assert verify_release(store, FOLDER).codes() == {"seal_mismatch"}
    store.write_bytes(FOLDER + "reports/pii.json", original)
    for field, value in (("config_hash", "sha256:" + "c" * 64), ("code_version", "9.9.9")):
        rewrite(store, manifest, **{field: value})
        assert verify_release(store, FOLDER).codes() == {"seal_mismatch"}, field
