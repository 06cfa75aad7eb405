"""The release PII policy: a PII config narrower than every category and field with the
residual scan fails the gate, and the records are rescanned for what it left out."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from mhds.gates.base import GateStatus, Waiver
from mhds.pipeline.policy import ReleasePIIGate, omitted_categories, policy_gaps
from mhds.records.schema import Record
from mhds.steps.base import StepStats
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.spans import Category
from tests.cases import make_record

NO_PHONE_OR_ID = tuple(c for c in Category if c not in (Category.PHONE, Category.ID))


def cleared(*turns: str) -> Record:
    record = make_record(*turns)
    metadata = msgspec.structs.replace(record.metadata, pii_status="none_detected")
    return msgspec.structs.replace(record, metadata=metadata)


def records() -> list[Record]:
    return [
        cleared("you can reach me on 415-555-0199 after work", "thank you for sharing that"),
        cleared("i slept badly again this week", "what was on your mind at night"),
    ]


def stats() -> StepStats:
    return StepStats("pii_redact", seen=2, kept=2)


def test_the_default_config_meets_the_policy() -> None:
    assert policy_gaps(PIIConfig()) == []
    verdict = ReleasePIIGate().evaluate(records()[1:], stats(), config=PIIConfig())
    assert verdict.status == GateStatus.PASS
    assert "policy" not in verdict.evidence


@pytest.mark.parametrize(
    ("fields", "gaps"),
    [
        ({"residual_scan": False}, ["residual scan off"]),
        ({"ner_threshold": 0.5}, ["NER threshold raised to 0.5"]),
        (
            {"fields": ("user", "assistant")},
            [
                "field system not redacted",
                "field attributes not redacted",
                "field group_id not redacted",
                "field source_key not redacted",
            ],
        ),
        (
            {"categories": NO_PHONE_OR_ID},
            ["category PHONE not scanned", "category ID not scanned"],
        ),
    ],
)
def test_a_narrower_config_fails_the_gate(fields: dict[str, Any], gaps: list[str]) -> None:
    config = PIIConfig(**fields)
    assert policy_gaps(config) == gaps

    verdict = ReleasePIIGate().evaluate(records(), stats(), config=config)

    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert all(gap in verdict.summary for gap in gaps)
    assert verdict.evidence["records_by_status"] == {"none_detected": 2}
    assert "415" not in str(verdict.to_dict())  # ids and counts, never text


def test_the_rescan_reports_what_the_omitted_categories_would_have_caught() -> None:
    config = PIIConfig(categories=NO_PHONE_OR_ID)
    assert omitted_categories(config) == [Category.PHONE, Category.ID]
    phone = records()[0]

    verdict = ReleasePIIGate().evaluate(records(), stats(), config=config)

    rescan = verdict.evidence["policy"]["rescan"]
    assert rescan == {
        "records_scanned": 2,
        "texts_scanned": 4,
        "records_with_findings": 1,
        "findings_by_category": {"PHONE": 1},
        "findings_by_field": {"user": 1},
        "findings_by_family": {phone.metadata.family: 1},
        "first_ids": [phone.metadata.id],
    }
    assert "rescan found 1 records with 1 PHONE" in verdict.summary


def test_a_waiver_accepts_a_narrower_config_on_record() -> None:
    waiver = Waiver(
        gate="pii", scope="check:policy", reason="case numbers are synthetic here", who="dpo"
    )
    config = PIIConfig(categories=tuple(c for c in Category if c != Category.ID))
    verdict = ReleasePIIGate().evaluate(records()[1:], stats(), config=config, waivers=(waiver,))
    assert verdict.status == GateStatus.FAIL and verdict.passed and verdict.waivers == (waiver,)


def test_missing_step_stats_stay_an_error() -> None:
    config = PIIConfig(residual_scan=False)
    verdict = ReleasePIIGate().evaluate(records(), None, config=config)
    assert verdict.status == GateStatus.ERROR
