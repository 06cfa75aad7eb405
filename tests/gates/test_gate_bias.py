"""The bias gate: a group whose therapist answers differ from its family's beyond the
thresholds fails or warns by config, naming family and group; small groups are not judged;
empty input is an error."""

from __future__ import annotations

from dataclasses import replace

import msgspec
import pytest
from pydantic import ValidationError

from mhds.gates.base import GateStatus, Waiver
from mhds.gates.bias import (
    CHECKS,
    BiasGate,
    BiasGateConfig,
    Estimate,
    FamilyMeasures,
    GroupMeasures,
    flagged_groups,
)
from mhds.records.schema import Record
from mhds.reports.bias import BiasReport, BiasStats
from tests.cases import make_record

NONE = Estimate(None)


def measures(
    group: str,
    conversations: int,
    crisis: Estimate = NONE,
    referral: Estimate = NONE,
    flagged: Estimate = NONE,
    tone: Estimate = NONE,
    length: Estimate = NONE,
) -> GroupMeasures:
    return GroupMeasures(
        group, conversations, conversations, NONE, crisis, referral, flagged, tone, length
    )


def family(
    name: str, *groups: GroupMeasures, overall: GroupMeasures | None = None
) -> FamilyMeasures:
    base = overall or measures(
        "all", 1000, Estimate(0.6, 0.57, 0.63), Estimate(0.3, 0.27, 0.33), Estimate(0.01, 0, 0.02),
        Estimate(0.2, 0.18, 0.22), Estimate(150, 145, 155),
    )  # fmt: skip
    return FamilyMeasures(name, base, groups)


def planted_records(n: int = 200) -> list[Record]:
    """Every fourth conversation mentions a Muslim client and gets no crisis resource."""
    records = []
    for i in range(n):
        if i % 4 == 0:
            client, therapist = f"I am Muslim ({i}).", "Tell me about your week."
        else:
            client, therapist = f"I feel low ({i}).", "If you are unsafe, call 988."
        base = make_record(client, therapist, family="therapy", record_id=f"t-{i}")
        meta = msgspec.structs.replace(base.metadata, split="train")
        records.append(msgspec.structs.replace(base, metadata=meta))
    return records


def planted_input() -> tuple[FamilyMeasures, ...]:
    stats = BiasStats()
    for record in planted_records():
        stats.add(record)
    return BiasReport.from_stats(stats).gate_input()


def test_planted_crisis_gap_fails_naming_family_and_group() -> None:
    verdict = BiasGate().evaluate(planted_input())
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert [(f.check, f.family) for f in verdict.failures] == [("crisis_resource_gap", "therapy")]
    assert "therapy/religion" in verdict.failures[0].detail
    finding = verdict.evidence["findings"][0]
    assert (finding["group"], finding["value"], finding["overall"]) == ("religion", 0.0, 0.75)
    assert verdict.evidence["families"][0]["judged"] == ["religion"]
    assert flagged_groups(verdict) == {("therapy", "religion")}
    assert flagged_groups(verdict.to_dict()) == {("therapy", "religion")}


def test_the_same_gap_only_warns_when_configured() -> None:
    config = BiasGateConfig(crisis_resource_gap="warn")
    verdict = BiasGate().evaluate(planted_input(), config)
    assert verdict.status == GateStatus.PASS and verdict.failures == ()
    (warning,) = verdict.evidence["warnings"]
    assert (warning["check"], warning["family"], warning["group"]) == (
        "crisis_resource_gap",
        "therapy",
        "religion",
    )
    assert "1 warning" in verdict.summary
    assert flagged_groups(verdict) == {("therapy", "religion")}


def test_a_group_with_too_few_conversations_is_not_judged() -> None:
    verdict = BiasGate().evaluate(planted_input(), BiasGateConfig(min_conversations=51))
    assert verdict.status == GateStatus.PASS
    assert verdict.evidence["families"][0]["not_judged"] == {"religion": 50}
    assert verdict.evidence["families"][0]["judged"] == []


def test_a_gap_inside_the_interval_is_not_a_finding_unless_significance_is_off() -> None:
    noisy = measures("religion", 40, crisis=Estimate(0.4, 0.25, 0.65))  # 0.6 inside
    families = [family("therapy", noisy)]
    assert BiasGate().evaluate(families).status == GateStatus.PASS
    strict = BiasGateConfig(require_significance=False)
    verdict = BiasGate().evaluate(families, strict)
    assert verdict.status == GateStatus.FAIL
    assert verdict.failures[0].check == "crisis_resource_gap"


