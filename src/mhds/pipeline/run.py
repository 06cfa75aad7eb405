"""``mhds build``: registry + store -> a gated, immutable release, or nothing at all.

Stages: ingest (unchanged sources are reused) -> per-record steps per shard (PII) ->
de-duplication (map / shuffle / reduce through the store) -> links (the same search over the
survivors: pairs it finds share a split) -> group-aware splits -> compile into an unpublished
release folder -> gates -> publish (manifest last, write-once) or abort (the folder's objects
are removed). Per-shard stages keep done markers under ``work/<build-key>/``, so a killed build
resumes without redoing finished shards; the build key hashes the inputs and the config, so the
same inputs and config give the same release content. The funnel (per source: read,
quarantined, reviewed, removed as duplicates, released) is counted on the way and must add up.

The searches live in ``search.py``, the gates in ``gating.py``.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mhds import __version__
from mhds.audit import AuditLog
from mhds.engine.base import Executor, InlineExecutor
from mhds.errors import ConfigError, MhdsError
from mhds.gates.base import Verdict, Waiver, check_waiver_scopes, unused_waivers
from mhds.gates.distribution import DistributionStats
from mhds.ingest import ingest_sources, ingestible_sources
from mhds.ingest.processed import read_manifest
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.gating import GATES, GateContext, applied_waivers, gate_decision, run_gates
from mhds.pipeline.search import (
    clear_scratch,
    records_of,
    search_config,
    search_duplicates,
    write_survivors,
)
from mhds.pipeline.stages import (
    RecordStepsUnit,
    issues_from_summary,
    readmissions_digest,
    run_record_steps,
)
from mhds.quarantine import load_readmissions
from mhds.records import codec
from mhds.records.hashing import stable_id
from mhds.registry.load import registry_hash
from mhds.registry.schema import Registry
from mhds.release.curriculum import build_curriculum, curriculum_yaml
from mhds.release.publish import ReleaseWriter
from mhds.release.version import (
    latest_version,
    list_unpublished,
    list_versions,
    next_version,
)
from mhds.reports import (
    ReleaseReport,
    render_overview,
    write_gate_reports,
    write_release_report,
)
from mhds.reports.funnel import Funnel
from mhds.steps.base import StepStats
from mhds.steps.dedup.cluster import DedupResult
from mhds.steps.provenance import ProvenanceIssue, ProvenanceReason
from mhds.steps.split import GroupSplitter, apply_split
from mhds.store.base import Store
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
COMPILE_TICK = 10_000  # records between progress reports while compiling


class GateFailure(MhdsError):
    """A gate failed or errored without a waiver: nothing was published. Carries the
    verdicts, the funnel and the unused waivers so that a caller can show them."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        failed: list[str],
        reports: str,
        verdicts: list[Verdict] | None = None,
        funnel: tuple[dict[str, Any], ...] = (),
        unused_waivers: list[Waiver] | None = None,
    ) -> None:
        super().__init__(
            message,
            failed=failed,
            reports=reports,
            verdicts=verdicts or [],
            funnel=funnel,
            unused_waivers=unused_waivers or [],
        )
        self.failed = failed
        self.reports = reports
        self.verdicts = verdicts or []
        self.funnel = funnel
        self.unused_waivers = unused_waivers or []


@dataclass
class BuildResult:
    """What a build did (counts, keys; never text).

    ``resumed`` lists the input shards whose per-record steps an earlier, interrupted build
    of the same inputs and config had finished (their done markers were reused).
    """

    build_id: str
    build_key: str
    version: str | None = None
    published: bool = False
    verdicts: list[Verdict] = field(default_factory=list)
    reports: str = ""
    audit_key: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)
    # Wall seconds per stage, in order: ingest, pii, dedup, links, splits, compile, gates,
    # publish.
    seconds: dict[str, float] = field(default_factory=dict)
    # Waivers of the release config that covered no failure (reported, never silent).
    unused_waivers: list[Waiver] = field(default_factory=list)
    # Per source: items read -> quarantined -> reviewed -> duplicates -> released
    # (``SourceFunnel.to_dict`` rows).
    funnel: tuple[dict[str, Any], ...] = ()


