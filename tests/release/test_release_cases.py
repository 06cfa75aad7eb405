"""Shared release test material (no tests here): a registry, records, and one-call publishing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from mhds.audit import AuditLog
from mhds.gates.base import Failure, GateStatus, Verdict, Waiver
from mhds.records.schema import Record, Split
from mhds.registry.schema import Family, Registry, Stage
from mhds.release import (
    CURRICULUM_NAME,
    Manifest,
    ReleaseWriter,
    build_curriculum,
    curriculum_yaml,
)
from mhds.store.base import Store
from tests.cases import make_record

RELEASES = "releases/"
CREATED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WAIVER = Waiver(gate="bias", scope="family:crisis", reason="accepted for a pilot", who="QA")

REGISTRY = Registry(
    stages=(
        Stage(id="stage2_crisis", order=2),
        Stage(id="stage1_foundation", order=1),
    ),
    families=(
        Family(name="therapy", stage="stage1_foundation"),
        Family(name="reasoning", stage="stage1_foundation"),
        Family(name="crisis", stage="stage2_crisis"),
        Family(name="voice", stage="stage2_crisis", holdout="test_only"),
    ),
)

# (family, split, how many)
LAYOUT: tuple[tuple[str, Split, int], ...] = (
    ("therapy", "train", 12),
    ("reasoning", "train", 6),
    ("crisis", "train", 4),
    ("therapy", "val", 2),
    ("crisis", "val", 1),
    ("therapy", "test", 2),
    ("voice", "test", 3),
)


def make_split_record(family: str, split: Split | None, n: int) -> Record:
    """A valid, PII-scrubbed record of ``family`` in ``split``."""
    record = make_record(
        f"{family} question {n}: how do I cope with stress at work?",
        f"{family} answer {n}: let us look at what happens before the stress starts.",
        family=family,
        source_id=f"{family}-src",
        record_id=f"{family}-{split}-{n:03d}",
    )
    meta = msgspec.structs.replace(record.metadata, split=split, pii_status="scrubbed")
    return msgspec.structs.replace(record, metadata=meta)


def sample_records(layout: Iterable[tuple[str, Split, int]] = LAYOUT) -> list[Record]:
    """Records in build order (split, family, id)."""
    records = [make_split_record(f, s, n) for f, s, count in layout for n in range(count)]
    order = {"train": 0, "val": 1, "test": 2}
    return sorted(
        records,
        key=lambda r: (order[r.metadata.split or "train"], r.metadata.family, r.metadata.id),
    )


def audit_log(store: Store, key: str) -> AuditLog:
    """A small audit log written with a fixed clock (the writer appends its ``publish``)."""
    log = AuditLog.open(store, key, clock=lambda: CREATED)
    log.append("ingest", outputs=["processed/therapy/part-00000.jsonl.zst"], counts={"in": 30})
    return log


def fill(writer: ReleaseWriter, store: Store, records: Sequence[Record]) -> tuple[str, AuditLog]:
    """Write records, curriculum and reports; return (holdouts, the audit log to seal with:
    pass it to ``publish(audit=...)``)."""
    writer.write_all(records)
    curriculum = build_curriculum(REGISTRY, writer.counts)
    writer.add_file(CURRICULUM_NAME, curriculum_yaml(curriculum))
    writer.add_file("reports/overview.html", b"<html><body>overview</body></html>\n")
    writer.add_file("reports/pii.json", b'{"gate": "pii", "status": "pass"}\n')
    return ",".join(curriculum.holdout), audit_log(store, f"audit/{writer.version}.jsonl")


def publish(
    store: Store,
    version: str,
    records: Sequence[Record] | None = None,
    *,
    max_shard_records: int = 5,
    previous: str | None = None,
    funnel: Sequence[dict[str, Any]] = (),
) -> Manifest:
    """Publish ``records`` (default: ``sample_records()``) as ``version``."""
    records = sample_records() if records is None else records
    with ReleaseWriter(store, RELEASES, version, max_shard_records=max_shard_records) as writer:
        holdouts, audit = fill(writer, store, records)
        return writer.publish(
            code_version="0.1.0",
            registry_hash="sha256:" + "a" * 64,
            config_hash="sha256:" + "b" * 64,
            holdout_families=[h for h in holdouts.split(",") if h],
            gates=[
                Verdict("pii", GateStatus.PASS, "no identifiers left", {"checked": len(records)}),
                Verdict(
                    "bias",
                    GateStatus.FAIL,
                    "one family under-represented",
                    {"families": {"crisis"}},
                    (Failure("under_represented", "crisis"),),
                    (WAIVER,),
                ),
            ],
            waivers=[WAIVER],
            previous_release=previous,
            audit=audit,
            created=CREATED,
            funnel=funnel,
        )


def snapshot(store: Store, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix`` with its bytes."""
    return {info.key: store.read_bytes(info.key) for info in store.list(prefix)}
