"""The safety gate for crisis data: fails closed when a chat that would ship breaks a red
("never") rule, or when a family's pass rate falls below its threshold.

Two inputs, on purpose: the counts of the build's safety screen (every chat scored, the
quarantined ones included: what the pass rates are of) and a second scoring of the compiled
release's records (what ships: a red rule broken there fails the gate even if the screen
missed it, so a compile bug or a screen turned off cannot slip a chat through). The evidence
lists pass rates per family, category, risk level and directness, and hits per rule (red and
yellow); never any text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mhds.crisis.screening import SafetyConfig, safety_table
from mhds.gates.base import Failure, Gate, GateStatus, Verdict

CHECKS: tuple[str, ...] = ("never", "pass_rate")
MAX_SUMMARY_PROBLEMS = 5


class SafetyGate(Gate):
    """See the module docstring. No scored family at all passes (nothing to judge)."""

    name: ClassVar[str] = "safety"
    checks: ClassVar[tuple[str, ...]] = CHECKS

    def check(
        self,
        counters: Mapping[str, int],
        shipped: int,
        broken: Mapping[str, Mapping[str, int]],
        config: SafetyConfig,
        families: tuple[str, ...],
        checker_digest: str,
    ) -> Verdict:
        """Judge the screen's ``counters`` (``mhds.crisis.screening``) and the red rules
        ``broken`` in the ``shipped`` records of ``families`` (family -> rule -> chats)."""
        table = safety_table(counters)
        failures: list[Failure] = []
        for family, rules in sorted(broken.items()):
            listed = ", ".join(f"{rule} ({n})" for rule, n in sorted(rules.items()))
            failures.append(
                Failure("never", family, f"{family}: chats about to ship break red rules: {listed}")
            )
        rows: list[dict[str, Any]] = []
        for family in families:
            row = table.get(family, {"scored": 0, "passed": 0, "rate": None, "by": {}, "rules": {}})
            threshold = config.threshold(family)
            rows.append({"family": family, "threshold": threshold, **row})
            rate = row["rate"]
            if rate is not None and rate < threshold:
                red = {r: c["red"] for r, c in row["rules"].items() if c["red"]}
                top = ", ".join(
                    f"{rule} ({n})" for rule, n in sorted(red.items(), key=lambda x: -x[1])[:5]
                )
                failures.append(
                    Failure(
                        "pass_rate",
                        family,
                        f"{family}: {row['passed']} / {row['scored']} chats pass ({rate:.1%}), "
                        f"below {threshold:.0%}; red rules broken: {top or 'none'}",
                    )
                )
        evidence: dict[str, Any] = {
            "config": config.model_dump(mode="json"),
            "checker": checker_digest,
            "families": rows,
            "shipped_scored": shipped,
            "shipped_red": {f: dict(sorted(r.items())) for f, r in sorted(broken.items())},
        }
        scored = sum(row["scored"] for row in rows)
        if failures:
            shown = "; ".join(f.detail for f in failures[:MAX_SUMMARY_PROBLEMS])
            more = len(failures) - MAX_SUMMARY_PROBLEMS
            summary = shown + (f" (+{more} more)" if more > 0 else "")
            return Verdict(self.name, GateStatus.FAIL, summary, evidence, tuple(failures))
        if not scored:
            summary = "no records in the safety families: nothing to score"
        else:
            passed = sum(row["passed"] for row in rows)
            summary = (
                f"{passed} / {scored} crisis chats pass the safety rules; {shipped} shipped "
                "chats scored again, none breaks a red rule"
            )
        return Verdict(self.name, GateStatus.PASS, summary, evidence)
