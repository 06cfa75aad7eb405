"""Builds after a first release: compared with it for leakage and drift."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mhds.errors import ConfigError, StoreError
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.release import list_versions, read_manifest
from mhds.store import LocalStore
from mhds.store.streams import JsonlWriter
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    compiled_records,
    conversation,
    fast_config,
    make_registry,
    manifest_keys,
    seed_extra_source,
    seed_store,
    write_source,
)


def test_a_record_whose_split_changed_since_the_previous_release_is_a_leak(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    # No group field for therapy: each conversation is its own group, keyed by its record id,
    # and the id hashes the raw object's key.
    registry, config = make_registry(therapy_chats={"adapter_options": {}}), fast_config()
    build_release(store, registry, config, today=TODAY)

    again = build_release(store, registry, config, today=TODAY)

    assert again.published and again.version == f"{VERSION}.1"
    assert again.resumed  # the same inputs and config reuse the per-shard work
    second = read_manifest(store, f"{RELEASES}{VERSION}.1/")
    assert second.previous_release == VERSION
    gates = {g["gate"]: g for g in second.gates}
    assert gates["leakage"]["evidence"]["ids_compared_with_previous"] == 90
    assert gates["distribution"]["evidence"]["drift"]["checked"]

    # Renaming the raw object changes every therapy id, hence their groups and splits; the
    # same conversations would now sit in other splits than in the previous release.
    store.write_bytes("raw/therapy/renamed.jsonl", store.read_bytes("raw/therapy/part-0.jsonl"))
    store.delete("raw/therapy/part-0.jsonl")
    with pytest.raises(GateFailure) as failure:
        build_release(store, registry, config, today=TODAY)

    assert failure.value.failed == ["leakage"]
    verdict = codec.loads(store.read_bytes(f"{failure.value.reports}/leakage.json"))
    evidence = verdict["evidence"]
    assert set(evidence["leaks_by_kind"]) == {"exact"}
    assert evidence["pairs_against_previous"] >= evidence["leaks"] > 0
    assert list_versions(store, RELEASES) == [VERSION, f"{VERSION}.1"]
    assert len(manifest_keys(store)) == 2


def test_a_previous_release_that_is_not_published_is_refused_before_any_work(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    config = fast_config(previous_release="v2026-01-01")
    with pytest.raises(ConfigError, match="v2026-01-01"):
        build_release(store, make_registry(), config, today=TODAY)
    assert not any(True for _ in store.list("processed/"))


def test_a_near_copy_of_a_previous_release_record_in_another_split_is_a_leak(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    rng = random.Random(5)
    originals = [conversation(rng, f"leak-a-{n}") for n in range(8)]
    write_source(store, "therapy", 40, extra=originals)
    registry, config = make_registry(), fast_config()
    build_release(store, registry, config, today=TODAY)

    # The originals leave this build (the last lines of their object, so no other id moves);
    # near copies arrive under a new key (new ids, new sessions). Nothing in this build is a
    # duplicate of anything else in it: only the comparison with the previous release can
    # see that the copies may sit in other splits than their originals did.
    write_source(store, "therapy", 40)
    with JsonlWriter(store, "raw/therapy/part-1.jsonl") as writer:
        for n, item in enumerate(originals):
            twin = codec.loads(codec.dumps(item))
            twin["session"] = f"leak-b-{n}"
            twin["messages"][-1]["content"] = twin["messages"][-1]["content"][:-1] + " today."
            writer.write(twin)
    with pytest.raises(GateFailure) as failure:
        build_release(store, registry, config, today=TODAY)

    assert failure.value.failed == ["leakage"]
    evidence = codec.loads(store.read_bytes(f"{failure.value.reports}/leakage.json"))["evidence"]
    assert set(evidence["leaks_by_kind"]) == {"near"}
    assert evidence["pairs_against_previous"] >= evidence["leaks"] > 0
    previous_ids = {r.metadata.id for r in compiled_records(store)}
    for row in evidence["leaking_pairs"]:
        assert (row["id_a"] in previous_ids) != (row["id_b"] in previous_ids)
    assert list_versions(store, RELEASES) == [VERSION]


def test_an_unreadable_previous_release_fails_its_gates_with_reports(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    extra = seed_extra_source(store)
    registry, config = make_registry(), fast_config()
    build_release(store, make_registry(extra_chats=extra), config, today=TODAY)
    for shard in read_manifest(store, f"{RELEASES}{VERSION}/").shards:
        key = f"{RELEASES}{VERSION}/{shard.key}"
        data = bytearray(store.read_bytes(key))
        data[len(data) // 2] ^= 0x01
        store.write_bytes(key, bytes(data))

    # The source taken out leaves records of the previous release that this build lacks: the
    # leakage gate reads them from its shards (its ids and splits come from the state file).
    with pytest.raises(GateFailure) as failure:
        build_release(store, registry, config, today=TODAY)

    # The gates that compare with the previous release cannot judge: errors, not a crash.
    assert failure.value.failed == ["leakage", "distribution"]
    for gate in failure.value.failed:
        verdict = codec.loads(store.read_bytes(f"{failure.value.reports}/{gate}.json"))
        assert verdict["status"] == "error" and not verdict["passed"]
        assert verdict["evidence"]["input"] == f"previous release {VERSION}"
        assert "ShardIntegrityError" in verdict["summary"]
    assert store.exists(f"{failure.value.reports}/overview.html")
    assert list_versions(store, RELEASES) == [VERSION]


def test_an_inventory_that_cannot_be_taken_fails_the_coverage_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise StoreError("timed out", uri="s3://bucket/raw/", operation="list")

    # Fault injection at the one call the coverage gate depends on; everything else is real.
    monkeypatch.setattr("mhds.pipeline.gating.take_inventory", unreachable)
    with pytest.raises(GateFailure) as failure:
        build_release(store, make_registry(), fast_config(), today=TODAY)

    assert failure.value.failed == ["coverage"]
    verdict = codec.loads(store.read_bytes(f"{failure.value.reports}/coverage.json"))
    assert verdict["status"] == "error"
    assert verdict["summary"] == (
        "could not read the store inventory: StoreError: list s3://bucket/raw/: timed out"
    )
