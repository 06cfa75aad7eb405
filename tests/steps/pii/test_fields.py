"""The parts of a record beyond its messages: attributes (numbers too), the group id and the
source key are redacted; a group id or source key depends on its value alone, so a group
stays one group; the store root in front of a source key is never read."""

from __future__ import annotations

import msgspec
import pytest

from mhds.pipeline.policy import ReleasePIIGate
from mhds.records.schema import Record
from mhds.steps.base import StepStats
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.fields import FIELD_KINDS, record_texts
from mhds.steps.pii.step import PIIRedactor
from tests.cases import make_record


def with_meta(record: Record, **fields: object) -> Record:
    return msgspec.structs.replace(
        record, metadata=msgspec.structs.replace(record.metadata, **fields)
    )


def redact(step: PIIRedactor, record: Record) -> Record:
    [kept] = list(step.run([record]))
    return kept


@pytest.fixture(scope="module")
def step() -> PIIRedactor:
    return PIIRedactor()


def test_a_group_id_depends_on_its_value_alone(step: PIIRedactor) -> None:
    group = "s:client.one@example.org"
    plain = with_meta(make_record("i slept badly again.", "what woke you up?"), group_id=group)
    busy = with_meta(
        make_record("write to other.person@example.org for me.", "i will do that."), group_id=group
    )
    first, second = redact(step, plain), redact(step, busy)
    assert first.metadata.group_id == second.metadata.group_id == "s:[EMAIL_1]"
    assert "[EMAIL_1]" in second.messages[0].content  # the message numbers on its own


def test_a_group_id_without_a_group_value_is_not_read(step: PIIRedactor) -> None:
    # Ingest groups a record without a group value by its own id: mhds wrote it, and a run of
    # digits in it must not send the record to review.
    record = make_record("i slept badly.", "what woke you?", record_id="chats-81234567abcdef")
    assert record.metadata.group_id == "chats:chats-81234567abcdef"
    assert [t.kind for t in record_texts(record, ["group_id"])] == []
    kept = redact(step, record)
    assert kept.metadata.group_id == record.metadata.group_id
    valued = with_meta(record, group_id="chats:81234567")  # a source's own value is read
    [part] = record_texts(valued, ["group_id"])
    assert (part.part, part.start) == ("81234567", len("chats:"))


def test_numbers_in_attributes_are_read_and_other_values_kept(step: PIIRedactor) -> None:
    attributes = {"callback": 4155550134, "upvotes": 12, "flagged": True, "note": None}
    record = with_meta(make_record("i slept badly.", "what woke you?"), attributes=attributes)
    kept = redact(step, record)
    assert kept.metadata.attributes == {
        "callback": "[PHONE_1]",
        "upvotes": 12,
        "flagged": True,
        "note": None,
    }
    assert kept.metadata.pii_status == "scrubbed"


def test_an_attribute_shares_the_conversation_numbering(step: PIIRedactor) -> None:
    record = with_meta(
        make_record("Jonathan Whitaker here, i lost my job.", "i am sorry to hear that."),
        attributes={"situation": "Jonathan Whitaker lost his job"},
    )
    kept = redact(step, record)
    assert kept.messages[0].content.startswith("[PERSON_1] here")
    assert kept.metadata.attributes["situation"] == "[PERSON_1] lost his job"


def test_the_source_key_is_read_without_its_extension(step: PIIRedactor) -> None:
    key = "raw/intake/Jonathan_Whitaker_intake.jsonl"
    record = make_record("i slept badly.", "what woke you?")
    provenance = msgspec.structs.replace(record.metadata.provenance, source_key=key)
    kept = redact(step, with_meta(record, source_key=key, provenance=provenance))
    redacted = "raw/intake/[PERSON_1]_intake.jsonl"
    assert kept.metadata.source_key == kept.metadata.provenance.source_key == redacted
    [part] = record_texts(kept, ["source_key"])
    assert part.view == "raw/intake/[PERSON 1] intake"


def test_the_gate_finds_a_number_in_an_attribute_that_was_not_redacted() -> None:
    record = with_meta(
        make_record("i slept badly.", "what woke you?"),
        attributes={"callback": 4155550134},
        pii_status="none_detected",
    )
    config = PIIConfig(fields=tuple(k for k in FIELD_KINDS if k != "attributes"))
    verdict = ReleasePIIGate().evaluate([record], StepStats("pii_redact", 1, 1), config=config)
    assert not verdict.passed
    assert verdict.evidence["metadata_scan"]["findings_by_field"] == {"attributes": 1}
    assert "4155550134" not in str(verdict.to_dict())
