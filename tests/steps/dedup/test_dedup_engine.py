"""The phased engine over a store: planted duplicates across families, order independence,
shard independence, and that a reduce reads only its own bucket."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import numpy as np
import pytest

from mhds.errors import ConfigError, ShardError
from mhds.records.schema import Record
from mhds.steps.dedup import (
    DedupConfig,
    DedupResult,
    exact,
    find_duplicates,
    layout,
    load_decisions,
    near,
)
from mhds.store import LocalStore, Store
from mhds.store.base import ObjectInfo
from tests.cases import make_record
from tests.steps.dedup.dedup_cases import edit_tokens, make_corpus, random_conversation

WORKDIR = "work/build-1/dedup"
PRIORITY = {"stage1_foundation": 1, "persona": 50}
SMALL = DedupConfig(buckets=3, batch_size=16)


def planted() -> tuple[list[Record], list[Record], dict[str, str]]:
    """Two families with an exact copy, a 3 % edit and a three-way cluster planted across
    them; returns the records and the expected ``id -> survivor id``."""
    found = make_corpus(30, "stage1_foundation", 1)
    persona = make_corpus(30, "persona", 2)
    rng = random.Random(9)
    base = random_conversation(rng, words=50)
    longer = (*base[:3], base[3] + " and that is okay")
    copy_of = [m.content for m in found[0].messages]
    extra = [
        make_record(*copy_of, family="persona", source_id="src-persona", record_id="p-exact"),
        make_record(
            *edit_tokens(tuple(m.content for m in found[1].messages), 0.03, 1),
            family="persona",
            source_id="src-persona",
            record_id="p-near",
        ),
        make_record(*base, family="persona", source_id="src-persona", record_id="p-base"),
        make_record(*longer, family="persona", source_id="src-persona", record_id="p-longer"),
        make_record(
            *edit_tokens(base, 0.02, 4),
            family="stage1_foundation",
            source_id="src-stage1_foundation",
            record_id="f-edited",
        ),
    ]
    expected = {
        "p-exact": found[0].metadata.id,
        "p-near": found[1].metadata.id,
        # family priority first: the foundation copy wins over two persona records
        "p-base": "f-edited",
        "p-longer": "f-edited",
    }
    return found + extra[4:], persona + extra[:4], expected


def run(
    store: Store, shards: list[tuple[str, list[Record]]], config: DedupConfig = SMALL
) -> DedupResult:
    sources = [(shard_id, (lambda rs=records: iter(rs))) for shard_id, records in shards]
    return find_duplicates(store, WORKDIR, sources, config, PRIORITY)


def test_planted_duplicates_across_families_are_found_and_kept_once(store: Store) -> None:
    found, persona, expected = planted()
    result = run(store, [("foundation/part-0", found), ("persona/part-0", persona)])
    removed = {d.id: d.survivor_id for d in result.duplicates()}
    assert removed == expected
    assert result.decisions["p-exact"].kind == "exact"
    assert result.decisions["p-near"].kind == "near"
    assert result.decisions["p-near"].similarity >= SMALL.threshold
    assert result.decisions["f-edited"].kind == "survivor"
    assert result.stats.clusters == 3 and result.stats.duplicates == 4
    assert len({d.cluster_id for d in result.decisions.values()}) == 3
    # Every input id is either kept or removed with a decision that names a kept survivor.
    for record in found + persona:
        rid = record.metadata.id
        survivor = result.survivor_of(rid)
        assert not result.is_duplicate(survivor)
        assert result.is_duplicate(rid) == (rid in expected)
    assert load_decisions(store, WORKDIR) == result.decisions
    per_shard = load_decisions(store, WORKDIR, "persona/part-0")
    assert set(per_shard) == {"p-exact", "p-near", "p-base", "p-longer"}


def test_decision_files_hold_ids_and_keys_never_text(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    found, persona, _ = planted()
    run(store, [("f", found), ("p", persona)])
    raw = b"".join(
        store.read_bytes(info.key)
        for info in store.list(WORKDIR)
        if info.key.endswith((".jsonl", ".json"))
    )
    assert b"survivor_id" in raw
    for record in found + persona:
        for message in record.messages:
            assert message.content.encode() not in raw


def test_order_of_shards_and_records_does_not_change_results(tmp_path: Path) -> None:
    found, persona, _ = planted()
    first = run(LocalStore(tmp_path / "a"), [("f", found), ("p", persona)])
    shuffled = [r for r in reversed(persona)], list(reversed(found))
    second = run(LocalStore(tmp_path / "b"), [("p", shuffled[0]), ("f", shuffled[1])])
    assert first.decisions == second.decisions


def test_many_shards_buckets_and_partitions_equal_one_of_each(tmp_path: Path) -> None:
    found, persona, _ = planted()
    records = found + persona
    single = DedupConfig(buckets=1, partitions=1)
    one = run(LocalStore(tmp_path / "one"), [("all", records)], single)
    shards = [(f"part-{i}", records[i::5]) for i in range(5)]
    store = LocalStore(tmp_path / "many")
    many = run(store, shards, DedupConfig(buckets=4, partitions=3))
    assert one.decisions == many.decisions
    assert msgspec.structs.replace(one.stats, shards=5) == many.stats
    assert many.stats.duplicates == 4
    verified = {i.key.rsplit("/", 1)[1] for i in store.list(f"{WORKDIR}/verified/")}
    assert verified == {f"{p:05d}.{kind}" for p in range(3) for kind in ("npy", "json")}


def test_exact_verification_agrees(tmp_path: Path) -> None:
    found, persona, expected = planted()
    config = DedupConfig(buckets=2, verify="exact")
    result = run(LocalStore(tmp_path), [("f", found), ("p", persona)], config)
    assert {d.id: d.survivor_id for d in result.duplicates()} == expected


def test_exact_only_and_empty_texts(tmp_path: Path) -> None:
    punct = make_record("...", "!!!", family="persona", record_id="p1")
    same = make_record("...", "!!!", family="stage1_foundation", record_id="f1")
    other = make_record("?!", "--", family="persona", record_id="p2")  # no words, other hash
    result = run(LocalStore(tmp_path), [("s", [punct, same, other])])
    assert result.stats.empty_texts == 3
    assert {d.id: d.survivor_id for d in result.duplicates()} == {"p1": "f1"}


class RecordingStore:
    """A real LocalStore that remembers every key it read or listed."""

    def __init__(self, inner: LocalStore) -> None:
        self.inner = inner
        self.reads: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self.reads.append(prefix)
        return self.inner.list(prefix)

    def read_bytes(self, key: str) -> bytes:
        self.reads.append(key)
        return self.inner.read_bytes(key)

    def open_read(self, key: str) -> AbstractContextManager[BinaryIO]:
        self.reads.append(key)
        return self.inner.open_read(key)


def test_reduce_reads_only_its_own_bucket(tmp_path: Path) -> None:
    found, persona, _ = planted()
    local = LocalStore(tmp_path)
    config = DedupConfig(buckets=4)
    for shard_id, records in (("f", found), ("p", persona)):
        near.map_shard(local, WORKDIR, shard_id, records, config)
    recording = RecordingStore(local)
    near.reduce_bucket(recording, WORKDIR, 2, config)
    own = f"{WORKDIR}/shuffle/00002/"
    assert recording.reads and all(key.startswith(own) for key in recording.reads)


def test_two_shard_ids_with_one_number_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "shard_number", lambda shard_id: 7)
    store = LocalStore(tmp_path)
    near.map_shard(store, WORKDIR, "a", [make_record("x y", "z")], SMALL)
    near.map_shard(store, WORKDIR, "a", [make_record("x y", "z")], SMALL)  # rerun: fine
    with pytest.raises(ConfigError, match="share number"):
        near.map_shard(store, WORKDIR, "b", [make_record("x y", "z")], SMALL)


def test_a_mass_duplicated_template_stays_linear_and_one_cluster(tmp_path: Path) -> None:
    template = random_conversation(random.Random(11), words=30)
    records = [
        make_record(*edit_tokens(template, 0.01, i), family="persona", record_id=f"t{i:03d}")
        for i in range(120)
    ]
    config = DedupConfig(buckets=2, max_run_size=8)
    result = run(LocalStore(tmp_path), [("t", records)], config)
    assert result.stats.clusters == 1 and result.stats.duplicates == 119
    assert result.stats.candidate_pairs < 120 * 119 / 2


def test_exact_only_config_skips_minhash(tmp_path: Path) -> None:
    found, persona, expected = planted()
    store = LocalStore(tmp_path)
    result = run(store, [("f", found), ("p", persona)], DedupConfig(near=False, buckets=2))
    assert {d.id: d.survivor_id for d in result.duplicates()} == {"p-exact": expected["p-exact"]}
    assert not any(info.key.startswith(f"{WORKDIR}/sig/") for info in store.list(WORKDIR))


def test_verify_without_a_shards_signatures_fails_loudly(tmp_path: Path) -> None:
    found, persona, _ = planted()
    store = LocalStore(tmp_path)
    config = DedupConfig(buckets=1, partitions=1)
    for shard_id, records in (("f", found), ("p", persona)):
        near.map_shard(store, WORKDIR, shard_id, records, config)
    near.reduce_bucket(store, WORKDIR, 0, config)
    gone = layout.num_name(layout.shard_number("p"))
    store.delete(f"{WORKDIR}/sig/{gone}.npy")
    with pytest.raises(ShardError, match=f"shard {gone}: .* has no signatures"):
        near.verify_partition(store, WORKDIR, 0, config)


def test_an_empty_workdir_is_refused_before_anything_is_cleared(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write_bytes("releases/v1/manifest.json", b"{}")
    with pytest.raises(ConfigError, match="non-empty prefix"):
        find_duplicates(store, "/", [])
    assert store.exists("releases/v1/manifest.json")


def test_big_runs_give_the_same_pairs_however_the_records_are_sharded(tmp_path: Path) -> None:
    # Runs longer than max_run_size get a star + chain, not every pair; the run's order comes
    # from the record ids, so another sharding or order of the same records finds the same
    # candidates, verified pairs and clusters (the build's search over its survivors and the
    # leakage gate's search over the compiled release rely on it).
    rng = random.Random(3)
    templates = [random_conversation(rng, words=30) for _ in range(3)]
    records = [
        make_record(
            *edit_tokens(templates[i % 3], 0.03, i), family="persona", record_id=f"t{i:03d}"
        )
        for i in range(90)
    ]
    config = DedupConfig(buckets=2, max_run_size=4)
    one = run(LocalStore(tmp_path / "one"), [("all", records)], config)
    shuffled = records[:]
    random.Random(5).shuffle(shuffled)
    shards = [(f"s{n}", shuffled[n::4]) for n in range(4)]
    four = run(LocalStore(tmp_path / "four"), shards, config)

    assert one.stats.candidate_pairs == four.stats.candidate_pairs > 0
    assert one.stats.verified_pairs == four.stats.verified_pairs
    pairs = {(d.id, d.survivor_id) for d in one.duplicates()}
    assert pairs and pairs == {(d.id, d.survivor_id) for d in four.duplicates()}


def test_repeated_keeps_exactly_the_rows_a_link_can_join() -> None:
    hashes = ["a", "b", "a", "c", "c", "d", "c"]
    rows = exact.exact_rows(
        ["sha256:" + f"{ord(h):02x}" * 32 for h in hashes],
        np.arange(len(hashes), dtype=np.uint64)[::-1],
    )
    kept = exact.repeated(rows)
    assert sorted(kept["code"].tolist()) == [0, 2, 3, 4, 6]  # the a's and the c's
    links = exact.exact_links(rows)
    # The same links in the same order: a reduce links its bucket from these rows alone.
    assert np.array_equal(exact.exact_links(kept), links) and len(links) == 3
    assert len(exact.repeated(rows[[1, 5]])) == 0
