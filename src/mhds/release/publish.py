"""Publishing a release atomically: shards first, other files next, the manifest last and once.

A release exists for readers only once ``manifest.json`` is there, and ``put_if_absent`` makes
that write happen at most once per version, so a published version is never overwritten. A
writer that aborts (a failed gate, an error) removes what it wrote. A process that dies
half-way leaves objects without a manifest: invisible, and either completed by a rerun with the
same version (objects are rewritten, leftovers not in the new release are removed before the
manifest goes in) or removed by ``gc_releases``.

One writer per version is the contract. ``next_version`` never hands out a folder that holds
objects, and ``publish`` checks the listed sizes of every object it wrote before the manifest
goes in, so a second writer on the same version is detected rather than published.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Required, TypedDict, Unpack

from mhds.audit import AuditLog
from mhds.errors import ObjectExistsError, StoreError
from mhds.gates.base import Verdict, Waiver
from mhds.gates.distribution import count_tokens
from mhds.records.schema import Record, Split
from mhds.release.manifest import (
    SPLIT_ORDER,
    Counts,
    CountTally,
    FileEntry,
    Manifest,
    ShardEntry,
    content_digest,
    manifest_bytes,
    plain_json,
    utc_timestamp,
    verdict_digest,
)
from mhds.release.version import (
    AUDIT_NAME,
    CURRICULUM_NAME,
    DATA_PREFIX,
    MANIFEST_NAME,
    REPORTS_PREFIX,
    ReleaseError,
    is_version,
    normalize_prefix,
    release_prefix,
)
from mhds.store.base import ObjectInfo, Store
from mhds.store.lease import LeaseLostError
from mhds.store.streams import JsonlWriter, zstd_threads
from mhds.store.uri import check_key

log = logging.getLogger(__name__)

DEFAULT_MAX_SHARD_BYTES = 64 << 20
DEFAULT_MAX_SHARD_RECORDS = 100_000
SHARD_NAME = "part-{index:05d}.jsonl.zst"


class ManifestFields(TypedDict, total=False):
    """What a manifest takes from its writer's caller (the rest comes from what was written).

    Required: ``code_version``, ``registry_hash``, ``config_hash``. Optional: the holdout
    families, the gate verdicts and waivers applied, the previous release compared to, the
    audit head (set by ``publish`` when it seals), the curriculum's key, the creation time
    (default now), the funnel rows, the previous release's records it does not hold
    (``removed``) and the clinical sign-off (``Manifest.qa``).
    """

    code_version: Required[str]
    registry_hash: Required[str]
    config_hash: Required[str]
    holdout_families: Iterable[str]
    gates: Sequence[Verdict | Mapping[str, Any]]
    waivers: Sequence[Waiver | Mapping[str, Any]]
    previous_release: str | None
    audit_head: str | None
    curriculum_key: str
    created: datetime | None
    funnel: Sequence[Mapping[str, Any]]
    removed: Sequence[Mapping[str, Any]]
    qa: Mapping[str, Any] | None


class ReleaseExistsError(ReleaseError):
    """The version is already published; this writer changed nothing."""


class _DiscardShard(Exception):
    """Passed to an open shard's writer so that it discards the partial object."""


@dataclass
class _OpenShard:
    writer: JsonlWriter
    key: str
    split: Split
    families: set[str] = field(default_factory=set)
    records: int = 0
    raw_bytes: int = 0


