"""The decision log: every review and adjudication is one write-once object in the store,
never edited.

A decision lives at ``qa/<run>/decisions/<item>/<decision-id>.json``, its id the sha256 of its
canonical body. A revision is a new decision that names the one it ``supersedes``; the old one
stays. Each decision is also appended to the QA run's hash-chained audit log
(``qa/<run>/audit.jsonl``) with its key and sha256 (never its scores' reasons or notes), so
``verify_decisions`` finds a changed, removed or slipped-in decision, and ``mhds audit
verify`` a changed log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mhds.audit import AuditLog
from mhds.errors import MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.records import codec
from mhds.store.base import ObjectInfo, Store
from mhds.store.uri import join_key

Kind = Literal["review", "adjudication"]
Outcome = Literal["pass", "fail"]
DECISIONS_FOLDER = "decisions"
AUDIT_NAME = "audit.jsonl"
SIGNOFF_NAME = "signoff.json"
LOCK_NAME = "writer.lock"
LOCK_STALE_SECONDS = 120.0
LOCK_WAIT_SECONDS = 20.0
MAX_NOTE_CHARS = 4000
_LOCK = threading.Lock()
log = logging.getLogger(__name__)
_CACHE: dict[tuple[Any, ...], bytes] = {}
_CACHE_ENTRIES = 50_000


class DecisionError(MhdsError):
    """A decision was refused (not assigned, not current, malformed); nothing was written."""

    exit_code = 2


@dataclass(frozen=True)
class Decision:
    """One reviewer's judgement of one item.

    ``scores`` are the rubric's criteria (0-10); ``outcome`` is what the rubric's pass rule
    made of them (a review) or what the adjudicator decided (an adjudication). ``pii_found``
    answers the privacy question, with the ``pii_span`` quoted when yes. ``supersedes`` names
    the decision this one revises; an adjudication ``resolves`` the review decisions it was
    made on (when a review changes after it, the item is adjudicated again).
    """

    run: str
    item_id: str
    reviewer: str
    role: str
    kind: Kind
    outcome: Outcome
    scores: Mapping[str, float] = field(default_factory=dict)
    weighted: float | None = None
    pii_found: bool = False
    pii_span: str = ""
    notes: str = ""
    supersedes: str | None = None
    resolves: tuple[str, ...] = ()
    rubric_digest: str = ""
    source: str = "web"
    created: str = ""

    def body(self) -> dict[str, Any]:
        """The canonical JSON body (what the id hashes)."""
        return {
            "run": self.run,
            "item_id": self.item_id,
            "reviewer": self.reviewer,
            "role": self.role,
            "kind": self.kind,
            "outcome": self.outcome,
            "scores": {k: float(v) for k, v in sorted(self.scores.items())},
            "weighted": self.weighted,
            "pii_found": self.pii_found,
            "pii_span": self.pii_span,
            "notes": self.notes,
            "supersedes": self.supersedes,
            "resolves": sorted(self.resolves),
            "rubric_digest": self.rubric_digest,
            "source": self.source,
            "created": self.created,
        }

    @property
    def decision_id(self) -> str:
        """``dec-`` + the first 24 hex of the body's sha256."""
        return "dec-" + hashlib.sha256(codec.canonical_json(self.body())).hexdigest()[:24]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Parse a stored or imported decision.

        Raises:
            DecisionError: a field is missing or has the wrong type (naming it).
        """
        try:
            kind = data["kind"]
            outcome = data["outcome"]
            if kind not in ("review", "adjudication") or outcome not in ("pass", "fail"):
                raise DecisionError("kind must be review|adjudication, outcome pass|fail")
            scores = data.get("scores") or {}
            if not isinstance(scores, Mapping):
                raise DecisionError("scores must be an object of criterion -> score")
            weighted = data.get("weighted")
            return cls(
                run=str(data["run"]),
                item_id=str(data["item_id"]),
                reviewer=str(data["reviewer"]),
                role=str(data.get("role", "reviewer")),
                kind=kind,
                outcome=outcome,
                scores={str(k): float(v) for k, v in scores.items()},
                weighted=None if weighted is None else float(weighted),
                pii_found=bool(data.get("pii_found", False)),
                pii_span=str(data.get("pii_span") or ""),
                notes=str(data.get("notes") or ""),
                supersedes=data.get("supersedes"),
                resolves=tuple(str(i) for i in data.get("resolves") or ()),
                rubric_digest=str(data.get("rubric_digest", "")),
                source=str(data.get("source", "import")),
                created=str(data.get("created", "")),
            )
        except KeyError as exc:
            raise DecisionError(f"decision has no field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise DecisionError(f"decision has a malformed field ({type(exc).__name__})") from None


@dataclass(frozen=True)
class StoredDecision:
    """A decision as found in the store: its key, the sha256 of its bytes, and itself."""

    key: str
    sha256: str
    decision: Decision

    @property
    def decision_id(self) -> str:
        """The id in its key (``.../<item>/<id>.json``)."""
        return self.key.rsplit("/", 1)[-1].removesuffix(".json")


def run_folder(qa_prefix: str, run: str) -> str:
    """``qa/<run>/``."""
    return join_key(qa_prefix, run) + "/"


def audit_key(qa_prefix: str, run: str) -> str:
    """The QA run's audit log."""
    return join_key(qa_prefix, run, AUDIT_NAME)


