"""Sign-off: the decision record a named adjudicator writes when a QA run is complete, and the
evidence the signoff gate judges.

``sign_off`` refuses until every item has its reviews, every disagreement is adjudicated,
every identifier flag is resolved, the decisions are intact and every family meets its pass
rate. It then writes ``qa/<run>/signoff.json`` once (the release's content digest, families,
the records excluded by review, reviewers, sample sizes and method, rubric version, agreement,
exceptions, and the digest of every decision it covers) and appends it to the run's audit log.

``gather_evidence`` finds the sign-off of a content digest and checks it again from the store
(decisions against the log, the decision digest against the record, pass rates recomputed
from the decisions), so an edited record or decision cannot pass the gate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mhds.audit import AuditLog
from mhds.errors import MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.gates.signoff import SignoffEvidence
from mhds.qa.config import QAConfig, bound_statement, weaker_settings
from mhds.qa.decisions import (
    SIGNOFF_NAME,
    audit_key,
    decisions_digest,
    forget_cached,
    run_folder,
    run_lock,
    verify_decisions,
)
from mhds.qa.review import RunStatus, run_status
from mhds.qa.reviewers import get_reviewer, load_reviewers
from mhds.qa.run import QARun, list_runs, read_run, sample_records
from mhds.records import codec
from mhds.store.base import Store


class SignoffRefused(MhdsError):
    """The run is not ready for sign-off; ``reasons`` says what is missing."""

    exit_code = 5

    def __init__(self, run: str, reasons: list[str]) -> None:
        super().__init__(f"QA run {run}: cannot sign off: {'; '.join(reasons)}", reasons=reasons)
        self.reasons = reasons


def readiness(store: Store, qa_prefix: str, status: RunStatus) -> list[str]:
    """What stands between the run and sign-off (empty: ready)."""
    run, progress = status.run, status.progress()
    reasons = []
    if not status.items:
        reasons.append("the sample has no items")
    if progress["reviews_done"] < progress["reviews_due"]:
        due = progress["reviews_due"] - progress["reviews_done"]
        reasons.append(f"{due} review(s) not done")
    if progress["queued"]:
        reasons.append(f"{progress['queued']} item(s) wait for adjudication")
    open_pii = sum(s.pii_flagged and s.adjudication is None for s in status.items)
    if open_pii:
        reasons.append(f"{open_pii} identifier flag(s) not resolved")
    problems = verify_decisions(store, qa_prefix, run.name)
    reasons += [detail for _, detail in problems[:5]]
    minimum = run.config.min_pass_rate
    for family, (passed, decided) in status.pass_rates().items():
        if decided and passed / decided < minimum:
            reasons.append(f"{family}: {passed}/{decided} passed, minimum {minimum:.0%}")
    return reasons


def sign_off(
    store: Store,
    qa_prefix: str,
    run_name: str,
    by: str,
    *,
    exceptions: Sequence[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the decision record of ``run_name``, signed by the adjudicator ``by``.

    Raises:
        ConfigError: no such run or person.
        SignoffRefused: the run is not ready (every reason listed), ``by`` is not an
            adjudicator, or the run is signed already.
    """
    signer = get_reviewer(store, qa_prefix, by)
    if signer.role != "adjudicator":
        raise SignoffRefused(run_name, [f"{by} is a {signer.role}; an adjudicator signs off"])
    run = read_run(store, qa_prefix, run_name)
    with run_lock(store, qa_prefix, run_name):  # no decision slips in while it is signed
        status = run_status(store, qa_prefix, run)
        reasons = readiness(store, qa_prefix, status)
        if reasons:
            raise SignoffRefused(run_name, reasons)
        record = _record(run, status, signer.name, exceptions, now or datetime.now(UTC))
        data = codec.dumps(record, indent=True) + b"\n"
        key = run_folder(qa_prefix, run_name) + SIGNOFF_NAME
        try:
            store.put_if_absent(key, data)
        except ObjectExistsError:
            raise SignoffRefused(run_name, ["it is signed off already"]) from None
        _log_signoff(store, qa_prefix, run, record, key, data, signer.name)
    return record


