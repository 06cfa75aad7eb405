"""The style gate on per-family scores: within targets passes, one record past the maximum
fails (``far``), too few within the target fails (``distance``), an unscored record is an
error; the evidence holds counts and ids, never text."""

from __future__ import annotations

from mhds.gates.base import GateStatus, Waiver
from mhds.gates.style import StyleGate
from mhds.persona.style import FamilyStyle, StyleConfig


def tally(distances: list[float], config: StyleConfig, *, unscored: int = 0) -> FamilyStyle:
    found = FamilyStyle(unscored=unscored)
    for n, distance in enumerate(distances):
        found.add(f"r{n}", distance, config, "voice_persona")
    return found


def test_within_targets_passes_and_no_family_passes_empty() -> None:
    config = StyleConfig()
    verdict = StyleGate().evaluate({"voice_persona": tally([0.2, 0.3, 0.1], config)}, config)
    assert verdict.status == GateStatus.PASS
    [row] = verdict.evidence["families"]
    assert row["scored"] == 3 and row["pass_rate"] == 1.0 and row["max"] == 0.3
    empty = StyleGate().evaluate({"voice_persona": FamilyStyle()}, config)
    assert empty.status == GateStatus.PASS and "no records" in empty.summary


def test_far_and_distance_fail_and_a_waiver_names_the_check() -> None:
    config = StyleConfig(max_distance=0.5, target_distance=0.3, min_pass_rate=0.9)
    scores = {"voice_persona": tally([0.2] * 8 + [0.45, 0.7], config)}
    verdict = StyleGate().evaluate(scores, config)
    assert verdict.status == GateStatus.FAIL
    assert [f.check for f in verdict.failures] == ["far", "distance"]
    assert verdict.evidence["families"][0]["first_far"] == ["r9"]
    waiver = Waiver(gate="style", scope="check:far", reason="one reviewed outlier", who="qa")
    partly = StyleGate().evaluate(scores, config, waivers=(waiver,))
    assert partly.status == GateStatus.FAIL and [f.check for f in partly.unwaived] == ["distance"]


def test_an_unscored_record_is_an_error() -> None:
    config = StyleConfig()
    verdict = StyleGate().evaluate({"voice_persona": tally([0.2], config, unscored=1)}, config)
    assert verdict.status == GateStatus.ERROR and verdict.failures[0].check == "unscored"
