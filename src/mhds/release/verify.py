"""Checking a published release end to end: every shard re-read, nothing held in memory.

``verify_release`` re-reads each shard as a stream, hashing the stored bytes while it
decompresses and decodes them, and checks hashes, sizes, counts, the record schema, split rules
and holdouts against the manifest. Problems carry a stable code, a key and, for record-level
problems, a line number: never record text.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, BinaryIO, cast

import msgspec

from mhds.audit import verify_audit_bytes
from mhds.errors import InputError, StoreError
from mhds.gates.base import outcome
from mhds.gates.distribution import count_tokens
from mhds.records import codec
from mhds.records.schema import Record
from mhds.records.validate import validate_record
from mhds.release.curriculum import load_curriculum
from mhds.release.manifest import (
    CountTally,
    Manifest,
    ShardEntry,
    content_digest,
    read_manifest,
    verdict_digest,
)
from mhds.release.version import (
    AUDIT_NAME,
    MANIFEST_NAME,
    ReleaseError,
    ReleaseNotFoundError,
    normalize_prefix,
)
from mhds.store.base import Store

# Record-level problems reported per shard and code; the rest are counted in one summary.
MAX_LINE_PROBLEMS = 20
_READ_SIZE = 1 << 20


class ProblemCode(StrEnum):
    """Stable codes of verification problems."""

    MISSING_MANIFEST = "missing_manifest"
    MANIFEST_INVALID = "manifest_invalid"
    SHARD_MISSING = "shard_missing"
    SHARD_UNREADABLE = "shard_unreadable"
    SHA256_MISMATCH = "sha256_mismatch"
    BYTES_MISMATCH = "bytes_mismatch"
    COUNT_MISMATCH = "count_mismatch"
    SCHEMA_ERROR = "schema_error"
    SPLIT_MISMATCH = "split_mismatch"
    HOLDOUT_OUTSIDE_TEST = "holdout_outside_test"
    FAMILY_NOT_DECLARED = "family_not_declared"
    PII_REQUIRES_REVIEW = "pii_requires_review"
    UNLISTED_OBJECT = "unlisted_object"
    FILE_MISSING = "file_missing"
    CURRICULUM_INVALID = "curriculum_invalid"
    AUDIT_INVALID = "audit_invalid"
    CONTENT_DIGEST_MISMATCH = "content_digest_mismatch"
    FUNNEL_MISMATCH = "funnel_mismatch"
    GATE_NOT_PASSED = "gate_not_passed"
    UNSEALED = "unsealed"
    SEAL_MISMATCH = "seal_mismatch"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a release: a code, the key (relative to the release), where."""

    key: str
    problem: ProblemCode
    line: int | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "problem": self.problem.value,
            "line": self.line,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of ``verify_release``: ``ok`` only when no problem was found."""

    release: str
    version: str | None
    problems: tuple[Problem, ...]
    shards: int
    records: int

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    def codes(self) -> set[str]:
        """The distinct problem codes found."""
        return {p.problem.value for p in self.problems}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "release": self.release,
            "version": self.version,
            "ok": self.ok,
            "shards": self.shards,
            "records": self.records,
            "problems": [p.to_dict() for p in self.problems],
        }


class HashingReader(io.RawIOBase):
    """Read-through stream that hashes (sha256) and counts every byte read from ``source``."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.bytes_read += n
        return n

    def drain(self) -> None:
        """Read (and hash) whatever the consumer left unread."""
        while data := self._source.read(_READ_SIZE):
            self.sha256.update(data)
            self.bytes_read += len(data)


