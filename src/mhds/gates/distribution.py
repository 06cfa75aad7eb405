"""The distribution gate: turns and tokens per family and split stay within the registry's
expected ranges, and the corpus does not drift too far from the previous release.

``DistributionStats`` is a bounded-memory, mergeable summary (counters and fixed histograms,
never record text) that a release manifest keeps so the next release can check drift.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.records.schema import Record
from mhds.registry.schema import Range, Registry

FORMAT_VERSION = 1
MEASURES: tuple[str, ...] = ("turns", "tokens")
UNASSIGNED = "unassigned"  # split key of records not yet split
MAX_SUMMARY_PROBLEMS = 5


def _log_edges(limit: int) -> tuple[int, ...]:
    """Bucket lower edges 0, 1, 2, 3, 4, 6, 8, 12, 16, 24 ... (two per doubling) up to limit."""
    edges, power = [0, 1, 2, 3], 4
    while power <= limit:
        edges += [power, power * 3 // 2]
        power *= 2
    return tuple(edges)


# Histogram bucket i counts values in [edges[i], edges[i + 1]); the last bucket is open.
# The edges are fixed so histograms of any two builds add up and compare bucket by bucket.
TURN_EDGES = _log_edges(1024)
TOKEN_EDGES = _log_edges(1 << 20)
EDGES: dict[str, tuple[int, ...]] = {"turns": TURN_EDGES, "tokens": TOKEN_EDGES}


def estimate_tokens(text: str) -> int:
    """Tokens of ``text``, estimated as ``ceil(characters / 4)``.

    Characters are Unicode code points. The estimate needs no tokenizer, so it is the same on
    every machine and release; it is about right for English with BPE tokenizers and is used
    for expected ranges and drift only, never for truncation.
    """
    return math.ceil(len(text) / 4)


def count_tokens(record: Record) -> int:
    """Estimated tokens of a conversation: the sum of ``estimate_tokens`` over its message
    contents. The release manifest's token counts use this same rule (one rule, one number)."""
    return sum(estimate_tokens(message.content) for message in record.messages)


@dataclass(frozen=True)
class ExpectedRanges:
    """A family's expected turns (messages) and tokens per conversation."""

    turns: Range
    tokens: Range

    def of(self, measure: str) -> Range:
        """The range of ``measure`` (``turns`` or ``tokens``)."""
        return self.turns if measure == "turns" else self.tokens


@dataclass
class MeasureStats:
    """Running summary of one measure over one cell's records: sum, extremes, values
    below/above the expected range (exact), and a histogram on the fixed edges."""

    histogram: list[int]
    total: int = 0
    minimum: int | None = None
    maximum: int | None = None
    below: int = 0
    above: int = 0

    def add(self, value: int, edges: tuple[int, ...], expected: Range | None) -> None:
        """Count one value; ``expected`` None (undeclared family) counts nothing outside."""
        self.histogram[bisect_right(edges, value) - 1] += 1
        self.total += value
        self.minimum = value if self.minimum is None else min(self.minimum, value)
        self.maximum = value if self.maximum is None else max(self.maximum, value)
        if expected is not None:
            self.below += int(value < expected.min)
            self.above += int(expected.max is not None and value > expected.max)

    def merge(self, other: MeasureStats) -> None:
        """Add ``other`` (same edges) into this summary."""
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]
        self.total += other.total
        self.minimum = _pick(min, self.minimum, other.minimum)
        self.maximum = _pick(max, self.maximum, other.maximum)
        self.below += other.below
        self.above += other.above


@dataclass
class CellStats:
    """Records, turns and tokens of one (family, split) cell."""

    records: int = 0
    turns: MeasureStats = field(default_factory=lambda: MeasureStats([0] * len(TURN_EDGES)))
    tokens: MeasureStats = field(default_factory=lambda: MeasureStats([0] * len(TOKEN_EDGES)))

    def measure(self, name: str) -> MeasureStats:
        """The summary of ``name`` (``turns`` or ``tokens``)."""
        return self.turns if name == "turns" else self.tokens

    def mean(self, name: str) -> float | None:
        """Mean of ``name`` per record (None when the cell is empty)."""
        return self.measure(name).total / self.records if self.records else None

    def merge(self, other: CellStats) -> None:
        """Add ``other`` into this cell."""
        self.records += other.records
        self.turns.merge(other.turns)
        self.tokens.merge(other.tokens)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CellStats:
        """Rebuild from ``dataclasses.asdict`` output."""
        measures = {name: MeasureStats(**data[name]) for name in MEASURES}
        return cls(data["records"], **measures)


