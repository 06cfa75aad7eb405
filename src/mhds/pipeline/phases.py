"""The build's phases, in order: ingest, the per-record steps, de-duplication, links, splits,
compile, gates, then publish or fail. ``build_release`` (``run.py``) strings them together;
each phase records what it did in the audit log and the ``BuildResult``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mhds import __version__
from mhds.audit import AuditLog
from mhds.engine.base import Executor
from mhds.gates.base import Verdict, Waiver, outcome, unused_waivers
from mhds.gates.distribution import DistributionStats
from mhds.gates.signoff import SignoffEvidence, SignoffGate
from mhds.ingest import ingest_sources, ingestible_sources
from mhds.ingest.processed import iter_shard_records, read_manifest
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.gating import GATES, GateContext, applied_waivers, run_gates
from mhds.pipeline.record_phase import StepsOutcome, record_steps
from mhds.pipeline.result import BuildResult, GateFailure
from mhds.pipeline.search import (
    DEDUP_DONE,
    Progress,
    kept_together,
    read_done,
    search_duplicates,
    searches_of,
    survivors_of,
    write_done,
)
from mhds.pipeline.stages import (
    read_annotations,
)
from mhds.qa.rubric import read_rubric_text
from mhds.quarantine import load_readmissions
from mhds.records import codec
from mhds.records.hashing import stable_id
from mhds.records.schema import Split
from mhds.registry.load import registry_hash
from mhds.registry.schema import Registry
from mhds.release.candidate import Candidate, candidate_folder, staged_digest, write_candidate
from mhds.release.curriculum import build_curriculum, curriculum_yaml
from mhds.release.manifest import plain_json, utc_timestamp
from mhds.release.publish import ReleaseWriter
from mhds.release.state import STATE_KEY, PreviousState, StateRows
from mhds.release.version import CURRICULUM_NAME, ReleaseError, latest_version
from mhds.reports import (
    ReleaseReport,
    gate_markdown,
    render_overview,
    write_gate_reports,
    write_release_report,
)
from mhds.reports.bias import BiasReport, BiasStats, write_bias_report
from mhds.reports.funnel import Funnel
from mhds.steps.base import StepStats
from mhds.steps.dedup.cluster import DedupResult, load_result
from mhds.steps.dedup.prior import current_generation
from mhds.steps.dedup.reuse import Graph
from mhds.steps.dedup.run import family_priorities
from mhds.steps.pii.step import pii_identity
from mhds.steps.split import GroupSplitter, SplitAssignment, apply_split
from mhds.store.base import Store
from mhds.store.lease import StoreLease
from mhds.store.uri import join_key

COMPILE_TICK = 10_000  # records between progress reports while compiling


@dataclass
class Build:
    """One build's shared context and its stages, in the order ``build_release`` runs them.
    Every stage records what it did in the audit log and ``result``."""

    store: Store
    registry: Registry
    config: BuildConfig
    executor: Executor
    tick: Progress
    audit: AuditLog
    result: BuildResult
    lease: StoreLease
    # Identity-group mentions of the compiled records (the bias report and gate).
    bias: BiasStats = field(default_factory=BiasStats)
    # The duplicate graph among the survivors (``link``), for the leakage gate.
    survivors: Graph | None = None
    # The release this build is made against: its records keep their splits and win their
    # duplicate clusters (``mhds.release.state``).
    previous: PreviousState = field(default_factory=PreviousState)
    # Whether per-shard work of earlier builds is reused (``mhds build --full``: not).
    reuse: bool = True
    # The sources this build ingested.
    sources: tuple[str, ...] = ()

    def ingest(self) -> tuple[list[tuple[str, dict[str, Any]]], Funnel, list[tuple[str, str, str]]]:
        """Ingest every approved source (unchanged ones are reused); set the build key.

        Returns the processed shards (with their source ids), the funnel as ingest left it,
        and the re-admission decisions as (record id, content hash, finding)."""
        store, registry, config = self.store, self.registry, self.config
        sources = ingestible_sources(registry, config.ingest)
        self.sources = tuple(sorted(sources))
        ingest_sources(
            store,
            registry,
            sources,
            config=config.ingest,
            build_id=self.result.build_id,
            audit=self.audit,
            progress=lambda s, n: self.tick(f"ingest {s}", n, None),
        )
        shards, funnel = ingested(store, registry, sources)
        decisions = load_readmissions(store, registry.layout)
        readmitted = sorted((i, h, finding) for (i, h), finding in decisions.items())
        # Re-admission decisions are not in the build key: each unit's done marker names the
        # decisions of its own source, so a new decision redoes that source's shards only. The
        # PII step's version and data are: a new engine never resumes the old one's work. So
        # is the previous release's state: its splits and records decide this build's.
        self.result.build_key = stable_id(
            config.output_hash(),
            registry_hash(registry),
            pii_identity(),
            self.previous.digest,
            *[s["sha256"] for _, s in shards],
        )
        return shards, funnel, readmitted

    def record_steps(
        self,
        shards: list[tuple[str, dict[str, Any]]],
        readmitted: list[tuple[str, str, str]],
        work: str,
        funnel: Funnel,
    ) -> StepsOutcome:
        """The per-record steps (PII) per shard; records sent to review join the funnel."""
        self.lease.check()
        steps = record_steps(
            self.store,
            self.registry,
            self.config,
            self.executor,
            shards,
            readmitted,
            work,
            self.result.build_id,
            self.tick,
            reuse=self.reuse,
        )
        for source_id, quarantined in steps.review.items():
            funnel.source(source_id).review.update(quarantined)
        for source_id, held in steps.safety_review.items():
            funnel.source(source_id).safety.update(held)
        self.result.resumed = steps.resumed
        readmitted_now = sum(
            n for k, n in steps.stats.counters.items() if k.startswith("readmitted:")
        )
        self.audit.append(
            "record_steps",
            inputs=[s["key"] for _, s in shards],
            outputs=steps.staged,
            counts={
                "records": steps.stats.kept - sum(steps.safety.quarantined.values()),
                "input_provenance_issues": len(steps.issues),
                "readmissions": len(readmitted),
                "readmitted": readmitted_now,
                **prefixed("quarantined", steps.stats),
                **prefixed("safety", steps.safety),
            },
            config_hash=self.config.output_hash(),
        )
        return steps

    def deduplicate(self, steps: StepsOutcome, work: str) -> DedupResult:
        """The duplicate search over the staged shards (the compile counts each record it
        removes in the funnel of its source). A build killed after this phase resumes after
        it: the done marker names the staged shards it searched."""
        self.lease.check()
        where = searches_of(work, self.reuse)
        marker = join_key(work, DEDUP_DONE)
        done = self._finished_search(marker, steps.digest, where.search)
        if done is not None:
            dedup = load_result(self.store, where.search)
            self.result.resumed_phases.append("dedup")
        else:
            dedup = self._search(steps, where.search, marker)
        self.audit.append(
            "dedup",
            inputs=steps.staged,
            counts={"duplicates": sum(1 for _ in dedup.duplicates())},
            decisions={"clusters": dedup.clusters, "resumed": done is not None},
            config_hash=self.config.output_hash(),
        )
        return dedup

    def _finished_search(self, marker: str, digest: str, search: str) -> dict[str, Any] | None:
        """What the dedup phase's done marker recorded for these staged shards (``digest``),
        unless another build's search ran in the kept folder ``search`` since."""
        done = read_done(self.store, marker, digest)
        if done is not None and done.get("generation") != current_generation(self.store, search):
            return None
        return done

    def _search(self, steps: StepsOutcome, search: str, marker: str) -> DedupResult:
        """Search the staged shards and mark the phase done."""
        dedup = search_duplicates(
            self.store,
            self.registry,
            self.config,
            self.executor,
            steps.staged,
            search,
            self.tick,
            incumbents=self.previous.ids,
        )
        generation = current_generation(self.store, search)
        write_done(self.store, marker, steps.digest, generation=generation)
        return dedup

    def link(self, staged: list[str], dedup: DedupResult, work: str) -> DedupResult | None:
        """The duplicate pairs among the survivors: each cluster of them shares a split
        (``keep_duplicates_together``). Nothing is hashed again (``search_within``); the
        leakage gate reuses the graph (``self.survivors``)."""
        if not self.config.keep_duplicates_together:
            return None
        self.lease.check()
        store, config = self.store, self.config
        where = searches_of(work, self.reuse)
        self.survivors = kept_together(store, config, self.executor, where, dedup, self.tick)
        links = self.survivors.decide(family_priorities(self.registry))
        self.audit.append(
            "links",
            inputs=staged,
            counts={"pairs_kept_in_one_split": sum(1 for _ in links.duplicates())},
            config_hash=self.config.output_hash(),
        )
        return links

    def writer(self, version: str | None) -> ReleaseWriter:
        """The writer of the (unpublished) release folder, or, with no version, of the
        candidate's folder (``builds/<id>/candidate/``)."""
        layout = self.registry.layout
        folder = None if version else candidate_folder(layout.builds, self.result.build_id)
        return ReleaseWriter(
            self.store,
            layout.releases,
            version or self.result.build_id,
            max_shard_bytes=self.config.max_shard_bytes,
            max_shard_records=self.config.max_shard_records,
            folder=folder,
        )

    def compile(
        self,
        writer: ReleaseWriter,
        staged: list[str],
        dedup: DedupResult,
        assignment: SplitAssignment,
        funnel: Funnel,
    ) -> tuple[DistributionStats, int]:
        """Write the records of ``staged`` that de-duplication kept, split, into the release
        folder, and the release's state (``mhds.release.state``); count them in the
        distribution stats, the bias stats (with the annotations the record steps made) and
        the funnel, where each record left out counts as a duplicate of its kind; record what
        the previous release had that this one has not (``result.removed``). Returns the stats
        and the records written."""
        self.lease.check()
        stats = DistributionStats.for_registry(self.registry)
        state = StateRows()
        ids = state.columns["id"]
        for key in staged:
            notes = read_annotations(self.store, key)
            for record in iter_shard_records(self.store, key):
                meta = record.metadata
                if dedup.is_duplicate(meta.id):
                    funnel.source(meta.source_id).duplicates[dedup.decisions[meta.id].kind] += 1
                    continue
                record = apply_split(record, assignment)
                writer.write(record)
                state.add(record, assignment.component(meta.id))
                stats.add(record)
                self.bias.add(record, notes.get(meta.id))
                funnel.source(meta.source_id).released[str(record.metadata.split)] += 1
                if len(ids) % COMPILE_TICK == 0:
                    self.tick("compile", len(ids), None)
        self.tick("compile", len(ids), len(ids))
        self._close_compile(writer, state, funnel)
        return stats, len(ids)

    def _close_compile(self, writer: ReleaseWriter, state: StateRows, funnel: Funnel) -> None:
        """After the last record: the release's state file, the funnel, and what the previous
        release had that this one has not (``result.removed``), each in the audit log."""
        writer.flush()
        writer.add_file(STATE_KEY, state.to_bytes())
        self.result.funnel = funnel.to_dicts()
        self.audit.append("funnel", decisions={"sources": list(self.result.funnel)})
        self.result.removed = self.previous.removed(set(state.columns["id"]), set(self.sources))
        self.audit.append(
            "removed",
            counts={"records": sum(row["records"] for row in self.result.removed)},
            decisions={"previous_release": self.previous.version, "rows": self.result.removed},
        )

    def gate(
        self,
        context: GateContext,
        stats: DistributionStats,
        steps: StepsOutcome,
        funnel: Funnel,
    ) -> list[Verdict]:
        """Every gate over the compiled release, with the release config's waivers."""
        self.tick("gates", 0, len(GATES))
        verdicts = run_gates(
            context,
            stats,
            steps.stats,
            steps.issues,
            unaccounted=funnel.unaccounted(),
            bias=self.bias,
            safety=(steps.safety, steps.safety_families),
        )
        config = self.config
        carried: list[Waiver] = []
        if config.stops_at_candidate():
            # The signoff gate runs when the candidate is published: its waivers wait for it.
            carried = [w for w in config.waivers if w.gate == SignoffGate.name]
        elif config.signoff == "required":
            # A waiver covers the missing sign-off: record the gate and its waiver now.
            evidence = SignoffEvidence("")
            verdicts.append(SignoffGate().evaluate(evidence, waivers=config.waivers))
        self.tick("gates", len(GATES), len(GATES))
        self.result.verdicts = verdicts
        self.result.unused_waivers = [
            w for w in unused_waivers(config.waivers, verdicts) if w not in carried
        ]
        return verdicts

    def publish_or_fail(
        self,
        writer: ReleaseWriter,
        verdicts: list[Verdict],
        stats: DistributionStats,
        previous: str | None,
        latest: str | None,
    ) -> None:
        """Publish the release (files, then the manifest, once), or, when a gate did not
        pass, remove it, write the reports under ``builds/<id>/`` and raise GateFailure.

        Before the manifest goes in, the build checks that it still holds the store's lease
        and that the latest release is still ``latest``, the one it saw when its gates
        compared against the previous release; then it records the release's content and
        verdict digests in the audit log, whose head the manifest names (``verdict_digest``).
        """
        report = self._record_gates(writer, verdicts, stats)
        self._check_still_latest(writer, latest)
        add_release_files(writer, self.registry, verdicts, stats, report)
        self.lease.check()
        # Sign-off not required, or waived by the release config (the signoff verdict and
        # its waiver are in the gates).
        qa = {"signoff": "waived" if self.config.signoff == "required" else "not_required"}
        writer.publish(**self._manifest_fields(verdicts, previous), qa=qa, audit=self.audit)

    def stage_or_fail(
        self,
        writer: ReleaseWriter,
        verdicts: list[Verdict],
        stats: DistributionStats,
        previous: str | None,
        latest: str | None,
    ) -> Candidate:
        """Stage a candidate (files, then ``candidate.json``, once) that waits for clinician
        sign-off, or fail as ``publish_or_fail`` does when a gate did not pass."""
        report = self._record_gates(writer, verdicts, stats)
        add_release_files(writer, self.registry, verdicts, stats, report)
        self.lease.check()
        shards, files, counts = writer.staged()
        fields = self._manifest_fields(verdicts, previous)
        holdouts = tuple(sorted(fields["holdout_families"]))
        config, result = self.config, self.result
        candidate = Candidate(
            build_id=result.build_id,
            build_key=result.build_key,
            created=utc_timestamp(),
            content_digest=staged_digest(shards, files, counts, holdouts, CURRICULUM_NAME),
            folder=writer.folder,
            shards=shards,
            files=files,
            counts=counts,
            holdout_families=holdouts,
            curriculum_key=CURRICULUM_NAME,
            code_version=fields["code_version"],
            registry_hash=fields["registry_hash"],
            config_hash=fields["config_hash"],
            gates=tuple(plain_json(v.to_dict()) for v in verdicts),
            waivers=tuple(plain_json(w.model_dump()) for w in applied_waivers(verdicts)),
            signoff_waivers=tuple(
                plain_json(w.model_dump()) for w in config.waivers if w.gate == SignoffGate.name
            ),
            previous_release=previous,
            latest_release=latest,
            funnel=result.funnel,
            removed=tuple(result.removed),
            qa=config.qa.model_dump(mode="json"),
            rubric=read_rubric_text(config.qa.rubric),
            max_shard_records=config.max_shard_records,
            max_shard_bytes=config.max_shard_bytes,
            audit_key=self.audit.key,
        )
        key, sha = write_candidate(self.store, self.registry.layout.builds, candidate)
        writer.keep()
        self.audit.append(
            "candidate",
            outputs=[key],
            decisions={
                "content_digest": candidate.content_digest,
                "signoff": "required",
                "sha256": sha,
            },
        )
        return candidate

    def _record_gates(
        self, writer: ReleaseWriter, verdicts: list[Verdict], stats: DistributionStats
    ) -> ReleaseReport:
        """Log the gates' outcomes; when one did not pass, remove what was written, write
        the reports under ``builds/<id>/`` and raise GateFailure."""
        result, version = self.result, writer.version
        applied = applied_waivers(verdicts)
        report = ReleaseReport.build(
            version,
            verdicts,
            stats,
            funnel=result.funnel,
            unused_waivers=result.unused_waivers,
            bias=self.bias.to_dict(),
        )
        self.audit.append(
            "gates",
            counts=result.counts,
            decisions={
                **{v.gate: outcome(v) for v in verdicts},
                "unused_waivers": [w.model_dump() for w in result.unused_waivers],
            },
            waivers=[w.model_dump() for w in applied],
        )
        failed = [v.gate for v in verdicts if not v.passed]
        if failed:
            self.lease.check()  # a writer that lost the store removes nothing
            writer.abort()
            raise self._failure(failed, verdicts, report)
        return report

    def _manifest_fields(self, verdicts: list[Verdict], previous: str | None) -> dict[str, Any]:
        return {
            "code_version": __version__,
            "registry_hash": registry_hash(self.registry),
            "config_hash": self.config.output_hash(),
            "holdout_families": tuple(
                f.name for f in self.registry.families if f.holdout == "test_only"
            ),
            "gates": verdicts,
            "waivers": applied_waivers(verdicts),
            "previous_release": previous,
            "funnel": self.result.funnel,
            "removed": self.result.removed,
        }

    def _check_still_latest(self, writer: ReleaseWriter, latest: str | None) -> None:
        """Refuse to publish when a release appeared since the gates looked (a build that
        held the store when this one did not, or a broken lease): the leakage and drift
        evidence would be about the wrong release."""
        self.lease.check()
        now = latest_version(self.store, self.registry.layout.releases)
        if now != latest:
            writer.abort()
            raise ReleaseError(
                f"release {now} was published while this build ran; its gates compared "
                f"against {latest or 'no release'}: nothing published, build again",
                release=writer.version,
            )

    def _failure(
        self, failed: list[str], verdicts: list[Verdict], report: ReleaseReport
    ) -> GateFailure:
        reports = join_key("builds", self.result.build_id, "reports")
        write_gate_reports(self.store, reports, verdicts)
        write_release_report(self.store, reports, report)
        write_bias_report(self.store, reports, BiasReport.from_stats(self.bias))
        self.result.reports = reports
        return GateFailure(
            f"nothing published: gate(s) {', '.join(failed)} did not pass "
            f"(reports: {self.store.url_for(reports)})",
            failed=failed,
            reports=reports,
            verdicts=verdicts,
            funnel=self.result.funnel,
            unused_waivers=self.result.unused_waivers,
        )