def decision_key(qa_prefix: str, decision: Decision) -> str:
    """``qa/<run>/decisions/<item>/<decision-id>.json``."""
    return join_key(
        qa_prefix, decision.run, DECISIONS_FOLDER, decision.item_id, f"{decision.decision_id}.json"
    )


def utc_now() -> str:
    """Now, as decisions record it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_decision(store: Store, qa_prefix: str, decision: Decision) -> StoredDecision:
    """Write ``decision`` once and append it to the run's audit log.

    The caller has checked it against the plan (``mhds.qa.review.submit_*``); this checks that
    the run is not signed off and that the decision revises the current one it replaces (the
    reviewer's review of the item, or the item's adjudication, whoever made it), or is the
    first. When the log cannot take the entry (another process wrote to it meanwhile), the
    object is removed again: a decision is either stored and logged, or neither.

    Raises:
        DecisionError: the run is signed off, it does not supersede the current decision
            (another revision came first), or the same decision exists.
    """
    with _LOCK, run_lock(store, qa_prefix, decision.run):
        if store.exists(join_key(qa_prefix, decision.run, SIGNOFF_NAME)):
            raise DecisionError(f"QA run {decision.run} is signed off: decisions are closed")
        current = current_decisions(load_decisions(store, qa_prefix, decision.run))
        if decision.kind == "adjudication":
            mine = item_adjudications(current).get(decision.item_id)
        else:
            mine = current.get((decision.item_id, decision.reviewer, decision.kind))
        expected = mine.decision_id if mine else None
        if decision.supersedes != expected:
            raise DecisionError(
                f"item {decision.item_id}: the current {decision.kind} is {expected or 'none'}, "
                f"this decision supersedes {decision.supersedes or 'none'} (reload and retry)"
            )
        key = decision_key(qa_prefix, decision)
        data = codec.dumps(decision.body(), indent=True) + b"\n"
        try:
            store.put_if_absent(key, data)
        except ObjectExistsError:
            raise DecisionError(f"decision {decision.decision_id} exists already") from None
        sha = hashlib.sha256(data).hexdigest()
        try:
            AuditLog.open(store, audit_key(qa_prefix, decision.run)).append(
                "qa_decision",
                outputs=[key],
                decisions={
                    "decision_id": decision.decision_id,
                    "item_id": decision.item_id,
                    "reviewer": decision.reviewer,
                    "kind": decision.kind,
                    "outcome": decision.outcome,
                    "supersedes": decision.supersedes,
                    "sha256": sha,
                },
            )
        except MhdsError:
            store.delete(key)
            raise
        return StoredDecision(key, sha, decision)


@contextmanager
def run_lock(store: Store, qa_prefix: str, run: str) -> Iterator[None]:
    """Hold the QA run's writer lock (``qa/<run>/writer.lock``, a write-once object) for a
    short critical section: a review page, an import and a sign-off in other processes, or on
    other machines, take turns instead of racing on the run's log. A lock older than
    ``LOCK_STALE_SECONDS`` belonged to a writer that died and is broken.

    Raises:
        DecisionError: another writer held it for ``LOCK_WAIT_SECONDS``.
    """
    key = join_key(qa_prefix, run, LOCK_NAME)
    token = secrets.token_hex(8)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            store.put_if_absent(key, codec.dumps({"token": token, "pid": os.getpid()}))
            break
        except ObjectExistsError:
            if _lock_age(store, key) > LOCK_STALE_SECONDS:
                log.warning("QA run %s: breaking a writer lock left by a dead writer", run)
                _delete_quietly(store, key)
                continue
            if time.monotonic() > deadline:
                raise DecisionError(
                    f"QA run {run}: another process is writing to it; try again"
                ) from None
            time.sleep(0.1)
    try:
        yield
    finally:
        try:
            if codec.loads(store.read_bytes(key)).get("token") == token:
                store.delete(key)
        except ObjectNotFoundError:
            pass


def _lock_age(store: Store, key: str) -> float:
    try:
        moment = store.head(key).last_modified
    except ObjectNotFoundError:
        return 0.0
    if moment is None:
        return 0.0
    return (datetime.now(UTC) - moment).total_seconds()


def _delete_quietly(store: Store, key: str) -> None:
    with suppress(ObjectNotFoundError):
        store.delete(key)


def load_decisions(
    store: Store, qa_prefix: str, run: str, *, cached: bool = True
) -> list[StoredDecision]:
    """Every decision object of the run, by key. Objects are write-once, so their bytes are
    kept in memory by (store, key, size, etag, time) and a listing is all a repeated call
    reads again (the review page calls this on every request); an object changed in place
    has another etag or time and is read afresh. ``cached=False`` reads every object (what
    the checks of a sign-off do).

    Raises:
        DecisionError: an object does not parse (naming its key).
    """
    prefix = join_key(qa_prefix, run, DECISIONS_FOLDER) + "/"
    found = []
    for info in store.list(prefix):
        data = _read_cached(store, info) if cached else store.read_bytes(info.key)
        try:
            decision = Decision.from_dict(codec.loads(data))
        except codec.DecodeError:
            raise DecisionError(f"{info.key} is not JSON") from None
        except DecisionError as exc:
            raise DecisionError(f"{info.key}: {exc.message}") from None
        found.append(StoredDecision(info.key, hashlib.sha256(data).hexdigest(), decision))
    return sorted(found, key=lambda d: d.key)


def forget_cached() -> None:
    """Drop the decision bytes kept in memory (the next reads go to the store)."""
    _CACHE.clear()


def _read_cached(store: Store, info: ObjectInfo) -> bytes:
    key = (store.uri, info.key, info.size, info.etag, info.last_modified)
    data = _CACHE.get(key)
    if data is None:
        data = store.read_bytes(info.key)
        if len(_CACHE) >= _CACHE_ENTRIES:
            _CACHE.clear()
        _CACHE[key] = data
    return data


def current_decisions(
    decisions: Iterable[StoredDecision],
) -> dict[tuple[str, str, str], StoredDecision]:
    """(item, reviewer, kind) -> the decision no other supersedes."""
    stored = list(decisions)
    superseded = {d.decision.supersedes for d in stored if d.decision.supersedes}
    current: dict[tuple[str, str, str], StoredDecision] = {}
    for d in sorted(stored, key=lambda d: (d.decision.created, d.key)):
        if d.decision_id in superseded:
            continue
        current[(d.decision.item_id, d.decision.reviewer, d.decision.kind)] = d
    return current


def item_adjudications(
    current: Mapping[tuple[str, str, str], StoredDecision],
) -> dict[str, StoredDecision]:
    """item -> its current adjudication (the newest, whichever adjudicator made it)."""
    found: dict[str, StoredDecision] = {}
    ordered = sorted(current.items(), key=lambda kv: (kv[1].decision.created, kv[1].key))
    for (item_id, _, kind), stored in ordered:
        if kind == "adjudication":
            found[item_id] = stored
    return found


def verify_decisions(store: Store, qa_prefix: str, run: str) -> list[tuple[str, str]]:
    """Compare the decision objects with the run's audit log: ``(check, detail)`` for each
    object changed since it was logged, logged but missing, or present but never logged, and
    for a log that does not verify. Empty when all is intact. Details name keys, never text.
    """
    try:
        log = AuditLog.open(store, audit_key(qa_prefix, run))
    except MhdsError as exc:
        return [("tampered", f"QA audit log of {run} does not verify: {exc.message}"[:300])]
    logged = {
        entry.outputs[0]: str(entry.decisions["sha256"])
        for entry in log.entries
        if entry.action == "qa_decision" and entry.outputs
    }
    problems: list[tuple[str, str]] = []
    try:
        stored = {d.key: d.sha256 for d in load_decisions(store, qa_prefix, run, cached=False)}
    except DecisionError as exc:
        return [("tampered", exc.message[:300])]
    for key in sorted(logged.keys() | stored.keys()):
        if key not in stored:
            problems.append(("tampered", f"{key} is logged but missing"))
        elif key not in logged:
            problems.append(("tampered", f"{key} was never logged"))
        elif logged[key] != stored[key]:
            problems.append(("tampered", f"{key} changed since it was logged"))
    return problems


def decisions_digest(decisions: Iterable[StoredDecision]) -> str:
    """``sha256:`` over the sorted (key, sha256) of every decision: what a sign-off covers."""
    body = sorted([d.key, d.sha256] for d in decisions)
    return "sha256:" + hashlib.sha256(codec.canonical_json({"decisions": body})).hexdigest()


def check_note(text: str, what: str = "notes") -> str:
    """``text`` stripped, refused past ``MAX_NOTE_CHARS``.

    Raises:
        DecisionError: too long.
    """
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise DecisionError(f"{what}: at most {MAX_NOTE_CHARS} characters")
    return text
