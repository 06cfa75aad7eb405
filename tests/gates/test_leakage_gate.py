"""The leakage gate fails on any duplicate pair across splits (this build or a previous
release), errors on ids it cannot place, and reports ids, splits and keys, never text."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from mhds.gates.base import GateStatus, Waiver
from mhds.gates.leakage import MAX_LISTED, DuplicatePair, LeakageGate, exact_pairs_across
from mhds.records.schema import Record, Split
from mhds.registry.schema import Family, Registry, Stage
from mhds.steps.split import GroupSplitter
from tests.cases import make_record

ASSIGNMENT: dict[str, Split] = {"a": "train", "b": "train", "c": "test", "d": "val"}
KEYS = {i: f"s3://bucket/raw/src/{i}.jsonl" for i in ASSIGNMENT}


def test_clean_pairs_pass_with_counts_by_kind() -> None:
    pairs = [DuplicatePair("a", "b", "exact", 1.0), DuplicatePair("b", "a", "near", 0.93)]
    verdict = LeakageGate().evaluate(ASSIGNMENT, pairs, keys=KEYS)
    assert verdict.status == GateStatus.PASS and verdict.passed
    assert verdict.evidence["pairs_checked"] == 2
    assert verdict.evidence["pairs_by_kind"] == {"exact": 1, "near": 1}
    assert verdict.evidence["leaks"] == 0


def test_planted_cross_split_near_duplicate_fails_with_ids_keys_and_splits_only() -> None:
    registry = Registry(
        stages=(Stage(id="s1", order=1),), families=(Family(name="therapy", stage="s1"),)
    )
    records = [
        make_record(f"I cannot sleep since week {i}", f"Let us talk about week {i}", group=f"g:{i}")
        for i in range(60)
    ]
    splitter = GroupSplitter()
    for record in records:
        splitter.add_metadata(record)
    assignment = splitter.assign(registry)
    original = next(r for r in records if assignment[r.metadata.id] == "train")
    twin = next(r for r in records if assignment[r.metadata.id] == "test")
    keys = {r.metadata.id: r.metadata.source_key for r in records}
    planted = DuplicatePair(original.metadata.id, twin.metadata.id, "near", 0.91)

    verdict = LeakageGate().evaluate(assignment, [planted], keys=keys)

    assert verdict.status == GateStatus.FAIL and not verdict.passed
    (leak,) = verdict.evidence["leaking_pairs"]
    ids = sorted([original.metadata.id, twin.metadata.id])
    assert [leak["id_a"], leak["id_b"]] == ids
    assert {leak["split_a"], leak["split_b"]} == {"train", "test"}
    assert leak["key_a"] == keys[leak["id_a"]] and leak["kind"] == "near"
    assert leak["similarity"] == 0.91
    assert verdict.evidence["leaks_by_splits"] == {"test|train": 1}
    report = str(verdict.to_dict()) + verdict.to_markdown()
    assert "sleep" not in report and "week" not in report

    # What dedup will do: link the cluster, so both land in one split and the gate passes.
    splitter.link(original.metadata.id, twin.metadata.id)
    relinked = splitter.assign(registry)
    assert LeakageGate().evaluate(relinked, [planted]).status == GateStatus.PASS


@pytest.mark.parametrize(("pair_ids", "leaks"), [(("a", "old1"), 0), (("c", "old1"), 1)])
def test_pairs_against_a_previous_release(pair_ids: tuple[str, str], leaks: int) -> None:
    previous: dict[str, Split] = {"old1": "train", "old2": "test"}
    pair = DuplicatePair(*pair_ids, "near", 0.88)
    verdict = LeakageGate().evaluate(ASSIGNMENT, [pair], previous=previous)
    assert verdict.evidence["leaks"] == leaks
    assert verdict.evidence["pairs_against_previous"] == 1
    assert verdict.status == (GateStatus.FAIL if leaks else GateStatus.PASS)


def test_current_split_wins_over_the_previous_release_and_moved_ids_leak() -> None:
    previous: dict[str, Split] = {"a": "test", "zz": "val"}
    verdict = LeakageGate().evaluate(ASSIGNMENT, [], previous=previous, keys=KEYS)
    assert verdict.status == GateStatus.FAIL
    (leak,) = verdict.evidence["leaking_pairs"]
    assert leak["id_a"] == leak["id_b"] == "a" and leak["kind"] == "same_id"
    assert {leak["split_a"], leak["split_b"]} == {"train", "test"}
    assert verdict.evidence["ids_compared_with_previous"] == 1


def test_pairs_inside_the_previous_release_only_are_skipped() -> None:
    previous: dict[str, Split] = {"old1": "train", "old2": "test"}
    pair = DuplicatePair("old1", "old2", "exact", 1.0)
    verdict = LeakageGate().evaluate(ASSIGNMENT, [pair], previous=previous)
    assert verdict.status == GateStatus.PASS
    assert verdict.evidence["pairs_previous_only_skipped"] == 1


def test_unknown_ids_are_an_error_even_with_a_waiver() -> None:
    waiver = Waiver(gate="leakage", scope="all", reason="accepted by the data lead", who="lead")
    pairs = [DuplicatePair("a", "ghost", "near", 0.9), DuplicatePair("c", "a", "exact", 1.0)]
    verdict = LeakageGate().evaluate(ASSIGNMENT, pairs, waivers=(waiver,))
    assert verdict.status == GateStatus.ERROR and not verdict.passed
    assert verdict.evidence["unknown_ids"] == ["ghost"]
    assert verdict.evidence["leaks"] == 1  # still counted for the report


def test_missing_assignment_is_an_error() -> None:
    verdict = LeakageGate().evaluate({}, [])
    assert verdict.status == GateStatus.ERROR


def test_crash_reading_pairs_is_an_error_not_a_pass() -> None:
    def broken() -> Iterator[DuplicatePair]:
        yield DuplicatePair("a", "b", "exact", 1.0)
        raise OSError("pair shard unreadable")

    assert LeakageGate().evaluate(ASSIGNMENT, broken()).status == GateStatus.ERROR


def test_waiver_lets_a_leak_through_and_is_recorded() -> None:
    waiver = Waiver(gate="leakage", scope="check:near", reason="reviewed pairs by hand", who="QA")
    other = Waiver(gate="pii", scope="all", reason="not for this gate at all", who="QA")
    pairs = [DuplicatePair("a", "c", "near", 0.9)]
    assert not LeakageGate().evaluate(ASSIGNMENT, pairs, waivers=(other,)).passed
    waived = LeakageGate().evaluate(ASSIGNMENT, pairs, waivers=(other, waiver))
    assert waived.status == GateStatus.FAIL and waived.passed and waived.waivers == (waiver,)


def test_listed_leaks_are_capped_sorted_and_totals_complete() -> None:
    assignment: dict[str, Split] = {f"r{i:04d}": ("train" if i % 2 else "test") for i in range(600)}
    pairs = [DuplicatePair(f"r{i:04d}", f"r{i + 1:04d}", "near", 0.9) for i in range(599)]
    random.Random(5).shuffle(pairs)
    verdict = LeakageGate().evaluate(assignment, pairs)
    assert verdict.evidence["leaks"] == 599
    listed = verdict.evidence["leaking_pairs"]
    assert len(listed) == MAX_LISTED
    assert [row["id_a"] for row in listed] == [f"r{i:04d}" for i in range(MAX_LISTED)]


def test_exact_pairs_are_star_pairs_per_hash_whatever_the_order() -> None:
    meta = [("b", "h1"), ("a", "h1"), ("c", "h1"), ("d", "h2"), ("e", "h3"), ("f", "h3")]
    expected = [
        DuplicatePair("a", "b", "exact", 1.0),
        DuplicatePair("a", "c", "exact", 1.0),
        DuplicatePair("e", "f", "exact", 1.0),
    ]
    assert exact_pairs_across(meta) == expected
    assert exact_pairs_across(reversed(meta + [("a", "h1")])) == expected


def test_exact_duplicates_in_two_splits_fail_end_to_end() -> None:
    records = [make_record("same words", "same reply", record_id=i) for i in ("x", "y")]
    records.append(make_record("other", "reply", record_id="z"))
    assignment: dict[str, Split] = {"x": "train", "y": "val", "z": "val"}
    pairs = exact_pairs_across((r.metadata.id, r.metadata.content_hash) for r in records)
    verdict = LeakageGate().evaluate(assignment, pairs, keys=_keys(records))
    assert verdict.status == GateStatus.FAIL
    assert verdict.evidence["leaks_by_kind"] == {"exact": 1}
    assert verdict.evidence["leaking_pairs"][0]["key_a"] == records[0].metadata.source_key


@pytest.mark.parametrize(("kind", "similarity"), [("fuzzy", 0.9), ("near", 1.5), ("near", -0.1)])
def test_duplicate_pair_rejects_bad_values(kind: str, similarity: float) -> None:
    with pytest.raises(ValueError):
        DuplicatePair("a", "b", kind, similarity)  # type: ignore[arg-type]


def _keys(records: list[Record]) -> dict[str, str]:
    return {r.metadata.id: r.metadata.source_key for r in records}