def test_gaps_within_the_threshold_pass_in_both_directions() -> None:
    close = measures("gender", 300, crisis=Estimate(0.5, 0.45, 0.55))  # gap 0.10 <= 0.15
    above = measures("age_group", 300, crisis=Estimate(0.8, 0.76, 0.84))  # gap +0.20
    verdict = BiasGate().evaluate([family("therapy", close, above)])
    assert [f.detail.split(":")[0] for f in verdict.failures] == ["therapy/age_group"]


def test_referral_and_flagged_wording_warn_by_default_and_can_fail() -> None:
    group = measures(
        "disability",
        80,
        referral=Estimate(0.05, 0.02, 0.12),
        flagged=Estimate(0.3, 0.2, 0.4),
    )
    families = [family("therapy", group)]
    verdict = BiasGate().evaluate(families)
    assert verdict.status == GateStatus.PASS
    assert [w["check"] for w in verdict.evidence["warnings"]] == ["referral_gap", "flagged_rate"]
    config = BiasGateConfig(referral_gap="fail", flagged_rate="fail")
    failing = BiasGate().evaluate(families, config)
    assert [f.check for f in failing.failures] == ["referral_gap", "flagged_rate"]
    assert all(f.family == "therapy" and "disability" in f.detail for f in failing.failures)


def test_tone_and_length_are_judged_only_when_thresholds_are_set() -> None:
    group = measures(
        "race_ethnicity", 90, tone=Estimate(-0.2, -0.3, -0.1), length=Estimate(60, 50, 70)
    )
    families = [family("therapy", group)]
    assert BiasGate().evaluate(families).evidence["warnings"] == []
    config = BiasGateConfig(max_tone_gap=0.2, max_length_change=0.3, tone_gap="fail")
    verdict = BiasGate().evaluate(families, config)
    assert [f.check for f in verdict.failures] == ["tone_gap"]
    assert [w["check"] for w in verdict.evidence["warnings"]] == ["length_gap"]


def test_families_are_judged_against_their_own_overall() -> None:
    crisis_family = family(
        "crisis",
        measures("religion", 100, crisis=Estimate(0.9, 0.83, 0.95)),
        overall=measures("all", 500, crisis=Estimate(0.92, 0.89, 0.94)),
    )
    therapy = family("therapy", measures("religion", 100, crisis=Estimate(0.55, 0.45, 0.65)))
    verdict = BiasGate().evaluate([therapy, crisis_family])
    assert verdict.status == GateStatus.PASS
    assert [row["family"] for row in verdict.evidence["families"]] == ["crisis", "therapy"]


def test_a_waiver_scoped_to_family_and_check_covers_the_failure() -> None:
    waiver = Waiver(
        gate="bias",
        scope="family:therapy,check:crisis_resource_gap",
        reason="religious-support answers reviewed by clinicians",
        who="Dr. Q",
    )
    verdict = BiasGate().evaluate(planted_input(), waivers=[waiver])
    assert verdict.status == GateStatus.FAIL and verdict.passed and verdict.waived


def test_empty_input_and_a_crash_are_errors() -> None:
    assert BiasGate().evaluate([]).status == GateStatus.ERROR
    empty = family("therapy", overall=measures("all", 0))
    assert BiasGate().evaluate([empty]).status == GateStatus.ERROR
    broken = replace(family("therapy"), groups=(None,))  # type: ignore[arg-type]
    assert BiasGate().evaluate([broken]).status == GateStatus.ERROR


def test_config_is_frozen_strict_and_described() -> None:
    config = BiasGateConfig()
    with pytest.raises(ValidationError):
        BiasGateConfig(max_rate_gaps=0.2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        BiasGateConfig(crisis_resource_gap="ignore")
    with pytest.raises(ValidationError):
        config.max_rate_gap = 0.5  # type: ignore[misc]
    assert all(f.description for f in BiasGateConfig.model_fields.values())
    assert BiasGate.checks == CHECKS and BiasGate.family_scoped
    assert (config.min_conversations, config.max_rate_gap, config.crisis_resource_gap) == (
        30,
        0.15,
        "fail",
    )


def test_verdict_markdown_and_evidence_carry_no_record_text() -> None:
    verdict = BiasGate().evaluate(planted_input())
    text = verdict.to_markdown() + repr(verdict.to_dict())
    assert "Muslim" not in text and "988" not in text and "week" not in text
    assert "therapy/religion" in text
