"""Splits are deterministic, group-aware and order-free; holdout families go to test only."""

from __future__ import annotations

import csv
import hashlib
import pickle
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import ValidationError

from mhds.records.schema import Split
from mhds.registry.schema import Family, Registry, SplitRatios, Stage
from mhds.steps.split import (
    GroupSplitter,
    SplitAssignment,
    SplitConfig,
    SplitError,
    apply_split,
    split_for_key,
    split_position,
)
from tests.cases import make_record

FOUNDATION = SplitRatios(train=0.8, val=0.1, test=0.1)
GENERIC = SplitRatios(train=0.5, val=0.25, test=0.25)


def make_registry() -> Registry:
    return Registry(
        stages=(Stage(id="stage1", order=1), Stage(id="stage3", order=3)),
        families=(
            Family(name="counsel", stage="stage1", priority=10, splits=FOUNDATION),
            Family(name="generic", stage="stage1", priority=50, splits=GENERIC),
            Family(name="generic_twin", stage="stage1", priority=50, splits=FOUNDATION),
            Family(name="crisis_holdout", stage="stage3", priority=31, holdout="test_only"),
        ),
    )


@pytest.mark.parametrize(
    ("key", "seed", "expected"),
    [
        ("counsel_chat:0", "mhds", "test"),
        ("counsel_chat:1", "mhds", "train"),
        ("counsel_chat:6", "mhds", "test"),
        ("counsel_chat:8", "mhds", "val"),
        ("counsel_chat:9", "mhds", "train"),
        ("counsel_chat:0", 7, "train"),
        ("counsel_chat:5", 7, "test"),
        ("counsel_chat:5", "7", "test"),
    ],
)
def test_split_for_key_golden_values(key: str, seed: str | int, expected: Split) -> None:
    # Literal answers: if these change, every release's splits change. Bump spec_version.
    assert split_for_key(key, FOUNDATION, seed) == expected


@pytest.mark.parametrize(
    ("key", "seed", "position"),
    [("counsel_chat:0", "mhds", 0.9087860901988547), ("a", "mhds", 0.3537115448465954)],
)
def test_split_position_follows_the_documented_spec(key: str, seed: str, position: float) -> None:
    digest = hashlib.sha256(f"{seed}\x1f{key}".encode()).digest()
    assert split_position(key, seed) == (int.from_bytes(digest[:8], "big") >> 11) / 2**53
    assert split_position(key, seed) == position


@pytest.mark.parametrize(
    "ratios",
    [FOUNDATION, GENERIC, SplitRatios(train=0.9, val=0.05, test=0.05), SplitRatios()],
)
def test_split_proportions_follow_the_ratios(ratios: SplitRatios) -> None:
    n = 20_000
    counts = Counter(split_for_key(f"group:{i}", ratios, "mhds") for i in range(n))
    for split in ("train", "val", "test"):
        assert counts[split] / n == pytest.approx(getattr(ratios, split), abs=0.015)


@pytest.mark.parametrize(
    ("ratios", "only"),
    [(SplitRatios(train=1, val=0, test=0), "train"), (SplitRatios(train=0, val=0, test=1), "test")],
)
def test_degenerate_ratios_use_one_split(ratios: SplitRatios, only: Split) -> None:
    assert {split_for_key(f"k{i}", ratios, 0) for i in range(2000)} == {only}


def test_config_is_frozen_and_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        SplitConfig(seed=1, shuffle=True)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SplitConfig().seed = 3  # type: ignore[misc]


