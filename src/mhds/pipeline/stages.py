"""Per-shard work units of a build: picklable, resumable, deterministic.

Each unit first proves its input shard is what ingest wrote (the shard provenance of the
ingest manifest: hash, size, record ids, sources), then reads it, runs the per-record steps,
writes one output shard plus its quarantine and statistics, and finally a done marker. A rerun
skips units whose marker exists (and names the same output and the same re-admissions), so a
killed build resumes where it stopped.

A PII quarantine entry names the record (id, source, content hash as it came in), the
processed shard that holds its raw text, and the reason; never the text itself. Records a
reviewer re-admitted (``mhds quarantine readmit``) reach the PII step through ``readmitted``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec

from mhds.crisis.safety import SafetyChecker
from mhds.crisis.screening import SafetyConfig, SafetyStep, load_checker
from mhds.errors import ShardError
from mhds.ingest.processed import iter_shard_records
from mhds.records import codec
from mhds.steps.base import Outcome
from mhds.steps.bias import BiasAnnotation, annotate
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.step import PIIRedactor
from mhds.steps.provenance import (
    ProvenanceIssue,
    ProvenanceReason,
    ShardProvenance,
    verify_shard_provenance,
)
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import JsonlWriter, iter_jsonl

# One loaded PII engine per worker process and config: spaCy loads once, not once per shard.
_ENGINES: dict[str, PIIEngine] = {}
# One safety checker per worker process and config (the library and rules parse once).
_CHECKERS: dict[str, SafetyChecker] = {}


@dataclass(frozen=True)
class RecordStepsUnit:
    """Run the per-record steps over one processed shard."""

    store: Store
    input_key: str
    output_key: str
    quarantine_key: str
    done_key: str
    pii: PIIConfig
    # The input shard's provenance from the ingest manifest (None: ingest recorded none).
    provenance: dict[str, Any] | None = None
    # Re-admitted records of this unit's source as (record id, content hash as quarantined,
    # reviewed finding) triples, from ``mhds.quarantine.load_readmissions``.
    readmitted: tuple[tuple[str, str, str], ...] = ()
    # The safety screen after PII (``mhds.crisis.screening``): its config and the families
    # of the registry it scores (none: no screen).
    safety: SafetyConfig | None = None
    safety_families: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.input_key


def run_record_steps(unit: RecordStepsUnit) -> dict[str, Any]:
    """Redact one shard; return its summary (counts only). Skips a shard already done."""
    store = unit.store
    readmitted = readmissions_digest(unit.readmitted)
    screen = _screen_for(unit)
    screen_digest = screen.config_hash if screen is not None else None
    if store.exists(unit.done_key):
        summary: dict[str, Any] = codec.loads(store.read_bytes(unit.done_key))
        if (
            summary.get("output_key") == unit.output_key
            and summary.get("readmitted") == readmitted
            and summary.get("safety") == screen_digest
            and store.exists(unit.output_key)
            and store.exists(annotations_key(unit.output_key))
            and _carry_quarantine(store, summary, unit.quarantine_key)
        ):
            summary["resumed"] = True
            return summary
    issues = _input_issues(unit)
    # A step of this unit's own (its stats and decisions) around the worker's
    # loaded engine: units never share mutable state, even on a threaded worker.
    step = PIIRedactor(
        unit.pii,
        engine=_engine_for(unit.pii),
        readmitted={(i, h): finding for i, h, finding in unit.readmitted},
    )
    held: list[tuple[str, Outcome]] = []
    records = step.run(
        iter_shard_records(store, unit.input_key), lambda o: held.append((step.name, o))
    )
    if screen is not None:
        records = screen.run(records, lambda o: held.append((screen.name, o)))
    # Each kept record's bias annotation is made here, on the worker, from the text that
    # ships; compile reads it back instead of annotating in the driver.
    notes_key = annotations_key(unit.output_key)
    with JsonlWriter(store, unit.output_key) as writer, JsonlWriter(store, notes_key) as notes:
        for record in records:
            writer.write_line(record.to_json())
            notes.write([record.metadata.id, *annotate(record).to_row()])
    if held:
        with JsonlWriter(store, unit.quarantine_key) as quarantine:
            for name, outcome in held:
                quarantine.write(_quarantine_entry(outcome, name, unit.input_key))
    summary = {
        "input_key": unit.input_key,
        "output_key": unit.output_key,
        "records": writer.records,
        "bytes": writer.bytes_written,
        "sha256": writer.sha256,
        "quarantine_key": unit.quarantine_key if held else None,
        "stats": step.stats.to_dict(),
        "safety": screen_digest,
        "safety_stats": screen.stats.to_dict() if screen is not None else None,
        "provenance_issues": [msgspec.to_builtins(issue) for issue in issues],
        "readmitted": readmitted,
        "resumed": False,
    }
    store.write_bytes(unit.done_key, codec.dumps(summary, indent=True))
    return summary


def _carry_quarantine(store: Store, summary: dict[str, Any], key: str) -> bool:
    """Copy the quarantine lines of the reused work (an earlier build's) to this build's
    quarantine ``key``, so that every build lists what it held. False when they are gone
    (the work is then done again)."""
    held = summary.get("quarantine_key")
    if held is None or held == key:
        return True
    if not store.exists(held):
        return False
    store.write_bytes(key, store.read_bytes(held))
    summary["quarantine_key"] = key
    return True


def annotations_key(shard_key: str) -> str:
    """Where the record steps put the bias annotations of a staged shard's records."""
    return shard_key.removesuffix(".jsonl.zst") + ".bias.jsonl.zst"


def read_annotations(store: Store, shard_key: str) -> dict[str, BiasAnnotation]:
    """The bias annotations of a staged shard's records, by record id.

    Raises:
        ShardError: a line does not decode (the record steps wrote it: a defect).
    """
    notes: dict[str, BiasAnnotation] = {}
    for line, item in iter_jsonl(store, annotations_key(shard_key), limits=OWN_OUTPUT):
        if isinstance(item, Exception):
            raise ShardError(f"annotation line {line} does not decode", shard=shard_key)
        notes[str(item[0])] = BiasAnnotation.from_row(item[1:])
    return notes


def readmissions_digest(readmitted: tuple[tuple[str, str, str], ...]) -> str | None:
    """A digest of re-admission decisions (None when there are none), order-free: a done
    marker written under other decisions is not reused."""
    if not readmitted:
        return None
    body = codec.canonical_json(sorted([list(decision) for decision in readmitted]))
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _quarantine_entry(outcome: Outcome, step: str, shard_key: str) -> dict[str, Any]:
    """One PII quarantine line: where the record is and why it is held (never its text).

    ``content_hash`` is the hash of the record as it came into the step, the one a
    re-admission decision must name; ``shard_key`` is the processed shard with its raw text.
    """
    metadata = outcome.record.metadata
    return {
        "id": metadata.id,
        "source_id": metadata.source_id,
        "source_key": metadata.source_key,
        "locator": metadata.provenance.locator,
        "shard_key": shard_key,
        "content_hash": metadata.content_hash,
        "step": step,
        "reason": outcome.reason,
        "field": outcome.field,
        "detail": outcome.detail,
    }


def _input_issues(unit: RecordStepsUnit) -> list[ProvenanceIssue]:
    """Re-read the input shard against its ingest provenance (record checks are the gate's)."""
    if unit.provenance is None:
        field = "ingest manifest: provenance"
        return [ProvenanceIssue(None, ProvenanceReason.RECORD_NOT_COVERED, field, unit.input_key)]
    try:
        provenance = msgspec.convert(unit.provenance, ShardProvenance)
    except msgspec.ValidationError:
        field = "ingest manifest: provenance"
        return [ProvenanceIssue(None, ProvenanceReason.MALFORMED_RECORD, field, unit.input_key)]
    if provenance.shard_key != unit.input_key:
        field = "ingest manifest: shard_key"
        return [ProvenanceIssue(None, ProvenanceReason.RECORD_NOT_COVERED, field, unit.input_key)]
    return verify_shard_provenance(unit.store, provenance, registry=None)


def issues_from_summary(summary: dict[str, Any]) -> list[ProvenanceIssue]:
    """The provenance issues a unit's summary recorded (none for summaries without any)."""
    return [msgspec.convert(i, ProvenanceIssue) for i in summary.get("provenance_issues", [])]


def _screen_for(unit: RecordStepsUnit) -> SafetyStep | None:
    """A fresh safety step of the unit (None when it screens nothing), around the worker's
    loaded checker."""
    if unit.safety is None:
        return None
    if unit.safety.library is not None or unit.safety.rules is not None:
        # Files in the store may change between builds: read them for every unit.
        return SafetyStep(unit.safety, load_checker(unit.store, unit.safety), unit.safety_families)
    key = codec.canonical_json(unit.safety.model_dump(mode="json")).decode()
    if key not in _CHECKERS:
        _CHECKERS[key] = load_checker(unit.store, unit.safety)
    return SafetyStep(unit.safety, _CHECKERS[key], unit.safety_families)


def _engine_for(config: PIIConfig) -> PIIEngine:
    key = codec.canonical_json(config.model_dump(mode="json")).decode()
    if key not in _ENGINES:
        engine = PIIEngine(config)
        engine.setup()
        _ENGINES[key] = engine
    return _ENGINES[key]
