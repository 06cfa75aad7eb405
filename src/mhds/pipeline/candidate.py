"""``mhds release publish BUILD_ID``: a signed-off candidate becomes a release.

The signoff gate judges the evidence ``mhds.qa.signoff`` re-derives from the store for the
candidate's exact content digest, with the release config's waivers of that gate. When it
passes, the candidate's shards are checked against ``candidate.json`` and copied, record by
record in their order, into the next version's folder, leaving out the records whose review
failed (``on_failed_item: exclude``); with nothing excluded the release holds the same shard
bytes and has the candidate's content digest. The reports are copied, the sign-off record and
the QA plan are added under ``qa/``, the funnel counts what review excluded, and the manifest
goes in last, sealed by the build's own audit log, which now records the sign-off too. When
the gate fails, nothing is published and its reports go to ``builds/<id>/reports/``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from mhds.audit import AuditLog
from mhds.errors import MhdsError
from mhds.gates.base import Verdict, Waiver, outcome
from mhds.gates.signoff import SignoffEvidence, SignoffGate
from mhds.pipeline.result import GateFailure
from mhds.qa.config import QAConfig
from mhds.qa.decisions import audit_key
from mhds.qa.rubric import load_rubric_text
from mhds.qa.signoff import gather_evidence
from mhds.records import codec
from mhds.registry.load import registry_hash
from mhds.registry.schema import Registry
from mhds.release.candidate import (
    Candidate,
    CandidateError,
    check_build_id,
    iter_candidate_records,
    mark_published,
    published_as,
    read_candidate,
)
from mhds.release.curriculum import build_curriculum, curriculum_yaml
from mhds.release.manifest import Manifest
from mhds.release.publish import ReleaseWriter
from mhds.release.reader import ShardIntegrityError
from mhds.release.state import STATE_KEY, without_records
from mhds.release.version import ReleaseError, latest_version, reserve_version
from mhds.reports import write_gate_reports
from mhds.store.base import Store
from mhds.store.lease import StoreLease
from mhds.store.uri import join_key


@dataclass(frozen=True)
class PublishedCandidate:
    """What ``publish_candidate`` did."""

    build_id: str
    version: str
    manifest: Manifest
    verdict: Verdict
    excluded: tuple[str, ...]


def publish_candidate(
    store: Store, registry: Registry, build_id: str, *, today: date | None = None
) -> PublishedCandidate:
    """Publish the candidate of ``build_id`` when its sign-off is valid (see the module
    docstring). Holds the store's lease while it runs.

    Raises:
        CandidateError: no such candidate, it was published already, or it is malformed.
        GateFailure: the signoff gate did not pass (nothing published).
        ReleaseError: a release was published since the candidate's gates ran (they compared
            against another one: build again), or a shard changed.
    """
    layout = registry.layout
    with StoreLease(store, f"publish-{build_id}", "publish"):
        check_build_id(build_id)
        audit = AuditLog.open(store, join_key(layout.audit, f"build-{build_id}.jsonl"))
        candidate = read_candidate(store, layout.builds, build_id, sha256=_staged_sha(audit))
        if (version := published_as(store, layout.builds, build_id)) is not None:
            raise CandidateError(f"already published as {version}", release=build_id)
        if registry_hash(registry) != candidate.registry_hash:
            raise CandidateError(
                "the registry changed since the build: build again", release=build_id
            )
        latest = latest_version(store, layout.releases)
        if latest != candidate.latest_release:
            raise ReleaseError(
                f"release {latest} was published after this candidate's gates compared it "
                f"against {candidate.latest_release or 'no release'}: build again",
                release=build_id,
            )
        asked = QAConfig.model_validate(candidate.qa)
        rubric = load_rubric_text(candidate.rubric)
        evidence = gather_evidence(
            store,
            layout.qa,
            candidate.content_digest,
            asked,
            families=candidate.families(),
            rubric_digest=rubric.digest(),
        )
        try:
            waivers = [Waiver.model_validate(w) for w in candidate.signoff_waivers]
        except ValidationError:
            raise CandidateError("a signoff waiver is not valid", release=build_id) from None
        verdict = SignoffGate().evaluate(evidence, waivers=waivers)
        audit.append(
            "signoff_gate",
            inputs=[evidence.record_key] if evidence.record_key else [],
            counts={"excluded": len(evidence.excluded)},
            decisions={
                "content_digest": candidate.content_digest,
                "outcome": outcome(verdict),
                **_pins(store, layout.qa, evidence),
            },
            waivers=[w.model_dump() for w in verdict.waivers],
        )
        if not verdict.passed:
            reports = join_key(layout.builds, build_id, "reports")
            write_gate_reports(store, reports, [verdict])
            raise GateFailure(
                f"nothing published: {verdict.summary} (reports: {store.url_for(reports)})",
                failed=[verdict.gate],
                reports=reports,
                verdicts=[verdict],
                funnel=candidate.funnel,
            )
        day = today or datetime.now(UTC).date()
        version = reserve_version(
            store, layout.releases, day, candidate.build_key, writer=f"publish-{build_id}"
        )
        manifest = _publish(store, registry, candidate, version, verdict, evidence, audit)
        mark_published(store, layout.builds, build_id, version)
        return PublishedCandidate(build_id, version, manifest, verdict, evidence.excluded)


def _publish(
    store: Store,
    registry: Registry,
    candidate: Candidate,
    version: str,
    verdict: Verdict,
    evidence: SignoffEvidence,
    audit: AuditLog,
) -> Manifest:
    excluded = set(evidence.excluded)
    funnel = [dict(row) for row in candidate.funnel]
    left_out: Counter[tuple[str, str]] = Counter()
    with ReleaseWriter(
        store,
        registry.layout.releases,
        version,
        max_shard_bytes=candidate.max_shard_bytes,
        max_shard_records=candidate.max_shard_records,
    ) as writer:
        for record in iter_candidate_records(store, candidate):
            meta = record.metadata
            if meta.id in excluded:
                left_out[(meta.source_id, str(meta.split))] += 1
                continue
            writer.write(record)
        for entry in candidate.files:
            if entry.key == candidate.curriculum_key and left_out:
                continue  # the counts changed: the curriculum is made again below
            data = store.read_bytes(candidate.folder + entry.key)
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                raise ShardIntegrityError(
                    "changed since the build staged it", key=entry.key, release=candidate.build_id
                )
            if entry.key == STATE_KEY and excluded:
                data = without_records(data, excluded, candidate.build_id)
            writer.add_file(entry.key, data)
        if left_out:
            curriculum = build_curriculum(registry, writer.counts)
            writer.add_file(candidate.curriculum_key, curriculum_yaml(curriculum))
        writer.add_file("reports/signoff.json", codec.dumps(verdict.to_dict(), indent=True))
        writer.add_file("reports/signoff.md", verdict.to_markdown().encode())
        qa = _qa_field(store, candidate, evidence, writer)
        return writer.publish(
            audit=audit,
            code_version=candidate.code_version,
            registry_hash=candidate.registry_hash,
            config_hash=candidate.config_hash,
            holdout_families=candidate.holdout_families,
            gates=[*candidate.gates, verdict],
            waivers=[*candidate.waivers, *verdict.waivers],
            previous_release=candidate.previous_release,
            funnel=_funnel(funnel, left_out),
            removed=candidate.removed,
            qa=qa,
        )


def _qa_field(
    store: Store, candidate: Candidate, evidence: SignoffEvidence, writer: ReleaseWriter
) -> dict[str, Any]:
    """The manifest's ``qa``; the sign-off record and the QA plan go into the release."""
    field: dict[str, Any] = {
        "signoff": "signed" if evidence.record is not None else "waived",
        "candidate": candidate.build_id,
        "candidate_digest": candidate.content_digest,
        "excluded": sorted(evidence.excluded),
    }
    if evidence.record is None or evidence.record_key is None:
        return field
    entry = writer.add_file("qa/signoff.json", evidence.record_bytes)
    plan_key = evidence.record_key.rsplit("/", 1)[0] + "/plan.json"
    writer.add_file("qa/plan.json", store.read_bytes(plan_key))
    return {
        **field,
        "run": evidence.record.get("run"),
        "signed_by": evidence.record.get("signed_by"),
        "record": evidence.record_key,
        "record_sha256": entry.sha256,
    }


