"""``mhds build``: registry + store -> a gated, immutable release, or nothing at all.

Stages: ingest (unchanged sources are reused) -> per-record steps per shard (PII) ->
de-duplication (the build's one duplicate search: map / shuffle / reduce through the store) ->
links (that search's pairs among the survivors, its long band runs tried again on them: pairs
share a split) -> group-aware splits -> compile into an unpublished
release folder -> gates -> publish (manifest last, write-once) or abort (the folder's objects
are removed). When the release config requires clinician sign-off (the default) and no waiver
covers its absence, the build compiles into ``builds/<id>/candidate/`` instead and stops there
with a candidate that ``mhds release publish`` publishes once the sign-off exists
(``candidate.py``). Per-shard stages keep done markers under ``work/<build-key>/``, and so does the
duplicate search (dedup), so a killed or failed build resumes without redoing
finished shards or the search; the build key hashes the inputs and the config, so the same inputs
and config give the same release content. The build holds the store's lease from start to end
and reserves its version before it writes a shard. The funnel (per source: read,
quarantined, reviewed, removed as duplicates, released) is counted on the way and must add up.

The phases live in ``phases.py``, the duplicate searches in ``search.py``, the gates in
``gating.py``, the result and the failure in ``result.py``.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, date, datetime

from mhds.audit import AuditLog
from mhds.engine.base import Executor, InlineExecutor
from mhds.errors import ConfigError, MhdsError
from mhds.gates.base import check_waiver_scopes
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.gating import GATES, GateContext
from mhds.pipeline.phases import Build, assign_splits
from mhds.pipeline.record_phase import prune_steps_cache
from mhds.pipeline.result import BuildResult, GateFailure
from mhds.pipeline.search import Progress, clear_scratch, searches_of
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.release.state import PreviousState, open_previous, read_state
from mhds.release.version import (
    latest_version,
    list_unpublished,
    list_versions,
    reserve_version,
    reserved_by,
)
from mhds.store.base import Store
from mhds.store.lease import DEFAULT_HEARTBEAT, DEFAULT_TTL, StoreLease
from mhds.store.uri import join_key

__all__ = ["BuildResult", "GateFailure", "build_release", "new_build_id"]

log = logging.getLogger(__name__)


class _Laps:
    """Wall time per stage: each ``lap(name)`` books the time since the previous lap."""

    def __init__(self, into: dict[str, float]) -> None:
        self._into = into
        self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self._into[stage] = round(now - self._last, 3)
        self._last = now


def build_release(
    store: Store,
    registry: Registry,
    config: BuildConfig | None = None,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    lease_ttl: float = DEFAULT_TTL,
    lease_heartbeat: float = DEFAULT_HEARTBEAT,
    full: bool = False,
) -> BuildResult:
    """Build, gate and publish one release. See the module docstring.

    ``full``: reuse no per-shard work of earlier builds (a rebuild from scratch; it gives
    the same release as the incremental build against the same previous release).

    The build holds the store's lease (``mhds.store.lease``) from start to end: a second
    build of the same store is refused at once, naming the first.

    Raises:
        LeaseHeldError: another build or ingest holds the store (nothing was written).
        LeaseLostError: the lease was broken while this build ran (nothing published).
        GateFailure: a gate failed or errored without a waiver (reports are written).
        ConfigError, StoreError, ShardError: the build could not run.
    """
    config = config or BuildConfig()
    check_waiver_scopes(config.waivers, GATES, (family.name for family in registry.families))
    _check_previous(store, registry, config.previous_release)
    build_id = new_build_id()
    with StoreLease(store, build_id, "build", ttl=lease_ttl, heartbeat=lease_heartbeat) as lease:
        return _build(store, registry, config, build_id, lease, executor, progress, today, full)


def _build(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    build_id: str,
    lease: StoreLease,
    executor: Executor | None,
    progress: Progress | None,
    today: date | None,
    full: bool,
) -> BuildResult:
    audit = AuditLog.open(store, join_key(registry.layout.audit, f"build-{build_id}.jsonl"))
    run = Build(
        store,
        registry,
        config,
        executor or InlineExecutor(),
        progress or (lambda stage, done, total: None),
        audit,
        BuildResult(build_id, "", audit_key=audit.key),
        lease,
        reuse=not full,
    )
    lap = _Laps(run.result.seconds)
    previous = config.previous_release or latest_version(store, registry.layout.releases)
    run.previous = previous_state(store, registry, previous)
    shards, funnel, readmitted = run.ingest()
    lap("ingest")
    work = join_key("work", run.result.build_key)
    steps = run.record_steps(shards, readmitted, work, funnel)
    lap("pii")
    dedup = run.deduplicate(steps, work)
    lap("dedup")
    links = run.link(steps.staged, dedup, work)
    lap("links")
    pinned = run.previous.splits
    assignment = assign_splits(store, registry, config, steps.staged, dedup, links, pinned)
    lap("splits")
    lease.check()
    latest = latest_version(store, registry.layout.releases)
    staging = config.stops_at_candidate()
    if not staging:
        run.result.version = _version_for(store, registry, work, run.result, today)
    try:
        with run.writer(run.result.version) as writer:
            stats, records = run.compile(writer, steps.staged, dedup, assignment, funnel)
            lap("compile")
            context = GateContext(
                store,
                registry,
                config,
                run.executor,
                writer.folder,
                searches_of(work, run.reuse),
                run.tick,
                run.survivors,
                run.previous,
            )
            verdicts = run.gate(context, stats, steps, funnel)
            run.result.counts = {
                "records": records,
                "duplicates_removed": sum(1 for _ in dedup.duplicates()),
                "pii_quarantined": sum(steps.stats.quarantined.values()),
                "safety_quarantined": sum(steps.safety.quarantined.values()),
            }
            lap("gates")
            if staging:
                candidate = run.stage_or_fail(writer, verdicts, stats, previous, latest)
                run.result.candidate = candidate.build_id
                run.result.content_digest = candidate.content_digest
            else:
                run.publish_or_fail(writer, verdicts, stats, previous, latest)
    except GateFailure:
        _clear(run, work, steps.staged)
        raise
    # Scratch goes once the build has ended in a decision (published, staged, or stopped by a
    # gate); after an error it stays, so that a rerun resumes after the last finished phase.
    _clear(run, work, steps.staged)
    run.result.published = not staging
    run.result.reports = join_key(writer.folder, "reports")
    lap("stage" if staging else "publish")
    return run.result


def _clear(run: Build, work: str, staged: list[str]) -> None:
    """The build's scratch, and the per-shard work of earlier builds that it did not use."""
    clear_scratch(run.store, searches_of(work, run.reuse))
    if run.reuse:
        try:
            prune_steps_cache(run.store, staged)
        except MhdsError as exc:
            log.warning("stale per-shard work was not removed: %s", type(exc).__name__)


def previous_state(store: Store, registry: Registry, version: str | None) -> PreviousState:
    """The state of the release a build is made against (empty when there is none)."""
    if version is None:
        return PreviousState()
    return read_state(open_previous(store, registry.layout.releases, version))


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


def _version_for(
    store: Store, registry: Registry, work: str, result: BuildResult, today: date | None
) -> str:
    """Resume the version an interrupted build of the same inputs reserved, else reserve the
    next one (write-once, before any shard is written: see ``reserve_version``)."""
    releases = registry.layout.releases
    state_key = join_key(work, "version.json")
    if store.exists(state_key):
        version = str(codec.loads(store.read_bytes(state_key))["version"])
        if version in list_unpublished(store, releases) and (
            reserved_by(store, releases, version) == result.build_key
        ):
            return version
    day = today or datetime.now(UTC).date()
    version = reserve_version(store, releases, day, result.build_key, writer=result.build_id)
    store.write_bytes(state_key, codec.dumps({"version": version}))
    return version
