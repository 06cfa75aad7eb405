"""The coverage gate: every family the registry marks required is present in the store.

Reads the coverage matrix (``registry/coverage.py``); a required family that is ``partial``
or ``missing`` stops the release, and the evidence says what to do next for each family.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.registry.coverage import Coverage, FamilyCoverage


class CoverageGate(Gate):
    """Fails when any required family is not ``present``; an empty matrix is an error."""

    name: ClassVar[str] = "coverage"
    checks: ClassVar[tuple[str, ...]] = ("required_family",)

    def check(self, coverage: Coverage) -> Verdict:
        """Judge the coverage matrix of the build's inventory."""
        if not coverage.families:
            return Verdict(self.name, GateStatus.ERROR, "coverage matrix lists no families")
        failing = [row for row in coverage.families if row.required and row.status != "present"]
        required = sum(1 for row in coverage.families if row.required)
        evidence: dict[str, Any] = {
            "store": coverage.store,
            "registry_hash": coverage.registry_hash,
            "required": required,
            "failing": [row.family for row in failing],
            "families": {row.family: _row_evidence(row) for row in coverage.families},
        }
        if failing:
            names = ", ".join(f"{row.family} ({row.status})" for row in failing)
            summary = f"{len(failing)} of {required} required families not present: {names}"
            failures = tuple(
                Failure("required_family", row.family, _shortfall(row)) for row in failing
            )
            return Verdict(self.name, GateStatus.FAIL, summary, evidence, failures)
        present = sum(1 for row in coverage.families if row.status == "present")
        summary = (
            f"all {required} required families present "
            f"({present} of {len(coverage.families)} families present in all)"
        )
        return Verdict(self.name, GateStatus.PASS, summary, evidence)


def _shortfall(row: FamilyCoverage) -> str:
    records = "unknown" if row.records is None else str(row.records)
    return f"{row.status}: {records} of {row.min_records} records"


def _row_evidence(row: FamilyCoverage) -> dict[str, Any]:
    return {
        "required": row.required,
        "status": row.status,
        "records": row.records,
        "records_basis": row.records_basis,
        "min_records": row.min_records,
        "next_action": row.next_action,
    }
