"""The signoff gate on planted evidence: fail closed, itemised, waivable only in scope."""

from __future__ import annotations

from mhds.gates.base import GateStatus, Waiver
from mhds.gates.signoff import SignoffEvidence, SignoffGate

RECORD = {"run": "r1", "signed_by": "carol", "created": "2026-11-29T10:00:00Z"}


def test_no_signoff_fails_and_only_a_missing_waiver_covers_it() -> None:
    verdict = SignoffGate().evaluate(SignoffEvidence("sha256:x"))
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert [f.check for f in verdict.failures] == ["missing"]
    waiver = Waiver(
        gate="signoff", scope="check:missing", reason="pilot, no review yet", who="lead"
    )
    assert SignoffGate().evaluate(SignoffEvidence("sha256:x"), waivers=[waiver]).passed
    other = Waiver(
        gate="signoff", scope="check:pass_rate", reason="pilot, no review yet", who="lead"
    )
    assert not SignoffGate().evaluate(SignoffEvidence("sha256:x"), waivers=[other]).passed


def test_a_valid_signoff_passes_with_its_facts() -> None:
    evidence = SignoffEvidence(
        "sha256:x", RECORD, "qa/r1/signoff.json", pass_rates={"therapy": (9, 10)}, excluded=("a",)
    )
    verdict = SignoffGate().evaluate(evidence)
    assert verdict.status == GateStatus.PASS
    assert verdict.evidence["signed_by"] == "carol"
    assert verdict.evidence["pass_rates"]["therapy"]["rate"] == 0.9


def test_pass_rates_unreviewed_and_blocked_families_each_fail_with_their_check() -> None:
    evidence = SignoffEvidence(
        "sha256:x",
        RECORD,
        "qa/r1/signoff.json",
        problems=(("weaker_review", "overlap 1 < 2"),),
        pass_rates={"therapy": (8, 10), "crisis": (10, 10)},
        blocked=("crisis",),
        families=("therapy", "crisis", "counselling"),
    )
    verdict = SignoffGate().evaluate(evidence)
    assert verdict.status == GateStatus.FAIL
    assert [(f.check, f.family) for f in verdict.failures] == [
        ("weaker_review", None),
        ("unreviewed", "counselling"),
        ("pass_rate", "therapy"),
        ("failed_items", "crisis"),
    ]
    # a waiver of one family's pass rate leaves the others failing
    waiver = Waiver(
        gate="signoff",
        scope="family:therapy,check:pass_rate",
        reason="accepted by the lead",
        who="lead",
    )
    left = SignoffGate().evaluate(evidence, waivers=[waiver]).unwaived
    assert [f.check for f in left] == ["weaker_review", "unreviewed", "failed_items"]


def test_evidence_that_does_not_hold_is_an_error_no_waiver_covers() -> None:
    evidence = SignoffEvidence(
        "sha256:x",
        RECORD,
        "qa/r1/signoff.json",
        problems=(("tampered", "qa/r1/decisions/i/d.json changed since it was logged"),),
        pass_rates={"therapy": (10, 10)},
    )
    everything = Waiver(gate="signoff", scope="all", reason="ship it whatever", who="lead")
    verdict = SignoffGate().evaluate(evidence, waivers=[everything])
    assert verdict.status == GateStatus.ERROR and not verdict.passed
    assert "changed since it was logged" in verdict.summary
