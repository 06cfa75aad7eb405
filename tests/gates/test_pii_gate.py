"""The PII gate fails closed: unscanned or unreviewed records, missing stats, crashes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from mhds.gates.base import GateStatus, Waiver
from mhds.gates.pii import PIIGate
from mhds.records.schema import Record
from mhds.steps.base import StepStats
from tests.cases import make_record


def with_status(record: Record, status: Any) -> Record:
    return msgspec.structs.replace(
        record, metadata=msgspec.structs.replace(record.metadata, pii_status=status)
    )


def stats() -> StepStats:
    s = StepStats("pii_redact", seen=3, kept=2)
    s.counters.update({"redacted:therapy:PERSON": 4, "redacted:crisis:PHONE": 1})
    s.quarantined["pii_residual"] = 1
    return s


def test_passes_when_every_record_is_cleared() -> None:
    records = [
        with_status(make_record("a b", "c d"), "scrubbed"),
        with_status(make_record("e f", "g h"), "none_detected"),
    ]
    verdict = PIIGate().evaluate(records, stats())
    assert verdict.status == GateStatus.PASS and verdict.passed
    assert verdict.evidence["redacted"] == {"crisis": {"PHONE": 1}, "therapy": {"PERSON": 4}}
    assert verdict.evidence["quarantined"] == {"pii_residual": 1}
    assert "a b" not in str(verdict.to_dict())  # counts and ids only, never text


def test_fails_on_unscanned_or_review_records() -> None:
    bad = with_status(make_record("x y", "z w"), "unscanned")
    review = with_status(make_record("p q", "r s"), "requires_review")
    verdict = PIIGate().evaluate([bad, review], stats())
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert verdict.evidence["unshippable_ids"] == [bad.metadata.id, review.metadata.id]


def test_missing_step_stats_is_an_error() -> None:
    verdict = PIIGate().evaluate([make_record("a", "b")], None)
    assert verdict.status == GateStatus.ERROR and not verdict.passed


def test_crash_reading_records_is_an_error_not_a_pass() -> None:
    def broken() -> Iterator[Record]:
        yield with_status(make_record("a", "b"), "scrubbed")
        raise OSError("shard unreadable")

    verdict = PIIGate().evaluate(broken(), stats())
    assert verdict.status == GateStatus.ERROR and not verdict.passed


def test_waiver_lets_a_failure_through_but_never_an_error() -> None:
    waiver = Waiver(gate="pii", scope="family:therapy", reason="reviewed by hand, ok", who="Dr. QA")
    failed = PIIGate().evaluate(
        [with_status(make_record("a", "b"), "unscanned")], stats(), waivers=(waiver,)
    )
    assert failed.status == GateStatus.FAIL and failed.passed and failed.waivers == (waiver,)
    errored = PIIGate().evaluate([], None, waivers=(waiver,))
    assert errored.status == GateStatus.ERROR and not errored.passed
