"""The signoff gate: a release that needs clinician sign-off publishes only with a valid
decision record for its exact content digest.

The gate judges evidence that ``mhds.qa.signoff`` gathers (gates never read the QA store
themselves): whether a sign-off names this content digest, whether everything behind it is
unchanged (the plan, the sample and every decision against the QA run's hash-chained log,
the decision digest against the record), whether the review was as thorough as the release
config asked, and each family's pass rate. Fail closed: no record, a family unreviewed or
under its minimum, a weaker review is a failure (waivable like every gate); evidence that
does not hold together is an error, which no waiver covers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mhds.gates.base import Failure, Gate, GateStatus, Verdict

# Findings that mean the evidence itself cannot be trusted: an error, never waivable.
INTEGRITY_CHECKS = ("tampered", "digest_mismatch")


@dataclass(frozen=True)
class SignoffEvidence:
    """What the gate judges.

    ``record`` is the sign-off record found for ``content_digest`` (None: none) and
    ``record_bytes`` its bytes as judged (what a release copies); ``problems`` are
    (check, detail) findings: integrity (``tampered``, ``digest_mismatch``) or a review weaker
    than the release config asked for (``weaker_review``); ``pass_rates`` maps family ->
    (items passed, items decided), judged against ``min_pass_rate``; ``families`` are the
    families the release holds (each must have decided items); ``blocked`` lists families
    that ``on_failed_item: block_family`` blocks.
    """

    content_digest: str
    record: Mapping[str, Any] | None = None
    record_key: str | None = None
    problems: tuple[tuple[str, str], ...] = ()
    pass_rates: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    min_pass_rate: float = 0.9
    excluded: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    record_bytes: bytes = b""


class SignoffGate(Gate):
    """Passes when a valid, unchanged sign-off names the content digest and every family
    was reviewed and meets its pass rate; a sign-off whose evidence does not hold together
    (changed, removed or forged decisions, another digest) is an error."""

    name: ClassVar[str] = "signoff"
    checks: ClassVar[tuple[str, ...]] = (
        "missing",
        "weaker_review",
        "unreviewed",
        "pass_rate",
        "failed_items",
    )

    def check(self, evidence: SignoffEvidence) -> Verdict:
        """Judge ``evidence``."""
        digest = evidence.content_digest
        if evidence.record is None and not evidence.problems:
            what = f"content digest {digest}" if digest else "a build published without review"
            return Verdict(
                self.name,
                GateStatus.FAIL,
                f"no clinician sign-off for {what}: stage a candidate (`mhds build`), run "
                "`mhds qa sample`, have the sample reviewed, then `mhds qa signoff`",
                {"content_digest": digest or None},
                (Failure("missing", None, what),),
            )
        record = evidence.record or {}
        rates: dict[str, Any] = {}
        failures = [
            Failure(check, None, detail)
            for check, detail in evidence.problems
            if check not in INTEGRITY_CHECKS
        ]
        for family in sorted(set(evidence.families) - set(evidence.pass_rates)):
            failures.append(Failure("unreviewed", family, "no item of the family was decided"))
        for family, (passed, reviewed) in sorted(evidence.pass_rates.items()):
            rate = passed / reviewed if reviewed else 0.0
            rates[family] = {"passed": passed, "reviewed": reviewed, "rate": round(rate, 4)}
            if rate < evidence.min_pass_rate:
                failures.append(
                    Failure(
                        "pass_rate",
                        family,
                        f"{passed}/{reviewed} passed, minimum {evidence.min_pass_rate:.0%}",
                    )
                )
        failures.extend(
            Failure("failed_items", family, "items failed review (on_failed_item: block_family)")
            for family in evidence.blocked
        )
        facts = {
            "content_digest": digest,
            "record": evidence.record_key,
            "run": record.get("run"),
            "signed_by": record.get("signed_by"),
            "signed_at": record.get("created"),
            "pass_rates": rates,
            "excluded_items": len(evidence.excluded),
            "blocked_families": list(evidence.blocked),
        }
        broken = [detail for check, detail in evidence.problems if check in INTEGRITY_CHECKS]
        if broken:
            facts["integrity"] = broken
            return Verdict(
                self.name,
                GateStatus.ERROR,
                f"sign-off evidence does not hold: {'; '.join(broken[:3])}",
                facts,
                tuple(failures),
            )
        if failures:
            listed = "; ".join(f"{f.check}{f' ({f.family})' if f.family else ''}" for f in failures)
            return Verdict(
                self.name, GateStatus.FAIL, f"sign-off not valid: {listed}", facts, tuple(failures)
            )
        summary = (
            f"signed off by {record.get('signed_by')} in QA run {record.get('run')}; "
            f"{len(evidence.excluded)} item(s) excluded by review"
        )
        return Verdict(self.name, GateStatus.PASS, summary, facts)
