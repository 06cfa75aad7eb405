"""The PII step: detect, redact consistently per conversation, then prove it with an
independent, stricter residual scan of the output. Fail closed: a residual finding or a
detector error makes the record ``requires_review`` and sends it to quarantine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

import msgspec

from mhds.records.hashing import compute_content_hash
from mhds.records.schema import Message, Record
from mhds.steps.base import Outcome, RecordStep
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine, echo_names
from mhds.steps.pii.redact import ConversationRedactor, Replacement
from mhds.steps.pii.spans import Span

log = logging.getLogger(__name__)


class PIIReason(StrEnum):
    """Why the PII step quarantined a record."""

    RESIDUAL = "pii_residual"
    DETECTOR_ERROR = "pii_detector_error"


class PIIRedactor(RecordStep):
    """``pii_redact``: replaces identifiers in every message and sets ``pii_status``.

    Counters in ``stats.counters``: ``redacted:<family>:<CATEGORY>`` per replacement and
    ``residual:<family>:<CATEGORY>`` per residual finding (counts only, never text).
    """

    name: ClassVar[str] = "pii_redact"
    version: ClassVar[int] = 1

    def __init__(self, config: PIIConfig | None = None, engine: PIIEngine | None = None) -> None:
        super().__init__(config or PIIConfig())
        self.pii_config: PIIConfig = config or PIIConfig()
        self.engine = engine or PIIEngine(self.pii_config)
        self.batch_size = self.pii_config.batch_size

    def setup(self) -> None:
        self.engine.setup()

    def apply_batch(self, records: Sequence[Record]) -> list[Outcome]:
        texts = [m.content for r in records for m in r.messages]
        try:
            found = list(self.engine.analyze_batch(texts))
        except Exception:  # noqa: BLE001 - fail closed, then isolate the record at fault
            log.exception("PII detector failed on a batch; retrying record by record")
            return [self.apply(record) for record in records]
        outcomes: list[Outcome] = []
        cursor = 0
        for record in records:
            spans = found[cursor : cursor + len(record.messages)]
            cursor += len(record.messages)
            outcomes.append(self._redact(record, spans))
        return outcomes

    def apply(self, record: Record) -> Outcome:
        try:
            spans = list(self.engine.analyze_batch([m.content for m in record.messages]))
        except Exception as exc:  # noqa: BLE001 - a detector error counts as PII found
            return self._review(record, PIIReason.DETECTOR_ERROR, type(exc).__name__)
        return self._redact(record, spans)

    def _redact(self, record: Record, spans: list[list[Span]]) -> Outcome:
        spans = echo_names([m.content for m in record.messages], spans)
        redactor = ConversationRedactor(self.pii_config.mode, self.pii_config.surrogate_seed)
        texts: list[str] = []
        placed: list[list[Replacement]] = []
        for message, message_spans in zip(record.messages, spans, strict=True):
            text, replacements = redactor.redact(message.content, message_spans)
            texts.append(text)
            placed.append(replacements)
        family = record.metadata.family
        try:
            residual = self._residual(texts, placed)
        except Exception as exc:  # noqa: BLE001 - fail closed
            return self._review(record, PIIReason.DETECTOR_ERROR, type(exc).__name__)
        if residual:
            for span in residual:
                self.stats.counters[f"residual:{family}:{span.category}"] += 1
            categories = ",".join(sorted({s.category.value for s in residual}))
            return self._review(record, PIIReason.RESIDUAL, categories)
        for category, count in redactor.counts.items():
            self.stats.counters[f"redacted:{family}:{category}"] += count
        messages = tuple(
            Message(role=m.role, content=t) for m, t in zip(record.messages, texts, strict=True)
        )
        status = "scrubbed" if redactor.counts else "none_detected"
        metadata = msgspec.structs.replace(
            record.metadata, pii_status=status, content_hash=compute_content_hash(messages)
        )
        return Outcome.keep(Record(messages=messages, metadata=metadata))

    def _residual(self, texts: list[str], placed: list[list[Replacement]]) -> list[Span]:
        """Strict second pass; findings inside our own replacements do not count."""
        if not self.pii_config.residual_scan:
            return []
        # Text the first pass did not change gets the strict patterns only: NER on identical
        # text would repeat the first pass (deterministic). Changed text gets NER again.
        changed = [n for n, replacements in enumerate(placed) if replacements]
        ner = iter(self.engine.analyze_batch([texts[n] for n in changed], strict=True))
        found = [
            next(ner) if replacements else self.engine.analyze_patterns(text, strict=True)
            for text, replacements in zip(texts, placed, strict=True)
        ]
        leftovers: list[Span] = []
        for spans, replacements in zip(found, placed, strict=True):
            leftovers.extend(
                s
                for s in spans
                if not any(s.start < r.end and r.start < s.end for r in replacements)
            )
        return leftovers

    def _review(self, record: Record, reason: PIIReason, detail: str) -> Outcome:
        metadata = msgspec.structs.replace(record.metadata, pii_status="requires_review")
        return Outcome.quarantine(
            msgspec.structs.replace(record, metadata=metadata),
            reason,
            field="messages",
            detail=detail,
        )
