"""The ``mhds pii scan|redact`` contract over JSONL streams (kept stable for other tools).

Input: one JSON object per line, ``{"id": ..., "text": ...}``; with ``records=True``,
canonical records instead. Output: exactly one line per non-blank input line, in order:

- scan: ``{"id": ..., "spans": [{"start", "end", "category"}]}`` (character offsets into
  ``text``); records: spans carry ``"message"`` (the message index) too.
- redact: ``{"id": ..., "text": ...}``; records: the redacted canonical record.

A line that cannot be read gives ``{"id": null, "error": {"line", "field", "reason"}}``; a
record the residual scan does not clear gives ``{"id": ..., "text": null, "error": {...}}``
(records: no record) - unredacted text is never written. ``errors`` counts both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import msgspec

from mhds.errors import InputError
from mhds.records import codec
from mhds.records.hashing import compute_content_hash, stable_id
from mhds.records.schema import Message, Metadata, Provenance, Record
from mhds.records.validate import Reason
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Span
from mhds.steps.pii.step import PIIRedactor

BATCH = 64


@dataclass
class StreamReport:
    """How a scan/redact stream went."""

    lines: int = 0
    errors: int = 0


def scan_stream(
    source: BinaryIO, sink: BinaryIO, engine: PIIEngine, *, records: bool = False
) -> StreamReport:
    """Write one spans line per input line (see the module docstring)."""
    report = StreamReport()
    for batch in _batches(_read(source, records, report)):
        good = [item for item in batch if not isinstance(item, _Bad)]
        texts = [t for item in good for t in item.texts]
        results = iter(engine.analyze_batch(texts))
        for item in batch:
            if isinstance(item, _Bad):
                sink.write(item.line_bytes())
                continue
            spans = [next(results) for _ in item.texts]
            sink.write(codec.dumps({"id": item.id, "spans": _spans_json(spans, records)}) + b"\n")
    return report


def redact_stream(
    source: BinaryIO, sink: BinaryIO, redactor: PIIRedactor, *, records: bool = False
) -> StreamReport:
    """Write one redacted line per input line (see the module docstring)."""
    report = StreamReport()
    redactor.setup()
    for batch in _batches(_read(source, records, report)):
        good = [item for item in batch if not isinstance(item, _Bad)]
        outcomes = iter(redactor.apply_batch([item.record for item in good]))
        for item in batch:
            if isinstance(item, _Bad):
                sink.write(item.line_bytes())
                continue
            outcome = next(outcomes)
            if not outcome.kept:
                report.errors += 1
                error = {"reason": outcome.reason, "field": outcome.field, "line": item.line}
                out: dict[str, Any] = {"id": item.id, "error": error}
                if not records:
                    out["text"] = None
                sink.write(codec.dumps(out) + b"\n")
            elif records:
                sink.write(redactor.stamp(outcome.record).to_json() + b"\n")
            else:
                text = outcome.record.messages[0].content
                sink.write(codec.dumps({"id": item.id, "text": text}) + b"\n")
    return report


@dataclass
class _Item:
    line: int
    id: Any
    texts: list[str]
    record: Record


@dataclass
class _Bad:
    line: int
    error: InputError

    def line_bytes(self) -> bytes:
        error = {"line": self.line, "field": self.error.field, "reason": str(self.error.reason)}
        return codec.dumps({"id": None, "error": error}) + b"\n"


def _read(source: BinaryIO, records: bool, report: StreamReport) -> Iterator[_Item | _Bad]:
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        report.lines += 1
        try:
            yield _record_item(number, raw) if records else _text_item(number, raw)
        except InputError as exc:
            report.errors += 1
            yield _Bad(number, exc)


def _text_item(number: int, raw: bytes) -> _Item:
    try:
        value = codec.loads(raw)
    except codec.DecodeError:
        raise InputError(Reason.MALFORMED_JSON, line=number) from None
    if not isinstance(value, dict):
        raise InputError(Reason.NOT_AN_OBJECT, line=number)
    if "id" not in value:
        raise InputError(Reason.MISSING_FIELD, field="id", line=number)
    text = value.get("text")
    if not isinstance(text, str):
        reason = Reason.MISSING_FIELD if text is None else Reason.WRONG_TYPE
        raise InputError(reason, field="text", line=number)
    return _Item(number, value["id"], [text], _wrap_text(value["id"], text))


def _record_item(number: int, raw: bytes) -> _Item:
    try:
        record = Record.from_json(raw)
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("at `", 1)[-1].rstrip("`") if "at `" in str(exc) else None
        raise InputError(Reason.BAD_METADATA, field=field, line=number) from None
    except msgspec.DecodeError:
        raise InputError(Reason.MALFORMED_JSON, line=number) from None
    return _Item(number, record.metadata.id, [m.content for m in record.messages], record)


def _wrap_text(item_id: Any, text: str) -> Record:
    """A throwaway one-message record, so plain text goes through the same PII step."""
    messages = (Message(role="user", content=text),)
    key = stable_id(str(item_id))
    provenance = Provenance(
        source_key="stdin",
        source_format="jsonl",
        adapter="text",
        locator=key,
        pipeline_version="",
        config_hash="",
    )
    metadata = Metadata(
        id=key,
        family="text",
        source_id="text",
        source_key="stdin",
        content_hash=compute_content_hash(messages),
        license_tag="unknown",
        assistant_role="therapist",
        group_id=key,
        provenance=provenance,
    )
    return Record(messages=messages, metadata=metadata)


def _spans_json(spans: list[list[Span]], records: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, message_spans in enumerate(spans):
        for s in message_spans:
            entry: dict[str, Any] = {"start": s.start, "end": s.end, "category": s.category.value}
            if records:
                entry = {"message": index, **entry}
            out.append(entry)
    return out


def _batches(items: Iterable[_Item | _Bad]) -> Iterator[list[_Item | _Bad]]:
    batch: list[_Item | _Bad] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
