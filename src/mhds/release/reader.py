"""Consuming a release: stream records by split or by curriculum phase, verified shard by shard.

Each shard is downloaded into a spooled temporary file (in memory up to ``spool_bytes``, then on
disk) while its sha256 is computed; records are decoded and yielded only after the hash and
size match the manifest, so nothing unverified ever reaches a training job.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, Any, BinaryIO, cast

import msgspec
import numpy as np

from mhds.records.schema import Record
from mhds.release.curriculum import Curriculum, load_curriculum
from mhds.release.manifest import (
    SPLIT_ORDER,
    Manifest,
    ShardEntry,
    content_digest,
    read_manifest,
)
from mhds.release.verify import ProblemCode, iter_zstd_lines, seal_problems
from mhds.release.version import (
    AUDIT_NAME,
    ReleaseError,
    ReleaseNotFoundError,
    is_version,
    latest_version,
    normalize_prefix,
    release_prefix,
)
from mhds.store import S3Settings, S3Store, Store, open_store
from mhds.store.base import iter_chunks
from mhds.store.uri import parse_uri

log = logging.getLogger(__name__)

DEFAULT_SPOOL_BYTES = 64 << 20
# Uniform draws fetched from the generator at a time (part of the documented mixing order).
_DRAW_BATCH = 1024


class ShardIntegrityError(ReleaseError):
    """A shard (or file) of a release does not match its manifest: hash, size or count.

    Attributes:
        key: the object's key relative to the release folder.
    """

    def __init__(self, message: str, *, key: str, release: str | None = None) -> None:
        super().__init__(f"{key}: {message}", release=release)
        self.key = key
        self.context["key"] = key


class ReleaseSealError(ReleaseError):
    """A release's manifest does not match what was published: its content digest, its gate
    results or waivers differ from the audit log's seal, or a gate did not pass. Nothing is
    read from it."""


class ReleaseReader:
    """Read one published release from S3 or a local folder.

    ``source`` is either a URI or an open Store:

    * ``"s3://bucket/prefix/releases/v2026-11-25"`` (or a local path ending in a version): that
      release; ``version`` may be omitted or must agree.
    * ``"s3://bucket/prefix/releases"``: the folder that holds the versions; ``version`` picks
      one, None the latest published. ``releases_prefix`` (default empty) is joined below it.
    * a Store: the versions live under ``releases_prefix`` (default ``releases/``) inside it.

    URIs open with ``mhds.store.open_store`` (S3 ``settings``, else the standard and legacy
    environment variables). Only published releases (with a manifest) can be opened, and only
    sealed ones (their gate results match the audit log's seal: see ``verify_release``);
    ``allow_unsealed`` also opens one published before mhds sealed releases.

    Raises:
        ReleaseNotFoundError: no published release there (none at all, or no manifest).
        ReleaseSealError: the manifest does not match its seal, a gate did not pass, or the
            release is not sealed (without ``allow_unsealed``).
    """

    def __init__(
        self,
        source: str | Store,
        version: str | None = None,
        *,
        releases_prefix: str | None = None,
        settings: S3Settings | None = None,
        spool_bytes: int = DEFAULT_SPOOL_BYTES,
        allow_unsealed: bool = False,
    ) -> None:
        if isinstance(source, str):
            store, version = _open_uri(source, version, settings)
            prefix = normalize_prefix(releases_prefix or "")
        else:
            store = source
            prefix = normalize_prefix("releases/" if releases_prefix is None else releases_prefix)
        if version is None:
            version = latest_version(store, prefix)
            if version is None:
                where = store.url_for(prefix.rstrip("/")) if prefix else store.uri
                raise ReleaseNotFoundError("no published release", release=where)
        self._store = store
        self._folder = release_prefix(prefix, version)
        self._manifest = read_manifest(store, self._folder)
        if self._manifest.version != version:
            raise ReleaseError(f"manifest says version {self._manifest.version}", release=self.uri)
        self._spool_bytes = spool_bytes
        self._curriculum: Curriculum | None = None
        self._check_seal(allow_unsealed)

    def __repr__(self) -> str:
        return f"ReleaseReader({self.uri!r})"

    @property
    def uri(self) -> str:
        """The release folder's URI (safe to print)."""
        return self._store.url_for(self._folder.rstrip("/"))

    @property
    def version(self) -> str:
        """The release version."""
        return self._manifest.version

    @property
    def manifest(self) -> Manifest:
        """The release manifest."""
        return self._manifest

    @property
    def curriculum(self) -> Curriculum:
        """The release curriculum (checked against the manifest's sha256)."""
        if self._curriculum is None:
            self._curriculum = load_curriculum(self.read_file(self._manifest.curriculum_key))
        return self._curriculum

    def read_file(self, key: str) -> bytes:
        """Read a non-data object listed in the manifest (curriculum, a report, the audit log).

        Raises:
            ReleaseError: the key is not listed in the manifest.
            ShardIntegrityError: its bytes do not match the manifest.
        """
        entry = self._manifest.file(key)
        if entry is None:
            raise ReleaseError(f"{key!r} is not listed in the manifest", release=self.uri)
        data = self._store.read_bytes(self._folder + key)
        if hashlib.sha256(data).hexdigest() != entry.sha256 or len(data) != entry.bytes:
            raise ShardIntegrityError("does not match the manifest", key=key, release=self.uri)
        return data

    def iter_split(self, split: str) -> Iterator[Record]:
        """Yield every record of ``split``, shard by shard in manifest order.

        Raises:
            ReleaseError: unknown split (raised at once).
            ShardIntegrityError: a shard's sha256, size or record count does not match the
                manifest (raised before any record of that shard is yielded, except for a
                count mismatch, which is found at the shard's end).
        """
        shards = self._shards(split)
        return (record for shard in shards for record in self.iter_shard(shard))

    def iter_shard(self, shard: ShardEntry) -> Iterator[Record]:
        """Download one shard, verify its sha256 and size, then yield its records."""
        return iter_verified_shard(
            self._store, self._folder, shard, label=self.uri, spool_bytes=self._spool_bytes
        )

    def iter_phase(self, phase: str, *, seed: int = 0, split: str = "train") -> Iterator[Record]:
        """Interleave the records of a curriculum phase's families by their weights.

        Mixing order: a numpy ``default_rng(seed)`` draws uniforms in [0, 1) (fetched in
        batches of 1024); each draw picks, by the cumulative weights of the families not yet
        exhausted (in name order), the family whose next record comes next. An exhausted family
        is dropped and the remaining weights renormalise, so every record of the phase's
        families in ``split`` is yielded exactly once, in the same order for the same seed.
        Each family streams its shards independently: a shard holding several of the phase's
        families is downloaded once per family.

        Raises:
            ReleaseError: unknown phase or split.
            ShardIntegrityError: as for ``iter_split``.
        """
        self._shards(split)
        weights = self.curriculum.phase(phase).families
        return self._mix(weights, seed, split)

    def data_files(self, split: str) -> list[str]:
        """Full URIs (``s3://...``) or paths of the split's shards, in manifest order.

        For ``datasets.load_dataset("json", data_files=reader.data_files("train"),
        storage_options=reader.storage_options())``; these reads are not hash-checked.
        """
        return [self._store.url_for(self._folder + s.key) for s in self._shards(split)]

    def storage_options(self) -> dict[str, Any]:
        """fsspec/s3fs options for ``data_files``: endpoint, region, TLS and credentials.

        Empty for a local release. The result holds secrets when the settings carry them
        (s3fs needs them): pass it on, never print it. Without credentials in the settings,
        s3fs finds them where boto3 does (environment, profiles).
        """
        if not isinstance(self._store, S3Store):
            return {}
        settings = self._store.settings
        client_kwargs: dict[str, Any] = {"region_name": settings.region or "us-east-1"}
        if settings.endpoint_url:
            client_kwargs["endpoint_url"] = settings.endpoint_url
        options: dict[str, Any] = {"client_kwargs": client_kwargs}
        if not settings.verify_tls:
            client_kwargs["verify"] = False
        for name, value in (
            ("key", settings.access_key_id),
            ("secret", settings.secret_access_key),
            ("token", settings.session_token),
        ):
            if value is not None:
                options[name] = value.get_secret_value()
        return options

    def _check_seal(self, allow_unsealed: bool) -> None:
        """Before any record is read: the manifest's content digest holds, its gates passed
        (or were waived), and its gate results and waivers match the audit log's seal. With
        ``allow_unsealed``, a release published before releases were sealed is read (with a
        warning); a seal that does not match never is."""
        manifest = self._manifest
        if manifest.content_digest != content_digest(manifest):
            raise ReleaseSealError("manifest content digest does not match", release=self.uri)
        audit = self.read_file(AUDIT_NAME) if manifest.file(AUDIT_NAME) else None
        problems = seal_problems(manifest, audit)
        if allow_unsealed and problems and all(c == ProblemCode.UNSEALED for c, _ in problems):
            log.warning(
                "release %s is not sealed (published before mhds sealed releases)", self.version
            )
            return
        if problems:
            details = "; ".join(f"{code.value}: {detail}" for code, detail in problems[:3])
            hint = (
                " (published before mhds sealed releases: rebuild it, or pass "
                "allow_unsealed=True to read it anyway)"
                if all(c == ProblemCode.UNSEALED for c, _ in problems)
                else ""
            )
            raise ReleaseSealError(f"refused: {details}{hint}", release=self.uri)

    def _shards(self, split: str) -> tuple[ShardEntry, ...]:
        if split not in SPLIT_ORDER:
            raise ReleaseError(
                f"unknown split {split!r} (known: {', '.join(SPLIT_ORDER)})", release=self.uri
            )
        return self._manifest.shards_of(split)

    def _mix(self, weights: dict[str, float], seed: int, split: str) -> Iterator[Record]:
        active = sorted(name for name, weight in weights.items() if weight > 0)
        streams = {name: self._iter_family(name, split) for name in active}
        rng = np.random.default_rng(seed)
        draws: list[float] = []
        while active:
            cumulative = np.cumsum([weights[name] for name in active])
            while True:
                if not draws:
                    draws = rng.random(_DRAW_BATCH).tolist()[::-1]
                u = draws.pop() * float(cumulative[-1])
                index = min(int(np.searchsorted(cumulative, u, side="right")), len(active) - 1)
                record = next(streams[active[index]], None)
                if record is None:
                    del active[index]
                    break
                yield record

    def _iter_family(self, family: str, split: str) -> Iterator[Record]:
        for shard in self._shards(split):
            if family in shard.families:
                for record in self.iter_shard(shard):
                    if record.metadata.family == family:
                        yield record


def iter_verified_shard(
    store: Store,
    folder: str,
    shard: ShardEntry,
    *,
    label: str,
    spool_bytes: int = DEFAULT_SPOOL_BYTES,
) -> Iterator[Record]:
    """Download the shard ``folder + shard.key`` (a release's or a candidate's), verify its
    sha256 and size, then yield its records; ``label`` names the release in errors.

    Raises:
        ShardIntegrityError: hash, size, decoding or record count does not match ``shard``.
    """
    with tempfile.SpooledTemporaryFile(max_size=spool_bytes) as spool:
        _download(store, folder, shard, cast(IO[bytes], spool), label)
        spool.seek(0)
        yield from _decode(shard, cast(BinaryIO, spool), label)


def _download(store: Store, folder: str, shard: ShardEntry, sink: IO[bytes], label: str) -> None:
    digest = hashlib.sha256()
    size = 0
    with store.open_read(folder + shard.key) as stream:
        for chunk in iter_chunks(stream):
            digest.update(chunk)
            size += len(chunk)
            sink.write(chunk)
    if size != shard.bytes:
        raise ShardIntegrityError(
            f"{size} bytes, manifest says {shard.bytes}", key=shard.key, release=label
        )
    if digest.hexdigest() != shard.sha256:
        raise ShardIntegrityError(
            "sha256 does not match the manifest", key=shard.key, release=label
        )


def _decode(shard: ShardEntry, stream: BinaryIO, label: str) -> Iterator[Record]:
    import zstandard

    count = 0
    try:
        for number, line in iter_zstd_lines(stream):
            try:
                record = Record.from_json(line)
            except (msgspec.ValidationError, msgspec.DecodeError):
                raise ShardIntegrityError(
                    f"line {number} is not a valid record", key=shard.key, release=label
                ) from None
            count += 1
            yield record
    except zstandard.ZstdError:
        raise ShardIntegrityError("not valid zstd data", key=shard.key, release=label) from None
    if count != shard.records:
        raise ShardIntegrityError(
            f"{count} records, manifest says {shard.records}", key=shard.key, release=label
        )


def _open_uri(
    uri: str, version: str | None, settings: S3Settings | None
) -> tuple[Store, str | None]:
    """Open the store that holds the versions; return it and the version the URI names."""
    parsed = parse_uri(uri)
    folder = parsed.prefix.rstrip("/")
    name = PurePosixPath(folder).name if parsed.scheme == "s3" else folder.rsplit("/", 1)[-1]
    if not is_version(name):
        return open_store(uri, settings), version
    if version is not None and version != name:
        raise ReleaseError(f"URI names version {name} but version={version!r} was given")
    parent = folder[: -len(name)].rstrip("/")
    if parsed.scheme == "s3":
        return open_store(f"s3://{parsed.bucket}/{parent}", settings), name
    return open_store(parent or "/", settings), name
