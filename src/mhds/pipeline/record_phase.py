"""The per-record phase of a build: one unit per processed shard (PII, the safety screen, the
bias annotation; ``stages.run_record_steps``), each keyed by everything its output depends on
(``steps_key``), so a later build reuses the work of every shard that has not changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any

from mhds import __version__
from mhds.engine.base import Executor
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.search import Progress
from mhds.pipeline.stages import (
    RecordStepsUnit,
    issues_from_summary,
    readmissions_digest,
    run_record_steps,
)
from mhds.records import codec
from mhds.records.hashing import stable_id
from mhds.registry.schema import Registry
from mhds.steps.base import StepStats
from mhds.steps.bias import ANNOTATION_VERSION
from mhds.steps.pii.step import pii_identity
from mhds.steps.provenance import ProvenanceIssue
from mhds.store.base import Store
from mhds.store.uri import join_key

# The per-shard work of the record steps, by key (``steps_key``): kept between builds.
STEPS_CACHE = "work/steps"


@dataclass
class StepsOutcome:
    """What the per-record steps produced: staged shards, merged stats, input issues."""

    staged: list[str]
    stats: StepStats = field(default_factory=lambda: StepStats("pii_redact"))
    issues: list[ProvenanceIssue] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    # source id -> records sent to PII review, by reason
    review: dict[str, Counter[str]] = field(default_factory=dict)
    # sha256 over every staged shard's hash: what the whole-corpus phases' done markers name
    digest: str = ""
    # The safety screen's counts (``mhds.crisis.screening``) and the families it scored.
    safety: StepStats = field(default_factory=lambda: StepStats("safety"))
    safety_families: tuple[str, ...] = ()
    # source id -> records the safety screen quarantined, by reason
    safety_review: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, source_id: str, summary: dict[str, Any]) -> None:
        """Merge the summary of one unit (``run_record_steps``) over a shard of ``source_id``."""
        self.review.setdefault(source_id, Counter()).update(summary["stats"]["quarantined"])
        self.issues += issues_from_summary(summary)
        if summary.get("resumed"):
            self.resumed.append(str(summary["input_key"]))
        self.stats.merge(_step_stats("pii_redact", summary["stats"]))
        if summary.get("safety_stats"):
            screened = _step_stats("safety", summary["safety_stats"])
            self.safety_review.setdefault(source_id, Counter()).update(screened.quarantined)
            self.safety.merge(screened)


def record_steps(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    shards: list[tuple[str, dict[str, Any]]],
    readmitted: list[tuple[str, str, str]],
    work: str,
    build_id: str,
    tick: Progress,
    *,
    reuse: bool = True,
) -> StepsOutcome:
    """The per-record steps over every processed shard, one unit each. With ``reuse`` a
    unit's output lives under ``work/steps/<key>/``, where the key hashes everything the
    output depends on (``steps_key``), so a later build reuses the work of every shard that
    has not changed (PII runs only on new or changed sources); without it (``mhds build
    --full``), under this build's own work folder."""
    safety_families = config.safety.scored_families(frozenset(f.name for f in registry.families))
    units = []
    for n, (source_id, shard) in enumerate(shards):
        own = tuple(d for d in readmitted if d[0].startswith(f"{source_id}-"))
        if reuse:
            folder = join_key(STEPS_CACHE, steps_key(shard, own, config, safety_families))
            output, done = join_key(folder, "part.jsonl.zst"), join_key(folder, "done.json")
        else:
            output = join_key(work, "stage", f"part-{n:05d}.jsonl.zst")
            done = join_key(work, "stage", f"part-{n:05d}.done.json")
        units.append(
            RecordStepsUnit(
                store=store,
                input_key=shard["key"],
                output_key=output,
                quarantine_key=join_key(registry.layout.quarantine, build_id, f"pii-{n:05d}.jsonl"),
                done_key=done,
                pii=config.pii,
                provenance=shard.get("provenance"),
                readmitted=own,
                safety=config.safety,
                safety_families=safety_families,
            )
        )
    summaries = executor.map(run_record_steps, units, on_done=lambda n: tick("pii", n, len(units)))
    outcome = StepsOutcome(
        [u.output_key for u in units],
        digest=stable_id(*(str(summary["sha256"]) for summary in summaries)),
        safety_families=safety_families,
    )
    for (source_id, _), summary in zip(shards, summaries, strict=True):
        outcome.add(source_id, summary)
    return outcome


def steps_key(
    shard: dict[str, Any],
    readmitted: tuple[tuple[str, str, str], ...],
    config: BuildConfig,
    safety_families: tuple[str, ...],
) -> str:
    """The key of one shard's per-record work: the input shard's bytes and provenance, the
    PII step's identity (version, packaged data) and config, the bias annotation's version,
    the safety screen's config and families, the re-admission decisions, the code version
    and the versions of the libraries and model that decide the output (``_library_versions``).
    (A safety library or rules file in the store is hashed by the unit itself, whose done
    marker names it.)"""
    return stable_id(
        "record-steps",
        __version__,
        _library_versions(config.pii.spacy_model),
        str(shard["sha256"]),
        codec.canonical_json(shard.get("provenance")).decode(),
        pii_identity(),
        codec.canonical_json(config.pii.model_dump(mode="json")).decode(),
        f"bias:{ANNOTATION_VERSION}",
        codec.canonical_json(config.safety.model_dump(mode="json")).decode(),
        ",".join(safety_families),
        readmissions_digest(readmitted) or "",
        length=32,
    )


@cache
def _library_versions(model: str) -> str:
    """The installed versions of what the per-record steps' output depends on besides mhds:
    spaCy and its model (NER), phonenumbers (phones), detect-secrets (credentials),
    vaderSentiment (the bias annotation's tone). A new version redoes the work."""
    names = ("spacy", model, "phonenumbers", "detect-secrets", "vaderSentiment")
    versions = []
    for name in names:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=absent")
    return ",".join(versions)


def prune_steps_cache(store: Store, used: list[str]) -> int:
    """Remove the per-shard work that this build did not use (``used``: its staged shards),
    so the cache holds one build's work; returns the objects removed. Called once a build has
    ended in a decision (under the lease: no other build uses the cache meanwhile)."""
    keep = {key.rsplit("/", 1)[0] + "/" for key in used}
    stale = [
        info.key
        for info in store.list(STEPS_CACHE + "/")
        if info.key.rsplit("/", 1)[0] + "/" not in keep
    ]
    store.delete_many(stale)
    return len(stale)


def _step_stats(name: str, part: dict[str, Any]) -> StepStats:
    return StepStats(
        name, part["seen"], part["kept"], Counter(part["quarantined"]), Counter(part["counters"])
    )