def iter_zstd_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line)`` (1-based, line ending removed) of a zstd JSONL stream.

    Raises:
        zstandard.ZstdError: the stream is not valid zstd (corrupted or truncated).
    """
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(
        stream, read_across_frames=True, closefd=False
    )
    with io.BufferedReader(cast(Any, reader), buffer_size=_READ_SIZE) as lines:
        for number, line in enumerate(lines, start=1):
            yield number, line.rstrip(b"\r\n")


def verify_release(store: Store, release_prefix: str) -> VerifyReport:
    """Verify the release at ``release_prefix`` (``releases/<version>/``) in ``store``.

    Checks: the manifest is there and valid; every shard exists, has the manifest's sha256,
    size and record count, decodes line by line as a valid Record (schema and content hash)
    in the shard's split and declared families, with no holdout family outside test and no
    record awaiting PII review; per-family counts and token estimates match; every other
    listed file exists with its sha256; the curriculum parses and trains no holdout; the
    audit log ends at the manifest's audit head; the content digest matches the manifest's
    shards, counts, holdouts and curriculum entry; the funnel's released records add up to the
    counts; nothing unlisted sits in the folder.
    """
    folder = normalize_prefix(release_prefix)
    where = store.url_for(folder.rstrip("/")) if folder else store.uri
    found = _Found()
    try:
        manifest = read_manifest(store, folder)
    except ReleaseNotFoundError:
        found.add(MANIFEST_NAME, ProblemCode.MISSING_MANIFEST)
        return VerifyReport(where, None, found.problems(), 0, 0)
    except ReleaseError as exc:
        found.add(MANIFEST_NAME, ProblemCode.MANIFEST_INVALID, detail=exc.message[:200])
        return VerifyReport(where, None, found.problems(), 0, 0)
    if manifest.content_digest != content_digest(manifest):
        found.add(MANIFEST_NAME, ProblemCode.CONTENT_DIGEST_MISMATCH)
    if (diff := _funnel_diff(manifest)) is not None:
        found.add(MANIFEST_NAME, ProblemCode.FUNNEL_MISMATCH, detail=diff)
    sizes = {info.key[len(folder) :]: info.size for info in store.list(folder)}
    known = {MANIFEST_NAME, *(s.key for s in manifest.shards), *(f.key for f in manifest.files)}
    for key in sorted(set(sizes) - known):
        found.add(key, ProblemCode.UNLISTED_OBJECT)
    tally = CountTally()
    holdouts = set(manifest.holdout_families)
    records, complete = 0, True
    for shard in manifest.shards:
        if shard.key not in sizes:
            found.add(shard.key, ProblemCode.SHARD_MISSING)
            complete = False
            continue
        lines, readable = _check_shard(store, folder + shard.key, shard, holdouts, tally, found)
        records += lines
        complete = complete and readable
    # Totals are compared only when every shard was read through (else they differ anyway).
    if complete and tally.to_counts() != manifest.counts:
        found.add(MANIFEST_NAME, ProblemCode.COUNT_MISMATCH, detail=_count_diff(manifest, tally))
    _check_files(store, folder, manifest, sizes, found)
    return VerifyReport(where, manifest.version, found.problems(), len(manifest.shards), records)


class _Found:
    """Collects problems, capping record-level ones per shard and code."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []
        self._per_code: dict[tuple[str, ProblemCode], int] = {}

    def add(
        self, key: str, code: ProblemCode, *, line: int | None = None, detail: str | None = None
    ) -> None:
        if line is not None:
            seen = self._per_code.get((key, code), 0) + 1
            self._per_code[(key, code)] = seen
            if seen > MAX_LINE_PROBLEMS:
                return
        self._problems.append(Problem(key, code, line, detail))

    def problems(self) -> tuple[Problem, ...]:
        extra = [
            Problem(key, code, None, f"{seen - MAX_LINE_PROBLEMS} more lines not listed")
            for (key, code), seen in sorted(self._per_code.items())
            if seen > MAX_LINE_PROBLEMS
        ]
        return (*self._problems, *extra)


