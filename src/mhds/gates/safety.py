"""The safety gate for crisis data: fails closed when a chat that would ship breaks a red
("never") rule, or when a family's pass rate falls below its threshold.

Two inputs, on purpose: the counts of the build's safety screen (every chat scored, the
quarantined ones included: what the pass rates are of) and a second scoring of the compiled
release's records (what ships). A red rule broken there, or more shipped chats than the
screen passed, is an error no waiver covers, so a compile bug or a screen turned off cannot
slip a chat through. The evidence
lists pass rates per family, category, risk level and directness, and hits per rule (red and
yellow); never any text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mhds.crisis.screening import SafetyConfig, safety_table
from mhds.gates.base import Failure, Gate, GateStatus, Verdict

CHECKS: tuple[str, ...] = ("never", "unscreened", "pass_rate")
# Checks no waiver may cover: the verdict is an error, not a failure.
UNWAIVABLE: frozenset[str] = frozenset({"never", "unscreened"})
MAX_SUMMARY_PROBLEMS = 5


class SafetyGate(Gate):
    """See the module docstring. A red rule broken in what would ship (``never``) and
    records shipped without the screen's pass (``unscreened``) are errors, which no waiver
    covers; a pass rate below its threshold is a failure a recorded waiver may accept. No
    scored record at all passes (nothing to judge)."""

    name: ClassVar[str] = "safety"
    checks: ClassVar[tuple[str, ...]] = CHECKS

    def check(
        self,
        counters: Mapping[str, int],
        shipped: Mapping[str, int],
        broken: Mapping[str, Mapping[str, int]],
        config: SafetyConfig,
        families: tuple[str, ...],
        checker_digest: str,
    ) -> Verdict:
        """Judge the screen's ``counters`` (``mhds.crisis.screening``), the records
        ``shipped`` per family that the gate scored again, and the red rules ``broken`` in
        them (family -> rule -> chats)."""
        table = safety_table(counters)
        failures: list[Failure] = []
        for family, rules in sorted(broken.items()):
            listed = ", ".join(f"{rule} ({n})" for rule, n in sorted(rules.items()))
            failures.append(
                Failure("never", family, f"{family}: chats about to ship break red rules: {listed}")
            )
        rows: list[dict[str, Any]] = []
        empty: dict[str, Any] = {"scored": 0, "passed": 0, "rate": None, "by": {}, "rules": {}}
        for family in sorted({*families, *table, *shipped}):
            row = table.get(family, empty)
            threshold = config.threshold(family)
            rows.append({"family": family, "threshold": threshold, **row})
            clean = shipped.get(family, 0) - sum(broken.get(family, {}).values())
            if clean > row["passed"]:
                failures.append(
                    Failure(
                        "unscreened",
                        family,
                        f"{family}: {clean} chats would ship, the screen passed "
                        f"{row['passed']}: records reached the release unscreened",
                    )
                )
            scored, passed = row["scored"], row["passed"]
            if scored and passed < threshold * scored:
                red = {r: c["red"] for r, c in row["rules"].items() if c["red"]}
                top = ", ".join(
                    f"{rule} ({n})" for rule, n in sorted(red.items(), key=lambda x: -x[1])[:5]
                )
                failures.append(
                    Failure(
                        "pass_rate",
                        family,
                        f"{family}: {passed} / {scored} chats pass ({passed / scored:.2%}), "
                        f"below {threshold:.2%}; red rules broken: {top or 'none'}",
                    )
                )
        evidence: dict[str, Any] = {
            "config": config.model_dump(mode="json"),
            "checker": checker_digest,
            "families": rows,
            "shipped_scored": sum(shipped.values()),
            "shipped": dict(sorted(shipped.items())),
            "shipped_red": {f: dict(sorted(r.items())) for f, r in sorted(broken.items())},
        }
        if failures:
            shown = "; ".join(f.detail for f in failures[:MAX_SUMMARY_PROBLEMS])
            more = len(failures) - MAX_SUMMARY_PROBLEMS
            summary = shown + (f" (+{more} more)" if more > 0 else "")
            fatal = any(f.check in UNWAIVABLE for f in failures)
            status = GateStatus.ERROR if fatal else GateStatus.FAIL
            return Verdict(self.name, status, summary, evidence, tuple(failures))
        scored = sum(row["scored"] for row in rows)
        if not scored:
            summary = "no records in the safety families: nothing to score"
        else:
            passed = sum(row["passed"] for row in rows)
            summary = (
                f"{passed} / {scored} crisis chats pass the safety rules; "
                f"{sum(shipped.values())} shipped chats scored again, none breaks a red rule"
            )
        return Verdict(self.name, GateStatus.PASS, summary, evidence)
