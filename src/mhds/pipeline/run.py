"""``mhds build``: registry + store -> a gated, immutable release, or nothing at all.

Stages: ingest (unchanged sources are reused) -> per-record steps per shard (PII) ->
de-duplication (map / shuffle / reduce through the store) -> links (the same search over the
survivors: pairs it finds share a split) -> group-aware splits -> compile into an unpublished
release folder -> gates -> publish (manifest last, write-once) or abort.
Per-shard stages keep done markers under ``work/<build-key>/``, so a killed build resumes
without redoing finished shards; the build key hashes the inputs and the config, so the same
inputs and config give the same release content.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from mhds import __version__
from mhds.audit import AuditLog
from mhds.engine.base import Executor, InlineExecutor
from mhds.errors import ConfigError, MhdsError
from mhds.gates.base import GateStatus, Verdict
from mhds.gates.coverage import CoverageGate
from mhds.gates.distribution import DistributionGate, DistributionStats
from mhds.gates.leakage import DuplicatePair, LeakageGate, PairKind, exact_pairs_across
from mhds.gates.provenance import ProvenanceGate
from mhds.ingest import ingest_sources, ingestible_sources
from mhds.ingest.processed import iter_shard_records, read_manifest
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.policy import ReleasePIIGate
from mhds.pipeline.stages import (
    RecordStepsUnit,
    issues_from_summary,
    run_record_steps,
)
from mhds.pipeline.units import DedupUnit, run_dedup_unit
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
from mhds.store.streams import JsonlWriter
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
_T = TypeVar("_T")


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
    # Wall seconds per stage, in order: ingest, pii, dedup, links, splits, compile, gates,
    # publish.
    seconds: dict[str, float] = field(default_factory=dict)


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
    shards = _processed_shards(store, registry, sources)
    lap("ingest")
    result.build_key = stable_id(
        config.output_hash(), registry_hash(registry), *[s["sha256"] for s in shards]
    )
    work = join_key("work", result.build_key)

    steps = _record_steps(store, registry, config, executor, shards, work, build_id, tick)
    staged, pii_stats = steps.staged, steps.stats
    lap("pii")
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

    survivors = _write_survivors(store, staged, dedup, join_key(work, "survivors"))
    lap("dedup")
    links = (
        _dedup(
            store,
            registry,
            _search_config(config),
            executor,
            survivors,
            join_key(work, "links"),
            tick,
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
            for record in _records_of(store, survivors):
                record = apply_split(record, assignment)
                writer.write(record)
                stats.add(record)
                metas.append((record.metadata.id, record.metadata.content_hash))
            tick("compile", len(metas), len(metas))
            writer.flush()
            lap("compile")
            verdicts = _run_gates(
                _GateContext(store, registry, config, executor, writer.folder, work, tick),
                assignment,
                metas,
                stats,
                pii_stats,
                previous,
                steps.issues,
            )
            result.verdicts = verdicts
            lap("gates")
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
                holdout_families=tuple(
                    f.name for f in registry.families if f.holdout == "test_only"
                ),
                gates=verdicts,
                waivers=[v.waiver for v in verdicts if v.waiver],
                previous_release=previous,
                audit_head=audit.head,
            )
    finally:
        _clear_scratch(store, work)
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


def _write_survivors(store: Store, staged: list[str], dedup: DedupResult, folder: str) -> list[str]:
    """Copy each staged shard without its duplicates into ``folder`` (one shard each): what
    the link search, the splits and the compile read."""
    survivors: list[str] = []
    for n, key in enumerate(staged):
        out = join_key(folder, f"part-{n:05d}.jsonl.zst")
        with JsonlWriter(store, out) as writer:
            for record in iter_shard_records(store, key):
                if not dedup.is_duplicate(record.metadata.id):
                    writer.write_line(record.to_json())
        survivors.append(out)
    return survivors


# Work folders a finished build no longer needs (``stage/`` stays: a rebuild of the same
# inputs and config reuses its redacted shards).
_SCRATCH = ("dedup", "links", "leakage", "survivors", "previous-only")


def _clear_scratch(store: Store, work: str) -> None:
    """Remove the de-duplication, link and leakage work of a build that has ended (published
    or stopped by a gate): at a million conversations it is tens of GB. Best effort: a store
    error here is logged and must not hide how the build ended (the next build of the same
    inputs clears these folders before it uses them)."""
    try:
        for name in _SCRATCH:
            clear_workdir(store, join_key(work, name))
    except MhdsError as exc:
        log.warning("scratch work under %s was not removed: %s", work, type(exc).__name__)


def _search_config(config: BuildConfig) -> BuildConfig:
    """The build config with both duplicate kinds on: the search after de-duplication and the
    leakage gate's look for it use this one, whatever the de-duplication switches say."""
    dedup = config.dedup.model_copy(update={"exact": True, "near": True})
    return config.model_copy(update={"dedup": dedup})


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
    for record in _records_of(store, survivors):
        splitter.add_metadata(record)
    for decision in links.duplicates() if links is not None else ():
        splitter.link(decision.survivor_id, decision.id)
    return splitter.assign(registry)


def _records_of(store: Store, shards: list[str]) -> Iterator[Record]:
    for key in shards:
        yield from iter_shard_records(store, key)


@dataclass(frozen=True)
class _GateContext:
    """Where the gates look: the store, the rules, and the compiled release folder."""

    store: Store
    registry: Registry
    config: BuildConfig
    executor: Executor
    folder: str
    work: str
    tick: Progress


