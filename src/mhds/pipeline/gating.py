"""The build's gates: gather their inputs (inventory, compiled records, the previous release,
the duplicate pairs of the compiled release), run them with the release config's waivers, and
turn an input that cannot be read into an ``error`` verdict instead of a crashed build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from mhds.crisis.screening import load_checker, red_hits
from mhds.engine.base import Executor
from mhds.errors import MhdsError
from mhds.gates.base import GateStatus, Verdict, Waiver
from mhds.gates.bias import BiasGate
from mhds.gates.coverage import CoverageGate
from mhds.gates.distribution import DistributionGate, DistributionStats
from mhds.gates.leakage import DuplicatePair, LeakageGate, PairKind, exact_pairs_across
from mhds.gates.provenance import ProvenanceGate
from mhds.gates.safety import SafetyGate
from mhds.gates.signoff import SignoffGate
from mhds.gates.style import StyleGate
from mhds.persona.corpus import ProfileRef, find_profile
from mhds.persona.style import FamilyStyle, StyleVector, score_records
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.fanout import Consumer, Fanout, Keyed, records
from mhds.pipeline.policy import ReleasePIIGate
from mhds.pipeline.search import Progress, Where, shipped_duplicates
from mhds.records import codec
from mhds.records.schema import Split
from mhds.registry.coverage import compute_coverage
from mhds.registry.inventory import take_inventory
from mhds.registry.schema import Registry
from mhds.release.state import SPLITS, PreviousState, open_previous
from mhds.release.version import ReleaseError
from mhds.reports.bias import BiasReport, BiasStats
from mhds.steps.base import StepStats
from mhds.steps.dedup.reuse import Graph
from mhds.steps.provenance import ProvenanceIssue
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter
from mhds.store.uri import join_key

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# The gates of a release, in the order they run (their checks are what waivers may name). The
# signoff gate runs last: at build time only when a waiver covers its absence, otherwise when
# a candidate is published.
GATES = (
    CoverageGate,
    ProvenanceGate,
    ReleasePIIGate,
    LeakageGate,
    DistributionGate,
    BiasGate,
    SafetyGate,
    StyleGate,
    SignoffGate,
)


def applied_waivers(verdicts: list[Verdict]) -> list[Waiver]:
    """Every waiver some verdict applied, once, in verdict order."""
    return list(dict.fromkeys(w for v in verdicts for w in v.waivers))


@dataclass(frozen=True)
class GateContext:
    """Where the gates look: the store, the rules, and the compiled release folder."""

    store: Store
    registry: Registry
    config: BuildConfig
    executor: Executor
    folder: str
    where: Where  # the build's work folder and its duplicate search's
    tick: Progress
    # The duplicate graph among the survivors of de-duplication, when the build made it
    # (``keep_duplicates_together``); else the leakage gate makes it for what ships.
    survivors: Graph | None = None
    # The release the build is made against (read when the build started).
    previous: PreviousState = field(default_factory=PreviousState)


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


def run_gates(
    ctx: GateContext,
    stats: DistributionStats,
    pii_stats: StepStats,
    input_issues: list[ProvenanceIssue],
    *,
    unaccounted: Mapping[str, int] | None = None,
    bias: BiasStats | None = None,
    safety: tuple[StepStats, tuple[str, ...]] | None = None,
) -> list[Verdict]:
    """Every gate's verdict, in ``GATES`` order (the signoff gate apart: see ``GATES``).
    ``unaccounted`` (source -> records that do not add up in the funnel) makes provenance an
    error: lost records are a defect, never an outcome a waiver may accept. ``bias`` is the
    compiled records' bias stats; ``safety`` the safety screen's counts and the families it
    scored."""
    registry, config, waivers = ctx.registry, ctx.config, ctx.config.waivers
    written = [o.key for o in ctx.store.list(join_key(ctx.folder, "data") + "/")]
    coverage = _coverage_verdict(ctx)
    # One read of the compiled release for every gate that judges its records.
    release = Fanout(ctx.store, written)
    provenance = release.add(
        "provenance",
        lambda items: ProvenanceGate().evaluate(
            records(items), registry, shard_issues=input_issues, waivers=waivers
        ),
    )
    pii = release.add(
        "pii",
        lambda items: ReleasePIIGate().evaluate(
            records(items), pii_stats, config=config.pii, waivers=waivers
        ),
    )
    read_back = release.add("leakage", lambda items: _read_back(ctx, items))
    shipped_safety = _safety_consumer(ctx, release, safety)
    style = _style_consumer(ctx, release)
    release.run()
    verdicts = [
        coverage,
        _unaccounted_error(provenance.value(), unaccounted or {}),
        pii.value(),
    ]
    shipped = _gather("the compiled release's ids and splits", read_back.value)
    verdicts += _against_previous(ctx, stats, shipped)
    verdicts.append(_bias_verdict(config, bias))
    verdicts.append(_safety_verdict(ctx, shipped_safety, safety))
    verdicts.append(_style_verdict(ctx, *style))
    return verdicts


def _coverage_verdict(ctx: GateContext) -> Verdict:
    """The coverage gate on an inventory of the store taken now; an error verdict when the
    inventory cannot be taken."""
    coverage = _gather(
        "the store inventory",
        lambda: compute_coverage(take_inventory(ctx.store, ctx.registry), ctx.registry),
    )
    if isinstance(coverage, _Unavailable):
        return coverage.verdict(CoverageGate.name)
    return CoverageGate().evaluate(coverage, waivers=ctx.config.waivers)


def _against_previous(
    ctx: GateContext, stats: DistributionStats, shipped: _Shipped | _Unavailable
) -> list[Verdict]:
    """The leakage and distribution gates, which compare the release with the previous one
    (``ctx.previous``); error verdicts for both when that cannot be read."""
    previous = _gather(
        f"previous release {ctx.previous.version}",
        lambda: _read_previous(ctx, {} if isinstance(shipped, _Unavailable) else shipped.splits),
    )
    if isinstance(previous, _Unavailable):
        return [previous.verdict(LeakageGate.name), previous.verdict(DistributionGate.name)]
    config = ctx.config
    distribution = DistributionGate().evaluate(
        stats, ctx.registry, config.distribution, previous=previous.stats, waivers=config.waivers
    )
    return [_leakage_verdict(ctx, shipped, previous), distribution]


_StyleScores = dict[str, FamilyStyle]


def _style_consumer(
    ctx: GateContext, release: Fanout
) -> tuple[Consumer[_StyleScores] | _Unavailable | None, dict[str, ProfileRef]]:
    """The style gate's pass over the release: the compiled records of the persona families
    scored again against the profiles they name (no pass when the registry has none), and
    the profiles it read, filled in as it goes."""
    config = ctx.config.style
    profiles: dict[str, ProfileRef] = {}
    known = frozenset(f.name for f in ctx.registry.families)
    families = _gather("the compiled records' style scores", lambda: config.scored_families(known))
    if isinstance(families, _Unavailable):
        return families, profiles
    if not families:
        return None, profiles

    def vector_of(digest: str) -> StyleVector:
        profiles[digest] = find_profile(ctx.store, digest)
        return profiles[digest].vector

    def score(items: Iterator[Keyed]) -> _StyleScores:
        return score_records(records(items), families, config, vector_of)

    return release.add("style", score), profiles


def _style_verdict(
    ctx: GateContext,
    consumer: Consumer[_StyleScores] | _Unavailable | None,
    profiles: dict[str, ProfileRef],
) -> Verdict:
    """The style gate, over what its pass scored."""
    config = ctx.config.style
    scores: _StyleScores | _Unavailable = {}
    if isinstance(consumer, _Unavailable):
        scores = consumer
    elif consumer is not None:
        scores = _gather("the compiled records' style scores", consumer.value)
    if isinstance(scores, _Unavailable):
        return scores.verdict(StyleGate.name)
    summaries = {
        digest: {"persona_id": ref.persona_id, **ref.summary}
        for digest, ref in sorted(profiles.items())
    }
    return StyleGate().evaluate(scores, config, summaries, waivers=ctx.config.waivers)


_SafetyScores = tuple[dict[str, int], dict[str, dict[str, int]], str]


def _safety_consumer(
    ctx: GateContext, release: Fanout, safety: tuple[StepStats, tuple[str, ...]] | None
) -> Consumer[_SafetyScores] | None:
    """The safety gate's pass over the release: the records the screen scores, scored
    again (none when the screen's counts are missing: the gate is an error anyway)."""
    if safety is None:
        return None
    families = frozenset(safety[1])

    def score(items: Iterator[Keyed]) -> _SafetyScores:
        checker = load_checker(ctx.store, ctx.config.safety)
        scored, broken = red_hits(checker, records(items), families)
        return scored, broken, checker.digest()

    return release.add("safety", score)


def _safety_verdict(
    ctx: GateContext,
    consumer: Consumer[_SafetyScores] | None,
    safety: tuple[StepStats, tuple[str, ...]] | None,
) -> Verdict:
    """The safety gate: the screen's counts, and the compiled records scored again."""
    if safety is None or consumer is None:
        return _Unavailable("safety screen counts", "not counted").verdict(SafetyGate.name)
    stats, families = safety
    shipped = _gather("the compiled records' safety scores", consumer.value)
    if isinstance(shipped, _Unavailable):
        return shipped.verdict(SafetyGate.name)
    scored, broken, digest = shipped
    return SafetyGate().evaluate(
        stats.counters,
        scored,
        broken,
        ctx.config.safety,
        families,
        digest,
        waivers=ctx.config.waivers,
    )


def _bias_verdict(config: BuildConfig, bias: BiasStats | None) -> Verdict:
    if bias is None:
        return _Unavailable("bias stats", "not counted").verdict(BiasGate.name)
    families = BiasReport.from_stats(bias).gate_input()
    return BiasGate().evaluate(families, config.bias, waivers=config.waivers)


def _unaccounted_error(verdict: Verdict, unaccounted: Mapping[str, int]) -> Verdict:
    """``verdict`` unchanged when every record is accounted for; else an ``error`` that names
    the sources whose records do not add up (ingested = reviewed + duplicates + released)."""
    if not unaccounted:
        return verdict
    listed = ", ".join(f"{source} ({n:+d})" for source, n in sorted(unaccounted.items()))
    summary = f"records unaccounted for in the funnel: {listed}; {verdict.summary}"
    evidence = {**verdict.evidence, "records_unaccounted": dict(sorted(unaccounted.items()))}
    return Verdict(verdict.gate, GateStatus.ERROR, summary, evidence, verdict.failures)


@dataclass(frozen=True)
class _Shipped:
    """The compiled release's ids, read back from its shards: each id's split (that of the
    shard it is in) and (id, content hash) pairs."""

    splits: dict[str, Split]
    metas: list[tuple[str, str]]


def _read_back(ctx: GateContext, items: Iterator[Keyed]) -> _Shipped:
    """Every compiled record's id and split as written (the split of the shard it is in), not
    as the splits meant them: the leakage gate judges what ships, so a compile step that puts
    a record in the wrong split is caught. A record whose split field disagrees with its
    shard's, or an id written twice, is an error."""
    data = join_key(ctx.folder, "data") + "/"
    splits: dict[str, Split] = {}
    metas: list[tuple[str, str]] = []
    for key, record in items:
        shard_split = cast(Split, key.removeprefix(data).split("/", 1)[0])
        meta = record.metadata
        if meta.split != shard_split:
            raise ReleaseError(
                f"record {meta.id} in a {shard_split} shard says split {meta.split}",
                release=ctx.folder,
            )
        if meta.id in splits:
            raise ReleaseError(f"record {meta.id} is written twice", release=ctx.folder)
        splits[meta.id] = shard_split
        metas.append((meta.id, meta.content_hash))
    return _Shipped(splits, metas)


def _leakage_verdict(
    ctx: GateContext, shipped: _Shipped | _Unavailable, previous: _Previous
) -> Verdict:
    """The leakage gate over the ids and splits read back from the compiled release: exact
    pairs by content hash (against the previous release's too: a record whose id changed, its
    raw object renamed, may land in another split than last time), and the build's search's
    pairs among the shipped records and against the previous release's that this build does
    not have. It always looks at both kinds, whatever the de-duplication switches say:
    turning dedup off must not turn the leak check off too. Pairs inside the previous
    release alone are the previous release's business; the gate skips them."""
    if isinstance(shipped, _Unavailable):
        return shipped.verdict(LeakageGate.name)
    near = _gather(
        "duplicate pairs of the compiled release",
        lambda: shipped_duplicates(
            ctx.store,
            ctx.registry,
            ctx.config,
            ctx.executor,
            shipped.splits.__contains__,
            ctx.survivors,
            previous.shards,
            ctx.where,
            ctx.tick,
        ),
    )
    if isinstance(near, _Unavailable):
        return near.verdict(LeakageGate.name)
    pairs = exact_pairs_across([*shipped.metas, *previous.metas])
    for d in near.duplicates():
        kind: PairKind = "exact" if d.kind == "exact" else "near"
        pairs.append(DuplicatePair(d.survivor_id, d.id, kind, min(max(d.similarity, 0.0), 1.0)))
    return LeakageGate().evaluate(
        shipped.splits, pairs, previous=previous.splits, waivers=ctx.config.waivers
    )


def _read_previous(ctx: GateContext, current: Mapping[str, Any]) -> _Previous:
    """The previous release's ids, splits and content hashes (its state, read and checked
    when the build started: ``ctx.previous``) and its distribution stats. Its records whose id
    this build does not have are copied from its shards (each shard's sha256 checked) to a work
    shard for the near-duplicate comparison (an id this build has is judged by its current
    split, and by the moved-id check, instead); when there are none, its shards are not read."""
    state = ctx.previous
    if state.version is None:
        return _Previous(None)
    store, releases = ctx.store, ctx.registry.layout.releases
    stats = _previous_distribution(store, join_key(releases, state.version))
    metas = list(state.hashes.items())
    if state.splits.keys() <= current.keys():
        return _Previous(state.version, state.splits, metas, [], stats)
    reader = open_previous(store, releases, state.version)
    key = join_key(ctx.where.work, "previous-only", "part-00000.jsonl.zst")
    with JsonlWriter(store, key) as writer:
        for split in SPLITS:
            for record in reader.iter_split(split):
                if record.metadata.id not in current:
                    writer.write_line(record.to_json())
    return _Previous(state.version, state.splits, metas, [key] if writer.records else [], stats)


def _previous_distribution(store: Store, folder: str) -> DistributionStats | None:
    key = join_key(folder, "reports", "distribution-stats.json")
    if not store.exists(key):
        return None
    return DistributionStats.from_dict(codec.loads(store.read_bytes(key)))
