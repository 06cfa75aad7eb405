"""The style gate for persona data: every record of the persona families is scored again, on
the text that would ship, against the style profile it names (``mhds.persona.style``), and
each family must keep its share of records within its distance threshold.

A record of a judged family with no profile, or too short to score, is ``unscored``: an error
no waiver covers (nothing in these families ships unjudged). One record farther than
``max_distance`` is a ``far`` failure; a share within ``target_distance`` below
``min_pass_rate`` a ``distance`` failure; a recorded waiver may accept either. The evidence
lists per family the target, counts, pass rate and the distance's mean, p90 and max, and the
ids of the first records over the maximum; never any text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.persona.style import STYLE_SPEC, FamilyStyle, StyleConfig

CHECKS: tuple[str, ...] = ("unscored", "far", "distance")
UNWAIVABLE: frozenset[str] = frozenset({"unscored"})


class StyleGate(Gate):
    """See the module docstring. No record in the judged families passes (nothing to
    judge)."""

    name: ClassVar[str] = "style"
    checks: ClassVar[tuple[str, ...]] = CHECKS

    def check(
        self,
        families: Mapping[str, FamilyStyle],
        config: StyleConfig,
        profiles: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Verdict:
        """Judge the per-family scores of ``score_records``; ``profiles`` (digest ->
        ``profile_summary`` and persona id) go into the evidence for the report."""
        failures: list[Failure] = []
        rows: list[dict[str, Any]] = []
        for family, tally in sorted(families.items()):
            target = config.target(family)
            rows.append({"family": family, **tally.summary(config, family)})
            if tally.unscored:
                failures.append(
                    Failure(
                        "unscored",
                        family,
                        f"{family}: {tally.unscored} records would ship without a style score "
                        "(no profile in its generator, or too short)",
                    )
                )
            if tally.far:
                failures.append(
                    Failure(
                        "far",
                        family,
                        f"{family}: {len(tally.far)} records farther than {config.max_distance} "
                        "from their persona's profile",
                    )
                )
            if tally.scored and tally.within < config.min_pass_rate * tally.scored:
                failures.append(
                    Failure(
                        "distance",
                        family,
                        f"{family}: {tally.within} / {tally.scored} records within style "
                        f"distance {target} ({tally.within / tally.scored:.2%}), below "
                        f"{config.min_pass_rate:.2%}",
                    )
                )
        evidence: dict[str, Any] = {
            "spec": STYLE_SPEC,
            "config": config.model_dump(mode="json"),
            "families": rows,
            "profiles": {digest: dict(summary) for digest, summary in (profiles or {}).items()},
        }
        if failures:
            fatal = any(f.check in UNWAIVABLE for f in failures)
            status = GateStatus.ERROR if fatal else GateStatus.FAIL
            summary = "; ".join(f.detail for f in failures)
            return Verdict(self.name, status, summary, evidence, tuple(failures))
        scored = sum(t.scored for t in families.values())
        if not scored:
            return Verdict(
                self.name, GateStatus.PASS, "no records in the persona families", evidence
            )
        within = sum(t.within for t in families.values())
        summary = (
            f"{within} / {scored} persona records within their style targets, none farther "
            f"than {config.max_distance}"
        )
        return Verdict(self.name, GateStatus.PASS, summary, evidence)
