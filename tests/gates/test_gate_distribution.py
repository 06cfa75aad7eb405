"""The distribution gate: expected turns and tokens per family and split, drift against the
previous release, and the mergeable, serialisable stats it reads."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from mhds.gates.base import GateStatus
from mhds.gates.distribution import (
    TOKEN_EDGES,
    TURN_EDGES,
    DistributionConfig,
    DistributionGate,
    DistributionStats,
    count_tokens,
    estimate_tokens,
)
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from tests.cases import make_record

SPLITS = ("train", "train", "train", "train", "train", "train", "train", "train", "val", "test")


def make_registry(therapy_turns: int = 40) -> Registry:
    return Registry.model_validate(
        {
            "stages": [{"id": "s1", "order": 1}],
            "families": [
                {
                    "name": "therapy",
                    "stage": "s1",
                    "expected_turns": {"min": 2, "max": therapy_turns},
                    "expected_tokens": {"min": 2, "max": 4000},
                },
                {
                    "name": "crisis",
                    "stage": "s1",
                    "expected_turns": {"min": 2, "max": 60},
                    "expected_tokens": {"min": 2},
                },
            ],
        }
    )


def record(family: str, i: int, turns: int = 4, split: str | None = None) -> Record:
    texts = [f"{family} turn {t} of conversation {i}" for t in range(turns)]
    base = make_record(*texts, family=family, record_id=f"{family}-{i}")
    meta = msgspec.structs.replace(base.metadata, split=split or SPLITS[i % len(SPLITS)])
    return msgspec.structs.replace(base, metadata=meta)


def corpus(**families: int) -> list[Record]:
    return [record(family, i) for family, n in families.items() for i in range(n)]


def stats_of(records: list[Record], reg: Registry | None = None) -> DistributionStats:
    stats = DistributionStats.for_registry(reg or make_registry())
    for r in records:
        stats.add(r)
    return stats


def test_token_estimate_is_a_quarter_of_the_characters_rounded_up() -> None:
    assert [estimate_tokens(t) for t in ("", "a", "abcd", "abcde", "é" * 8)] == [0, 1, 1, 2, 2]
    assert count_tokens(make_record("abc", "defgh")) == 3  # ceil(3/4) + ceil(5/4), per message


def test_passes_within_expected_ranges() -> None:
    stats = stats_of(corpus(therapy=100, crisis=40))
    verdict = DistributionGate().evaluate(stats, make_registry())
    assert verdict.status == GateStatus.PASS and verdict.passed
    assert verdict.evidence["records"] == 140 and verdict.evidence["outside_expected"] == []
    assert stats.cells[("therapy", "train")].records == 80
    assert stats.cells[("therapy", "val")].turns.histogram[TURN_EDGES.index(4)] == 10


def test_fails_on_a_planted_outlier_family() -> None:
    records = corpus(therapy=100, crisis=40)
    records[:8] = [record("therapy", i, turns=500) for i in range(8)]  # 10% of therapy/train
    verdict = DistributionGate().evaluate(stats_of(records), make_registry())
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    (row,) = [r for r in verdict.evidence["outside_expected"] if r["measure"] == "turns"]
    assert (row["family"], row["split"], row["above"], row["records"]) == (
        "therapy",
        "train",
        8,
        80,
    )
    assert row["expected"] == {"min": 2, "max": 40} and row["observed"]["max"] == 500
    assert row["over_threshold"] and row["fraction"] == pytest.approx(0.1)
    assert "therapy/train" in verdict.summary and "turns [2, 40]" in verdict.summary


def test_a_few_outliers_under_the_threshold_pass() -> None:
    records = corpus(therapy=100)
    records[0] = record("therapy", 0, turns=50, split="train")
    config = DistributionConfig(max_outside_fraction=0.05)
    verdict = DistributionGate().evaluate(stats_of(records), make_registry(), config)
    assert verdict.status == GateStatus.PASS
    assert verdict.evidence["outside_expected"][0]["over_threshold"] is False


def test_family_the_registry_does_not_declare_fails() -> None:
    verdict = DistributionGate().evaluate(stats_of(corpus(therapy=20, stray=5)), make_registry())
    assert verdict.status == GateStatus.FAIL
    assert verdict.evidence["undeclared_families"] == ["stray"]
    assert "family stray is not declared" in verdict.summary


def test_stats_counted_against_other_ranges_are_an_error() -> None:
    stats = stats_of(corpus(therapy=20), make_registry(therapy_turns=400))
    verdict = DistributionGate().evaluate(stats, make_registry())
    assert verdict.status == GateStatus.ERROR and verdict.evidence["families"] == ["therapy"]


def test_drift_against_the_previous_release_fails_with_numbers() -> None:
    previous = stats_of(corpus(therapy=100, crisis=100))
    current = stats_of(corpus(therapy=100, crisis=20))
    verdict = DistributionGate().evaluate(current, make_registry(), previous=previous)
    assert verdict.status == GateStatus.FAIL
    rows = {row["family"]: row for row in verdict.evidence["drift"]["families"]}
    assert rows["therapy"]["flags"] == ["share"] and rows["crisis"]["flags"] == ["share"]
    assert rows["therapy"]["previous_share"] == 0.5
    assert rows["therapy"]["share"] == pytest.approx(0.833333, abs=1e-6)
    assert rows["crisis"]["mean_tokens_change"] is None  # 20 records: too few to compare means
    assert "drift in therapy: share 50.0% -> 83.3%" in verdict.summary


def test_drift_in_mean_tokens_fails() -> None:
    previous = stats_of(corpus(therapy=100))
    current = stats_of([record("therapy", i, turns=12) for i in range(100)])
    verdict = DistributionGate().evaluate(current, make_registry(), previous=previous)
    assert verdict.status == GateStatus.FAIL
    (row,) = verdict.evidence["drift"]["families"]
    assert row["flags"] == ["mean_tokens"] and row["mean_tokens_change"] > 0.5
    assert "mean tokens" in verdict.summary


def test_no_drift_and_small_releases_pass() -> None:
    previous = stats_of(corpus(therapy=100, crisis=90))
    current = stats_of(corpus(therapy=110, crisis=95))
    verdict = DistributionGate().evaluate(current, make_registry(), previous=previous)
    assert verdict.status == GateStatus.PASS and verdict.evidence["drift"]["checked"]
    small = stats_of(corpus(therapy=10))
    verdict = DistributionGate().evaluate(small, make_registry(), previous=previous)
    assert verdict.status == GateStatus.PASS and not verdict.evidence["drift"]["checked"]


def test_empty_stats_are_an_error() -> None:
    verdict = DistributionGate().evaluate(
        DistributionStats.for_registry(make_registry()), make_registry()
    )
    assert verdict.status == GateStatus.ERROR and not verdict.passed


def test_merge_equals_stats_over_the_union() -> None:
    records = corpus(therapy=60, crisis=30, stray=3)
    records[5] = record("therapy", 5, turns=300)
    whole = stats_of(records)
    parts = [stats_of(records[i::3]) for i in range(3)]
    merged = DistributionStats.for_registry(make_registry())
    for part in parts:
        merged.merge(part)
    assert merged == whole and merged.to_dict() == whole.to_dict()
    assert merged.cells[("therapy", "train")].turns.maximum == 300
    with pytest.raises(ValueError, match="different ranges"):
        merged.merge(DistributionStats())


def test_to_dict_round_trips_through_json() -> None:
    stats = stats_of(corpus(therapy=30, crisis=7, stray=2))
    data: dict[str, Any] = codec.loads(codec.dumps(stats.to_dict()))
    again = DistributionStats.from_dict(data)
    assert again == stats and again.ranges == stats.ranges
    assert len(data["edges"]["tokens"]) == len(TOKEN_EDGES)
    assert "conversation" not in str(data)  # counts only, never text
    with pytest.raises(ValueError, match="edges"):
        DistributionStats.from_dict({**data, "edges": {"turns": [0, 1], "tokens": [0]}})
