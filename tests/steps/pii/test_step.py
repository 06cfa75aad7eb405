"""The PII step on records: consistent redaction, pii_status, fail-closed review."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mhds.records.validate import validate_record
from mhds.steps.base import Outcome
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Span
from mhds.steps.pii.step import PIIRedactor
from tests.cases import make_record


def run(step: PIIRedactor, *records: Any) -> tuple[list[Any], list[Outcome]]:
    held: list[Outcome] = []
    return list(step.run(records, quarantine=held.append)), held


def test_placeholders_are_consistent_across_turns(engine: PIIEngine) -> None:
    record = make_record(
        "My husband Daniel Reyes left in March. Daniel still calls me at 555-201-3344.",
        "How do you feel when Daniel calls?",
        "Angry. I told Daniel Reyes to stop. My sister agrees.",
        "It sounds like the calls keep the wound open.",
    )
    [out], held = run(PIIRedactor(engine=engine), record)

    assert not held
    texts = [m.content for m in out.messages]
    assert "Daniel" not in " ".join(texts) and "555-201-3344" not in texts[0]
    assert texts[0].startswith("My husband [PERSON_1] left in March. [PERSON_1] still calls")
    assert "[PHONE_1]" in texts[0]
    assert "Daniel calls" not in texts[1] and "[PERSON_1] calls" in texts[1]
    assert "I told [PERSON_1] to stop. My sister agrees." in texts[2]
    assert texts[3] == record.messages[3].content
    assert out.metadata.pii_status == "scrubbed"
    assert out.metadata.provenance.steps[-1].name == "pii_redact"
    validate_record(out)  # content_hash recomputed over the redacted text


def test_clean_record_is_none_detected_and_unchanged(engine: PIIEngine) -> None:
    record = make_record("I can't sleep since my dad died in 2019.", "That loss is heavy.")
    [out], _ = run(PIIRedactor(engine=engine), record)
    assert out.messages == record.messages
    assert out.metadata.pii_status == "none_detected"


def test_residual_finding_sends_record_to_review(engine: PIIEngine) -> None:
    # The normal pass does not read "name at domain dot com"; the strict residual pass does.
    record = make_record("Write to me: sam.lee at gmail dot com", "I will.")
    step = PIIRedactor(engine=engine)
    kept, held = run(step, record)

    assert kept == []
    [outcome] = held
    assert outcome.reason == "pii_residual"
    assert outcome.record.metadata.pii_status == "requires_review"
    assert step.stats.quarantined["pii_residual"] == 1
    assert any(k.startswith("residual:therapy:") for k in step.stats.counters)


def test_a_word_the_first_pass_spared_by_its_shape_is_no_residual(engine: PIIEngine) -> None:
    # "Christian": name-like by its shape, a group's name by NER's reading, so the first pass
    # keeps it; the residual pass (patterns only on unchanged text) must not hold the record.
    record = make_record(
        "Our group meets in a Christian church hall on Sundays.", "That sounds supportive."
    )
    [out], held = run(PIIRedactor(engine=engine), record)
    assert held == [] and out.messages == record.messages


class CrashingEngine(PIIEngine):
    """Raises on one specific input, as a broken detector would."""

    def analyze_batch(self, texts: Iterable[str], *, strict: bool = False) -> Iterator[list[Span]]:
        texts = list(texts)
        if any("CRASH" in t for t in texts):
            raise RuntimeError("detector exploded")
        return super().analyze_batch(texts, strict=strict)


def test_detector_crash_fails_closed_for_that_record_only(engine: PIIEngine) -> None:
    crashing = CrashingEngine(PIIConfig())
    crashing._ner = engine._ner  # reuse the loaded model
    good = make_record("Hello, I feel low.", "Tell me more.")
    bad = make_record("CRASH please", "ok")
    kept, held = run(PIIRedactor(engine=crashing), good, bad)

    assert [r.metadata.id for r in kept] == [good.metadata.id]
    assert [(o.record.metadata.id, o.reason) for o in held] == [
        (bad.metadata.id, "pii_detector_error")
    ]
    assert held[0].record.metadata.pii_status == "requires_review"


def test_counts_by_family_and_category(engine: PIIEngine) -> None:
    step = PIIRedactor(engine=engine)
    run(
        step,
        make_record("Email jo@example.net or call 555-123-9876.", "Thanks.", family="crisis"),
        make_record("I'm Priya Natarajan.", "Hi Priya.", family="therapy"),
    )
    assert step.stats.counters["redacted:crisis:EMAIL"] == 1
    assert step.stats.counters["redacted:crisis:PHONE"] == 1
    assert step.stats.counters["redacted:therapy:PERSON"] == 2


def test_every_packaged_table_is_in_the_steps_identity() -> None:
    """A table the engine reads that the identity left out would let a build resume with
    redactions made from the old table."""
    from importlib.resources import files

    from mhds.steps.pii.step import _IDENTITY_DATA

    data = files("mhds.steps.pii").joinpath("data")
    tables = {p.name for p in data.iterdir() if p.name.endswith((".gz", ".yaml"))}
    assert tables == set(_IDENTITY_DATA)


def test_an_address_redacted_in_one_turn_is_redacted_in_every_turn(engine: PIIEngine) -> None:
    """A site one message calls its writer's own stays redacted where another message of the
    conversation introduces it as a resource, however it is written there."""
    record = make_record(
        "What can I read about panic attacks?",
        "My website, www.calmbreathing.org, has the worksheets I made.",
        "Thanks, anything else?",
        "Another great resource: calmbreathing.org has free worksheets. So does www.nami.org.",
    )
    [out], held = run(PIIRedactor(engine=engine), record)

    assert not held
    texts = [m.content for m in out.messages]
    assert "calmbreathing" not in " ".join(texts).lower()
    assert texts[3] == "Another great resource: [URL_1] has free worksheets. So does www.nami.org."
