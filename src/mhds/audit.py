"""Append-only, hash-chained audit log of one build, kept as JSONL in the store.

Each entry records what a build did (action, input and output keys, counts, decisions, waivers,
config hash) and chains to the entry before it by hash, so an edited, deleted, reordered or
inserted entry is detected. Entries never hold record text: only keys, counts, reason codes and
decisions, and their values must be plain JSON (str, int, float, bool, None, list, dict).

A chain alone cannot reveal a cut tail, so every append also writes the head hash into a sidecar
``<key>.head``, and a release manifest records the head it saw; ``verify_audit_log`` checks both
(the manifest's head through ``expected_head``). ``locate_audit_log`` turns the path or URL
that ingest and build print back into a store and a key.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from mhds.errors import ConfigError, MhdsError, ObjectExistsError, ObjectNotFoundError
from mhds.records import codec
from mhds.records.codec import canonical_json
from mhds.store.base import Store
from mhds.store.uri import check_key, parse_uri, redact_uri

HASH_PREFIX = "sha256:"
GENESIS_HASH = HASH_PREFIX + "0" * 64
HEAD_SUFFIX = ".head"
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_JSON_TYPES = "str, int, float, bool, None, list or dict"

Clock = Callable[[], datetime]


class AuditLogError(MhdsError):
    """An audit log is tampered with, was changed by another writer, or got a bad value.

    Attributes:
        key: the store key of the log.
        seq: the first entry at fault, when one is.
    """

    def __init__(self, message: str, *, key: str, seq: int | None = None) -> None:
        super().__init__(f"audit log {key}: {message}", key=key, seq=seq)
        self.key = key
        self.seq = seq


class AuditEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of the log.

    Attributes:
        seq: position in the log, from 0.
        time: when it was appended (UTC, ISO 8601, ``Z``).
        action: what was done (``ingest``, ``gate:pii``, ``publish`` ...).
        inputs: store keys read.
        outputs: store keys written.
        counts: named counts (records in, out, quarantined ...).
        decisions: what was decided, as plain JSON (never record text).
        waivers: waivers applied (who, why, scope).
        config_hash: hash of the configuration in force, if any.
        prev_hash: ``hash`` of the entry before (``GENESIS_HASH`` for the first).
        hash: ``sha256:`` + hex sha256 of the canonical JSON of every other field.
    """

    seq: int
    time: str
    action: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    counts: dict[str, int]
    decisions: dict[str, Any]
    waivers: tuple[dict[str, Any], ...]
    config_hash: str | None
    prev_hash: str
    hash: str


