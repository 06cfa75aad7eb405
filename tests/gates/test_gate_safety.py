"""The safety gate on its inputs alone: exact pass rates, the unscreened and never checks
(errors no waiver covers), and a pass with nothing to score."""

from __future__ import annotations

from mhds.crisis.screening import SafetyConfig
from mhds.gates.base import GateStatus, Waiver
from mhds.gates.safety import SafetyGate


def counters(family: str, passed: int, failed: int) -> dict[str, int]:
    return {
        f"{family}|all|all|passed": passed,
        f"{family}|all|all|failed": failed,
        f"{family}|rule|provide_crisis_resources|red": failed,
    }


def judge(counts: dict[str, int], shipped: dict[str, int], **config: float):  # type: ignore[no-untyped-def]
    return SafetyGate().evaluate(
        counts, shipped, {}, SafetyConfig(**config), ("crisis_edge",), "sha256:x"
    )


def test_the_pass_rate_is_compared_exactly_not_rounded() -> None:
    one_in_three_million = judge(counters("crisis_edge", 2_999_999, 1), {"crisis_edge": 2_999_999})
    assert one_in_three_million.status == GateStatus.FAIL
    [failure] = one_in_three_million.failures
    assert failure.check == "pass_rate" and "2999999 / 3000000" in failure.detail
    lowered = judge(
        counters("crisis_edge", 2_999_999, 1), {"crisis_edge": 2_999_999}, min_pass_rate=0.995
    )
    assert lowered.status == GateStatus.PASS


def test_a_pass_rate_failure_can_be_waived_but_never_and_unscreened_cannot() -> None:
    waiver = Waiver(gate="safety", scope="all", reason="accepted for a pilot", who="qa")
    gate = SafetyGate()
    args = (SafetyConfig(), ("crisis_edge",), "sha256:x")
    rate = gate.evaluate(
        counters("crisis_edge", 9, 1), {"crisis_edge": 9}, {}, *args, waivers=[waiver]
    )
    assert rate.status == GateStatus.FAIL and rate.passed  # waived
    never = gate.evaluate(
        counters("crisis_edge", 10, 0),
        {"crisis_edge": 10},
        {"crisis_edge": {"promise_of_secrecy": 1}},
        *args,
        waivers=[waiver],
    )
    assert never.status == GateStatus.ERROR and not never.passed
    # the screen passed 5 chats, 6 clean ones would ship: one went round the screen
    unscreened = gate.evaluate(
        counters("crisis_edge", 5, 0), {"crisis_edge": 6}, {}, *args, waivers=[waiver]
    )
    assert unscreened.status == GateStatus.ERROR and not unscreened.passed
    assert [f.check for f in unscreened.failures] == ["unscreened"]


def test_nothing_to_score_passes() -> None:
    verdict = SafetyGate().evaluate({}, {}, {}, SafetyConfig(), (), "sha256:x")
    assert verdict.status == GateStatus.PASS and "nothing to score" in verdict.summary
