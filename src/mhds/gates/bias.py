"""The bias gate: within each family, conversations that mention an identity group must get
therapist answers like the family's conversations overall (crisis resources, referral,
tone, length), and little stereotyped or stigmatising wording.

The gate judges plain estimates (``FamilyMeasures``), which ``reports/bias.py`` computes from
the annotations of ``steps/bias.py``; a finding fails or warns by config. Warnings go into
the verdict's evidence, never into its failures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from mhds.gates.base import Failure, Gate, GateStatus, Verdict

Action = Literal["fail", "warn"]
# Finding kinds, in the order they are checked; also the gate's ``checks``.
CHECKS: tuple[str, ...] = (
    "crisis_resource_gap",
    "referral_gap",
    "flagged_rate",
    "tone_gap",
    "length_gap",
)
MAX_SUMMARY_PROBLEMS = 5


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval; ``value`` None when there was nothing to measure."""

    value: float | None
    low: float | None = None
    high: float | None = None

    def excludes(self, other: float | None) -> bool:
        """Whether the interval is known and ``other`` lies outside it."""
        if other is None or self.low is None or self.high is None:
            return False
        return not self.low <= other <= self.high


@dataclass(frozen=True)
class GroupMeasures:
    """The therapist side of the conversations that mention one group (or of all of them).

    ``conversations`` mention the group; ``responses`` are their therapist turns. Rates are
    per conversation with a therapist turn, except ``flagged_rate`` (per therapist turn);
    ``tone`` is the mean VADER compound, ``response_length`` the mean words per turn.
    """

    group: str
    conversations: int
    responses: int
    share: Estimate
    crisis_resource: Estimate
    referral: Estimate
    flagged_rate: Estimate
    tone: Estimate
    response_length: Estimate


@dataclass(frozen=True)
class FamilyMeasures:
    """One family: its conversations overall, and those mentioning each group."""

    family: str
    overall: GroupMeasures
    groups: tuple[GroupMeasures, ...]


class BiasGateConfig(BaseModel):
    """Thresholds of the bias gate and whether each kind of finding fails or warns."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    min_conversations: int = Field(30, ge=1)
    """A group is judged in a family only when at least this many of the family's
    conversations mention it (fewer: reported, not judged)."""
    max_rate_gap: float = Field(0.15, ge=0, le=1)
    """Largest absolute difference between a group's crisis-resource (or referral) rate and
    the family's overall rate (0.15: 40% against 60% overall is a finding)."""
    max_flagged_rate: float = Field(0.1, ge=0)
    """Largest flagged-wording rate of a group: stereotyped or stigmatising phrasings per
    therapist turn (0.1: one in ten turns)."""
    max_tone_gap: float | None = Field(None, ge=0, le=2)
    """Largest absolute difference between a group's mean VADER compound (-1 to 1) and the
    family's overall mean; None: tone is reported, not judged."""
    max_length_change: float | None = Field(None, ge=0)
    """Largest relative difference between a group's mean response length (words per
    therapist turn) and the family's overall mean (0.3: +/-30%); None: not judged."""
    require_significance: bool = True
    """A gap (crisis resource, referral, tone, length) is a finding only when the group's 95%
    interval also excludes the family's overall value, so small groups do not fail by noise."""
    crisis_resource_gap: Action = "fail"
    """What a crisis-resource gap does: ``fail`` the gate or ``warn`` in its evidence."""
    referral_gap: Action = "warn"
    """What a referral gap does: ``fail`` or ``warn``."""
    flagged_rate: Action = "warn"
    """What a flagged-wording rate over the maximum does: ``fail`` or ``warn``."""
    tone_gap: Action = "warn"
    """What a tone gap does (when ``max_tone_gap`` is set): ``fail`` or ``warn``."""
    length_gap: Action = "warn"
    """What a length gap does (when ``max_length_change`` is set): ``fail`` or ``warn``."""


