"""The parts of a record that ship as free text, and how each is read for identifiers.

A release record carries text in more places than its messages: string attributes (an
ESConv ``situation``), the group id (built from a source's own grouping value) and the source
key (an object name such as a transcript's title). The PII step redacts every kind named in
``PIIConfig.fields``; the release's PII gate scans every one of them that is not a message,
whatever the config says. Everything else in a record is written by mhds or the registry
(ids, hashes, family, licence, step stamps, locators) and holds no free text.

Each part is read through a *view* of the same length as the part it covers, so spans found
in the view are offsets into the value: a source key is read without the store root in front
of it (an operator's path, not data) and without its file extension, with ``_`` read as a
space so that ``Sarah_Johnson_intake`` reads as words; a group id without the source id ingest
put in front of it, and not at all when it is the record's own id (no group value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

import msgspec

from mhds.records.schema import Message, Record
from mhds.steps.pii.pattern_sources import PLACEHOLDER

FieldKind = Literal["system", "user", "assistant", "attributes", "group_id", "source_key"]
FIELD_KINDS: tuple[FieldKind, ...] = get_args(FieldKind)
MESSAGE_KINDS: frozenset[str] = frozenset({"system", "user", "assistant"})
METADATA_KINDS: tuple[FieldKind, ...] = ("attributes", "group_id", "source_key")
# Parts redacted on their own, never with the conversation's numbering or its names: their
# redaction depends on their value alone, so records that share a group (or an object) still
# share it afterwards, whatever else each record says.
STANDALONE_KINDS: frozenset[str] = frozenset({"group_id", "source_key"})

_PLACEHOLDER = re.compile(PLACEHOLDER)
_EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,8})+$")


@dataclass(frozen=True)
class FieldText:
    """One free-text part of a record: ``value[start:end]`` is read, through ``view``.

    Attributes:
        kind: which kind of part (a message role, ``attributes``, ``group_id``, ``source_key``).
        name: where it is, for reports (``messages[2]``, ``attributes.situation``).
        value: the whole stored value.
        start: where the read part begins in ``value``.
        end: where it ends.
    """

    kind: FieldKind
    name: str
    value: str
    start: int = 0
    end: int = -1

    @property
    def part(self) -> str:
        """The part of the value that is read (and redacted)."""
        return self.value[self.start : self.end if self.end >= 0 else len(self.value)]

    @property
    def view(self) -> str:
        """The part as the detector reads it (same length as ``part``)."""
        return view_of(self.kind, self.part)

    def rebuilt(self, part: str) -> str:
        """The whole value with the read part replaced by ``part``."""
        end = self.end if self.end >= 0 else len(self.value)
        return self.value[: self.start] + part + self.value[end:]


def view_of(kind: FieldKind, part: str) -> str:
    """How the detector reads a part of ``kind``: source keys with ``_`` as a space."""
    return part.replace("_", " ") if kind == "source_key" else part


def record_texts(record: Record, kinds: Iterable[str]) -> list[FieldText]:
    """The free-text parts of ``record`` of the given kinds, in a fixed order: messages,
    string attributes (by name), the group id, the source key.

    Args:
        record: the record.
        kinds: the kinds to list (``FIELD_KINDS`` for all).
    """
    wanted = frozenset(kinds)
    meta = record.metadata
    texts = [
        FieldText(m.role, f"messages[{i}]", m.content)
        for i, m in enumerate(record.messages)
        if m.role in wanted
    ]
    if "attributes" in wanted:
        # Numbers are read as text too: a phone number or a date of birth kept as a JSON
        # number is an identifier all the same (booleans and nulls hold nothing).
        texts += [
            FieldText("attributes", f"attributes.{name}", text)
            for name, value in sorted(meta.attributes.items())
            if (text := _attribute_text(value))
        ]
    if "group_id" in wanted and (group := _group_text(record)) is not None:
        texts.append(group)
    if "source_key" in wanted:
        texts.append(_source_key_text(meta.source_key))
    return texts


def replace_texts(record: Record, texts: list[FieldText], parts: list[str]) -> Record:
    """``record`` with each listed part replaced (the same order as ``record_texts``). A part
    left as it was keeps its value (a number stays a number; a redacted one becomes text).
    The source key is set in the metadata and in the provenance alike."""
    messages = list(record.messages)
    attributes = dict(record.metadata.attributes)
    meta = record.metadata
    updates: dict[str, str] = {}
    for text, part in zip(texts, parts, strict=True):
        if part == text.part:
            continue
        value = text.rebuilt(part)
        if text.kind in MESSAGE_KINDS:
            index = int(text.name[len("messages[") : -1])
            messages[index] = Message(role=messages[index].role, content=value)
        elif text.kind == "attributes":
            attributes[text.name[len("attributes.") :]] = value
        else:
            updates[text.kind] = value
    provenance = meta.provenance
    if "source_key" in updates:
        provenance = msgspec.structs.replace(provenance, source_key=updates["source_key"])
    metadata = msgspec.structs.replace(
        meta, attributes=attributes, provenance=provenance, **updates
    )
    return Record(messages=tuple(messages), metadata=metadata)


def placeholder_holes(text: str) -> list[tuple[int, int]]:
    """Where ``[CATEGORY_N]`` placeholders sit in ``text`` (findings inside them are ours)."""
    return [m.span() for m in _PLACEHOLDER.finditer(text)] if "[" in text else []


def _group_text(record: Record) -> FieldText | None:
    """The source's own grouping value in the group id (``<source id>:<value>``, the prefix
    written by ingest); None when there is none: a record without a group value is grouped by
    its own id (``<source id>:<record id>``), which mhds wrote and holds no text."""
    meta = record.metadata
    prefix = f"{meta.source_id}:"
    start = len(prefix) if meta.group_id.startswith(prefix) else 0
    if meta.group_id[start:] == meta.id:
        return None
    return FieldText("group_id", "group_id", meta.group_id, start)


def _attribute_text(value: object) -> str:
    """The text an attribute value is read as: strings as they are, numbers written out."""
    if isinstance(value, bool) or value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _source_key_text(key: str) -> FieldText:
    """The source key (store-relative: it holds no operator path) without its extension."""
    extension = _EXTENSION.search(key.rsplit("/", 1)[-1])
    end = len(key) - (len(extension.group(0)) if extension else 0)
    return FieldText("source_key", "source_key", key, 0, end)