def _check_shard(
    store: Store,
    full_key: str,
    shard: ShardEntry,
    holdouts: set[str],
    tally: CountTally,
    found: _Found,
) -> tuple[int, bool]:
    """Stream one shard, checking each record; return its lines and whether it read through."""
    import zstandard

    key = shard.key
    if shard.split != "test" and holdouts & set(shard.families):
        leaked = ", ".join(sorted(holdouts & set(shard.families)))
        found.add(key, ProblemCode.HOLDOUT_OUTSIDE_TEST, detail=f"declared families: {leaked}")
    lines, readable = 0, True
    try:
        with store.open_read(full_key) as raw:
            hashing = HashingReader(raw)
            try:
                for number, line in iter_zstd_lines(cast(BinaryIO, hashing)):
                    lines = number
                    _check_line(line, number, shard, holdouts, tally, found)
            except zstandard.ZstdError:
                found.add(key, ProblemCode.SHARD_UNREADABLE, detail="invalid zstd data")
                readable = False
            hashing.drain()
    except StoreError as exc:
        found.add(key, ProblemCode.SHARD_UNREADABLE, detail=f"{exc.operation} failed")
        return lines, False
    if hashing.sha256.hexdigest() != shard.sha256:
        found.add(key, ProblemCode.SHA256_MISMATCH)
    if hashing.bytes_read != shard.bytes:
        found.add(key, ProblemCode.BYTES_MISMATCH, detail=f"{hashing.bytes_read} != {shard.bytes}")
    if lines != shard.records:
        found.add(key, ProblemCode.COUNT_MISMATCH, detail=f"{lines} lines != {shard.records}")
    return lines, readable


def _check_line(
    line: bytes,
    number: int,
    shard: ShardEntry,
    holdouts: set[str],
    tally: CountTally,
    found: _Found,
) -> None:
    key = shard.key
    try:
        record = Record.from_json(line)
        validate_record(record)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        found.add(key, ProblemCode.SCHEMA_ERROR, line=number, detail=_schema_detail(exc))
        return
    except InputError as exc:
        detail = f"{exc.reason}" + (f" ({exc.field})" if exc.field else "")
        found.add(key, ProblemCode.SCHEMA_ERROR, line=number, detail=detail)
        return
    meta = record.metadata
    if meta.split != shard.split:
        found.add(key, ProblemCode.SPLIT_MISMATCH, line=number, detail=f"split {meta.split}")
    if meta.family not in shard.families:
        found.add(key, ProblemCode.FAMILY_NOT_DECLARED, line=number, detail=meta.family)
    if meta.family in holdouts and shard.split != "test":
        found.add(key, ProblemCode.HOLDOUT_OUTSIDE_TEST, line=number, detail=meta.family)
    if meta.pii_status == "requires_review":
        found.add(key, ProblemCode.PII_REQUIRES_REVIEW, line=number)
    tally.add(meta.family, meta.split or shard.split, count_tokens(record))


def _check_files(
    store: Store, folder: str, manifest: Manifest, sizes: dict[str, int], found: _Found
) -> None:
    for entry in manifest.files:
        if entry.key not in sizes:
            found.add(entry.key, ProblemCode.FILE_MISSING)
            continue
        data = store.read_bytes(folder + entry.key)
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            found.add(entry.key, ProblemCode.SHA256_MISMATCH)
        if len(data) != entry.bytes:
            found.add(entry.key, ProblemCode.BYTES_MISMATCH)
        if entry.key == manifest.curriculum_key:
            _check_curriculum(data, manifest, found)
        elif entry.key == AUDIT_NAME:
            for code, detail in seal_problems(manifest, data):
                found.add(
                    AUDIT_NAME if code != ProblemCode.GATE_NOT_PASSED else MANIFEST_NAME,
                    code,
                    detail=detail,
                )
    if manifest.file(manifest.curriculum_key) is None:
        found.add(manifest.curriculum_key, ProblemCode.FILE_MISSING, detail="not in manifest")
    if manifest.file(AUDIT_NAME) is None:
        for code, detail in seal_problems(manifest, None):
            found.add(MANIFEST_NAME, code, detail=detail)


