"""Builds after a first release: compared with it for leakage and drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhds.build.run import GateFailure, build_release
from mhds.errors import ConfigError
from mhds.records import codec
from mhds.release import list_versions, read_manifest
from mhds.store import LocalStore
from tests.build.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    fast_config,
    make_registry,
    manifest_keys,
    seed_store,
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
