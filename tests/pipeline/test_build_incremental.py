"""Builds against a previous release: only what changed is redone, released records keep
their splits and win against new copies, removed sources are recorded, and the result is
the release a full rebuild makes."""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from mhds.pipeline import record_phase
from mhds.pipeline.run import build_release
from mhds.records import codec
from mhds.release import list_versions, read_manifest
from mhds.release.publish import ReleaseWriter
from mhds.release.reader import ReleaseReader, ShardIntegrityError
from mhds.release.state import STATE_KEY, StateRows, read_state
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
    seed_extra_source,
    seed_store,
)

SECOND = f"{VERSION}.1"
# A new source of the counselling family (which dedup ranks before therapy), whose groups
# share the therapy source's namespace.
MORE = {
    "more_chats": {
        "family": "counselling",
        "prefixes": ["raw/more/"],
        "adapter": "chatml",
        "adapter_options": {"group_field": "session", "group_namespace": "therapy_chats"},
        "license": "CC-BY-4.0",
        "approval": "approved",
    }
}


def _add_more(store: LocalStore) -> dict[str, Any]:
    """Write the new source: fresh conversations, a verbatim copy of a released therapy
    conversation (under another session), and one that joins a released therapy group."""
    released = random.Random("therapy-0")  # write_source's items for therapy, seed 0
    therapy = [conversation(released, f"therapy-s{n // 2:03d}") for n in range(40)]
    rng = random.Random("more")
    copy = {**therapy[7], "session": "more-copy"}
    joiner = conversation(rng, "therapy-s005")
    fresh = [conversation(rng, f"more-s{n:03d}") for n in range(10)]
    with JsonlWriter(store, "raw/more/part-0.jsonl") as writer:
        for item in [*fresh, copy, joiner]:
            writer.write(item)
    return {"copy": copy, "joiner": joiner, "original": therapy[7]}


def _splits(store: LocalStore, version: str) -> dict[str, str]:
    return {r.metadata.id: str(r.metadata.split) for r in compiled_records(store, version)}


def _state(store: LocalStore, version: str) -> Any:
    # A release written without a build has no sealed gates: the build reads it anyway.
    reader = ReleaseReader(store, version, releases_prefix=RELEASES, allow_unsealed=True)
    return read_state(reader)


def test_an_incremental_build_redoes_only_the_new_source_and_equals_a_full_rebuild(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "a")
    seed_store(store)
    first = build_release(store, make_registry(), fast_config(), today=TODAY)
    assert first.published and not first.resumed
    before = _splits(store, VERSION)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    rebuilt = LocalStore(tmp_path / "b")
    planted = _add_more(store)
    _add_more(rebuilt)
    registry = make_registry(**MORE)

    incremental = build_release(store, registry, fast_config(), today=TODAY)
    full = build_release(rebuilt, registry, fast_config(), today=TODAY, full=True)

    assert incremental.version == full.version == SECOND
    # PII ran on the new source's shard only; the full rebuild ran it on every shard.
    redone = [k for k in _input_keys(store) if k not in incremental.resumed]
    assert redone and all("/more_chats/" in key for key in redone)
    assert not full.resumed
    # The same release, record for record, split for split.
    digests = {read_manifest(s, f"{RELEASES}{SECOND}/").content_digest for s in (store, rebuilt)}
    assert len(digests) == 1 and "" not in digests
    after = _splits(store, SECOND)
    assert after == _splits(rebuilt, SECOND)
    assert _state(store, SECOND) == _state(rebuilt, SECOND)
    # A released record kept its split; the copy lost to the released original although its
    # family ranks first; the conversation that joined a released group took its split.
    assert all(after[record_id] == split for record_id, split in before.items())
    records = compiled_records(store, SECOND)
    ids_by_text = {_text(r.messages): r.metadata.id for r in records}
    assert ids_by_text[_text(planted["original"]["messages"])] in before
    assert sum(_text(r.messages) == _text(planted["copy"]["messages"]) for r in records) == 1
    joiner = next(r for r in records if _text(r.messages) == _text(planted["joiner"]["messages"]))
    group = [r for r in records if r.metadata.group_id == joiner.metadata.group_id]
    assert len(group) == 3 and {r.metadata.split for r in group} == {joiner.metadata.split}
    assert read_manifest(store, f"{RELEASES}{SECOND}/").removed == ()


