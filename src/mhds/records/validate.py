"""Record validation with precise, text-free errors, and the quarantine reason codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from mhds.errors import InputError
from mhds.records.hashing import compute_content_hash, is_content_hash
from mhds.records.schema import ASSISTANT_ROLES, ROLES, Message, Record


class Reason(StrEnum):
    """Stable reason codes for quarantined input; reports count by these."""

    MALFORMED_JSON = "malformed_json"
    MALFORMED_CSV = "malformed_csv"
    BAD_ENCODING = "bad_encoding"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_ROLE = "unknown_role"
    ROLE_ORDER = "role_order"
    EMPTY_CONTENT = "empty_content"
    EMPTY_CONVERSATION = "empty_conversation"
    NO_ASSISTANT_TURN = "no_assistant_turn"
    NO_USER_TURN = "no_user_turn"
    CONTROL_CHARACTERS = "control_characters"
    BAD_HASH = "bad_hash"
    BAD_METADATA = "bad_metadata"
    UNREADABLE_OBJECT = "unreadable_object"
    # Read limits (``mhds.store.streams.ReadLimits``): the detail names the limit broken.
    LINE_TOO_LONG = "line_too_long"
    OBJECT_TOO_LARGE = "object_too_large"
    COMPRESSION_RATIO = "compression_ratio"
    # A listed key the store refuses to address (``..``, ``.`` or empty segments).
    BAD_KEY = "bad_key"


# C0 controls other than tab/newline/carriage return, plus DEL; U+FFFD marks a bad decode.
_CONTROL = {chr(c) for c in range(32) if c not in (9, 10, 13)} | {"\x7f"}
# Any character check_text refuses (controls, U+FFFD, surrogates): one C scan for clean text.
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")


def check_text(value: str, field: str) -> None:
    """Reject text with lone surrogates (a bad decode), U+FFFD or control characters."""
    if _SUSPECT.search(value) is None:
        return
    if "\ufffd" in value:
        raise InputError(Reason.BAD_ENCODING, field=field, detail="replacement character U+FFFD")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(Reason.BAD_ENCODING, field=field, detail="invalid UTF-8") from None
    if not _CONTROL.isdisjoint(value):
        raise InputError(Reason.CONTROL_CHARACTERS, field=field)


def validate_messages(messages: Sequence[Message]) -> None:
    """Check the ChatML rules of DESIGN.md.

    An optional system turn first; then user and assistant alternate; no empty content; at
    least one user and one assistant turn.

    Raises:
        InputError: naming the message index (``messages[3].content``) and the reason.
    """
    if not messages:
        raise InputError(Reason.EMPTY_CONVERSATION, field="messages")
    previous: str | None = None
    for index, message in enumerate(messages):
        field = f"messages[{index}]"
        if message.role not in ROLES:
            raise InputError(Reason.UNKNOWN_ROLE, field=f"{field}.role", detail=message.role[:40])
        if message.role == "system" and index != 0:
            raise InputError(Reason.ROLE_ORDER, field=f"{field}.role", detail="system not first")
        if message.role != "system" and message.role == previous:
            raise InputError(
                Reason.ROLE_ORDER,
                field=f"{field}.role",
                detail=f"two {message.role} turns in a row",
            )
        if not message.content.strip():
            raise InputError(Reason.EMPTY_CONTENT, field=f"{field}.content")
        check_text(message.content, f"{field}.content")
        previous = message.role
    roles = {m.role for m in messages}
    if "assistant" not in roles:
        raise InputError(Reason.NO_ASSISTANT_TURN, field="messages")
    if "user" not in roles:
        raise InputError(Reason.NO_USER_TURN, field="messages")


def validate_record(record: Record) -> None:
    """Validate messages and metadata, including that ``content_hash`` matches the messages.

    Raises:
        InputError: for the first problem found.
    """
    validate_messages(record.messages)
    validate_metadata(record)


def validate_metadata(record: Record, *, hash_computed: bool = False) -> None:
    """Validate a record's metadata, including that ``content_hash`` matches the messages
    (unless ``hash_computed``: the caller has just computed it from these messages). For a
    caller whose messages were validated already (ingest: a ``Conversation`` is only made by
    ``build_conversation``, which validates them).

    Raises:
        InputError: for the first problem found.
    """
    meta = record.metadata
    if meta.assistant_role not in ASSISTANT_ROLES:
        raise InputError(Reason.BAD_METADATA, field="metadata.assistant_role")
    for name in ("id", "family", "source_id", "source_key", "group_id", "license_tag"):
        if not getattr(meta, name):
            raise InputError(Reason.MISSING_FIELD, field=f"metadata.{name}")
    if not is_content_hash(meta.content_hash):
        raise InputError(Reason.BAD_HASH, field="metadata.content_hash", detail="not sha256:<hex>")
    if not hash_computed and meta.content_hash != compute_content_hash(record.messages):
        raise InputError(
            Reason.BAD_HASH, field="metadata.content_hash", detail="does not match messages"
        )
    if not meta.provenance.source_key:
        raise InputError(Reason.MISSING_FIELD, field="metadata.provenance.source_key")
