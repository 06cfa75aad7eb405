"""Applying decisions per shard: duplicates leave the stream with their survivor's id, loudly.

``apply_decisions`` pairs every record with its decision; the ``Deduplicator`` step turns a
duplicate into a quarantine outcome (reason ``exact_duplicate`` or ``near_duplicate``, detail
naming the survivor, the cluster and the similarity), so the step base counts it and hands it
to the quarantine sink: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import ClassVar

import msgspec

from mhds.errors import ObjectNotFoundError
from mhds.records.schema import Record
from mhds.steps.base import Outcome, RecordStep
from mhds.steps.dedup.cluster import DedupResult, DuplicateDecision
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import key, num_name, shard_number
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import iter_jsonl


class DedupReason(StrEnum):
    """Why the dedup step removed a record."""

    EXACT_DUPLICATE = "exact_duplicate"
    NEAR_DUPLICATE = "near_duplicate"


def load_decisions(
    store: Store, workdir: str, shard_id: str | None = None
) -> dict[str, DuplicateDecision]:
    """Decisions by record id: all of them, or only one mapped shard's (``decisions/<num>``)."""
    if shard_id is None:
        path = key(workdir, "decisions.jsonl")
    else:
        path = key(workdir, "decisions", num_name(shard_number(shard_id)) + ".jsonl")
    decisions: dict[str, DuplicateDecision] = {}
    try:
        for _, item in iter_jsonl(store, path, limits=OWN_OUTPUT):
            if isinstance(item, Exception):
                raise item
            decision = msgspec.convert(item, DuplicateDecision)
            decisions[decision.id] = decision
    except ObjectNotFoundError:
        if shard_id is None:
            raise
        raise ObjectNotFoundError(
            f"no decisions for shard {shard_id!r}: was it mapped and clustered?",
            uri=store.url_for(path),
            operation="read",
        ) from None
    return decisions


def apply_decisions(
    records: Iterable[Record], decisions: Mapping[str, DuplicateDecision] | DedupResult
) -> Iterator[tuple[Record, DuplicateDecision | None]]:
    """Yield every record with its duplicate decision, or ``None`` when it is kept."""
    table = decisions.decisions if isinstance(decisions, DedupResult) else decisions
    for record in records:
        decision = table.get(record.metadata.id)
        yield record, decision if decision is not None and decision.is_duplicate else None


def to_outcome(record: Record, decision: DuplicateDecision | None) -> Outcome:
    """Keep a record without a duplicate decision; quarantine a duplicate, naming its survivor."""
    if decision is None or not decision.is_duplicate:
        return Outcome.keep(record)
    reason = DedupReason.EXACT_DUPLICATE if decision.kind == "exact" else DedupReason.NEAR_DUPLICATE
    detail = (
        f"survivor={decision.survivor_id} cluster={decision.cluster_id} "
        f"similarity={decision.similarity:.3f}"
    )
    return Outcome.quarantine(record, reason, field="metadata.id", detail=detail)


class Deduplicator(RecordStep):
    """``deduplicate``: removes the duplicates a dedup run decided, keeps everything else.

    Counters in ``stats.counters``: ``survivor:<family>`` for kept cluster survivors and
    ``<kind>:<family>`` for removed duplicates.
    """

    name: ClassVar[str] = "deduplicate"
    version: ClassVar[int] = 1

    def __init__(
        self, config: DedupConfig, decisions: Mapping[str, DuplicateDecision] | DedupResult
    ) -> None:
        super().__init__(config)
        self.decisions = decisions.decisions if isinstance(decisions, DedupResult) else decisions

    def apply(self, record: Record) -> Outcome:
        decision = self.decisions.get(record.metadata.id)
        if decision is not None:
            self.stats.counters[f"{decision.kind}:{record.metadata.family}"] += 1
        return to_outcome(record, decision)