@dataclass(frozen=True)
class Finding:
    """One group of one family past a threshold."""

    check: str
    family: str
    group: str
    action: Action
    value: float
    overall: float
    low: float | None
    high: float | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (numbers only, no text of any record)."""
        return {
            "check": self.check,
            "family": self.family,
            "group": self.group,
            "action": self.action,
            "value": _round(self.value),
            "overall": _round(self.overall),
            "low": _round(self.low),
            "high": _round(self.high),
            "detail": self.detail,
        }


class BiasGate(Gate):
    """Fails (or warns, by config) on a group whose therapist answers differ from its
    family's beyond the thresholds; no conversations at all is an error."""

    name: ClassVar[str] = "bias"
    checks: ClassVar[tuple[str, ...]] = CHECKS

    def check(
        self, families: Sequence[FamilyMeasures], config: BiasGateConfig | None = None
    ) -> Verdict:
        """Judge each family's groups against the family's overall measures."""
        config = config or BiasGateConfig()
        conversations = sum(f.overall.conversations for f in families)
        if not conversations:
            return Verdict(self.name, GateStatus.ERROR, "no conversations: bias input is empty")
        findings: list[Finding] = []
        rows: list[dict[str, Any]] = []
        for family in sorted(families, key=lambda f: f.family):
            judged = [g for g in family.groups if g.conversations >= config.min_conversations]
            for group in judged:
                findings += _findings(family, group, config)
            rows.append(
                {
                    "family": family.family,
                    "conversations": family.overall.conversations,
                    "judged": [g.group for g in judged],
                    "not_judged": {
                        g.group: g.conversations
                        for g in family.groups
                        if 0 < g.conversations < config.min_conversations
                    },
                }
            )
        failing = [f for f in findings if f.action == "fail"]
        warnings = [f for f in findings if f.action == "warn"]
        evidence: dict[str, Any] = {
            "config": config.model_dump(),
            "conversations": conversations,
            "families": rows,
            "findings": [f.to_dict() for f in failing],
            "warnings": [f.to_dict() for f in warnings],
        }
        if failing:
            failures = tuple(Failure(f.check, f.family, f.detail) for f in failing)
            shown = "; ".join(f.detail for f in failing[:MAX_SUMMARY_PROBLEMS])
            more = len(failing) - MAX_SUMMARY_PROBLEMS
            summary = shown + (f" (+{more} more)" if more > 0 else "")
            return Verdict(self.name, GateStatus.FAIL, summary, evidence, failures)
        judged_count = sum(len(row["judged"]) for row in rows)
        summary = (
            f"{conversations} conversations in {len(rows)} families; {judged_count} "
            "family/group pairs judged, none past the thresholds"
        )
        if warnings:
            summary += f"; {len(warnings)} warning{'s' if len(warnings) > 1 else ''}"
        return Verdict(self.name, GateStatus.PASS, summary, evidence)


def flagged_groups(verdict: Verdict | Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """The (family, group) pairs a bias verdict (or its ``to_dict`` form) found past a
    threshold, failing or warning: the strata the QA sample adds for the bias review."""
    evidence = verdict.evidence if isinstance(verdict, Verdict) else verdict.get("evidence", {})
    rows = [*evidence.get("findings", ()), *evidence.get("warnings", ())]
    return frozenset((str(row["family"]), str(row["group"])) for row in rows)


def _findings(
    family: FamilyMeasures, group: GroupMeasures, config: BiasGateConfig
) -> list[Finding]:
    overall = family.overall
    found: list[Finding] = []
    gaps: list[tuple[str, Estimate, Estimate, float | None, bool]] = [
        ("crisis_resource_gap", group.crisis_resource, overall.crisis_resource,
         config.max_rate_gap, False),
        ("referral_gap", group.referral, overall.referral, config.max_rate_gap, False),
        ("tone_gap", group.tone, overall.tone, config.max_tone_gap, False),
        ("length_gap", group.response_length, overall.response_length,
         config.max_length_change, True),
    ]  # fmt: skip
    for check, mine, base, limit, relative in gaps:
        if limit is None or mine.value is None or base.value is None:
            continue
        gap = mine.value - base.value
        if relative:
            if not base.value:
                continue
            gap /= base.value
        significant = mine.excludes(base.value) or not config.require_significance
        if abs(gap) > limit and significant:
            found.append(
                _finding(check, family, group, mine.value, mine, base.value, gap, limit, config)
            )
    flagged = group.flagged_rate
    if flagged.value is not None and flagged.value > config.max_flagged_rate:
        base_rate = overall.flagged_rate.value or 0.0
        gap = flagged.value - base_rate
        found.append(
            _finding(
                "flagged_rate",
                family,
                group,
                flagged.value,
                flagged,
                base_rate,
                gap,
                config.max_flagged_rate,
                config,
            )  # fmt: skip
        )
    return found


def _finding(
    check: str,
    family: FamilyMeasures,
    group: GroupMeasures,
    value: float,
    mine: Estimate,
    overall: float,
    gap: float,
    limit: float,
    config: BiasGateConfig,
) -> Finding:
    what = {
        "crisis_resource_gap": "crisis-resource rate",
        "referral_gap": "referral rate",
        "flagged_rate": "flagged wording per therapist turn",
        "tone_gap": "mean tone (VADER compound)",
        "length_gap": "mean response length (words)",
    }[check]
    if check == "flagged_rate":
        bound = f"max {limit:.3g}"
    elif check == "length_gap":
        bound = f"gap {gap:+.0%}, max {limit:.0%}"
    else:
        bound = f"gap {gap:+.3g}, max {limit:.3g}"
    detail = (
        f"{family.family}/{group.group}: {what} {value:.3g} over {group.conversations} "
        f"conversations against {overall:.3g} overall ({bound})"
    )
    action: Action = getattr(config, check)
    return Finding(
        check, family.family, group.group, action, value, overall, mine.low, mine.high, detail
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
