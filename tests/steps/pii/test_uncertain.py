"""Uncertain spans (a capitalised unknown word in a weak name slot) are redacted or sent to
review by the ``uncertain`` policy, and each outcome is counted; certain spans never are."""

from __future__ import annotations

from typing import Any

from mhds.gates.pii import PIIGate
from mhds.steps.base import Outcome
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.step import PIIRedactor
from tests.cases import make_record

# "Thandiwe" is a name only because of the word before it: a weak slot, scored below 0.7.
UNSURE = make_record("I went to the park with Thandiwe yesterday.", "How was it?")
SURE = make_record("My sister Thandiwe called me at 555-201-3344.", "How was it?")


def run(config: PIIConfig, *records: Any, **kwargs: Any) -> tuple[list[Any], list[Outcome], Any]:
    held: list[Outcome] = []
    step = PIIRedactor(config=config, engine=PIIEngine(config), **kwargs)
    kept = list(step.run(records, quarantine=held.append))
    return kept, held, step


def test_by_default_an_uncertain_span_is_redacted_and_counted() -> None:
    [out], held, step = run(PIIConfig(), UNSURE)
    assert not held
    assert out.messages[0].content == "I went to the park with [PERSON_1] yesterday."
    assert step.stats.counters["uncertain_redacted:therapy:PERSON"] == 1
    verdict = PIIGate().check([out], step.stats)
    assert verdict.evidence["uncertain_redacted"] == {"therapy": {"PERSON": 1}}
    assert "1 uncertain spans redacted" in verdict.summary


def test_review_policy_sends_the_record_to_review() -> None:
    kept, [outcome], step = run(PIIConfig(uncertain="review"), UNSURE, SURE)
    assert [r.metadata.id for r in kept] == [SURE.metadata.id]  # a certain name still ships
    assert outcome.reason == "pii_uncertain" and outcome.detail == "PERSON in user"
    assert outcome.record.metadata.pii_status == "requires_review"
    assert step.stats.counters["uncertain_review:therapy:PERSON"] == 1
    assert "uncertain_redacted:therapy:PERSON" not in step.stats.counters


def test_a_readmitted_record_ships_with_the_uncertain_span_redacted() -> None:
    decision = {(UNSURE.metadata.id, UNSURE.metadata.content_hash): "PERSON in user"}
    [out], held, step = run(PIIConfig(uncertain="review"), UNSURE, readmitted=decision)
    assert not held
    assert "Thandiwe" not in out.messages[0].content
    assert step.stats.counters["uncertain_redacted:therapy:PERSON"] == 1


def test_a_certain_span_is_not_uncertain() -> None:
    [out], held, step = run(PIIConfig(uncertain="review"), SURE)
    assert not held and "Thandiwe" not in out.messages[0].content
    assert not any(k.startswith("uncertain") for k in step.stats.counters)


def test_one_decision_covers_an_uncertain_span_and_a_residual_finding() -> None:
    # The strict residual scan reads "mom.listen" as a web address; "Thandiwe" is uncertain.
    record = make_record(
        "I went to the park with Thandiwe yesterday.", "How was it?", "i told mom.listen to me."
    )
    _, [outcome], step = run(PIIConfig(uncertain="review"), record)
    assert outcome.reason == "pii_residual" and outcome.detail == "PERSON,URL in user"
    assert step.stats.counters["uncertain_review:therapy:PERSON"] == 1
    assert not any(k.startswith("uncertain_redacted") for k in step.stats.counters)
    decision = {(record.metadata.id, record.metadata.content_hash): outcome.detail}
    [out], held, _ = run(PIIConfig(uncertain="review"), record, readmitted=decision)
    assert not held and "Thandiwe" not in out.messages[0].content


def test_uncertain_spans_are_not_counted_as_redacted_when_the_record_is_held() -> None:
    record = make_record("I went to the park with Thandiwe yesterday.", "i told mom.listen to me.")
    _, [outcome], step = run(PIIConfig(), record)
    assert outcome.reason == "pii_residual"
    assert not any(k.startswith("uncertain") for k in step.stats.counters)