class ReleaseWriter:
    """Writes one release version: records into shards, then files, then the manifest.

    Records are written in the order given (the build sorts them), routed by
    ``record.metadata.split`` to ``data/<split>/part-NNNNN.jsonl.zst``. A shard is closed before
    the record that would take it past ``max_shard_records`` records or ``max_shard_bytes``
    uncompressed JSONL bytes (so the stored, compressed shard is smaller still; a single record
    larger than the bound gets a shard of its own). The same records and bounds always give the
    same shard bytes.

    Use it as a context manager: an exception inside the block discards the open shards and
    leaves the version unpublished (``publish`` must be called inside the block).
    """

    def __init__(
        self,
        store: Store,
        releases_prefix: str,
        version: str,
        *,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        max_shard_records: int = DEFAULT_MAX_SHARD_RECORDS,
        zstd_level: int = 9,
        folder: str | None = None,
    ) -> None:
        """Prepare to write ``version`` under ``releases_prefix``; or, with ``folder``, a
        candidate (``builds/<id>/candidate/``: the same shards and files, never a manifest;
        ``version`` is then only the label its errors name, and ``publish`` is refused).

        Raises:
            ReleaseExistsError: the version is already published (nothing is written).
            ConfigError: ``version`` is malformed.
            ReleaseError: a shard bound is not positive.
        """
        if max_shard_bytes < 1 or max_shard_records < 1:
            raise ReleaseError("max_shard_bytes and max_shard_records must be positive")
        self._store = store
        self._version = version
        self._candidate = folder is not None
        if folder is not None:
            self._folder = normalize_prefix(folder)
        else:
            self._folder = release_prefix(releases_prefix, version)
        self._max_bytes = max_shard_bytes
        self._max_records = max_shard_records
        self._zstd_level = zstd_level
        # Compression in zstd's workers, beside the thread that reads and encodes records.
        self._threads = zstd_threads()
        self._open: dict[str, _OpenShard] = {}
        self._next_index: dict[str, int] = {}
        self._shards: list[ShardEntry] = []
        self._files: dict[str, FileEntry] = {}
        self._tally = CountTally()
        self._state = "open"
        self._check_unpublished()

    def __enter__(self) -> ReleaseWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A writer whose store lease was broken leaves what it wrote: another writer may own
        # the store (and, resuming, this version) now; `mhds release gc` removes leftovers.
        if (
            exc_type is not None
            and self._state == "open"
            and not issubclass(exc_type, LeaseLostError)
        ):
            self.abort()

    @property
    def version(self) -> str:
        """The version being written."""
        return self._version

    @property
    def folder(self) -> str:
        """The release folder, ``<releases_prefix><version>/``."""
        return self._folder

    @property
    def counts(self) -> Counts:
        """Records and token estimates so far: family -> split -> SplitCount."""
        return self._tally.to_counts()

    def write(self, record: Record) -> None:
        """Append one record to the open shard of its split (rotating when full).

        Raises:
            ReleaseError: the record has no split, or the writer is closed.
        """
        self._require_open()
        meta = record.metadata
        if meta.split is None:
            raise ReleaseError(f"record {meta.id!r} has no split", release=self._version)
        line = record.to_json()
        size = len(line) + 1
        shard = self._open.get(meta.split)
        if shard is not None and (
            shard.records >= self._max_records or shard.raw_bytes + size > self._max_bytes
        ):
            self._close_shard(meta.split)
            shard = None
        if shard is None:
            shard = self._start_shard(meta.split)
        shard.writer.write_line(line)
        shard.records += 1
        shard.raw_bytes += size
        shard.families.add(meta.family)
        self._tally.add(meta.family, meta.split, count_tokens(record))

    def write_all(self, records: Iterable[Record]) -> int:
        """Write every record in order; return how many were written."""
        count = 0
        for record in records:
            self.write(record)
            count += 1
        return count

    def add_file(self, key: str, data: bytes) -> FileEntry:
        """Write a non-data object (curriculum, report, audit log) into the release.

        Args:
            key: relative to the release folder (``curriculum.yaml``, ``reports/pii.json``);
                not the manifest and not under ``data/``.
            data: the object's bytes.

        Raises:
            ReleaseError: reserved or repeated key, or the writer is closed.
        """
        self._require_open()
        check_key(key)
        if key == MANIFEST_NAME or key.startswith(DATA_PREFIX):
            raise ReleaseError(f"{key!r} is reserved (manifest or data/)", release=self._version)
        if key in self._files:
            raise ReleaseError(f"{key!r} was already added", release=self._version)
        self._store.write_bytes(self._folder + key, data)
        entry = FileEntry(key=key, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        self._files[key] = entry
        return entry

    def abort(self) -> None:
        """Discard the open shards and empty the version folder: a release that does not
        publish leaves nothing under ``releases/`` (an earlier, killed attempt at the same
        version included; one writer per version is the contract, as in ``publish``). When
        the version turns out to be published, by another writer since this one started,
        nothing is removed. A process killed before it gets here leaves objects without a
        manifest: invisible, and ``gc_releases`` removes them. Removal is best effort: an
        object that cannot be deleted is logged by key."""
        for split in list(self._open):
            shard = self._open.pop(split)
            error = _DiscardShard("release aborted")
            shard.writer.__exit__(_DiscardShard, error, None)
        self._state = "aborted"
        if self._store.exists(self._folder + MANIFEST_NAME):
            log.warning(
                "release %s was published by another writer: nothing removed", self._version
            )
            return
        removed = 0
        for info in list(self._store.list(self._folder)):
            try:
                self._store.delete(info.key)
                removed += 1
            except StoreError as exc:
                log.warning("could not remove %s: %s", info.key, type(exc).__name__)
        log.warning(
            "release %s aborted before publishing; removed %d objects", self._version, removed
        )

    def staged(self) -> tuple[tuple[ShardEntry, ...], tuple[FileEntry, ...], Counts]:
        """What was written so far, in manifest order (shards by split then key, files by
        key), with the counts: a candidate's content. Closes the open shards."""
        self._require_open()
        for split in list(self._open):
            self._close_shard(split)
        rank = {name: i for i, name in enumerate(SPLIT_ORDER)}
        shards = tuple(sorted(self._shards, key=lambda s: (rank[s.split], s.key)))
        return shards, tuple(self._files[k] for k in sorted(self._files)), self._tally.to_counts()

    def keep(self) -> None:
        """End a candidate's writer and keep what it wrote (leaving the block removes
        nothing after this)."""
        self._require_open()
        self._state = "staged"

    def flush(self) -> None:
        """Close the open shards so everything written so far can be read back (the build
        runs its gates over the written shards before publishing). Later records start new
        shards."""
        self._require_open()
        for split in list(self._open):
            self._close_shard(split)

    def draft(self, **fields: Unpack[ManifestFields]) -> Manifest:
        """The manifest ``publish`` would write now, with its content digest, written nowhere
        (the build records its digests in the audit log before it publishes). Closes the open
        shards. ``fields`` give what the written objects do not (see ``ManifestFields``).

        Raises:
            ReleaseError: the curriculum was not added, or a holdout family has records
                outside test.
        """
        holdout_families = fields.get("holdout_families", ())
        gates = fields.get("gates", ())
        waivers = fields.get("waivers", ())
        curriculum_key = fields.get("curriculum_key", CURRICULUM_NAME)
        shards, files, counts = self.staged()
        holdouts = tuple(sorted(set(holdout_families)))
        self._check_holdouts(holdouts)
        if curriculum_key not in self._files:
            raise ReleaseError(
                f"curriculum {curriculum_key!r} was not added (add_file)", release=self._version
            )
        manifest = Manifest(
            version=self._version,
            created=utc_timestamp(fields.get("created")),
            code_version=fields["code_version"],
            registry_hash=fields["registry_hash"],
            config_hash=fields["config_hash"],
            shards=shards,
            files=files,
            counts=counts,
            holdout_families=holdouts,
            gates=tuple(plain_json(g.to_dict() if isinstance(g, Verdict) else g) for g in gates),
            waivers=tuple(
                plain_json(w.model_dump() if isinstance(w, Waiver) else w) for w in waivers
            ),
            previous_release=fields.get("previous_release"),
            curriculum_key=curriculum_key,
            audit_head=fields.get("audit_head"),
            reports=tuple(k for k in sorted(self._files) if k.startswith(REPORTS_PREFIX)),
            funnel=tuple(plain_json(dict(row)) for row in fields.get("funnel", ())),
            removed=tuple(plain_json(dict(row)) for row in fields.get("removed", ())),
            qa=plain_json(qa) if (qa := fields.get("qa")) is not None else None,
        )
        return manifest.model_copy(update={"content_digest": content_digest(manifest)})

    def publish(
        self, *, audit: AuditLog | None = None, **fields: Unpack[ManifestFields]
    ) -> Manifest:
        """Close the shards, remove leftovers, then write the manifest once.

        Counts, shards, files and reports (added files under ``reports/``) come from what was
        written; the arguments give the rest of the manifest (see ``draft``).

        With ``audit`` (the build's log), the release is *sealed*: a ``publish`` entry with
        the release's content digest and verdict digest (``verdict_digest``: every manifest
        field but the creation time and the audit log's own entry) is appended, the log is
        copied into the release as ``audit.jsonl`` and the manifest names its head
        (``audit_head`` is then ignored).
        ``verify_release`` and ``ReleaseReader`` refuse a release that is not sealed or whose
        manifest no longer matches its seal.

        Raises:
            ReleaseExistsError: the version is published (by another writer since this one
                started); this writer's manifest is not written.
            ReleaseError: the curriculum was not added, a holdout family has records outside
                test, or another writer changed this version's objects.
        """
        if self._candidate:
            raise ReleaseError("a candidate is never published in place", release=self._version)
        self._check_unpublished()
        if audit is not None:
            draft = self.draft(**fields)
            audit.append(
                "publish",
                outputs=[self._store.url_for(self._folder.rstrip("/"))],
                decisions={
                    "version": self._version,
                    "previous_release": fields.get("previous_release"),
                    "content_digest": draft.content_digest,
                    "verdict_digest": verdict_digest(draft),
                },
            )
            self.add_file(AUDIT_NAME, self._store.read_bytes(audit.key))
            fields["audit_head"] = audit.head
        manifest = self.draft(**fields)
        self._check_unpublished()
        self._sweep(manifest)
        try:
            self._store.put_if_absent(self._folder + MANIFEST_NAME, manifest_bytes(manifest))
        except ObjectExistsError:
            raise ReleaseExistsError(
                "published by another writer meanwhile", release=self._version
            ) from None
        self._state = "published"
        log.info("published release %s: %d shards", self._version, len(manifest.shards))
        return manifest

    def _start_shard(self, split: Split) -> _OpenShard:
        index = self._next_index.get(split, 0)
        self._next_index[split] = index + 1
        key = f"{DATA_PREFIX}{split}/{SHARD_NAME.format(index=index)}"
        writer = JsonlWriter(
            self._store, self._folder + key, zstd_level=self._zstd_level, zstd_threads=self._threads
        )
        writer.__enter__()
        shard = _OpenShard(writer=writer, key=key, split=split)
        self._open[split] = shard
        return shard

    def _close_shard(self, split: str) -> None:
        shard = self._open.pop(split)
        shard.writer.__exit__(None, None, None)
        self._shards.append(
            ShardEntry(
                key=shard.key,
                sha256=shard.writer.sha256,
                bytes=shard.writer.bytes_written,
                records=shard.records,
                families=tuple(sorted(shard.families)),
                split=shard.split,
            )
        )

    def _check_holdouts(self, holdouts: tuple[str, ...]) -> None:
        leaked = sorted(
            f"{family}/{split}"
            for family in holdouts
            for split in SPLIT_ORDER
            if split != "test" and self._tally.records(family, split)
        )
        if leaked:
            raise ReleaseError(
                f"holdout families outside test: {', '.join(leaked)}", release=self._version
            )

    def _check_unpublished(self) -> None:
        if self._store.exists(self._folder + MANIFEST_NAME):
            raise ReleaseExistsError(
                "already published; versions are never overwritten", release=self._version
            )

    def _sweep(self, manifest: Manifest) -> None:
        """Delete leftovers of earlier attempts; check that every object is ours."""
        expected = {s.key: s.bytes for s in manifest.shards}
        expected.update({f.key: f.bytes for f in manifest.files})
        listed: dict[str, ObjectInfo] = {}
        for info in self._store.list(self._folder):
            relative = info.key[len(self._folder) :]
            if relative in expected:
                listed[relative] = info
            else:
                log.info("removing leftover %s of an earlier attempt", info.key)
                self._store.delete(info.key)
        changed = sorted(
            k for k, size in expected.items() if k not in listed or listed[k].size != size
        )
        if changed:
            raise ReleaseError(
                f"objects missing or changed by another writer: {', '.join(changed[:5])}",
                release=self._version,
            )

    def _require_open(self) -> None:
        if self._state != "open":
            raise ReleaseError(f"writer is {self._state}", release=self._version)


def gc_releases(
    store: Store,
    releases_prefix: str,
    *,
    dry_run: bool = False,
    older_than: timedelta | None = None,
) -> list[str]:
    """Delete the leftovers of aborted publishes: objects of version folders with no manifest.

    A folder with a manifest is never touched, nor is anything outside version folders. Run it
    when no build is publishing, or pass ``older_than`` so that only folders whose newest
    object is older than that are removed (a publish in progress is then safe).

    Returns:
        The store keys deleted (or, with ``dry_run``, that would be), sorted.
    """
    prefix = normalize_prefix(releases_prefix)
    folders: dict[str, list[ObjectInfo]] = {}
    for info in store.list(prefix):
        name, _, rest = info.key[len(prefix) :].partition("/")
        if rest and is_version(name):
            folders.setdefault(name, []).append(info)
    now = datetime.now(UTC)
    removed: list[str] = []
    for version, infos in sorted(folders.items()):
        manifest_key = f"{prefix}{version}/{MANIFEST_NAME}"
        if any(info.key == manifest_key for info in infos):
            continue
        if older_than is not None and any(
            info.last_modified is None or now - info.last_modified < older_than for info in infos
        ):
            continue
        if store.exists(manifest_key):  # published since the listing
            continue
        for info in infos:
            if not dry_run:
                store.delete(info.key)
            removed.append(info.key)
    return sorted(removed)
