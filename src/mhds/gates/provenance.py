"""The provenance gate: every record that would ship traces back to an approved source.

Runs ``check_record_provenance`` over the candidate records (streamed, one at a time) and
adds the issues found when re-reading written shards. Any issue fails the gate; the report
counts issues by reason and family and lists the first ones by id and field, never text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, ClassVar

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.provenance import ProvenanceIssue, ProvenanceReason, check_record_provenance

# Most issues listed in a report; the counts are always complete.
MAX_LISTED = 100


class ProvenanceGate(Gate):
    """Fails on any provenance issue (deny by default); no records at all is an error."""

    name: ClassVar[str] = "provenance"
    checks: ClassVar[tuple[str, ...]] = tuple(reason.value for reason in ProvenanceReason)

    def check(
        self,
        records: Iterable[Record],
        registry: Registry,
        *,
        shard_issues: Iterable[ProvenanceIssue] = (),
    ) -> Verdict:
        """Judge the candidate records, plus issues from ``verify_shard_provenance``.

        Args:
            records: the records that would ship, read once.
            registry: the registry that names the approved sources.
            shard_issues: issues found re-reading the written shards.
        """
        by_reason: Counter[str] = Counter()
        by_family: Counter[str] = Counter()
        # (reason, family) -> issues; shard-level issues have no family
        by_item: Counter[tuple[str, str | None]] = Counter()
        listed: list[dict[str, Any]] = []
        checked = flagged = 0
        for record in records:
            checked += 1
            issues = check_record_provenance(record, registry)
            if issues:
                flagged += 1
                by_family[record.metadata.family] += len(issues)
                by_item.update((str(i.reason), record.metadata.family) for i in issues)
            _tally(issues, by_reason, listed)
        shard_list = list(shard_issues)
        by_item.update((str(i.reason), None) for i in shard_list)
        shard_count = _tally(shard_list, by_reason, listed)
        evidence: dict[str, Any] = {
            "records_checked": checked,
            "records_with_issues": flagged,
            "shard_issues": shard_count,
            "issues": sum(by_reason.values()),
            "issues_by_reason": dict(sorted(by_reason.items())),
            "issues_by_family": dict(sorted(by_family.items())),
            "first_issues": listed,
        }
        if by_reason:
            reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items()))
            summary = (
                f"{evidence['issues']} provenance issues ({reasons}) in {flagged} of "
                f"{checked} records and {shard_count} shard checks"
            )
            failures = tuple(
                Failure(reason, family, f"{n} issues")
                for (reason, family), n in sorted(by_item.items(), key=_item_order)
            )
            return Verdict(self.name, GateStatus.FAIL, summary, evidence, failures)
        if not checked:
            return Verdict(self.name, GateStatus.ERROR, "no records to check", evidence)
        summary = f"{checked} records trace back to approved sources"
        return Verdict(self.name, GateStatus.PASS, summary, evidence)


def _item_order(item: tuple[tuple[str, str | None], int]) -> tuple[str, str]:
    (reason, family), _ = item
    return reason, family or ""


def _tally(
    issues: Iterable[ProvenanceIssue], by_reason: Counter[str], listed: list[dict[str, Any]]
) -> int:
    count = 0
    for issue in issues:
        count += 1
        by_reason[str(issue.reason)] += 1
        if len(listed) < MAX_LISTED:
            listed.append(
                {
                    "record_id": issue.record_id,
                    "reason": str(issue.reason),
                    "field": issue.field,
                    "shard_key": issue.shard_key,
                }
            )
    return count
