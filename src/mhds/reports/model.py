"""The release report: every gate's verdict, the distribution stats and the record counts,
in one JSON-ready model that the HTML overview renders and the release keeps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mhds.gates.base import Verdict, Waiver, outcome
from mhds.gates.distribution import UNASSIGNED, DistributionStats

SPLIT_ORDER: tuple[str, ...] = ("train", "val", "test", UNASSIGNED)


class ReleaseReport(BaseModel):
    """What a release's reports/ folder says about it (no record text anywhere)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(description="Release version (vYYYY-MM-DD[.N]) or build id.")
    verdicts: tuple[dict[str, Any], ...] = Field(
        description="Each gate's ``Verdict.to_dict()``, in the order the gates ran."
    )
    distribution: dict[str, Any] = Field(description="``DistributionStats.to_dict()``.")
    counts: dict[str, dict[str, int]] = Field(description="Records per family, then split.")
    funnel: tuple[dict[str, Any], ...] = Field(
        (), description="Per source: items read, quarantined, reviewed, duplicates, released."
    )
    unused_waivers: tuple[dict[str, Any], ...] = Field(
        (), description="Waivers of the release config that covered no failure."
    )
    bias: dict[str, Any] | None = Field(
        None, description="``BiasStats.to_dict()``: identity-group mentions and their measures."
    )

    @classmethod
    def build(
        cls,
        version: str,
        verdicts: Iterable[Verdict],
        stats: DistributionStats,
        *,
        funnel: Iterable[dict[str, Any]] = (),
        unused_waivers: Iterable[Waiver] = (),
        bias: dict[str, Any] | None = None,
    ) -> ReleaseReport:
        """The report of one build from its verdicts, distribution stats, funnel and bias
        stats."""
        return cls(
            version=version,
            verdicts=tuple(verdict.to_dict() for verdict in verdicts),
            distribution=stats.to_dict(),
            counts=count_records(stats),
            funnel=tuple(funnel),
            unused_waivers=tuple(w.model_dump() for w in unused_waivers),
            bias=bias,
        )

    @property
    def passed(self) -> bool:
        """Whether every gate passed (or was waived): the release may be published."""
        return bool(self.verdicts) and all(v["passed"] for v in self.verdicts)

    @property
    def gate_tally(self) -> dict[str, int]:
        """Gates by outcome: passed, waived (failed, every failure covered), failed."""
        return tally(self.verdicts)

    def stats(self) -> DistributionStats:
        """The distribution stats, rebuilt."""
        return DistributionStats.from_dict(self.distribution)

    def splits(self) -> list[str]:
        """Splits with records: train, val, test, unassigned, then any other."""
        return order_splits({split for row in self.counts.values() for split in row})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return self.model_dump(mode="json")


def tally(verdicts: Iterable[Verdict | Mapping[str, Any]]) -> dict[str, int]:
    """Gates by outcome: passed, waived, failed (``fail`` and ``error``)."""
    counts = {"passed": 0, "waived": 0, "failed": 0}
    for verdict in verdicts:
        ended = outcome(verdict)
        counts["passed" if ended == "pass" else "waived" if ended == "waived" else "failed"] += 1
    return counts


def count_records(stats: DistributionStats) -> dict[str, dict[str, int]]:
    """Records per family, then per split, from distribution stats (sorted)."""
    table: dict[str, dict[str, int]] = {family: {} for family in stats.families()}
    for (family, split), cell in sorted(stats.cells.items()):
        table[family][split] = cell.records
    return table


def order_splits(splits: Iterable[str]) -> list[str]:
    """``splits`` in the order train, val, test, unassigned, then any other sorted."""
    found = set(splits)
    return [s for s in SPLIT_ORDER if s in found] + sorted(found - set(SPLIT_ORDER))
