"""The step contract: a RecordStep maps one record to an Outcome (keep or quarantine).

The base does the bookkeeping every step needs: counting in/out/quarantined by reason,
stamping the step (name, version, config hash) into each kept record's provenance, and
handing quarantined records to a sink. Steps never see stores, shards or executors.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec
from pydantic import BaseModel

from mhds.records.codec import canonical_json
from mhds.records.schema import Record, StepStamp


@dataclass(frozen=True)
class Outcome:
    """What a step decided for one record: keep ``record``, or quarantine with a reason."""

    record: Record
    reason: str | None = None
    field: str | None = None
    detail: str | None = None

    @property
    def kept(self) -> bool:
        """Whether the record goes on down the pipeline."""
        return self.reason is None

    @classmethod
    def keep(cls, record: Record) -> Outcome:
        """Keep ``record`` (usually a changed copy of the input)."""
        return cls(record)

    @classmethod
    def quarantine(
        cls, record: Record, reason: str, *, field: str | None = None, detail: str | None = None
    ) -> Outcome:
        """Send ``record`` to quarantine with a stable reason code (never record text)."""
        return cls(record, reason, field, detail)


@dataclass
class StepStats:
    """Counts of one step's run; mergeable across shards."""

    name: str
    seen: int = 0
    kept: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)

    def merge(self, other: StepStats) -> StepStats:
        """Add ``other``'s counts into this one and return it."""
        self.seen += other.seen
        self.kept += other.kept
        self.quarantined.update(other.quarantined)
        self.counters.update(other.counters)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready counts."""
        return {
            "name": self.name,
            "seen": self.seen,
            "kept": self.kept,
            "quarantined": dict(sorted(self.quarantined.items())),
            "counters": dict(sorted(self.counters.items())),
        }


QuarantineSink = Callable[[Outcome], None]


class RecordStep:
    """Base of streamed, per-record steps. Subclasses set ``name``/``version`` and implement
    ``apply`` (or ``apply_batch`` when batching pays, as with NER)."""

    name: ClassVar[str] = "step"
    version: ClassVar[int] = 1
    batch_size: int = 1

    def __init__(self, config: BaseModel) -> None:
        self.config = config
        self.config_hash = (
            "sha256:" + hashlib.sha256(canonical_json(config.model_dump(mode="json"))).hexdigest()
        )
        self.stats = StepStats(self.name)

    def setup(self) -> None:
        """Load heavy resources (models) once per worker; called before the first record."""

    def apply(self, record: Record) -> Outcome:
        """Decide one record."""
        raise NotImplementedError

    def apply_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Decide a batch; the default calls ``apply`` on each."""
        return [self.apply(record) for record in records]

    def run(
        self, records: Iterable[Record], quarantine: QuarantineSink | None = None
    ) -> Iterator[Record]:
        """Yield kept records (stamped) and pass quarantined ones to ``quarantine``.

        Without a sink, quarantined records are still counted, never silently lost: the
        caller reads ``stats.quarantined``.
        """
        self.setup()
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                yield from self._decide(batch, quarantine)
                batch = []
        if batch:
            yield from self._decide(batch, quarantine)

    def stamp(self, record: Record) -> Record:
        """Append this step to the record's provenance steps."""
        meta = record.metadata
        provenance = msgspec.structs.replace(
            meta.provenance,
            steps=(*meta.provenance.steps, StepStamp(self.name, self.version, self.config_hash)),
        )
        return msgspec.structs.replace(
            record, metadata=msgspec.structs.replace(meta, provenance=provenance)
        )

    def _decide(
        self, batch: Sequence[Record], quarantine: QuarantineSink | None
    ) -> Iterator[Record]:
        outcomes = self.apply_batch(batch)
        if len(outcomes) != len(batch):
            raise RuntimeError(f"step {self.name} returned {len(outcomes)} for {len(batch)}")
        for outcome in outcomes:
            self.stats.seen += 1
            if outcome.kept:
                self.stats.kept += 1
                yield self.stamp(outcome.record)
            else:
                self.stats.quarantined[outcome.reason or "unknown"] += 1
                if quarantine is not None:
                    quarantine(outcome)