class DistributionStats:
    """Per (family, split) counts of records, turns and tokens, in bounded memory.

    The expected ranges are fixed at construction (``for_registry``) so that ``add`` counts
    values outside them exactly; a family without ranges is counted but never judged in
    range (the gate fails it as undeclared). Stats merge (shards, map/reduce) when their
    ranges agree, and ``to_dict``/``from_dict`` round-trip for the release manifest.
    """

    def __init__(self, ranges: Mapping[str, ExpectedRanges] | None = None) -> None:
        self.ranges: dict[str, ExpectedRanges] = dict(sorted((ranges or {}).items()))
        self.cells: dict[tuple[str, str], CellStats] = {}

    @classmethod
    def for_registry(cls, registry: Registry) -> DistributionStats:
        """Empty stats that judge each family against the registry's expected ranges."""
        return cls(
            {f.name: ExpectedRanges(f.expected_turns, f.expected_tokens) for f in registry.families}
        )

    @property
    def total_records(self) -> int:
        """Records counted, over all cells."""
        return sum(cell.records for cell in self.cells.values())

    def add(self, record: Record) -> None:
        """Count one record in its (family, split) cell."""
        family = record.metadata.family
        key = (family, record.metadata.split or UNASSIGNED)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = CellStats()
        expected = self.ranges.get(family)
        cell.records += 1
        cell.turns.add(len(record.messages), TURN_EDGES, expected.turns if expected else None)
        cell.tokens.add(count_tokens(record), TOKEN_EDGES, expected.tokens if expected else None)

    def merge(self, other: DistributionStats) -> None:
        """Add ``other`` into these stats; raises ValueError when their ranges differ."""
        if other.ranges != self.ranges:
            raise ValueError("cannot merge distribution stats built with different ranges")
        for key, cell in other.cells.items():
            self.cells.setdefault(key, CellStats()).merge(cell)

    def families(self) -> list[str]:
        """Families with records, sorted."""
        return sorted({family for family, _ in self.cells})

    def family_cell(self, family: str) -> CellStats:
        """One family's records over all splits."""
        total = CellStats()
        for (name, _), cell in self.cells.items():
            if name == family:
                total.merge(cell)
        return total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stable order), kept in the release manifest."""
        return {
            "format_version": FORMAT_VERSION,
            "token_estimate": "ceil(characters / 4)",
            "edges": {name: list(edges) for name, edges in EDGES.items()},
            "ranges": {
                n: {m: r.of(m).model_dump() for m in MEASURES} for n, r in self.ranges.items()
            },
            "cells": [
                {"family": family, "split": split, **asdict(cell)}
                for (family, split), cell in sorted(self.cells.items())
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DistributionStats:
        """Rebuild from ``to_dict`` output; raises ValueError on another format or edges."""
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported distribution format {data.get('format_version')!r}")
        if {k: tuple(v) for k, v in data["edges"].items()} != EDGES:
            raise ValueError("distribution stats use other histogram edges")
        stats = cls(
            {
                n: ExpectedRanges(Range(**r["turns"]), Range(**r["tokens"]))
                for n, r in data["ranges"].items()
            }
        )
        for row in data["cells"]:
            stats.cells[(row["family"], row["split"])] = CellStats.from_dict(row)
        return stats

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DistributionStats):
            return NotImplemented
        return self.to_dict() == other.to_dict()


class DistributionConfig(BaseModel):
    """Thresholds of the distribution gate."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    max_outside_fraction: float = Field(0.02, ge=0, le=1)
    """Largest fraction of a family/split's records allowed outside the family's expected
    turns, and separately outside its expected tokens."""
    max_share_change: float = Field(0.15, ge=0, le=1)
    """Largest absolute change of a family's share of all records since the previous release
    (0.15: a family going from 10% to 30% of the corpus fails)."""
    max_mean_tokens_change: float = Field(0.5, ge=0)
    """Largest relative change of a family's mean tokens per conversation since the previous
    release (0.5: +/-50%)."""
    min_records_for_drift: int = Field(50, ge=1)
    """Drift is checked only when both releases hold at least this many records; a family's
    mean tokens only when the family holds this many in both."""