def test_released_records_keep_their_splits_when_the_split_seed_changes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    build_release(store, make_registry(), fast_config(), today=TODAY)
    reseeded = fast_config(split={"seed": "another seed"})

    build_release(store, make_registry(), reseeded, today=TODAY)
    fresh = LocalStore(tmp_path / "fresh")
    seed_store(fresh)
    build_release(fresh, make_registry(), reseeded, today=TODAY)

    assert _splits(store, SECOND) == _splits(store, VERSION)
    # Without a previous release the new seed moves records: the pins are what kept them.
    assert _splits(fresh, VERSION) != _splits(store, VERSION)


def test_a_removed_source_is_recorded_in_the_manifest_and_the_audit_log(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    extra = seed_extra_source(store)
    build_release(store, make_registry(extra_chats=extra), fast_config(), today=TODAY)
    cached = {o.key.split("/")[2] for o in store.list("work/steps/")}

    second = build_release(store, make_registry(), fast_config(), today=TODAY)

    rows = [{"source_id": "extra_chats", "reason": "source_removed", "records": 4}]
    assert second.removed == rows
    assert list(read_manifest(store, f"{RELEASES}{SECOND}/").removed) == rows
    audit = [codec.loads(line) for line in store.read_bytes(second.audit_key).splitlines()]
    [entry] = [e for e in audit if e["action"] == "removed"]
    assert entry["decisions"] == {"previous_release": VERSION, "rows": rows}
    assert not any(r.metadata.source_id == "extra_chats" for r in compiled_records(store, SECOND))
    assert set(_state(store, SECOND).sources.values()) == {
        "therapy_chats",
        "counsel_chats",
        "crisis_chats",
    }
    # The cache keeps only the work this build used: the removed source's is gone.
    left = {o.key.split("/")[2] for o in store.list("work/steps/")}
    assert left < cached and len(cached - left) == 1


def test_a_release_without_a_state_file_is_read_from_its_shards(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    build_release(store, make_registry(), fast_config(), today=TODAY)
    assert read_manifest(store, f"{RELEASES}{VERSION}/").file(STATE_KEY) is not None
    with ReleaseWriter(store, RELEASES, "v2026-01-01") as writer:
        writer.write_all(compiled_records(store, VERSION))
        curriculum = store.read_bytes(f"{RELEASES}{VERSION}/curriculum.yaml")
        writer.add_file("curriculum.yaml", curriculum)
        writer.publish(
            code_version="old", registry_hash="r", config_hash="c", holdout_families=("crisis",)
        )

    old = _state(store, "v2026-01-01")
    new = _state(store, VERSION)

    assert old.splits == new.splits and old.sources == new.sources
    assert old.version == "v2026-01-01" and old.digest.startswith("sha256:")


def _input_keys(store: LocalStore) -> list[str]:
    return [o.key for o in store.list("processed/") if o.key.endswith(".jsonl.zst")]


def _text(messages: Any) -> str:
    return "\n".join(m["content"] if isinstance(m, dict) else m.content for m in messages)


def test_a_build_against_a_release_whose_state_was_changed_stops_naming_the_file(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    build_release(store, make_registry(), fast_config(), today=TODAY)
    key = f"{RELEASES}{VERSION}/{STATE_KEY}"
    state = _state(store, VERSION)
    moved = next(iter(state.splits))
    flipped = {"train": "test", "val": "train", "test": "val"}[state.splits[moved]]
    table = pq.read_table(io.BytesIO(store.read_bytes(key))).to_pydict()
    rows = zip(table["id"], table["split"], strict=True)
    table["split"] = [flipped if record_id == moved else split for record_id, split in rows]
    store.write_bytes(key, StateRows(table).to_bytes())

    with pytest.raises(ShardIntegrityError, match="does not match the manifest") as error:
        build_release(store, make_registry(), fast_config(), today=TODAY)

    assert STATE_KEY in str(error.value)
    assert list_versions(store, RELEASES) == [VERSION]


def test_a_new_version_of_a_library_the_steps_use_redoes_their_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    build_release(store, make_registry(), fast_config(), today=TODAY)
    again = build_release(store, make_registry(), fast_config(), today=TODAY)
    assert again.resumed and len(again.resumed) == len(_input_keys(store))

    # As if spaCy's model had been upgraded: its NER may find other spans.
    monkeypatch.setattr(record_phase, "_library_versions", lambda model: f"{model}=99.0")
    upgraded = build_release(store, make_registry(), fast_config(), today=TODAY)

    assert upgraded.published and upgraded.resumed == []
