"""Provenance, deny by default: per-record checks and shard provenance proven against the store."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from mhds.gates.base import GateStatus
from mhds.gates.provenance import ProvenanceGate
from mhds.records.hashing import compute_content_hash
from mhds.records.schema import Message, Metadata, Provenance, Record, StepStamp
from mhds.registry.schema import Registry
from mhds.steps.provenance import (
    ProvenanceIssue,
    ProvenanceReason,
    ShardProvenance,
    build_shard_provenance,
    check_record_provenance,
    verify_shard_provenance,
)
from mhds.store import Store
from mhds.store.streams import JsonlWriter

CONFIG_HASH = "sha256:" + "c0" * 32
SHARD = "processed/therapy/chats/run-1/part-00000.jsonl.zst"


def make_registry() -> Registry:
    def source(source_id: str, family: str, approval: str, license: str = "CC-BY-4.0") -> Any:
        return {
            "id": source_id,
            "family": family,
            "prefixes": [f"raw/{source_id}/"],
            "adapter": "chatml",
            "license": license,
            "approval": approval,
        }

    return Registry.model_validate(
        {
            "stages": [{"id": "stage1_foundation", "order": 1}, {"id": "stage3_edge", "order": 3}],
            "families": [
                {"name": "therapy", "stage": "stage1_foundation"},
                {"name": "crisis", "stage": "stage3_edge"},
            ],
            "sources": [
                source("chats", "therapy", "approved"),
                source("more_chats", "therapy", "approved"),
                source("pending_chats", "therapy", "pending"),
                source("rejected_chats", "therapy", "rejected"),
                source("crisis_gen", "crisis", "approved", license="internal-synthetic-v1"),
                source("synthetic_roleplay", "therapy", "approved", license="MIT"),
            ],
        }
    )


REGISTRY = make_registry()


def make_record(
    record_id: str = "rec-1",
    *,
    source_id: str = "chats",
    family: str = "therapy",
    source_key: str | None = None,
    provenance_key: str | None = None,
    steps: tuple[StepStamp, ...] = (StepStamp("ingest", 1, CONFIG_HASH),),
    config_hash: str = CONFIG_HASH,
    pipeline_version: str = "0.1.0",
    generator: dict[str, Any] | None = None,
    license_tag: str = "CC-BY-4.0",
    attributes: dict[str, Any] | None = None,
) -> Record:
    key = f"s3://bucket/raw/{source_id}/a.jsonl" if source_key is None else source_key
    messages = (
        Message("user", f"I keep waking at 4am ({record_id})."),
        Message("assistant", "What goes through your mind when you wake?"),
    )
    provenance = Provenance(
        source_key=key if provenance_key is None else provenance_key,
        source_format="jsonl",
        adapter="chatml",
        locator="line:1",
        pipeline_version=pipeline_version,
        config_hash=config_hash,
        steps=steps,
        generator=generator,
    )
    metadata = Metadata(
        id=record_id,
        family=family,
        source_id=source_id,
        source_key=key,
        content_hash=compute_content_hash(messages),
        license_tag=license_tag,
        assistant_role="therapist",
        group_id=record_id,
        provenance=provenance,
        attributes=attributes or {},
    )
    return Record(messages=messages, metadata=metadata)


def reasons(issues: list[ProvenanceIssue]) -> list[str]:
    return [issue.reason.value for issue in issues]


def test_good_record_passes() -> None:
    assert check_record_provenance(make_record(), REGISTRY) == []


@pytest.mark.parametrize("source_id", ["pending_chats", "rejected_chats"])
def test_unapproved_source_is_blocked(source_id: str) -> None:
    issues = check_record_provenance(make_record(source_id=source_id), REGISTRY)
    assert issues == [
        ProvenanceIssue("rec-1", ProvenanceReason.UNAPPROVED_SOURCE, "metadata.source_id")
    ]


def test_unknown_source_and_family_mismatch() -> None:
    unknown = check_record_provenance(make_record(source_id="nowhere"), REGISTRY)
    assert reasons(unknown) == ["unknown_source"]
    moved = check_record_provenance(make_record(family="crisis"), REGISTRY)
    assert [(i.reason, i.field) for i in moved] == [
        (ProvenanceReason.FAMILY_MISMATCH, "metadata.family")
    ]


def test_missing_source_key_is_blocked() -> None:
    both = check_record_provenance(make_record(source_key=""), REGISTRY)
    assert [(i.reason.value, i.field) for i in both] == [
        ("missing_source_key", "metadata.source_key"),
        ("missing_source_key", "metadata.provenance.source_key"),
    ]
    one = check_record_provenance(make_record(provenance_key=""), REGISTRY)
    assert reasons(one) == ["missing_source_key"]
    other = check_record_provenance(make_record(provenance_key="s3://bucket/raw/x"), REGISTRY)
    assert reasons(other) == ["source_key_mismatch"]


def test_missing_steps_config_hash_and_pipeline_version() -> None:
    record = make_record(steps=(), config_hash="", pipeline_version="")
    assert reasons(check_record_provenance(record, REGISTRY)) == [
        "missing_steps",
        "missing_config_hash",
        "missing_pipeline_version",
    ]
    step_without_hash = make_record(steps=(StepStamp("ingest", 1, ""),))
    issues = check_record_provenance(step_without_hash, REGISTRY)
    assert [(i.reason.value, i.field) for i in issues] == [
        ("missing_config_hash", "metadata.provenance.steps[0].config_hash")
    ]


SYNTHETIC: dict[str, dict[str, Any]] = {
    "licence_of_source": {"source_id": "crisis_gen", "family": "crisis"},
    "source_id_prefix": {"source_id": "synthetic_roleplay"},
    "licence_tag": {"license_tag": "internal-synthetic-v2"},
    "attribute": {"attributes": {"synthetic": True}},
}
GENERATOR = {"name": "crisis_scenarios", "version": 2, "parameters": {"seed": 7, "model": "x"}}


@pytest.mark.parametrize("case", sorted(SYNTHETIC))
def test_synthetic_without_generator_is_blocked(case: str) -> None:
    record = make_record(**SYNTHETIC[case])
    issues = check_record_provenance(record, REGISTRY)
    assert [(i.reason.value, i.field) for i in issues] == [
        ("synthetic_without_generator", "metadata.provenance.generator")
    ]
    assert (
        check_record_provenance(make_record(**SYNTHETIC[case], generator=GENERATOR), REGISTRY) == []
    )


@pytest.mark.parametrize(
    "generator",
    [
        {},
        {"name": "gen"},
        {"parameters": {}},
        {"name": "", "parameters": {}},
        {"name": "g", "parameters": 3},
    ],
)
def test_incomplete_generator_is_blocked(generator: dict[str, Any]) -> None:
    record = make_record(source_id="crisis_gen", family="crisis", generator=generator)
    assert reasons(check_record_provenance(record, REGISTRY)) == ["synthetic_without_generator"]


def test_non_synthetic_attribute_values_do_not_count() -> None:
    record = make_record(attributes={"synthetic": "yes"})  # only the boolean True marks it
    assert check_record_provenance(record, REGISTRY) == []


def write_shard(store: Store, key: str, records: list[Record]) -> JsonlWriter:
    with JsonlWriter(store, key) as writer:
        for record in records:
            writer.write_line(record.to_json())
    return writer


def shard_records() -> list[Record]:
    return [
        make_record("rec-3"),
        make_record("rec-1"),
        make_record("rec-2", source_id="more_chats"),
    ]


def written_provenance(store: Store, key: str = SHARD) -> ShardProvenance:
    records = shard_records()
    writer = write_shard(store, key, records)
    return build_shard_provenance(
        records,
        shard_key=key,
        shard_sha256=writer.sha256,
        shard_bytes=writer.bytes_written,
        producing_step="ingest",
        step_version=1,
    )


def test_shard_provenance_round_trip(store: Store) -> None:
    provenance = written_provenance(store)
    assert provenance.records == 3
    assert provenance.bytes == store.head(SHARD).size
    assert provenance.sources == {
        "s3://bucket/raw/chats/a.jsonl": 2,
        "s3://bucket/raw/more_chats/a.jsonl": 1,
    }
    assert list(provenance.sources) == sorted(provenance.sources)
    assert provenance.families == ("therapy",)
    assert verify_shard_provenance(store, provenance, registry=REGISTRY) == []
    # It survives JSON (a manifest holds it), and a "sha256:" prefix is accepted.
    again = msgspec.json.decode(msgspec.json.encode(provenance), type=ShardProvenance)
    assert again == provenance
    prefixed = msgspec.structs.replace(provenance, sha256="sha256:" + provenance.sha256)
    assert verify_shard_provenance(store, prefixed, registry=None) == []


def test_record_appended_after_provenance_is_detected(store: Store) -> None:
    provenance = written_provenance(store)
    intruder = make_record("rec-9", source_id="pending_chats")
    write_shard(store, SHARD, [*shard_records(), intruder])

    issues = verify_shard_provenance(store, provenance, registry=REGISTRY)
    found = {(i.record_id, i.reason.value, i.field) for i in issues}
    assert found == {
        (None, "shard_hash_mismatch", "sha256"),
        (None, "shard_hash_mismatch", "bytes"),
        ("rec-9", "record_not_covered", "metadata.source_key"),
        ("rec-9", "unapproved_source", "metadata.source_id"),
        (None, "shard_count_mismatch", "records"),
        (None, "shard_ids_mismatch", "record_ids_sha256"),
    }
    assert all(issue.shard_key == SHARD for issue in issues)


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.zst"])
def test_modified_byte_is_detected(store: Store, suffix: str) -> None:
    key = SHARD.replace(".jsonl.zst", suffix)
    provenance = written_provenance(store, key)
    data = bytearray(store.read_bytes(key))
    position = data.index(b"4am") if suffix == ".jsonl" else len(data) // 2
    data[position] ^= 0x01
    store.write_bytes(key, bytes(data))

    issues = verify_shard_provenance(store, provenance, registry=REGISTRY)
    assert ProvenanceIssue(None, ProvenanceReason.SHARD_HASH_MISMATCH, "sha256", key) in issues


def test_bad_records_inside_a_shard(store: Store) -> None:
    records = [make_record("rec-1"), make_record("rec-2", source_id="rejected_chats")]
    writer = write_shard(store, SHARD, records)
    provenance = build_shard_provenance(
        records,
        shard_key=SHARD,
        shard_sha256=writer.sha256,
        shard_bytes=writer.bytes_written,
        producing_step="ingest",
        step_version=1,
    )
    issues = verify_shard_provenance(store, provenance, registry=REGISTRY)
    assert issues == [
        ProvenanceIssue("rec-2", ProvenanceReason.UNAPPROVED_SOURCE, "metadata.source_id", SHARD)
    ]
    assert verify_shard_provenance(store, provenance, registry=None) == []


def test_malformed_line_and_missing_shard(store: Store) -> None:
    key = "processed/therapy/chats/run-1/part-00001.jsonl"
    records = [make_record("rec-1")]
    store.write_bytes(key, records[0].to_json() + b"\n" + b'{"messages": [' + b"\n")
    provenance = build_shard_provenance(
        records,
        shard_key=key,
        shard_sha256="0" * 64,  # wrong on purpose: only the lines matter here
        shard_bytes=0,
        producing_step="ingest",
        step_version=1,
    )
    issues = verify_shard_provenance(store, provenance, registry=REGISTRY)
    assert ProvenanceIssue(None, ProvenanceReason.MALFORMED_RECORD, "line:2", key) in issues

    store.delete(key)
    assert verify_shard_provenance(store, provenance, registry=REGISTRY) == [
        ProvenanceIssue(None, ProvenanceReason.SHARD_UNREADABLE, "shard_key", key)
    ]


def test_a_voice_family_needs_a_source_with_consent() -> None:
    data = REGISTRY.model_dump(mode="json")
    data["families"][0]["consent_required"] = True  # "therapy" carries a real voice now
    needs = Registry.model_validate(data)
    record = make_record()
    assert reasons(check_record_provenance(record, needs)) == ["missing_consent"]
    verdict = ProvenanceGate().evaluate(iter([record]), needs)
    assert verdict.status == GateStatus.FAIL
    assert verdict.evidence["issues_by_reason"] == {"missing_consent": 1}
    for source in data["sources"]:
        source["consent"] = "consent form CF-1"
    assert check_record_provenance(record, Registry.model_validate(data)) == []
    # a family without the requirement never asks for it
    assert check_record_provenance(make_record(), REGISTRY) == []
