"""The keep rule, union-find, and applying decisions (duplicates are never silently dropped)."""

from __future__ import annotations

import numpy as np

from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.base import Outcome
from mhds.steps.dedup import (
    UNKNOWN_PRIORITY,
    DedupConfig,
    Deduplicator,
    DedupReason,
    DedupResult,
    DuplicateDecision,
    Member,
    UnionFind,
    apply_decisions,
    choose_survivor,
    keep_key,
)
from mhds.steps.dedup.cluster import decide_cluster, decide_graph
from mhds.steps.dedup.layout import PAIR, VERIFIED
from mhds.steps.dedup.run import family_priorities
from tests.cases import make_record

PRIORITY = {"foundation": 1, "persona": 50}


def member(rid: str, family: str, quality: int, content_hash: str = "sha256:" + "a" * 64) -> Member:
    return Member(rid, family, f"s3://bucket/raw/{family}/x.jsonl", content_hash, quality)


def test_family_priority_wins_first() -> None:
    members = [member("a", "persona", 900), member("z", "foundation", 10)]
    assert choose_survivor(members, PRIORITY).id == "z"


def test_quality_breaks_a_priority_tie_then_the_id() -> None:
    assert (
        choose_survivor([member("a", "persona", 10), member("b", "persona", 99)], PRIORITY).id
        == "b"
    )
    assert (
        choose_survivor([member("b", "persona", 10), member("a", "persona", 10)], PRIORITY).id
        == "a"
    )


def test_unknown_family_ranks_last() -> None:
    assert keep_key(member("a", "mystery", 5), PRIORITY)[1] == UNKNOWN_PRIORITY
    assert (
        choose_survivor([member("a", "mystery", 999), member("b", "persona", 1)], PRIORITY).id
        == "b"
    )


def test_a_record_of_the_previous_release_survives_before_any_family() -> None:
    members = [member("a", "mystery", 1), member("b", "persona", 999)]
    assert choose_survivor(members, PRIORITY).id == "b"
    assert choose_survivor(members, PRIORITY, incumbents={"a"}).id == "a"
    # Among released records the ordinary rule decides.
    assert choose_survivor(members, PRIORITY, incumbents={"a", "b"}).id == "b"


def _graph(
    names: str, edges: list[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray, dict[int, Member]]:
    """Near pairs (similarity 0.9) over one-letter record ids, codes in one shard."""
    code = {name: (1 << 32) | row for row, name in enumerate(names)}
    members = {code[n]: member(n, "persona", 10, f"sha256:{n * 64}") for n in names}
    pairs = np.array([(code[a], code[b], 0.9) for a, b in edges], dtype=VERIFIED)
    return np.zeros(0, dtype=PAIR), pairs, members


def test_a_new_record_that_bridges_two_released_ones_removes_neither() -> None:
    # a and b are released and not copies of each other; the new c is a near copy of both.
    links, pairs, members = _graph("abc", [("a", "c"), ("b", "c")])

    fresh = decide_graph(links, pairs, members, PRIORITY)
    against = decide_graph(links, pairs, members, PRIORITY, incumbents={"a", "b"})

    assert sorted(d.id for d in fresh.values() if d.is_duplicate) == ["b", "c"]
    assert [d.id for d in against.values() if d.is_duplicate] == ["c"]
    assert against["c"].survivor_id == "a"
    assert {against["a"].kind, against["b"].kind} == {"survivor"}
    assert against["a"].cluster_id != against["b"].cluster_id


def test_released_records_that_are_copies_of_each_other_still_lose_one() -> None:
    # After a change of the dedup config a and b, both released, are a pair themselves.
    links, pairs, members = _graph("abcd", [("a", "b"), ("b", "c"), ("c", "d")])

    decided = decide_graph(links, pairs, members, PRIORITY, incumbents={"a", "b", "d"})

    assert sorted(d.id for d in decided.values() if d.is_duplicate) == ["b", "c"]
    assert {decided["b"].survivor_id, decided["c"].survivor_id} == {"a"}
    assert decided["d"].kind == "survivor"


def test_decide_cluster_names_the_survivor_in_every_decision() -> None:
    other = "sha256:" + "b" * 64
    members = [
        member("p1", "persona", 5),
        member("f1", "foundation", 5),
        member("p2", "persona", 5, other),
    ]
    decisions = decide_cluster(members, {"p2": 0.71}, PRIORITY)
    assert [d.id for d in decisions] == ["f1", "p1", "p2"]
    assert {d.survivor_id for d in decisions} == {"f1"}
    assert [d.kind for d in decisions] == ["survivor", "exact", "near"]
    assert decisions[2].similarity == 0.71
    assert len({d.cluster_id for d in decisions}) == 1


def test_union_find_merges_transitively() -> None:
    sets = UnionFind(6)
    for a, b in [(0, 1), (2, 3), (1, 3), (4, 4)]:
        sets.union(a, b)
    assert len({sets.find(i) for i in range(4)}) == 1
    assert sets.find(4) != sets.find(5) != sets.find(0)


def _decisions() -> tuple[list[Record], dict[str, DuplicateDecision]]:
    kept = make_record("hello there", "hi", family="foundation", record_id="keep")
    dup = make_record("hello there", "hi", family="persona", record_id="dup")
    lone = make_record("something else", "ok", family="persona", record_id="lone")
    decisions = {
        "keep": DuplicateDecision("keep", "dup-1", "keep", "survivor", 1.0, "foundation", "k"),
        "dup": DuplicateDecision("dup", "dup-1", "keep", "exact", 1.0, "persona", "k"),
    }
    return [kept, dup, lone], decisions


def test_apply_decisions_yields_every_record() -> None:
    records, decisions = _decisions()
    seen = [
        (r.metadata.id, d.survivor_id if d else None)
        for r, d in apply_decisions(records, decisions)
    ]
    assert seen == [("keep", None), ("dup", "keep"), ("lone", None)]


def test_deduplicator_quarantines_duplicates_with_their_survivor() -> None:
    records, decisions = _decisions()
    quarantined: list[Outcome] = []
    step = Deduplicator(DedupConfig(), DedupResult(decisions=decisions))
    kept = list(step.run(records, quarantined.append))
    assert [r.metadata.id for r in kept] == ["keep", "lone"]
    assert kept[0].metadata.provenance.steps[-1].name == "deduplicate"
    assert [(o.record.metadata.id, o.reason) for o in quarantined] == [
        ("dup", DedupReason.EXACT_DUPLICATE)
    ]
    assert quarantined[0].detail is not None and "survivor=keep" in quarantined[0].detail
    assert step.stats.quarantined == {"exact_duplicate": 1}
    assert step.stats.counters == {"survivor:foundation": 1, "exact:persona": 1}


def test_a_holdout_familys_record_is_kept_over_a_training_copy() -> None:
    registry = Registry.model_validate(
        {
            "stages": [{"id": "s", "order": 1}],
            "families": [
                {"name": "voice", "stage": "s", "priority": 40},
                {"name": "voice_holdout", "stage": "s", "priority": 41, "holdout": "test_only"},
            ],
            "sources": [],
        }
    )
    priority = family_priorities(registry)
    members = [member("a", "voice", 900), member("z", "voice_holdout", 10)]
    # held-out text never survives in training data while its holdout record is dropped
    assert choose_survivor(members, priority).id == "z"
    assert choose_survivor([member("a", "voice", 1), member("b", "unknown", 9)], priority).id == "a"
