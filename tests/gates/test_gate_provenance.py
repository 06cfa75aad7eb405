"""The provenance gate: deny by default; every record must trace to an approved source."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from mhds.gates.base import GateStatus
from mhds.gates.provenance import MAX_LISTED, ProvenanceGate
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.steps.provenance import ProvenanceIssue, ProvenanceReason
from tests.cases import make_record

SECRET = "my name is Jane Roe and I live at 12 Elm Street"


def make_registry(approval: str = "approved") -> Registry:
    return Registry.model_validate(
        {
            "stages": [{"id": "s1", "order": 1}],
            "families": [{"name": "therapy", "stage": "s1", "required": True}],
            "sources": [
                {
                    "id": "chats",
                    "family": "therapy",
                    "prefixes": ["raw/chats/"],
                    "adapter": "chatml",
                    "license": "CC-BY-4.0",
                    "approval": "approved",
                },
                {
                    "id": "forum",
                    "family": "therapy",
                    "prefixes": ["raw/forum/"],
                    "adapter": "chatml",
                    "license": "unknown",
                    "approval": approval,
                },
            ],
        }
    )


def without_source_key(record: Record) -> Record:
    meta = record.metadata
    prov = msgspec.structs.replace(meta.provenance, source_key="")
    return msgspec.structs.replace(
        record, metadata=msgspec.structs.replace(meta, source_key="", provenance=prov)
    )


def good(n: int) -> list[Record]:
    return [make_record(f"question {i}", f"answer {i}") for i in range(n)]


def test_passes_when_every_record_traces_to_an_approved_source() -> None:
    verdict = ProvenanceGate().evaluate(good(3), make_registry())
    assert verdict.status == GateStatus.PASS and verdict.passed
    assert verdict.evidence["records_checked"] == 3 and verdict.evidence["issues"] == 0


def test_fails_on_unapproved_source_and_missing_source_key() -> None:
    unapproved = make_record(SECRET, "I hear you.", source_id="forum")
    keyless = without_source_key(make_record("hello", "hi there"))
    records = [*good(2), unapproved, keyless]
    verdict = ProvenanceGate().evaluate(iter(records), make_registry("pending"))
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    ev = verdict.evidence
    assert ev["issues_by_reason"] == {"missing_source_key": 2, "unapproved_source": 1}
    assert ev["records_with_issues"] == 2 and ev["records_checked"] == 4
    assert ev["issues_by_family"] == {"therapy": 3}
    assert {"record_id", "reason", "field", "shard_key"} == set(ev["first_issues"][0])
    assert {i["record_id"] for i in ev["first_issues"]} == {
        unapproved.metadata.id,
        keyless.metadata.id,
    }
    assert "unapproved_source" in verdict.summary
    assert "Jane" not in str(verdict.to_dict()) and "Jane" not in verdict.to_markdown()


def test_unknown_source_fails_and_listing_is_capped() -> None:
    strays = [make_record(f"q {i}", f"a {i}", source_id="nowhere") for i in range(150)]
    verdict = ProvenanceGate().evaluate(strays, make_registry())
    assert verdict.status == GateStatus.FAIL
    assert verdict.evidence["issues_by_reason"]["unknown_source"] == 150
    assert len(verdict.evidence["first_issues"]) == MAX_LISTED


def test_shard_issues_fail_the_gate_even_with_clean_records() -> None:
    issue = ProvenanceIssue(None, ProvenanceReason.SHARD_HASH_MISMATCH, "sha256", "data/a.jsonl")
    verdict = ProvenanceGate().evaluate(good(2), make_registry(), shard_issues=[issue])
    assert verdict.status == GateStatus.FAIL
    assert verdict.evidence["shard_issues"] == 1
    assert verdict.evidence["first_issues"] == [
        {
            "record_id": None,
            "reason": "shard_hash_mismatch",
            "field": "sha256",
            "shard_key": "data/a.jsonl",
        }
    ]


def test_crash_reading_records_is_an_error_not_a_pass() -> None:
    def broken() -> Iterator[Record]:
        yield from good(1)
        raise OSError("shard unreadable")

    verdict = ProvenanceGate().evaluate(broken(), make_registry())
    assert verdict.status == GateStatus.ERROR and not verdict.passed


def test_no_records_is_an_error() -> None:
    records: list[Any] = []
    verdict = ProvenanceGate().evaluate(records, make_registry())
    assert verdict.status == GateStatus.ERROR and not verdict.passed