@dataclass(frozen=True)
class _Unavailable:
    """A gate input that could not be read; the gates that need it report an error."""

    what: str
    detail: str

    def verdict(self, gate: str) -> Verdict:
        return Verdict(
            gate,
            GateStatus.ERROR,
            f"could not read {self.what}: {self.detail}",
            {"input": self.what, "error": self.detail},
        )


def _gather(what: str, compute: Callable[[], _T]) -> _T | _Unavailable:
    """``compute()``, or what went wrong when it raised: a gate input that cannot be read
    becomes an error verdict (fail closed, with reports) instead of a crashed build."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - any failure fails the gates that need it
        log.warning("gate input %s could not be read: %s", what, type(exc).__name__)
        return _Unavailable(what, _safe_detail(exc))


def _safe_detail(exc: Exception) -> str:
    """An error's class, and its message only when it is ours (our messages carry keys and
    reasons, never record text or secrets); other libraries' messages are left out."""
    if isinstance(exc, MhdsError):
        return f"{type(exc).__name__}: {exc.message}"[:300]
    return type(exc).__name__


@dataclass(frozen=True)
class _Previous:
    """What the gates need of the previous release (ids, splits, hashes, stats; no text)."""

    version: str | None
    splits: dict[str, Any] = field(default_factory=dict)
    metas: list[tuple[str, str]] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
    stats: DistributionStats | None = None


def _run_gates(
    ctx: _GateContext,
    assignment: Any,
    metas: list[tuple[str, str]],
    stats: DistributionStats,
    pii_stats: StepStats,
    previous_version: str | None,
    input_issues: list[ProvenanceIssue],
) -> list[Verdict]:
    store, registry, config, waivers = ctx.store, ctx.registry, ctx.config, ctx.config.waivers
    written = [o.key for o in store.list(join_key(ctx.folder, "data") + "/")]
    coverage = _gather(
        "the store inventory", lambda: compute_coverage(take_inventory(store, registry), registry)
    )
    verdicts = [
        coverage.verdict(CoverageGate.name)
        if isinstance(coverage, _Unavailable)
        else CoverageGate().evaluate(coverage, waivers=waivers),
        ProvenanceGate().evaluate(
            _records_of(store, written), registry, shard_issues=input_issues, waivers=waivers
        ),
        ReleasePIIGate().evaluate(
            _records_of(store, written), pii_stats, config=config.pii, waivers=waivers
        ),
    ]
    previous = _gather(
        f"previous release {previous_version}",
        lambda: _read_previous(ctx, previous_version, assignment),
    )
    if isinstance(previous, _Unavailable):
        verdicts += [previous.verdict(LeakageGate.name), previous.verdict(DistributionGate.name)]
        return verdicts
    near = _gather(
        "duplicate pairs of the compiled release",
        lambda: _near_pairs_in(ctx, written, previous.shards),
    )
    if isinstance(near, _Unavailable):
        verdicts.append(near.verdict(LeakageGate.name))
    else:
        # Exact pairs against the previous release by content hash too: a record whose id
        # changed (its raw object was renamed) may land in another split than last time.
        pairs = exact_pairs_across([*metas, *previous.metas])
        pairs.extend(near)
        verdicts.append(
            LeakageGate().evaluate(assignment, pairs, previous=previous.splits, waivers=waivers)
        )
    verdicts.append(
        DistributionGate().evaluate(
            stats, registry, config.distribution, previous=previous.stats, waivers=waivers
        )
    )
    return verdicts


def _near_pairs_in(
    ctx: _GateContext, shards: list[str], previous_shards: list[str]
) -> list[DuplicatePair]:
    """Near (and exact) duplicate pairs among the compiled records and between them and the
    previous release's that this build does not have: the leakage gate's independent look
    at what would ship. It always
    looks for both kinds, whatever the de-duplication switches say: turning dedup off must
    not turn the leak check off too. Pairs inside the previous release alone are the
    previous release's business; the gate skips them."""
    result = _dedup(
        ctx.store,
        ctx.registry,
        _search_config(ctx.config),
        ctx.executor,
        [*shards, *previous_shards],
        join_key(ctx.work, "leakage"),
        ctx.tick,
    )
    pairs: list[DuplicatePair] = []
    for d in result.duplicates():
        kind: PairKind = "exact" if d.kind == "exact" else "near"
        pairs.append(DuplicatePair(d.survivor_id, d.id, kind, min(max(d.similarity, 0.0), 1.0)))
    return pairs


def _read_previous(ctx: _GateContext, version: str | None, current: Mapping[str, Any]) -> _Previous:
    """The previous release's ids, splits and content hashes (every shard's sha256 checked
    as it is read) and its distribution stats. Its records whose id this build does not have
    are copied to work shards for the near-duplicate comparison (an id this build has is
    judged by its current split, and by the moved-id check, instead)."""
    if version is None:
        return _Previous(None)
    from mhds.release.reader import ReleaseReader

    store, registry = ctx.store, ctx.registry
    reader = ReleaseReader(store, version, releases_prefix=registry.layout.releases)
    splits: dict[str, Any] = {}
    metas: list[tuple[str, str]] = []
    key = join_key(ctx.work, "previous-only", "part-00000.jsonl.zst")
    with JsonlWriter(store, key) as writer:
        for split in ("train", "val", "test"):
            for record in reader.iter_split(split):
                meta = record.metadata
                splits[meta.id] = split
                metas.append((meta.id, meta.content_hash))
                if meta.id not in current:
                    writer.write_line(record.to_json())
    shards = [key] if writer.records else []
    folder = join_key(registry.layout.releases, version)
    return _Previous(version, splits, metas, shards, _previous_distribution(store, folder))


def _previous_distribution(store: Store, folder: str) -> DistributionStats | None:
    key = join_key(folder, "reports", "distribution-stats.json")
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
