"""One duplicate search per build: the links and the leakage gate reuse it, a previous
release's records are searched against it without searching the build's own pairs again, and
the leakage gate still judges the splits that were written, not the ones that were meant."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from mhds.engine.base import InlineExecutor
from mhds.pipeline import phases
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.run import GateFailure, build_release
from mhds.pipeline.search import SEARCH, Where, search_against, search_within
from mhds.records import codec
from mhds.records.schema import Record
from mhds.steps.dedup import DedupConfig, find_duplicates
from mhds.steps.dedup.cluster import DedupResult
from mhds.steps.dedup.lsh import record_order
from mhds.steps.dedup.reuse import load_graph
from mhds.steps.split import apply_split
from mhds.store import LocalStore, Store
from mhds.store.streams import JsonlWriter
from tests.cases import make_record
from tests.pipeline.build_cases import TODAY, fast_config, make_registry, seed_store, write_source
from tests.pipeline.test_build_release import near_duplicate_leak
from tests.steps.dedup.dedup_cases import edit_tokens, make_corpus, random_conversation

CONFIG = DedupConfig(buckets=3, batch_size=16)
PRIORITY: dict[str, int] = {}


def corpus() -> list[Record]:
    """60 unrelated conversations, then exact copies, near edits and a three-way chain."""
    records = make_corpus(60, "therapy", 3)
    rng = random.Random(21)
    chain = random_conversation(rng, words=50)
    for n, (source, fraction) in enumerate([(0, 0.0), (1, 0.03), (2, 0.02), (7, 0.0)]):
        turns = tuple(m.content for m in records[source].messages)
        records.append(make_record(*edit_tokens(turns, fraction, n), record_id=f"copy-{n}"))
    for n in range(3):  # each link 3 % from the one before: the ends are 6 % apart
        records.append(make_record(*chain, record_id=f"chain-{n}"))
        chain = edit_tokens(chain, 0.03, 40 + n)
    return records


def shard(store: Store, key: str, records: list[Record]) -> str:
    with JsonlWriter(store, key) as writer:
        for record in records:
            writer.write_line(record.to_json())
    return key


def clusters(result: DedupResult) -> set[tuple[str, str, str, float]]:
    return {(d.survivor_id, d.id, d.kind, d.similarity) for d in result.duplicates()}


def test_the_search_restricted_to_some_records_decides_as_a_search_of_only_those(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    records = corpus()
    halves = [("a", lambda: iter(records[:40])), ("b", lambda: iter(records[40:]))]
    find_duplicates(store, "w/all", halves, CONFIG)
    dropped = {records[0].metadata.id, "copy-2", "chain-1"}  # a survivor, a copy, a chain link
    kept = [r for r in records if r.metadata.id not in dropped]

    graph = load_graph(store, "w/all", CONFIG).restrict(lambda i: i not in dropped)
    fresh = find_duplicates(store, "w/kept", [("a", lambda: iter(kept))], CONFIG)

    assert clusters(graph.decide(PRIORITY)) == clusters(fresh)
    # The chain's ends are not similar enough on their own: with its middle gone they part.
    assert "chain-0" not in graph.decide(PRIORITY).decisions
    assert len(clusters(fresh)) == 2


def test_records_searched_against_the_build_find_what_one_search_of_all_would(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    records = corpus()
    mine, theirs = records[::2], records[1::2]
    # The build's search, over its shards as the build names them.
    parts = [(f"{n:05d}", lambda p=part: iter(p)) for n, part in enumerate((mine[:30], mine[30:]))]
    find_duplicates(store, f"w/{SEARCH}", parts, CONFIG)
    shipped = {r.metadata.id for r in mine} - {mine[3].metadata.id}
    previous = shard(store, "prev/part-0.jsonl.zst", theirs)
    config = BuildConfig(dedup=CONFIG)

    where = Where("w", f"w/{SEARCH}")
    against = search_against(
        store, config, InlineExecutor(), [previous], shipped.__contains__, where, _no_tick
    )

    # No pair of the build's own records is searched (or verified) again.
    for edge in (*against.links, *against.pairs):
        ids = {against.members[int(edge["a"])].id, against.members[int(edge["b"])].id}
        assert ids & {r.metadata.id for r in theirs}
    base = load_graph(store, f"w/{SEARCH}", CONFIG).restrict(shipped.__contains__)
    together = [r for r in records if r.metadata.id in shipped or r in theirs]
    fresh = find_duplicates(store, "w/fresh", [("all", lambda: iter(together))], CONFIG)
    assert clusters(base.merge(against).decide(PRIORITY)) == clusters(fresh)
    assert len(clusters(fresh)) >= 3


def test_the_pairs_among_the_survivors_are_those_a_search_of_only_them_finds(
    tmp_path: Path,
) -> None:
    # Eight copies of one conversation share every band: with runs of at most two tried in
    # full, the search tries a star (from the first by id hash) and a chain in each, and the
    # exact links are a star from the first copy stored. Dropping the centres and every other
    # link of the chain leaves the kept copies unconnected by the search's own pairs; a
    # search of only the kept records connects them, and so must the graph within them.
    store = LocalStore(tmp_path / "store")
    config = CONFIG.model_copy(update={"max_run_size": 2})
    copy = random_conversation(random.Random(3), words=60)
    twins = [make_record(*copy, record_id=f"twin-{n}") for n in range(8)]
    records = make_corpus(20, "therapy", 5) + twins
    parts = [("00000", lambda: iter(records[:14])), ("00001", lambda: iter(records[14:]))]
    find_duplicates(store, f"w/{SEARCH}", parts, config)
    ranked = [
        r.metadata.id for r in sorted(twins, key=lambda r: int(record_order([r.metadata.id])[0]))
    ]
    dropped = {"twin-0", ranked[0], ranked[2], ranked[4]}
    kept_ids = {r.metadata.id for r in records} - dropped

    where = Where("w", f"w/{SEARCH}")
    within = search_within(
        store, BuildConfig(dedup=config), InlineExecutor(), kept_ids.__contains__, where, _no_tick
    )

    kept = [r for r in records if r.metadata.id in kept_ids]
    fresh = find_duplicates(store, "w/fresh", [("all", lambda: iter(kept))], config)
    assert clusters(within.decide(PRIORITY)) == clusters(fresh)
    kept_twins = {t.metadata.id for t in twins} - dropped
    assert {d.cluster_id for d in fresh.duplicates()} == {
        fresh.decisions[min(kept_twins)].cluster_id
    }
    assert {d.id for d in fresh.decisions.values()} == kept_twins  # one cluster of them all
    restricted = load_graph(store, f"w/{SEARCH}", config).restrict(kept_ids.__contains__)
    assert clusters(restricted.decide(PRIORITY)) != clusters(fresh)


def test_a_build_searches_its_records_once(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    registry, config = make_registry(), fast_config()
    stages: dict[str, int] = {}

    def tick(stage: str, done: int, total: int | None) -> None:
        stages[stage] = max(stages.get(stage, 0), done)

    first = build_release(store, registry, config, progress=tick, today=TODAY)
    assert first.published
    # The records are hashed once; the links re-read the search's band rows, and the
    # leakage gate has nothing of its own to search.
    assert {stage for stage in stages if stage.endswith(": map")} == {"dedup: map"}
    assert stages["dedup: map"] == stages["pii"]  # every staged shard, once
    assert "links: reduce" in stages
    assert not [stage for stage in stages if stage.startswith("leakage")]

    # Next build: a therapy record of the last release is gone (its object shortened), so the
    # gate searches that one previous-only shard against the build's search, nothing more.
    write_source(store, "therapy", 39)
    stages.clear()
    second = build_release(store, registry, config, progress=tick, today=TODAY)
    assert second.published
    # Only the shards whose records changed are hashed again: those PII did not reuse.
    assert second.resumed
    assert stages["dedup: map"] == stages["pii"] - len(second.resumed)
    assert stages["leakage: map"] == 1
    leakage = next(v for v in second.verdicts if v.gate == "leakage")
    assert leakage.evidence["ids_compared_with_previous"] == first.counts["records"] - 1


def test_the_leakage_gate_catches_a_compile_step_that_splits_a_linked_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "store")
    registry, config = near_duplicate_leak(store)
    config = config.model_copy(update={"keep_duplicates_together": True})
    moved: list[str] = []

    def mis_assign(record: Record, assignment: Any) -> Record:
        if record.metadata.group_id == "therapy_chats:leak-b-0":
            moved.append(record.metadata.id)
            split = "test" if assignment[record.metadata.id] != "test" else "train"
            return apply_split(record, {record.metadata.id: split})
        return apply_split(record, assignment)

    monkeypatch.setattr(phases, "apply_split", mis_assign)
    with pytest.raises(GateFailure) as failure:
        build_release(store, registry, config, today=TODAY)

    assert failure.value.failed == ["leakage"]
    evidence = codec.loads(store.read_bytes(f"{failure.value.reports}/leakage.json"))["evidence"]
    assert evidence["leaks"] == 1 and set(evidence["leaks_by_kind"]) == {"near"}
    (row,) = evidence["leaking_pairs"]
    assert moved and moved[0] in (row["id_a"], row["id_b"])


def _no_tick(stage: str, done: int, total: int | None) -> None:
    return None