def seal_problems(manifest: Manifest, audit: bytes | None) -> list[tuple[ProblemCode, str]]:
    """What is wrong with a release's gate results and their seal (empty: nothing).

    Every gate the manifest lists must have passed or been waived; the release's audit log
    (``audit``: the bytes of its ``audit.jsonl``, already checked against the manifest's
    sha256) must end at the manifest's ``audit_head``, and its last ``publish`` entry must
    name the manifest's content digest and verdict digest (gate results, waivers, previous
    release, funnel). A manifest edited after publishing (a gate turned to fail, a forged
    waiver) no longer matches its seal.
    """
    problems: list[tuple[ProblemCode, str]] = []
    for gate in manifest.gates:
        ended = outcome(gate) if "status" in gate else "unknown"
        if ended not in ("pass", "waived"):
            problems.append((ProblemCode.GATE_NOT_PASSED, f"{gate.get('gate')}: {ended}"))
    if audit is None or manifest.audit_head is None:
        problems.append((ProblemCode.UNSEALED, "no audit log: the gate results are not sealed"))
        return problems
    result = verify_audit_bytes(audit, expected_head=manifest.audit_head)
    if not result.ok:
        problems.append((ProblemCode.AUDIT_INVALID, result.problem or "invalid"))
        return problems
    publish = _last_publish_entry(audit)
    if publish is None or "verdict_digest" not in publish:
        problems.append((ProblemCode.UNSEALED, "the audit log records no verdict digest"))
        return problems
    if publish.get("content_digest") != manifest.content_digest:
        problems.append((ProblemCode.SEAL_MISMATCH, "content digest differs from the audit log"))
    if publish["verdict_digest"] != verdict_digest(manifest):
        problems.append(
            (
                ProblemCode.SEAL_MISMATCH,
                "gate results, waivers, previous release or funnel differ from the audit log",
            )
        )
    return problems


def _last_publish_entry(audit: bytes) -> dict[str, Any] | None:
    decisions: dict[str, Any] | None = None
    for line in audit.splitlines():
        entry = codec.loads(line)
        if isinstance(entry, dict) and entry.get("action") == "publish":
            found = entry.get("decisions")
            decisions = found if isinstance(found, dict) else None
    return decisions


def _check_curriculum(data: bytes, manifest: Manifest, found: _Found) -> None:
    key = manifest.curriculum_key
    try:
        curriculum = load_curriculum(data)
    except ReleaseError as exc:
        found.add(key, ProblemCode.CURRICULUM_INVALID, detail=exc.message[:200])
        return
    trained = {family for phase in curriculum.phases for family in phase.families}
    leaked = sorted(trained & set(manifest.holdout_families))
    if leaked:
        found.add(key, ProblemCode.HOLDOUT_OUTSIDE_TEST, detail=", ".join(leaked))


def _count_diff(manifest: Manifest, tally: CountTally) -> str:
    actual = tally.to_counts()
    keys = sorted(
        {(f, s) for f, splits in manifest.counts.items() for s in splits}
        | {(f, s) for f, splits in actual.items() for s in splits}
    )
    differ = [
        f"{f}/{s}" for f, s in keys if manifest.counts.get(f, {}).get(s) != actual.get(f, {}).get(s)
    ]
    return "differs for " + ", ".join(differ[:10])


def _funnel_diff(manifest: Manifest) -> str | None:
    """Where the funnel's released records per family and split differ from the counts
    (None when they agree, or when the manifest predates the funnel)."""
    if not manifest.funnel:
        return None
    released: Counter[tuple[str, str]] = Counter()
    for row in manifest.funnel:
        for split, n in row.get("released", {}).items():
            released[(str(row["family"]), str(split))] += int(n)
    counted = Counter(
        {(f, s): c.records for f, splits in manifest.counts.items() for s, c in splits.items()}
    )
    cells = sorted(k for k in set(released) | set(counted) if released[k] != counted[k])
    if not cells:
        return None
    return ", ".join(f"{f}/{s}: {released[(f, s)]} vs {counted[(f, s)]}" for f, s in cells[:5])


def _schema_detail(exc: Exception) -> str:
    # msgspec messages name types and the JSON path; enum errors also quote the value, so keep
    # only the exception type and the path.
    message = str(exc)
    path = message.rsplit(" - at ", 1)[1] if " - at " in message else None
    return type(exc).__name__ + (f" at {path}" if path else "")
