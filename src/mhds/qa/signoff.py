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
from datetime import UTC, datetime
from typing import Any

from mhds.audit import AuditLog
from mhds.errors import MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.gates.signoff import SignoffEvidence
from mhds.qa.config import QAConfig, bound_statement
from mhds.qa.decisions import audit_key, decisions_digest, run_folder, verify_decisions
from mhds.qa.review import RunStatus, run_status
from mhds.qa.reviewers import get_reviewer
from mhds.qa.run import QARun, list_runs, read_run
from mhds.records import codec
from mhds.store.base import Store

SIGNOFF_NAME = "signoff.json"


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
    AuditLog.open(store, audit_key(qa_prefix, run_name)).append(
        "qa_signoff",
        outputs=[key],
        counts={"items": len(run.items), "excluded": len(record["excluded"])},
        decisions={
            "content_digest": run.content_digest,
            "signed_by": signer.name,
            "decisions_digest": record["decisions_digest"],
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return record


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


def find_signoff(store: Store, qa_prefix: str, content_digest: str) -> tuple[str, bytes] | None:
    """The newest sign-off record naming ``content_digest``: (its key, its bytes), or None."""
    found: list[tuple[str, str, bytes]] = []
    for name in list_runs(store, qa_prefix):
        key = run_folder(qa_prefix, name) + SIGNOFF_NAME
        try:
            data = store.read_bytes(key)
        except ObjectNotFoundError:
            continue
        try:
            record = codec.loads(data)
        except codec.DecodeError:
            continue
        if isinstance(record, dict) and record.get("content_digest") == content_digest:
            found.append((str(record.get("created", "")), key, data))
    if not found:
        return None
    _, key, data = max(found)
    return key, data


def gather_evidence(
    store: Store, qa_prefix: str, content_digest: str, config: QAConfig
) -> SignoffEvidence:
    """What the signoff gate judges for ``content_digest``, re-derived from the store."""
    found = find_signoff(store, qa_prefix, content_digest)
    if found is None:
        return SignoffEvidence(content_digest, min_pass_rate=config.min_pass_rate)
    key, data = found
    record = codec.loads(data)
    run_name = str(record.get("run", ""))
    problems = list(_record_problems(store, qa_prefix, run_name, key, data))
    try:
        run = read_run(store, qa_prefix, run_name)
        status = run_status(store, qa_prefix, run)
    except MhdsError as exc:
        problems.append(("tampered", f"QA run {run_name} cannot be read: {exc.message}"[:300]))
        return SignoffEvidence(
            content_digest, record, key, tuple(problems), min_pass_rate=config.min_pass_rate
        )
    problems += verify_decisions(store, qa_prefix, run_name)
    if decisions_digest(status.decisions) != record.get("decisions_digest"):
        problems.append(("tampered", f"the decisions of {run_name} differ from those signed"))
    if run.content_digest != content_digest:
        problems.append(("digest_mismatch", f"QA run {run_name} reviewed {run.content_digest}"))
    excluded = status.failed_records()
    if list(excluded) != list(record.get("excluded", [])):
        problems.append(("tampered", "the excluded items differ from those signed"))
    blocked: tuple[str, ...] = ()
    if run.config.on_failed_item == "block_family":
        blocked = tuple(sorted({s.item.family for s in status.items if s.outcome == "fail"}))
    return SignoffEvidence(
        content_digest,
        record,
        key,
        tuple(problems),
        status.pass_rates(),
        run.config.min_pass_rate,
        excluded,
        blocked,
    )


def _record_problems(
    store: Store, qa_prefix: str, run_name: str, key: str, data: bytes
) -> list[tuple[str, str]]:
    """The record against its ``qa_signoff`` entry in the run's log."""
    try:
        log = AuditLog.open(store, audit_key(qa_prefix, run_name))
    except MhdsError as exc:
        return [("tampered", f"QA audit log of {run_name} does not verify: {exc.message}"[:300])]
    entries = [e for e in log.entries if e.action == "qa_signoff" and key in e.outputs]
    if not entries:
        return [("tampered", f"{key} was never logged")]
    if entries[-1].decisions.get("sha256") != hashlib.sha256(data).hexdigest():
        return [("tampered", f"{key} changed since it was signed")]
    return []
