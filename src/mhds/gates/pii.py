"""The PII gate: every record that would ship was scrubbed or found clean, and the step's
residual scan cleared it. Reports counts per category and family, never text."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.records.schema import Record
from mhds.steps.base import StepStats

SHIPPABLE = frozenset({"scrubbed", "none_detected"})


class PIIGate(Gate):
    """Fails when any candidate record is not ``scrubbed``/``none_detected``, or when there
    is no evidence that the PII step ran."""

    name: ClassVar[str] = "pii"
    checks: ClassVar[tuple[str, ...]] = ("unshippable",)

    def check(self, records: Iterable[Record], stats: StepStats | None = None) -> Verdict:
        """Judge the candidate records with the PII step's stats."""
        if stats is None or stats.name != "pii_redact":
            return Verdict(self.name, GateStatus.ERROR, "no PII step statistics: step did not run")
        statuses: Counter[str] = Counter()
        unshippable_by_family: Counter[str] = Counter()
        bad: list[str] = []
        for record in records:
            status = record.metadata.pii_status
            statuses[status] += 1
            if status not in SHIPPABLE:
                unshippable_by_family[record.metadata.family] += 1
                if len(bad) < 100:
                    bad.append(record.metadata.id)
        evidence: dict[str, Any] = {
            "records_by_status": dict(sorted(statuses.items())),
            "redacted": _by_family(stats, "redacted"),
            "residual": _by_family(stats, "residual"),
            "uncertain_redacted": _by_family(stats, "uncertain_redacted"),
            "uncertain_review": _by_family(stats, "uncertain_review"),
            "quarantined": dict(sorted(stats.quarantined.items())),
            "unshippable_ids": bad,
        }
        unshippable = sum(n for s, n in statuses.items() if s not in SHIPPABLE)
        if unshippable:
            failures = tuple(
                Failure("unshippable", family, f"{n} records not cleared for PII")
                for family, n in sorted(unshippable_by_family.items())
            )
            return Verdict(
                self.name,
                GateStatus.FAIL,
                f"{unshippable} candidate records are not cleared for PII",
                evidence,
                failures,
            )
        quarantined = sum(stats.quarantined.values())
        uncertain = _total(stats, "uncertain_redacted")
        summary = (
            f"{sum(statuses.values())} records cleared ({statuses['scrubbed']} scrubbed, "
            f"{statuses['none_detected']} clean); {quarantined} sent to review"
            + (f"; {uncertain} uncertain spans redacted" if uncertain else "")
        )
        return Verdict(self.name, GateStatus.PASS, summary, evidence)


def _total(stats: StepStats, kind: str) -> int:
    return sum(n for key, n in stats.counters.items() if key.partition(":")[0] == kind)


def _by_family(stats: StepStats, kind: str) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for key, count in stats.counters.items():
        prefix, _, rest = key.partition(":")
        if prefix == kind:
            family, _, category = rest.rpartition(":")
            table[family][category] = count
    return {family: dict(sorted(cats.items())) for family, cats in sorted(table.items())}
