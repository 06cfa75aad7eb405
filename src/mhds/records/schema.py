"""The canonical record: one ChatML conversation, its metadata and its provenance.

Records are frozen msgspec Structs: cheap to build, hashable by value, and encoded to and from
JSONL by one msgspec codec. ``Record.to_json`` / ``Record.from_json`` are the only way records
become bytes.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Role = Literal["system", "user", "assistant"]
AssistantRole = Literal["therapist", "client", "teacher"]
PIIStatus = Literal["unscanned", "scrubbed", "none_detected", "requires_review"]
Split = Literal["train", "val", "test"]

ROLES: tuple[str, ...] = ("system", "user", "assistant")
ASSISTANT_ROLES: tuple[str, ...] = ("therapist", "client", "teacher")


class Message(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One ChatML turn."""

    role: Role
    content: str


class StepStamp(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One transformation applied to a record, in order."""

    name: str
    version: int
    config_hash: str


class Provenance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a record came from and everything that touched it.

    Attributes:
        source_key: the key of the object the record was read from, relative to the store
            root (never a local path or a bucket URI: results do not depend on where the
            store sits).
        source_format: the format of that object (``jsonl``, ``csv``, ``json``, ``text``).
        adapter: the adapter that mapped it to ChatML (``sharegpt``, ``counselchat`` ...).
        locator: where in the object (``line:12``, ``item:3``, ``row:40``, ``file``).
        pipeline_version: the mhds version that produced the record.
        config_hash: hash of the configuration that produced it.
        steps: ordered transformation steps with versions and config hashes.
        generator: generator name and parameters, for synthetic records only.
    """

    source_key: str
    source_format: str
    adapter: str
    locator: str
    pipeline_version: str
    config_hash: str
    steps: tuple[StepStamp, ...] = ()
    generator: dict[str, Any] | None = None


class Metadata(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything about a conversation except its turns."""

    id: str
    family: str
    source_id: str
    source_key: str
    content_hash: str
    license_tag: str
    assistant_role: AssistantRole
    group_id: str
    provenance: Provenance
    pii_status: PIIStatus = "unscanned"
    split: Split | None = None
    phase: str | None = None
    attributes: dict[str, str | int | float | bool | None] = msgspec.field(default_factory=dict)


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One conversation: ChatML messages plus metadata."""

    messages: tuple[Message, ...]
    metadata: Metadata

    def to_json(self) -> bytes:
        """Encode as one compact JSON line (no newline)."""
        return _ENCODER.encode(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Record:
        """Decode one JSON line; raises ``msgspec.ValidationError`` naming the bad field."""
        return _DECODER.decode(data)


_ENCODER = msgspec.json.Encoder(order="deterministic")
_DECODER = msgspec.json.Decoder(Record)