class DistributionGate(Gate):
    """Fails on a family/split with too many records outside its expected ranges, a family
    the registry does not declare, or drift past the thresholds; empty stats are an error."""

    name: ClassVar[str] = "distribution"
    checks: ClassVar[tuple[str, ...]] = ("undeclared_family", "outside_expected", "drift")

    def check(
        self,
        stats: DistributionStats,
        registry: Registry,
        config: DistributionConfig | None = None,
        *,
        previous: DistributionStats | None = None,
    ) -> Verdict:
        """Judge this build's stats against the registry and, when given, the previous
        release's stats (from its manifest)."""
        config = config or DistributionConfig()
        if not stats.total_records:
            return Verdict(self.name, GateStatus.ERROR, "no records: distribution stats are empty")
        declared = DistributionStats.for_registry(registry).ranges
        stale = [
            f for f in stats.families() if f in declared and stats.ranges.get(f) != declared[f]
        ]
        if stale:
            summary = f"stats were counted against other expected ranges: {', '.join(stale)}"
            return Verdict(self.name, GateStatus.ERROR, summary, {"families": stale})
        undeclared = [f for f in stats.families() if f not in declared]
        outside = _outside_rows(stats, config)
        failures = [
            Failure("undeclared_family", f, f"family {f} is not declared in the registry")
            for f in undeclared
        ]
        failures += [
            Failure("outside_expected", row["family"], _outside_problem(row, config))
            for row in outside
            if row["over_threshold"]
        ]
        evidence: dict[str, Any] = {
            "config": config.model_dump(),
            "records": stats.total_records,
            "undeclared_families": undeclared,
            "outside_expected": outside,
        }
        if previous is not None:
            evidence["drift"] = drift = _drift(stats, previous, config)
            failures += [
                Failure("drift", row["family"], _drift_problem(row, config))
                for row in drift["families"]
                if row["flags"]
            ]
        if failures:
            shown = "; ".join(f.detail for f in failures[:MAX_SUMMARY_PROBLEMS])
            more = len(failures) - MAX_SUMMARY_PROBLEMS
            summary = shown + (f" (+{more} more)" if more > 0 else "")
            return Verdict(self.name, GateStatus.FAIL, summary, evidence, tuple(failures))
        cells, families = len(stats.cells), len(stats.families())
        summary = (
            f"{stats.total_records} records in {families} families ({cells} family/split cells) "
            "within expected turns and tokens"
        )
        if previous is not None:
            checked = evidence["drift"]["checked"]
            summary += "; no drift past thresholds" if checked else "; too few records for drift"
        return Verdict(self.name, GateStatus.PASS, summary, evidence)


def _outside_rows(stats: DistributionStats, config: DistributionConfig) -> list[dict[str, Any]]:
    """Every cell and measure with a record outside its family's expected range."""
    rows = []
    for (family, split), cell in sorted(stats.cells.items()):
        expected = stats.ranges.get(family)
        for name in MEASURES:
            measure = cell.measure(name)
            if expected is None or not measure.below + measure.above:
                continue
            fraction = (measure.below + measure.above) / cell.records
            rows.append(
                {
                    "family": family,
                    "split": split,
                    "measure": name,
                    "records": cell.records,
                    "below": measure.below,
                    "above": measure.above,
                    "fraction": round(fraction, 6),
                    "expected": expected.of(name).model_dump(),
                    "observed": {"min": measure.minimum, "max": measure.maximum},
                    "over_threshold": fraction > config.max_outside_fraction,
                }
            )
    return rows


def _drift(
    stats: DistributionStats, previous: DistributionStats, config: DistributionConfig
) -> dict[str, Any]:
    now_total, prev_total = stats.total_records, previous.total_records
    report: dict[str, Any] = {
        "previous_records": prev_total,
        "checked": min(now_total, prev_total) >= config.min_records_for_drift,
        "families": [],
    }
    if not report["checked"]:
        return report
    for family in sorted(set(stats.families()) | set(previous.families())):
        now, before = stats.family_cell(family), previous.family_cell(family)
        share_now, share_prev = now.records / now_total, before.records / prev_total
        mean_now, mean_prev = now.mean("tokens"), before.mean("tokens")
        change: float | None = None
        enough = min(now.records, before.records) >= config.min_records_for_drift
        if enough and mean_now is not None and mean_prev:
            change = (mean_now - mean_prev) / mean_prev
        flags = []
        if abs(share_now - share_prev) > config.max_share_change:
            flags.append("share")
        if change is not None and abs(change) > config.max_mean_tokens_change:
            flags.append("mean_tokens")
        report["families"].append(
            {
                "family": family,
                "records": now.records,
                "previous_records": before.records,
                "share": round(share_now, 6),
                "previous_share": round(share_prev, 6),
                "share_change": round(share_now - share_prev, 6),
                "mean_tokens": _round(mean_now),
                "previous_mean_tokens": _round(mean_prev),
                "mean_tokens_change": _round(change),
                "flags": flags,
            }
        )
    return report


def _outside_problem(row: Mapping[str, Any], config: DistributionConfig) -> str:
    expected = row["expected"]
    bound = "inf" if expected["max"] is None else expected["max"]
    return (
        f"{row['family']}/{row['split']}: {row['fraction']:.1%} of {row['records']} records "
        f"outside expected {row['measure']} [{expected['min']}, {bound}] "
        f"(max {config.max_outside_fraction:.1%})"
    )


def _drift_problem(row: Mapping[str, Any], config: DistributionConfig) -> str:
    parts = []
    if "share" in row["flags"]:
        parts.append(
            f"share {row['previous_share']:.1%} -> {row['share']:.1%} "
            f"(max change {config.max_share_change:.1%})"
        )
    if "mean_tokens" in row["flags"]:
        parts.append(
            f"mean tokens {row['previous_mean_tokens']:.0f} -> {row['mean_tokens']:.0f} "
            f"(max change {config.max_mean_tokens_change:.0%})"
        )
    return f"drift in {row['family']}: " + ", ".join(parts)


def _pick(choose: Callable[[int, int], int], a: int | None, b: int | None) -> int | None:
    return (a if b is None else b) if a is None or b is None else choose(a, b)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