def _funnel(rows: list[dict[str, Any]], left_out: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    """The candidate's funnel with what review excluded moved out of ``released``."""
    for row in rows:
        excluded = {
            split: n for (source, split), n in sorted(left_out.items()) if source == row["source"]
        }
        if not excluded:
            continue
        released = dict(row["released"])
        for split, n in excluded.items():
            released[split] = released.get(split, 0) - n
        row["released"] = released
        row["excluded_by_review"] = excluded
    return rows


def _staged_sha(audit: AuditLog) -> str:
    """The sha256 of ``candidate.json`` that the build's log recorded when it staged it.

    Raises:
        CandidateError: the log has no such entry (not a candidate, or the log was cut).
    """
    staged = [e for e in audit.entries if e.action == "candidate"]
    if len(staged) != 1 or "sha256" not in staged[0].decisions:
        raise CandidateError(f"{audit.key} does not record one staged candidate")
    return str(staged[0].decisions["sha256"])


def _pins(store: Store, qa_prefix: str, evidence: SignoffEvidence) -> dict[str, str]:
    """The sign-off record's sha256 and its QA run's log head, as the build's own log keeps
    them: what was judged stays fixed in the release's chain, whatever the QA folder holds
    later."""
    if evidence.record is None:
        return {}
    run = str(evidence.record.get("run", ""))
    try:
        head = AuditLog.open(store, audit_key(qa_prefix, run)).head
    except MhdsError:
        head = "unreadable"
    return {
        "record_sha256": hashlib.sha256(evidence.record_bytes).hexdigest(),
        "qa_audit_head": head,
    }
