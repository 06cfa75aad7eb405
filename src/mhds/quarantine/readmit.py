"""Re-admission: a reviewer's recorded decision that a record held by the PII review may ship.

Only a residual-scan finding (``pii_residual``: the strict scan read "mom.listen" as a web
address) or an uncertain span under the ``uncertain: review`` policy (``pii_uncertain``: the
engine was unsure a word is a name; a re-admitted record ships with it redacted) is a
judgement a person can overrule. Input errors are fixed at the source and
re-ingested; detector errors are re-run; duplicates follow the dedup policy. A decision is
written once, to ``<layout.quarantine>readmitted/<record-id>/<hash>.json``, after its entry in a
hash-chained audit log (``<layout.audit>quarantine-<time>-<hex>.jsonl``); the build reads
every decision with ``load_readmissions`` and hands them to the PII step, which ships a
re-admitted record only while its content hash is the one reviewed and its residual findings
lie within the reviewed categories and parts. One decision per record content: a changed
record can be re-admitted again, under its new hash.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from mhds.audit import AuditLog
from mhds.errors import ObjectExistsError, ObjectNotFoundError
from mhds.quarantine.items import QuarantineError, QuarantineItem, readmitted_prefix
from mhds.quarantine.raw import find_record
from mhds.records import codec
from mhds.registry.schema import Layout
from mhds.steps.pii.step import parse_residual_finding
from mhds.store.base import Store
from mhds.store.uri import join_key

READMITTABLE_REASONS = frozenset({"pii_residual", "pii_uncertain"})
HASH_PREFIX = "sha256:"
# Record parts outside the messages: the release's PII gate scans them in every shipped record
# whatever a review decided, so a finding there cannot be overruled here.
GATED_PARTS = frozenset({"attributes", "group_id", "source_key"})
AUDIT_ACTION = "quarantine_readmit"
MAX_WHO = 100
MAX_WHY = 2000

Clock = Callable[[], datetime]


class Readmission(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One reviewer decision (never record text; ``why`` is the reviewer's own words).

    Attributes:
        record_id: the re-admitted record.
        content_hash: its content hash as quarantined: the decision covers only this content.
        reason: why it was quarantined (``pii_residual``).
        categories: the PII categories the residual scan reported, when known.
        build_id: the build whose quarantine entry was reviewed.
        quarantine_key: that entry's object ...
        line: ... and line.
        who: the reviewer.
        why: the reviewer's reason.
        time: when (UTC, ISO 8601, ``Z``).
        audit_key: the audit log that records the decision ...
        audit_hash: ... and the hash of its entry there.
    """

    record_id: str
    content_hash: str
    reason: str
    categories: str | None
    build_id: str
    quarantine_key: str
    line: int
    who: str
    why: str
    time: str
    audit_key: str
    audit_hash: str


def refusal(item: QuarantineItem) -> str | None:
    """Why ``item`` cannot be re-admitted and what to do instead; None when it can."""
    if item.reason in READMITTABLE_REASONS and item.kind == "record":
        if not _found_in(item):
            return (
                "its quarantine entry does not say what the residual scan found and where, so "
                "a decision could not be bound to it: run the build again to quarantine it "
                "with its finding"
            )
        gated = sorted(_found_in(item) & GATED_PARTS)
        if not gated:
            return None
        return (
            f"the residual finding is in {', '.join(gated)}, which the release's PII gate "
            "scans in every shipped record whatever a review decides: re-admitting it would "
            "stop the release. Fix that value at the source (or leave the attribute out of "
            "attribute_fields) and re-ingest"
        )
    if item.kind == "input":
        where = f"{item.source_key or item.store_key}:{item.source_line or item.locator}"
        field = f", field {item.field}" if item.field else ""
        return (
            f"it was rejected at input ({item.reason}): only records held by the PII review "
            f"(pii_residual, pii_uncertain) can be re-admitted. Fix the source item at "
            f"{where}{field} and re-ingest it (mhds ingest --source {item.source_id or 'SOURCE'})"
        )
    if item.reason == "pii_detector_error":
        return (
            "the PII detector failed on it (pii_detector_error): nothing was judged, so there "
            "is nothing to overrule. Run the build again; a lasting failure is a bug to report"
        )
    if item.reason.startswith("safety_"):
        return (
            f"the crisis safety rules failed it ({item.reason}): a chat that breaks a red rule "
            "is never re-admitted. Generate it again, or fix the rules if they are wrong "
            "(docs/crisis.md)"
        )
    if item.reason in ("exact_duplicate", "near_duplicate"):
        return (
            f"it is a duplicate ({item.reason}): the de-duplication policy removed it, not a "
            "review. Change the dedup configuration instead"
        )
    return (
        f"its reason ({item.reason}) is not a review finding: only pii_residual and "
        "pii_uncertain records can be re-admitted"
    )


def readmission_key(layout: Layout, record_id: str, content_hash: str) -> str:
    """Where the decision for ``record_id`` with ``content_hash`` is stored."""
    digest = content_hash.removeprefix(HASH_PREFIX)
    return join_key(readmitted_prefix(layout), record_id, f"{digest}.json")