class _Laps:
    """Wall time per stage: each ``lap(name)`` books the time since the previous lap."""

    def __init__(self, into: dict[str, float]) -> None:
        self._into = into
        self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self._into[stage] = round(now - self._last, 3)
        self._last = now


@dataclass
class _StepsOutcome:
    """What the per-record steps produced: staged shards, merged stats, input issues."""

    staged: list[str]
    stats: StepStats
    issues: list[ProvenanceIssue]
    resumed: list[str]
    # source id -> records sent to review, by reason
    review: dict[str, Counter[str]]


def build_release(
    store: Store,
    registry: Registry,
    config: BuildConfig | None = None,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> BuildResult:
    """Build, gate and publish one release. See the module docstring.

    Raises:
        GateFailure: a gate failed or errored without a waiver (reports are written).
        ConfigError, StoreError, ShardError: the build could not run.
    """
    config = config or BuildConfig()
    check_waiver_scopes(config.waivers, GATES, (family.name for family in registry.families))
    _check_previous(store, registry, config.previous_release)
    executor = executor or InlineExecutor()
    tick = progress or (lambda stage, done, total: None)
    build_id = new_build_id()
    audit = AuditLog.open(store, join_key(registry.layout.audit, f"build-{build_id}.jsonl"))
    result = BuildResult(build_id, "", audit_key=audit.key)
    lap = _Laps(result.seconds)

    sources = ingestible_sources(registry, config.ingest)
    ingest_sources(
        store,
        registry,
        sources,
        config=config.ingest,
        build_id=build_id,
        audit=audit,
        progress=lambda s, n: tick(f"ingest {s}", n, None),
    )
    shards, funnel = _ingested(store, registry, sources)
    readmitted = tuple(sorted(load_readmissions(store, registry.layout).items()))
    lap("ingest")
    decisions = readmissions_digest(readmitted)  # None without decisions: keys stay as they were
    result.build_key = stable_id(
        config.output_hash(),
        registry_hash(registry),
        *[s["sha256"] for _, s in shards],
        *([decisions] if decisions else []),
    )
    work = join_key("work", result.build_key)

    steps = _record_steps(
        store, registry, config, executor, shards, readmitted, work, build_id, tick
    )
    for source_id, quarantined in steps.review.items():
        funnel.source(source_id).review.update(quarantined)
    staged, pii_stats = steps.staged, steps.stats
    lap("pii")
    result.resumed = steps.resumed
    audit.append(
        "record_steps",
        inputs=[s["key"] for _, s in shards],
        outputs=staged,
        counts={
            "records": pii_stats.kept,
            "input_provenance_issues": len(steps.issues),
            "readmissions": len(readmitted),
            "readmitted": sum(
                n for k, n in pii_stats.counters.items() if k.startswith("readmitted:")
            ),
            **_prefixed("quarantined", pii_stats),
        },
        config_hash=config.output_hash(),
    )
    dedup = search_duplicates(
        store, registry, config, executor, staged, join_key(work, "dedup"), tick, "dedup"
    )
    audit.append(
        "dedup",
        inputs=staged,
        counts={"duplicates": sum(1 for _ in dedup.duplicates())},
        decisions={"clusters": dedup.clusters},
        config_hash=config.output_hash(),
    )

    survivors = write_survivors(store, staged, dedup, join_key(work, "survivors"), funnel)
    lap("dedup")
    links = (
        search_duplicates(
            store,
            registry,
            search_config(config),
            executor,
            survivors,
            join_key(work, "links"),
            tick,
            "links",
        )
        if config.keep_duplicates_together
        else None
    )
    if links is not None:
        audit.append(
            "links",
            inputs=survivors,
            counts={"pairs_kept_in_one_split": sum(1 for _ in links.duplicates())},
            config_hash=config.output_hash(),
        )
    lap("links")
    assignment = _assign_splits(store, registry, config, survivors, links)
    lap("splits")
    previous = config.previous_release or latest_version(store, registry.layout.releases)
    version = _version_for(store, registry, work, today)
    result.version = version
    try:
        with ReleaseWriter(
            store,
            registry.layout.releases,
            version,
            max_shard_bytes=config.max_shard_bytes,
            max_shard_records=config.max_shard_records,
        ) as writer:
            stats = DistributionStats.for_registry(registry)
            metas: list[tuple[str, str]] = []
            for record in records_of(store, survivors):
                record = apply_split(record, assignment)
                writer.write(record)
                stats.add(record)
                metas.append((record.metadata.id, record.metadata.content_hash))
                funnel.source(record.metadata.source_id).released[str(record.metadata.split)] += 1
                if len(metas) % COMPILE_TICK == 0:
                    tick("compile", len(metas), None)
            tick("compile", len(metas), len(metas))
            writer.flush()
            result.funnel = funnel.to_dicts()
            audit.append("funnel", decisions={"sources": list(result.funnel)})
            lap("compile")
            tick("gates", 0, len(GATES))
            verdicts = run_gates(
                GateContext(store, registry, config, executor, writer.folder, work, tick),
                assignment,
                metas,
                stats,
                pii_stats,
                previous,
                steps.issues + _unaccounted_issues(funnel),
            )
            result.verdicts = verdicts
            tick("gates", len(GATES), len(GATES))
            lap("gates")
            result.counts = {
                "records": len(metas),
                "duplicates_removed": sum(1 for _ in dedup.duplicates()),
                "pii_quarantined": sum(pii_stats.quarantined.values()),
            }
            failed = [v.gate for v in verdicts if not v.passed]
            applied = applied_waivers(verdicts)
            result.unused_waivers = unused_waivers(config.waivers, verdicts)
            report = ReleaseReport.build(
                version,
                verdicts,
                stats,
                funnel=result.funnel,
                unused_waivers=result.unused_waivers,
            )
            audit.append(
                "gates",
                counts=result.counts,
                decisions={
                    **{v.gate: gate_decision(v) for v in verdicts},
                    "unused_waivers": [w.model_dump() for w in result.unused_waivers],
                },
                waivers=[w.model_dump() for w in applied],
            )
            if failed:
                writer.abort()
                reports = join_key("builds", build_id, "reports")
                write_gate_reports(store, reports, verdicts)
                write_release_report(store, reports, report)
                result.reports = reports
                raise GateFailure(
                    f"nothing published: gate(s) {', '.join(failed)} did not pass "
                    f"(reports: {store.url_for(reports)})",
                    failed=failed,
                    reports=reports,
                    verdicts=verdicts,
                    funnel=result.funnel,
                    unused_waivers=result.unused_waivers,
                )
            curriculum = build_curriculum(registry, writer.counts)
            writer.add_file("curriculum.yaml", curriculum_yaml(curriculum))
            for verdict in verdicts:
                writer.add_file(
                    f"reports/{verdict.gate}.json", codec.dumps(verdict.to_dict(), indent=True)
                )
                writer.add_file(f"reports/{verdict.gate}.md", verdict.to_markdown().encode())
            writer.add_file(
                "reports/distribution-stats.json", codec.dumps(stats.to_dict(), indent=True)
            )
            writer.add_file("reports/overview.html", render_overview(report).encode())
            audit.append(
                "publish",
                outputs=[store.url_for(writer.folder.rstrip("/"))],
                decisions={"version": version, "previous_release": previous},
            )
            writer.add_file("audit.jsonl", store.read_bytes(audit.key))
            writer.publish(
                code_version=__version__,
                registry_hash=registry_hash(registry),
                config_hash=config.output_hash(),
                holdout_families=tuple(
                    f.name for f in registry.families if f.holdout == "test_only"
                ),
                gates=verdicts,
                waivers=applied,
                previous_release=previous,
                audit_head=audit.head,
                funnel=result.funnel,
            )
    finally:
        clear_scratch(store, work)
    result.published = True
    result.reports = join_key(writer.folder, "reports")
    lap("publish")
    return result


def new_build_id() -> str:
    """A unique build id: UTC time to the second, then random hex (two builds started in the
    same second must not share an audit log, a quarantine folder or a reports folder)."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def _check_previous(store: Store, registry: Registry, previous: str | None) -> None:
    """Refuse, before any work, a previous release to compare against that is not published."""
    if previous is None:
        return
    published = list_versions(store, registry.layout.releases)
    if previous not in published:
        where = store.url_for(registry.layout.releases.rstrip("/"))
        raise ConfigError(
            f"previous release {previous!r} is not published in {where} "
            f"(published: {', '.join(published) or 'none'})"
        )


def _ingested(
    store: Store, registry: Registry, sources: list[str]
) -> tuple[list[tuple[str, dict[str, Any]]], Funnel]:
    """The processed shards of ``sources`` (each with its source id), and the funnel as
    ingest left it (records, and items quarantined by reason, from each ingest manifest)."""
    shards: list[tuple[str, dict[str, Any]]] = []
    funnel = Funnel()
    for source_id in sorted(sources):
        manifest = read_manifest(store, registry, source_id)
        source = registry.source(source_id)
        row = funnel.source(source_id, source.family, source.license)
        row.records = int(manifest["records"])
        row.quarantined.update(manifest.get("quarantine_reasons", {}))
        shards.extend((source_id, shard) for shard in manifest["shards"])
    return shards, funnel


def _record_steps(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    shards: list[tuple[str, dict[str, Any]]],
    readmitted: tuple[tuple[str, str], ...],
    work: str,
    build_id: str,
    tick: Progress,
) -> _StepsOutcome:
    units = [
        RecordStepsUnit(
            store=store,
            input_key=shard["key"],
            output_key=join_key(work, "stage", f"part-{n:05d}.jsonl.zst"),
            quarantine_key=join_key(registry.layout.quarantine, build_id, f"pii-{n:05d}.jsonl"),
            done_key=join_key(work, "stage", f"part-{n:05d}.done.json"),
            pii=config.pii,
            provenance=shard.get("provenance"),
            readmitted=readmitted,
        )
        for n, (_, shard) in enumerate(shards)
    ]
    summaries = executor.map(run_record_steps, units, on_done=lambda n: tick("pii", n, len(units)))
    stats = StepStats("pii_redact")
    issues: list[ProvenanceIssue] = []
    resumed: list[str] = []
    review: dict[str, Counter[str]] = {}
    for (source_id, _), summary in zip(shards, summaries, strict=True):
        review.setdefault(source_id, Counter()).update(summary["stats"]["quarantined"])
        issues += issues_from_summary(summary)
        if summary.get("resumed"):
            resumed.append(str(summary["input_key"]))
        part = summary["stats"]
        stats.merge(
            StepStats(
                "pii_redact",
                part["seen"],
                part["kept"],
                Counter(part["quarantined"]),
                Counter(part["counters"]),
            )
        )
    return _StepsOutcome([u.output_key for u in units], stats, issues, resumed, review)


def _assign_splits(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    survivors: list[str],
    links: DedupResult | None,
) -> Any:
    """Splits of the surviving records; each pair the search after de-duplication found
    shares one split (``keep_duplicates_together``)."""
    splitter = GroupSplitter(config.split)
    for record in records_of(store, survivors):
        splitter.add_metadata(record)
    for decision in links.duplicates() if links is not None else ():
        splitter.link(decision.survivor_id, decision.id)
    return splitter.assign(registry)


def _version_for(store: Store, registry: Registry, work: str, today: date | None) -> str:
    """Resume the version an interrupted build of the same inputs started, else the next."""
    state_key = join_key(work, "version.json")
    if store.exists(state_key):
        version = str(codec.loads(store.read_bytes(state_key))["version"])
        if version in list_unpublished(store, registry.layout.releases):
            return version
    version = next_version(store, registry.layout.releases, today or datetime.now(UTC).date())
    store.write_bytes(state_key, codec.dumps({"version": version}))
    return version


def _unaccounted_issues(funnel: Funnel) -> list[ProvenanceIssue]:
    """A provenance issue per source whose records do not add up (ingested = reviewed +
    duplicates + released): the provenance gate fails the build, with reports."""
    return [
        ProvenanceIssue(None, ProvenanceReason.RECORDS_UNACCOUNTED, f"funnel: {source} ({n:+d})")
        for source, n in sorted(funnel.unaccounted().items())
    ]


def _prefixed(prefix: str, stats: StepStats) -> dict[str, int]:
    return {f"{prefix}:{k}": v for k, v in sorted(stats.quarantined.items())}