class AuditVerification(msgspec.Struct, frozen=True):
    """The outcome of checking one log.

    Attributes:
        ok: whether every check passed.
        entries: lines in the log (well-formed or not).
        first_bad_seq: position of the first entry at fault (for a cut tail: the first
            missing one), or None.
        problem: what is wrong (``hash mismatch at entry 3``), or None.
        head: hash of the last entry when ``ok`` and the log is not empty, else None.
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head: str | None = None


class AuditLog:
    """The audit log of one build; open it with ``AuditLog.open``.

    Each ``append`` rewrites the whole object (S3 has no append) after checking that the stored
    log is still exactly what this writer last saw, so a concurrent writer or tampering fails
    loudly instead of being overwritten. One writer per build is the contract; the check
    detects a second one, and the first append is write-once (``put_if_absent``).
    """

    def __init__(
        self, store: Store, key: str, entries: list[AuditEntry], data: bytes, clock: Clock
    ) -> None:
        self._store = store
        self._key = key
        self._entries = entries
        self._data = data
        self._clock = clock

    @classmethod
    def open(cls, store: Store, key: str, *, clock: Clock | None = None) -> AuditLog:
        """Load and verify the log at ``key``, or start an empty one if there is none.

        Args:
            store: where the log lives.
            key: ``<layout.audit><build_id>.jsonl``.
            clock: returns the current time (timezone-aware); defaults to UTC now.

        Raises:
            AuditLogError: the stored log (or its head sidecar) does not verify.
        """
        now = clock or _utc_now
        if not store.exists(key):
            if store.exists(key + HEAD_SUFFIX):
                raise AuditLogError("log is missing but its head sidecar exists", key=key, seq=0)
            return cls(store, key, [], b"", now)
        data = store.read_bytes(key)
        result, entries = _verify(data, None, _read_sidecar(store, key))
        if not result.ok:
            raise AuditLogError(result.problem or "invalid", key=key, seq=result.first_bad_seq)
        return cls(store, key, entries, data, now)

    @property
    def key(self) -> str:
        """The store key of the log."""
        return self._key

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        """Every entry, in order."""
        return tuple(self._entries)

    @property
    def head(self) -> str:
        """Hash of the last entry (``GENESIS_HASH`` while empty)."""
        return self._entries[-1].hash if self._entries else GENESIS_HASH

    def __len__(self) -> int:
        return len(self._entries)

    def append(
        self,
        action: str,
        *,
        inputs: Sequence[str] = (),
        outputs: Sequence[str] = (),
        counts: Mapping[str, int] | None = None,
        decisions: Mapping[str, Any] | None = None,
        waivers: Sequence[Mapping[str, Any]] = (),
        config_hash: str | None = None,
    ) -> AuditEntry:
        """Add one entry and persist the log (and its head sidecar) before returning.

        Values must be plain JSON; pass keys, counts and reason codes, never record text.

        Returns:
            The entry as stored.

        Raises:
            AuditLogError: a value is not plain JSON, or the stored log changed since this
                writer last read it (nothing is written then).
        """
        for name, values in (("inputs", inputs), ("outputs", outputs)):
            if isinstance(values, str | bytes):
                raise AuditLogError(f"{name}: pass a list of keys, not one string", key=self._key)
        moment = self._clock().astimezone(UTC).isoformat(timespec="microseconds")
        body: dict[str, Any] = {
            "seq": len(self._entries),
            "time": moment.replace("+00:00", "Z"),
            "action": action,
            "inputs": list(inputs),
            "outputs": list(outputs),
            "counts": dict(counts or {}),
            "decisions": dict(decisions or {}),
            "waivers": [dict(w) if isinstance(w, Mapping) else w for w in waivers],
            "config_hash": config_hash,
            "prev_hash": self.head,
        }
        if problem := _check_body(body):
            raise AuditLogError(problem, key=self._key, seq=len(self._entries))
        body["hash"] = _entry_hash(body)
        line = canonical_json(body) + b"\n"
        entry = msgspec.convert(codec.loads(line), AuditEntry, strict=True)
        self._persist(self._data + line)
        self._entries.append(entry)
        self._data += line
        self._store.write_bytes(self._key + HEAD_SUFFIX, _sidecar(len(self._entries), entry.hash))
        return entry

    def _persist(self, data: bytes) -> None:
        if not self._entries:
            try:
                self._store.put_if_absent(self._key, data)
            except ObjectExistsError:
                raise AuditLogError(
                    "another writer created the log (concurrent writer)", key=self._key, seq=0
                ) from None
            return
        try:
            current: bytes | None = self._store.read_bytes(self._key)
        except ObjectNotFoundError:
            current = None
        if current != self._data:
            raise AuditLogError(
                "stored log changed since it was last read (concurrent writer or tampering); "
                "nothing written",
                key=self._key,
                seq=len(self._entries),
            )
        self._store.write_bytes(self._key, data)


def verify_audit_log(
    store: Store, key: str, *, expected_head: str | None = None
) -> AuditVerification:
    """Check the log at ``key`` and its head sidecar (when present).

    Args:
        store: where the log lives.
        key: the log's key.
        expected_head: the head hash the log must end with (a release manifest records it);
            the only defence against a cut tail when the sidecar was cut too.
    """
    sidecar = _read_sidecar(store, key)
    if not store.exists(key):
        problem = "audit log not found" if sidecar is None else "audit log missing, sidecar present"
        return AuditVerification(ok=False, entries=0, first_bad_seq=0, problem=problem)
    result, _ = _verify(store.read_bytes(key), expected_head, sidecar)
    return result


def locate_audit_log(
    target: str, *, store: str | None = None, audit_prefix: str = "audit/"
) -> tuple[str | None, str]:
    """Where an audit log is: ``(store URI, key)``.

    Args:
        target: a key inside ``store`` (``audit/<build-id>.jsonl``), or the log's own path or
            URL as ingest and build print it (``/abs/store/audit/<build-id>.jsonl``,
            ``file://...``, ``s3://bucket/prefix/audit/<build-id>.jsonl``).
        store: the store the log is in. For a path or URL it is optional: without it, the
            store is the folder above the last ``audit_prefix`` segment of the path.
        audit_prefix: the registry layout's audit prefix (``audit/``).

    Returns:
        The store URI (None: a key in the default store) and the log's key in it.

    Raises:
        ConfigError: a key that is not a valid key, a path outside ``store``, or a path with
            no ``audit_prefix`` folder in it when no store is given.
    """
    location = _as_location(target)
    if location is None:
        return store, check_key(target)
    if store is not None:
        root = str(parse_uri(store)).rstrip("/")
        if location.startswith(root + "/"):
            return store, check_key(location[len(root) + 1 :])
        raise ConfigError(
            f"audit log {redact_uri(target)} is not inside the store {redact_uri(store)}; "
            "drop --store to take the store from the path"
        )
    base, path = location.split("://", 1) if "://" in location else ("", location)
    if base:
        bucket, _, rest = path.partition("/")
        base, path = f"{base}://{bucket}", "/" + rest
    folder = "/" + audit_prefix.strip("/") + "/"
    cut = path.rfind(folder)
    if cut < 0:
        raise ConfigError(
            f"audit log {redact_uri(target)} is not under an {folder.strip('/')!r} folder: "
            "pass its key with --store (mhds audit verify audit/<build-id>.jsonl --store URI)"
        )
    root = base + path[:cut] if base else path[:cut] or "/"
    return root, check_key(path[cut + 1 :])


def verify_audit_bytes(data: bytes, *, expected_head: str | None = None) -> AuditVerification:
    """Check a log's bytes (a copy in a release, a file); see ``verify_audit_log``."""
    result, _ = _verify(data, expected_head, None)
    return result


def _as_location(target: str) -> str | None:
    """``target`` as ``s3://bucket/path`` or an absolute local path; None for a store key."""
    parts = urlsplit(target)
    if parts.scheme in ("s3", "s3a"):
        return f"s3://{parts.netloc.rsplit('@', 1)[-1]}/{parts.path.lstrip('/')}"
    if parts.scheme == "file":
        return str(Path(parts.path).resolve())
    if target.startswith(("/", "~", "./", "../")):
        return str(Path(target).expanduser().resolve())
    return None


def _verify(
    data: bytes, expected_head: str | None, sidecar: bytes | None
) -> tuple[AuditVerification, list[AuditEntry]]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for index, line in enumerate(lines):
        entry, raw = _parse_line(line)
        problem = None
        if entry is None:
            problem = f"malformed line {index + 1}"
        elif _entry_hash({k: v for k, v in raw.items() if k != "hash"}) != entry.hash:
            problem = f"hash mismatch at entry {index}"
        elif entry.seq != index:
            problem = f"sequence gap at entry {index} (seq {entry.seq})"
        elif entry.prev_hash != prev:
            problem = f"broken chain at entry {index}"
        if problem or entry is None:
            return _bad(len(lines), index, problem or "invalid"), entries
        entries.append(entry)
        prev = entry.hash
    problem, first_bad = None, None
    if sidecar is not None:
        problem, first_bad = _check_sidecar(entries, sidecar)
    if problem is None and expected_head is not None:
        problem, first_bad = _check_head(entries, expected_head, "expected head")
    if problem is not None:
        return _bad(len(lines), first_bad, problem), entries
    head = entries[-1].hash if entries else None
    return AuditVerification(ok=True, entries=len(lines), head=head), entries


def _parse_line(line: bytes) -> tuple[AuditEntry | None, dict[str, Any]]:
    try:
        raw = codec.loads(line)
        if not isinstance(raw, dict):
            return None, {}
        return msgspec.convert(raw, AuditEntry, strict=True), raw
    except (codec.DecodeError, msgspec.ValidationError):
        return None, {}


def _check_sidecar(entries: list[AuditEntry], sidecar: bytes) -> tuple[str | None, int | None]:
    try:
        head = codec.loads(sidecar)["head"]
    except (codec.DecodeError, KeyError, TypeError):
        return "malformed head sidecar", None
    if not isinstance(head, str):
        return "malformed head sidecar", None
    return _check_head(entries, head, "head sidecar")


def _check_head(
    entries: list[AuditEntry], expected: str, label: str
) -> tuple[str | None, int | None]:
    actual = entries[-1].hash if entries else GENESIS_HASH
    if expected == actual:
        return None, None
    if expected == GENESIS_HASH:
        return f"{label} is the empty log, but the log has entries", 0
    found = next((e.seq for e in entries if e.hash == expected), None)
    if found is None:
        return f"{label} not found: log truncated or rewritten", len(entries)
    return f"entries after the {label} (entry {found})", found + 1


def _bad(entries: int, first_bad: int | None, problem: str) -> AuditVerification:
    return AuditVerification(ok=False, entries=entries, first_bad_seq=first_bad, problem=problem)


def _read_sidecar(store: Store, key: str) -> bytes | None:
    try:
        return store.read_bytes(key + HEAD_SUFFIX)
    except ObjectNotFoundError:
        return None


def _sidecar(entries: int, head: str) -> bytes:
    return codec.dumps({"entries": entries, "head": head}) + b"\n"


def _entry_hash(body: Mapping[str, Any]) -> str:
    return HASH_PREFIX + hashlib.sha256(canonical_json(body)).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check_body(body: Mapping[str, Any]) -> str | None:
    if not isinstance(body["action"], str) or not body["action"]:
        return "action: must be a non-empty string"
    for field in ("inputs", "outputs"):
        for i, value in enumerate(body[field]):
            if not isinstance(value, str):
                return f"{field}[{i}]: {type(value).__name__} is not a string"
    for name, count in body["counts"].items():
        if not isinstance(name, str) or type(count) is not int or not _INT_MIN <= count <= _INT_MAX:
            return f"counts.{name}: counts map names to 64-bit integers"
    if body["config_hash"] is not None and not isinstance(body["config_hash"], str):
        return "config_hash: must be a string or None"
    for i, waiver in enumerate(body["waivers"]):
        if not isinstance(waiver, dict):
            return f"waivers[{i}]: {type(waiver).__name__} is not a dict"
    return _json_problem(body["decisions"], "decisions") or _json_problem(
        body["waivers"], "waivers"
    )


def _json_problem(value: Any, path: str) -> str | None:
    """Why ``value`` is not plain JSON (None when it is); names the path, never the value."""
    if value is None or isinstance(value, str | bool):
        return None
    if isinstance(value, int):
        return None if _INT_MIN <= value <= _INT_MAX else f"{path}: integer out of 64-bit range"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path}: float is not finite"
    if isinstance(value, list):
        for i, item in enumerate(value):
            if problem := _json_problem(item, f"{path}[{i}]"):
                return problem
        return None
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                return f"{path}: key of type {type(name).__name__} is not a string"
            if problem := _json_problem(item, f"{path}.{name}"):
                return problem
        return None
    return f"{path}: {type(value).__name__} is not plain JSON ({_JSON_TYPES})"