def add_release_files(
    writer: ReleaseWriter,
    registry: Registry,
    verdicts: list[Verdict],
    stats: DistributionStats,
    report: ReleaseReport,
) -> None:
    """The curriculum and the reports (every gate as JSON and Markdown, the distribution
    stats, the overview)."""
    writer.add_file("curriculum.yaml", curriculum_yaml(build_curriculum(registry, writer.counts)))
    for verdict in verdicts:
        writer.add_file(f"reports/{verdict.gate}.json", codec.dumps(verdict.to_dict(), indent=True))
        writer.add_file(f"reports/{verdict.gate}.md", gate_markdown(verdict).encode())
    writer.add_file("reports/distribution-stats.json", codec.dumps(stats.to_dict(), indent=True))
    if report.bias is not None:
        bias = BiasReport.from_stats(BiasStats.from_dict(report.bias))
        writer.add_file("reports/bias_report.json", bias.to_json())
        writer.add_file("reports/bias_report.md", bias.to_markdown().encode())
    writer.add_file("reports/overview.html", render_overview(report).encode())


def ingested(
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


def assign_splits(
    store: Store,
    registry: Registry,
    config: BuildConfig,
    staged: list[str],
    dedup: DedupResult,
    links: DedupResult | None,
    pinned: Mapping[str, Split] | None = None,
) -> SplitAssignment:
    """Splits of the records of ``staged`` that de-duplication kept; each pair the search
    after de-duplication found shares one split (``keep_duplicates_together``); ``pinned``:
    the previous release's splits, which its records keep (``GroupSplitter.assign``)."""
    splitter = GroupSplitter(config.split)
    for record in survivors_of(store, staged, dedup):
        splitter.add_metadata(record)
    for decision in links.duplicates() if links is not None else ():
        splitter.link(decision.survivor_id, decision.id)
    return splitter.assign(registry, pinned)


def prefixed(prefix: str, stats: StepStats) -> dict[str, int]:
    return {f"{prefix}:{k}": v for k, v in sorted(stats.quarantined.items())}