def _log_signoff(
    store: Store,
    qa_prefix: str,
    run: QARun,
    record: dict[str, Any],
    key: str,
    data: bytes,
    signer: str,
) -> None:
    run_name = run.name
    AuditLog.open(store, audit_key(qa_prefix, run_name)).append(
        "qa_signoff",
        outputs=[key],
        counts={"items": len(run.items), "excluded": len(record["excluded"])},
        decisions={
            "content_digest": run.content_digest,
            "signed_by": signer,
            "decisions_digest": record["decisions_digest"],
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )


def _record(
    run: QARun, status: RunStatus, signer: str, exceptions: Sequence[str], now: datetime
) -> dict[str, Any]:
    progress = status.progress()
    privacy = run.plan.get("privacy_check", {})
    reviewed = len({s.item.record_id for s in status.items})
    return {
        "run": run.name,
        "target": run.plan["target"],
        "content_digest": run.content_digest,
        "families": sorted({item.family for item in run.items}),
        "excluded": list(status.failed_records()),
        "exceptions": [e.strip() for e in exceptions if e.strip()],
        "reviewers": sorted({name for item in run.items for name in item.reviewers}),
        "adjudicators": sorted(
            {s.adjudication.decision.reviewer for s in status.items if s.adjudication}
        ),
        "sample": run.plan["sampling"],
        "rubric": run.plan["rubric"],
        "agreement": status.agreement.to_dict(),
        "pass_rates": {
            family: {"passed": p, "decided": n, "rate": round(p / n, 4) if n else None}
            for family, (p, n) in status.pass_rates().items()
        },
        "min_pass_rate": run.config.min_pass_rate,
        "privacy_check": {
            **privacy,
            "sample_size": reviewed,
            "flagged": progress["pii_flagged"],
            "identifiers_found": progress["pii_confirmed"],
            "statement": bound_statement(reviewed, "escape")
            if progress["pii_confirmed"] == 0
            else f"{progress['pii_confirmed']} identifier(s) found in n = {reviewed}",
        },
        "progress": progress,
        "decisions_digest": decisions_digest(status.decisions),
        "signed_by": signer,
        "created": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def find_signoff(
    store: Store, qa_prefix: str, content_digest: str
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The sign-off records naming ``content_digest`` as (key, bytes), newest first, and the
    keys of sign-off records that cannot be read (each a sign of tampering)."""
    found: list[tuple[str, str, bytes]] = []
    unreadable: list[str] = []
    for name in list_runs(store, qa_prefix):
        key = run_folder(qa_prefix, name) + SIGNOFF_NAME
        try:
            data = store.read_bytes(key)
        except ObjectNotFoundError:
            continue
        try:
            record = codec.loads(data)
        except codec.DecodeError:
            unreadable.append(key)
            continue
        if not isinstance(record, dict):
            unreadable.append(key)
        elif record.get("content_digest") == content_digest:
            found.append((str(record.get("created", "")), key, data))
    return [(key, data) for _, key, data in sorted(found, reverse=True)], unreadable


def gather_evidence(
    store: Store,
    qa_prefix: str,
    content_digest: str,
    asked: QAConfig,
    *,
    families: Sequence[str] = (),
    rubric_digest: str | None = None,
) -> SignoffEvidence:
    """What the signoff gate judges for ``content_digest``, re-derived from the store and
    judged by ``asked``, the release config's QA settings (never the run's own): the newest
    sign-off naming the digest, its run's plan and sample checked against the run's log, every
    decision against the log and against the plan (reviews by assigned reviewers,
    adjudications by adjudicators who did not review the item), the decisions and exclusions
    against those signed, and the pass rates recomputed. ``families`` are those the release
    holds; ``rubric_digest`` the rubric the release config named."""
    found, unreadable = find_signoff(store, qa_prefix, content_digest)
    problems = [("tampered", f"{key} cannot be read") for key in unreadable]
    if not found:
        return SignoffEvidence(
            content_digest,
            problems=tuple(problems),
            min_pass_rate=asked.min_pass_rate,
            families=tuple(families),
        )
    key, data = found[0]
    record = codec.loads(data)
    run_name = str(record.get("run", ""))
    base = SignoffEvidence(
        content_digest,
        record,
        key,
        min_pass_rate=asked.min_pass_rate,
        families=tuple(families),
        record_bytes=data,
    )
    forget_cached()  # judge what the store holds now, not what this process read before
    try:
        problems += record_problems(store, qa_prefix, run_name, key, data)
        run = read_run(store, qa_prefix, run_name)
        sample_records(store, qa_prefix, run_name)  # its sha256 against the log
        status = run_status(store, qa_prefix, run)
        problems += _decision_problems(store, qa_prefix, run, status, record)
    except Exception as exc:  # noqa: BLE001 - evidence that cannot be read does not hold
        detail = exc.message if isinstance(exc, MhdsError) else type(exc).__name__
        problems.append(("tampered", f"QA run {run_name} cannot be read: {detail}"[:300]))
        return replace(base, problems=tuple(problems))
    if run.content_digest != content_digest:
        problems.append(("digest_mismatch", f"QA run {run_name} reviewed {run.content_digest}"))
    if rubric_digest is not None and run.plan["rubric"]["digest"] != rubric_digest:
        problems.append(("weaker_review", "the run's rubric is not the release config's"))
    problems += [("weaker_review", w) for w in weaker_settings(run.config, asked)]
    blocked: tuple[str, ...] = ()
    if asked.on_failed_item == "block_family":
        blocked = tuple(sorted({s.item.family for s in status.items if s.outcome == "fail"}))
    return replace(
        base,
        problems=tuple(problems),
        pass_rates=status.pass_rates(),
        excluded=status.failed_records(),
        blocked=blocked,
    )


def record_problems(
    store: Store, qa_prefix: str, run_name: str, key: str, data: bytes
) -> list[tuple[str, str]]:
    """The record against the run's log: exactly one ``qa_signoff`` entry, naming these
    bytes, after which no decision was logged."""
    try:
        log = AuditLog.open(store, audit_key(qa_prefix, run_name))
    except MhdsError as exc:
        return [("tampered", f"QA audit log of {run_name} does not verify: {exc.message}"[:300])]
    entries = list(log.entries)
    signed = [i for i, e in enumerate(entries) if e.action == "qa_signoff"]
    if len(signed) != 1 or key not in entries[signed[0]].outputs:
        return [("tampered", f"{key}: the run's log holds {len(signed)} sign-off entries")]
    if entries[signed[0]].decisions.get("sha256") != hashlib.sha256(data).hexdigest():
        return [("tampered", f"{key} changed since it was signed")]
    if any(e.action == "qa_decision" for e in entries[signed[0] :]):
        return [("tampered", f"decisions were logged after {key} was signed")]
    return []


def _decision_problems(
    store: Store, qa_prefix: str, run: QARun, status: RunStatus, record: dict[str, Any]
) -> list[tuple[str, str]]:
    """Decisions against the log, the plan's assignments, the roles, and the record."""
    problems = verify_decisions(store, qa_prefix, run.name)
    if decisions_digest(status.decisions) != record.get("decisions_digest"):
        problems.append(("tampered", f"the decisions of {run.name} differ from those signed"))
    if list(status.failed_records()) != list(record.get("excluded", [])):
        problems.append(("tampered", "the excluded items differ from those signed"))
    reviewers = load_reviewers(store, qa_prefix)
    signer = reviewers.get(str(record.get("signed_by")))
    if signer is None or signer.role != "adjudicator":
        problems.append(("tampered", "the record is not signed by a registered adjudicator"))
    for state in status.items:
        for name, stored in state.reviews.items():
            if stored.decision.kind != "review" or name not in state.item.reviewers:
                problems.append(("tampered", f"{stored.key}: not a review by an assigned reviewer"))
        adjudication = state.adjudication
        if adjudication is None:
            continue
        by = reviewers.get(adjudication.decision.reviewer)
        if by is None or by.role != "adjudicator" or by.name in state.item.reviewers:
            problems.append(("tampered", f"{adjudication.key}: not an independent adjudicator's"))
    return problems
