"""Shared sample records for tests (build them, never read them from disk)."""

from __future__ import annotations

from mhds.records.hashing import compute_content_hash, stable_id
from mhds.records.schema import Message, Metadata, Provenance, Record, StepStamp


def make_record(
    *turns: str,
    family: str = "therapy",
    source_id: str = "chats",
    record_id: str | None = None,
    group: str | None = None,
    license_tag: str = "CC-BY-4.0",
) -> Record:
    """A valid record whose turns alternate user/assistant, starting with the user."""
    messages = tuple(
        Message(role="user" if i % 2 == 0 else "assistant", content=t) for i, t in enumerate(turns)
    )
    rid = record_id or f"{source_id}-{stable_id(*turns, length=12)}"
    key = f"s3://bucket/raw/{source_id}/data.jsonl"
    provenance = Provenance(
        source_key=key,
        source_format="jsonl",
        adapter="chatml",
        locator="line:1",
        pipeline_version="0.1.0",
        config_hash="sha256:" + "1" * 64,
        steps=(StepStamp("ingest", 1, "sha256:" + "1" * 64),),
    )
    return Record(
        messages=messages,
        metadata=Metadata(
            id=rid,
            family=family,
            source_id=source_id,
            source_key=key,
            content_hash=compute_content_hash(messages),
            license_tag=license_tag,
            assistant_role="therapist",
            group_id=group or f"{source_id}:{rid}",
            provenance=provenance,
        ),
    )
