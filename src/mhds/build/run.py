"""``mhds build``: registry + store -> a gated, immutable release, or nothing at all.

Stages: ingest (unchanged sources are reused) -> per-record steps per shard (PII) ->
de-duplication (map / shuffle / reduce through the store) -> group-aware splits -> compile
into an unpublished release folder -> gates -> publish (manifest last, write-once) or abort.
Per-shard stages keep done markers under ``work/<build-key>/``, so a killed build resumes
without redoing finished shards; the build key hashes the inputs and the config, so the same
inputs and config give the same release content.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mhds import __version__
from mhds.audit import AuditLog
from mhds.build.config import BuildConfig
from mhds.build.policy import ReleasePIIGate
from mhds.build.stages import (
    RecordStepsUnit,
    issues_from_summary,
    run_record_steps,
)
from mhds.build.units import DedupUnit, run_dedup_unit
from mhds.engine.base import Executor, InlineExecutor
from mhds.errors import ConfigError, MhdsError
from mhds.gates.base import Verdict
from mhds.gates.coverage import CoverageGate
from mhds.gates.distribution import DistributionGate, DistributionStats
from mhds.gates.leakage import DuplicatePair, LeakageGate, exact_pairs_across
from mhds.gates.provenance import ProvenanceGate
from mhds.ingest import ingest_sources, ingestible_sources
from mhds.ingest.processed import iter_shard_records, read_manifest
from mhds.records import codec
from mhds.records.hashing import stable_id
from mhds.records.schema import Record
from mhds.registry.coverage import compute_coverage
from mhds.registry.inventory import take_inventory
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
from mhds.steps.base import StepStats
from mhds.steps.dedup.cluster import DedupResult, cluster
from mhds.steps.dedup.layout import clear_workdir
from mhds.steps.provenance import ProvenanceIssue
from mhds.steps.split import GroupSplitter, apply_split
from mhds.store.base import Store
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]


class GateFailure(MhdsError):
    """A gate failed or errored without a waiver: nothing was published."""

    exit_code = 5

    def __init__(self, message: str, *, failed: list[str], reports: str) -> None:
        super().__init__(message, failed=failed, reports=reports)
        self.failed = failed
        self.reports = reports


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


@dataclass
class _StepsOutcome:
    """What the per-record steps produced: staged shards, merged stats, input issues."""

    staged: list[str]
    stats: StepStats
    issues: list[ProvenanceIssue]
    resumed: list[str]


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
    _check_previous(store, registry, config.previous_release)
    executor = executor or InlineExecutor()
    tick = progress or (lambda stage, done, total: None)
    build_id = new_build_id()
    audit = AuditLog.open(store, join_key(registry.layout.audit, f"build-{build_id}.jsonl"))
    result = BuildResult(build_id, "", audit_key=audit.key)

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
    shards = _processed_shards(store, registry, sources)
    result.build_key = stable_id(
        config.output_hash(), registry_hash(registry), *[s["sha256"] for s in shards]
    )
    work = join_key("work", result.build_key)

    steps = _record_steps(store, registry, config, executor, shards, work, build_id, tick)
    staged, pii_stats = steps.staged, steps.stats
    result.resumed = steps.resumed
    audit.append(
        "record_steps",
        inputs=[s["key"] for s in shards],
        outputs=staged,
        counts={
            "records": pii_stats.kept,
            "input_provenance_issues": len(steps.issues),
            **_prefixed("quarantined", pii_stats),
        },
        config_hash=config.output_hash(),
    )
    dedup = _dedup(store, registry, config, executor, staged, join_key(work, "dedup"), tick)
    audit.append(
        "dedup",
        inputs=staged,
        counts={"duplicates": sum(1 for _ in dedup.duplicates())},
        decisions={"clusters": dedup.clusters},
        config_hash=config.output_hash(),
    )

    assignment = _assign_splits(store, registry, config, staged, dedup)
    previous = config.previous_release or latest_version(store, registry.layout.releases)
    version = _version_for(store, registry, work, today)
    result.version = version
    with ReleaseWriter(
        store,
        registry.layout.releases,
        version,
        max_shard_bytes=config.max_shard_bytes,
        max_shard_records=config.max_shard_records,
    ) as writer:
        stats = DistributionStats.for_registry(registry)
        metas: list[tuple[str, str]] = []
        for record in _survivors(store, staged, dedup):
            record = apply_split(record, assignment)
            writer.write(record)
            stats.add(record)
            metas.append((record.metadata.id, record.metadata.content_hash))
        tick("compile", len(metas), len(metas))
        writer.flush()
        near = _near_pairs_in(
            store, registry, config, executor, writer.folder, join_key(work, "leakage"), tick
        )
        verdicts = _run_gates(
            store,
            registry,
            config,
            writer.folder,
            assignment,
            metas,
            stats,
            pii_stats,
            previous,
            near,
            steps.issues,
        )
        result.verdicts = verdicts
        result.counts = {
            "records": len(metas),
            "duplicates_removed": sum(1 for _ in dedup.duplicates()),
            "pii_quarantined": sum(pii_stats.quarantined.values()),
        }
        report = ReleaseReport.build(version, verdicts, stats)
        failed = [v.gate for v in verdicts if not v.passed]
        audit.append(
            "gates",
            counts=result.counts,
            decisions={v.gate: v.status.value for v in verdicts},
            waivers=[v.waiver.model_dump() for v in verdicts if v.waiver],
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
            holdout_families=tuple(f.name for f in registry.families if f.holdout == "test_only"),
            gates=verdicts,
            waivers=[v.waiver for v in verdicts if v.waiver],
            previous_release=previous,
            audit_head=audit.head,
        )
    result.published = True
    result.reports = join_key(writer.folder, "reports")
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


def _processed_shards(store: Store, registry: Registry, sources: list[str]) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = []
    for source_id in sorted(sources):
        shards.extend(read_manifest(store, registry, source_id)["shards"])
    return shards


def _record_steps(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    shards: list[dict[str, Any]],
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
        )
        for n, shard in enumerate(shards)
    ]
    summaries = executor.map(run_record_steps, units, on_done=lambda n: tick("pii", n, len(units)))
    stats = StepStats("pii_redact")
    issues: list[ProvenanceIssue] = []
    resumed: list[str] = []
    for summary in summaries:
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
    return _StepsOutcome([u.output_key for u in units], stats, issues, resumed)


def _dedup(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    staged: list[str],
    workdir: str,
    tick: Progress,
) -> DedupResult:
    cfg = config.dedup
    clear_workdir(store, workdir)
    shard_units = [
        DedupUnit(store, workdir, "map", cfg, shard_id=f"{n:05d}", shard_key=key)
        for n, key in enumerate(staged)
    ]
    executor.map(run_dedup_unit, shard_units, on_done=lambda n: tick("dedup map", n, None))
    buckets = [DedupUnit(store, workdir, "reduce", cfg, bucket=b) for b in range(cfg.buckets)]
    executor.map(run_dedup_unit, buckets, on_done=lambda n: tick("dedup reduce", n, None))
    if cfg.near:
        fetch = [DedupUnit(store, workdir, "fetch", cfg, shard_id=u.shard_id) for u in shard_units]
        executor.map(run_dedup_unit, fetch)
        verify = [DedupUnit(store, workdir, "verify", cfg, bucket=b) for b in range(cfg.buckets)]
        executor.map(run_dedup_unit, verify)
    priorities = {f.name: f.priority for f in registry.families}
    return cluster(store, workdir, cfg, priorities)


def _assign_splits(
    store: Store, registry: Registry, config: BuildConfig, staged: list[str], dedup: DedupResult
) -> Any:
    splitter = GroupSplitter(config.split)
    for record in _survivors(store, staged, dedup):
        splitter.add_metadata(record)
    return splitter.assign(registry)


def _survivors(store: Store, staged: list[str], dedup: DedupResult) -> Iterator[Record]:
    for key in staged:
        for record in iter_shard_records(store, key):
            if not dedup.is_duplicate(record.metadata.id):
                yield record


def _run_gates(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    folder: str,
    assignment: Any,
    metas: list[tuple[str, str]],
    stats: DistributionStats,
    pii_stats: StepStats,
    previous: str | None,
    near_pairs: list[DuplicatePair],
    input_issues: list[ProvenanceIssue],
) -> list[Verdict]:
    waivers = config.waivers
    written = list(store.list(join_key(folder, "data") + "/"))

    def records() -> Iterator[Record]:
        for obj in written:
            yield from iter_shard_records(store, obj.key)

    coverage = compute_coverage(take_inventory(store, registry), registry)
    previous_stats = _previous_distribution(store, registry, previous)
    previous_splits, previous_metas = _previous_records(store, registry, previous)
    # Exact pairs against the previous release too: a record whose id changed (its raw object
    # was renamed, so its key and id changed) may land in another split than last time.
    pairs: list[DuplicatePair] = exact_pairs_across([*metas, *previous_metas])
    pairs.extend(near_pairs)
    return [
        CoverageGate().evaluate(coverage, waivers=waivers),
        ProvenanceGate().evaluate(records(), registry, shard_issues=input_issues, waivers=waivers),
        ReleasePIIGate().evaluate(records(), pii_stats, config=config.pii, waivers=waivers),
        LeakageGate().evaluate(assignment, pairs, previous=previous_splits, waivers=waivers),
        DistributionGate().evaluate(
            stats, registry, config.distribution, previous=previous_stats, waivers=waivers
        ),
    ]


def _near_pairs_in(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    executor: Executor,
    folder: str,
    workdir: str,
    tick: Progress,
) -> list[DuplicatePair]:
    """Near (and exact) duplicate pairs among the compiled records: the leakage gate's
    independent look at what would ship. It always looks for both kinds, whatever the
    de-duplication switches say: turning dedup off must not turn the leak check off too."""
    shards = [o.key for o in store.list(join_key(folder, "data") + "/")]
    dedup = config.dedup.model_copy(update={"exact": True, "near": True})
    check = config.model_copy(update={"dedup": dedup})
    result = _dedup(store, registry, check, executor, shards, workdir, tick)
    return [
        DuplicatePair(
            d.survivor_id,
            d.id,
            "exact" if d.kind == "exact" else "near",
            min(max(d.similarity, 0.0), 1.0),
        )
        for d in result.duplicates()
    ]


def _previous_records(
    store: Store, registry: Registry, previous: str | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """id -> split, and (id, content hash) pairs, of the previous release (no text kept)."""
    if previous is None:
        return {}, []
    from mhds.release.reader import ReleaseReader

    reader = ReleaseReader(store, previous, releases_prefix=registry.layout.releases)
    splits: dict[str, Any] = {}
    metas: list[tuple[str, str]] = []
    for split in ("train", "val", "test"):
        for record in reader.iter_split(split):
            splits[record.metadata.id] = split
            metas.append((record.metadata.id, record.metadata.content_hash))
    return splits, metas


def _previous_distribution(
    store: Store, registry: Registry, previous: str | None
) -> DistributionStats | None:
    if previous is None:
        return None
    key = join_key(registry.layout.releases, previous, "reports", "distribution-stats.json")
    if not store.exists(key):
        return None
    return DistributionStats.from_dict(codec.loads(store.read_bytes(key)))


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


def _prefixed(prefix: str, stats: StepStats) -> dict[str, int]:
    return {f"{prefix}:{k}": v for k, v in sorted(stats.quarantined.items())}