def read_readmission(
    store: Store, layout: Layout, record_id: str, content_hash: str
) -> Readmission | None:
    """The decision for ``record_id`` as it was with ``content_hash``, or None.

    Raises:
        QuarantineError: the stored decision is malformed.
    """
    key = readmission_key(layout, record_id, content_hash)
    try:
        data = store.read_bytes(key)
    except ObjectNotFoundError:
        return None
    return _decode(data, key, record_id, content_hash)


def list_readmissions(store: Store, layout: Layout) -> list[Readmission]:
    """Every stored decision, by record id and content hash.

    Raises:
        QuarantineError: a decision is malformed, or stored under another record's name.
    """
    prefix = readmitted_prefix(layout)
    decisions: list[Readmission] = []
    for info in store.list(prefix):
        record_id, _, name = info.key[len(prefix) :].rpartition("/")
        if not name.endswith(".json"):
            continue
        content_hash = HASH_PREFIX + name[: -len(".json")]
        decisions.append(_decode(store.read_bytes(info.key), info.key, record_id, content_hash))
    return decisions


def load_readmissions(store: Store, layout: Layout) -> dict[tuple[str, str], str]:
    """(record id, content hash) -> the residual finding reviewed (``URL in user``), for every
    decision: what ``PIIRedactor(readmitted=...)`` and ``RecordStepsUnit.readmitted`` take.

    Raises:
        QuarantineError: a decision is malformed (a build must not guess: it stops).
    """
    return {
        (d.record_id, d.content_hash): d.categories or "" for d in list_readmissions(store, layout)
    }


def readmit(
    store: Store,
    layout: Layout,
    item: QuarantineItem,
    *,
    who: str,
    why: str,
    clock: Clock | None = None,
) -> Readmission:
    """Record a reviewer's decision to re-admit ``item``: audit entry first, then the
    write-once decision (a decision never exists without its audit entry).

    Raises:
        QuarantineError: the item cannot be re-admitted (the message says what to do
            instead), was re-admitted before, or ``who``/``why`` are blank or too long.
    """
    record_id = item.record_id
    if (problem := refusal(item)) is not None or record_id is None:
        raise QuarantineError(f"cannot be re-admitted: {problem}", item=record_id or item.ref)
    who, why = _check_words(who, why, record_id)
    content_hash = item.content_hash or _hash_from_shard(store, layout, item)
    key = readmission_key(layout, record_id, content_hash)
    if (earlier := read_readmission(store, layout, record_id, content_hash)) is not None:
        raise _already(record_id, earlier, store.url_for(key))
    now = (clock or _utc_now)()
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    audit_key = join_key(layout.audit, f"quarantine-{stamp}-{secrets.token_hex(3)}.jsonl")
    audit = AuditLog.open(store, audit_key, clock=lambda: now)
    fields: dict[str, Any] = {
        "record_id": record_id,
        "content_hash": content_hash,
        "reason": item.reason,
        "categories": item.categories,
        "build_id": item.build_id,
        "quarantine_key": item.key,
        "line": item.line,
        "who": who,
        "why": why,
    }
    entry = audit.append(AUDIT_ACTION, inputs=[item.ref], outputs=[key], decisions=fields)
    decision = Readmission(**fields, time=entry.time, audit_key=audit_key, audit_hash=entry.hash)
    try:
        store.put_if_absent(key, codec.dumps(msgspec.to_builtins(decision), indent=True))
    except ObjectExistsError:
        earlier = read_readmission(store, layout, record_id, content_hash)
        raise _already(record_id, earlier, store.url_for(key)) from None
    return decision


def _check_words(who: str, why: str, ref: str) -> tuple[str, str]:
    who, why = who.strip(), why.strip()
    if not who or not why:
        raise QuarantineError("a decision needs --who and --why (not blank)", item=ref)
    if len(who) > MAX_WHO or "\n" in who:
        raise QuarantineError(f"--who must be one line of at most {MAX_WHO} characters", item=ref)
    if len(why) > MAX_WHY:
        raise QuarantineError(f"--why must be at most {MAX_WHY} characters", item=ref)
    return who, why


def _hash_from_shard(store: Store, layout: Layout, item: QuarantineItem) -> str:
    """The content hash of an entry written before entries carried one: from its shard."""
    found = find_record(store, layout, item)
    if found is None:
        raise QuarantineError(
            "its entry has no content hash and no processed shard holds the record; run the "
            "build again to quarantine it with one",
            item=item.record_id or item.ref,
        )
    return found[0].metadata.content_hash


def _already(record_id: str, earlier: Readmission | None, where: str) -> QuarantineError:
    by = f" by {earlier.who} at {earlier.time}" if earlier else ""
    return QuarantineError(f"already re-admitted{by} (decision {where})", item=record_id)


def _decode(data: bytes, key: str, record_id: str, content_hash: str) -> Readmission:
    try:
        decision = msgspec.json.decode(data, type=Readmission)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise QuarantineError(
            f"decision {key} is malformed ({type(exc).__name__})", item=record_id
        ) from None
    if decision.record_id != record_id or decision.content_hash != content_hash:
        raise QuarantineError(f"decision {key} names another record", item=record_id)
    return decision


def _found_in(item: QuarantineItem) -> set[str]:
    """The kinds of record part the residual scan reported (``URL in user,attributes``)."""
    return set(parse_residual_finding(item.categories)[1])


def _utc_now() -> datetime:
    return datetime.now(UTC)