def read_counsel_chat(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "counsel_chat.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_counsel_chat_answers_to_one_question_share_a_split(shared_data: Path) -> None:
    rows = read_counsel_chat(shared_data)
    splitter = GroupSplitter(SplitConfig(seed="mhds"))
    for row in rows:
        splitter.add(f"counsel_chat-{row['']}", f"counsel_chat:{row['questionID']}", "counsel")
    assignment = splitter.assign(make_registry())
    by_question: dict[str, set[Split]] = defaultdict(set)
    for row in rows:
        by_question[row["questionID"]].add(assignment[f"counsel_chat-{row['']}"])
    assert all(len(splits) == 1 for splits in by_question.values())
    answers = Counter(row["questionID"] for row in rows)
    assert sum(n > 1 for n in answers.values()) > 100  # many questions really have several
    question_splits = Counter(next(iter(s)) for s in by_question.values())
    for split in ("train", "val", "test"):
        share = question_splits[split] / len(by_question)
        assert share == pytest.approx(getattr(FOUNDATION, split), abs=0.04)
    assert sum(assignment.totals().values()) == len(rows)


def test_counsel_chat_split_ignores_input_order(shared_data: Path) -> None:
    rows = read_counsel_chat(shared_data)
    records = [(f"cc-{r['']}", f"counsel_chat:{r['questionID']}", "counsel") for r in rows]
    expected = list(_splitter(records).assign(make_registry()).to_rows())
    random.Random(3).shuffle(records)
    assert list(_splitter(records).assign(make_registry()).to_rows()) == expected


def test_holdout_family_goes_only_to_test() -> None:
    records = [(f"h{i}", f"crisis:{i // 3}", "crisis_holdout") for i in range(300)]
    records += [(f"c{i}", f"counsel:{i}", "counsel") for i in range(300)]
    assignment = _splitter(records).assign(make_registry())
    counts = assignment.counts()
    assert counts["crisis_holdout"] == {"train": 0, "val": 0, "test": 300}
    assert min(counts["counsel"].values()) > 0


@pytest.mark.parametrize("shards", [1, 3, 7])
def test_shuffled_and_sharded_input_gives_the_same_assignment(shards: int) -> None:
    records, links = _corpus()
    expected = list(_splitter(records, links).assign(make_registry()).to_rows())
    rng = random.Random(shards)
    shuffled, shuffled_links = records[:], links[:]
    rng.shuffle(shuffled)
    rng.shuffle(shuffled_links)
    parts = [GroupSplitter() for _ in range(shards)]
    for i, record in enumerate(shuffled):
        parts[i % shards].add(*record)
    for i, (a, b) in enumerate(shuffled_links):  # links may land before their records
        parts[(i + 1) % shards].link(b, a)
    rng.shuffle(parts)
    merged = GroupSplitter()
    for part in parts:
        merged.merge(part)
    assert list(merged.assign(make_registry()).to_rows()) == expected


def test_link_joins_groups_of_different_families_under_the_documented_rule() -> None:
    registry = make_registry()
    # Find group names whose own splits differ, so the link visibly moves one of them.
    i = next(
        i
        for i in range(1000)
        if split_for_key(f"a:{i}", FOUNDATION, "mhds") != split_for_key(f"b:{i}", GENERIC, "mhds")
        and split_for_key(f"a:{i}", FOUNDATION, "mhds") != split_for_key(f"a:{i}", GENERIC, "mhds")
    )
    records = [
        ("x1", f"b:{i}", "generic"),
        ("x2", f"b:{i}", "generic"),
        ("y1", f"a:{i}", "counsel"),
    ]
    assignment = _splitter(records, [("x1", "y1")]).assign(registry)
    # key = smallest group id ("a:..."), ratios of the lowest priority number (counsel, 10)
    expected = split_for_key(f"a:{i}", FOUNDATION, "mhds")
    assert {assignment[r] for r in ("x1", "x2", "y1")} == {expected}
    assert {assignment.component(r) for r in ("x1", "x2", "y1")} == {f"a:{i}"}


def test_priority_tie_is_broken_by_family_name() -> None:
    # generic and generic_twin share priority 50: "generic" < "generic_twin" decides.
    i = next(
        i
        for i in range(1000)
        if split_for_key(f"g:{i}", GENERIC, "s") != split_for_key(f"g:{i}", FOUNDATION, "s")
    )
    records = [("t", f"g:{i}", "generic_twin"), ("g", f"h:{i}", "generic")]
    assignment = _splitter(records, [("g", "t")], seed="s").assign(make_registry())
    assert assignment["t"] == assignment["g"] == split_for_key(f"g:{i}", GENERIC, "s")


def test_link_to_a_holdout_family_sends_the_component_to_test() -> None:
    records = [(f"c{i}", f"counsel:{i}", "counsel") for i in range(50)]
    records.append(("h", "crisis:1", "crisis_holdout"))
    assignment = _splitter(records, [("c7", "h"), ("c8", "c7")]).assign(make_registry())
    assert assignment["c7"] == assignment["c8"] == assignment["h"] == "test"
    assert {assignment[f"c{i}"] for i in range(50)} == {"train", "val", "test"}


def test_apply_split_sets_the_split_on_a_copy() -> None:
    record = make_record("I feel low", "Tell me more", group="counsel:1", family="counsel")
    splitter = GroupSplitter()
    splitter.add_metadata(record)
    assignment = splitter.assign(make_registry())
    split_record = apply_split(record, assignment)
    assert split_record.metadata.split == split_for_key("counsel:1", FOUNDATION, "mhds")
    assert record.metadata.split is None
    assert split_record.messages == record.messages


def test_apply_split_on_an_unknown_id_raises_a_clear_error() -> None:
    record = make_record("a", "b", record_id="nobody")
    with pytest.raises(SplitError, match="'nobody'") as info:
        apply_split(record, {})
    again = pickle.loads(pickle.dumps(info.value))
    assert again.record_id == "nobody" and str(again) == str(info.value)


def test_re_adding_an_id_is_idempotent_but_a_conflict_raises() -> None:
    splitter = GroupSplitter()
    splitter.add("r1", "g:1", "counsel")
    splitter.add("r1", "g:1", "counsel")
    assert len(splitter) == 1
    with pytest.raises(SplitError, match="r1"):
        splitter.add("r1", "g:2", "counsel")


def test_unknown_family_and_dangling_link_raise() -> None:
    with pytest.raises(SplitError, match="unknown family 'nope'.*counsel"):
        _splitter([("r1", "g:1", "nope")]).assign(make_registry())
    with pytest.raises(SplitError, match="ghost"):
        _splitter([("r1", "g:1", "counsel")], [("r1", "ghost")]).assign(make_registry())


def test_rows_round_trip_and_are_sorted_by_id() -> None:
    records, links = _corpus()
    assignment = _splitter(records, links).assign(make_registry())
    rows = list(assignment.to_rows())
    assert [row["id"] for row in rows] == sorted(assignment)
    again = SplitAssignment.from_rows(rows)
    assert dict(again) == dict(assignment) and again.counts() == assignment.counts()
    with pytest.raises(SplitError, match="unknown split"):
        SplitAssignment.from_rows([{"id": "r", "family": "f", "split": "dev", "component": "g"}])


def test_seed_changes_the_assignment() -> None:
    records = [(f"r{i}", f"g:{i}", "generic") for i in range(200)]
    first = _splitter(records, seed="one").assign(make_registry())
    second = _splitter(records, seed="two").assign(make_registry())
    assert dict(first) != dict(second)


def _splitter(
    records: list[tuple[str, str, str]],
    links: Sequence[tuple[str, str]] = (),
    seed: str = "mhds",
) -> GroupSplitter:
    splitter = GroupSplitter(SplitConfig(seed=seed))
    for record in records:
        splitter.add(*record)
    for a, b in links:
        splitter.link(a, b)
    return splitter


def _corpus() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Multi-record groups in three families plus near-duplicate links across them."""
    rng = random.Random(11)
    families = ["counsel", "generic", "crisis_holdout"]
    records = [(f"r{i:04d}", f"{families[i % 3]}:{i // 6}", families[i % 3]) for i in range(1200)]
    links = [(f"r{rng.randrange(1200):04d}", f"r{rng.randrange(1200):04d}") for _ in range(80)]
    return records, links
