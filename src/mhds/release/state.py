"""What a release keeps for the next build to compare against: one row per released record,
in a columnar file (``state/records.parquet``, zstd) listed in the manifest like any other
file, so a reader verifies its sha256.

Columns: ``id``, ``source_id``, ``family``, ``content_hash`` (of the released text),
``split`` and ``component`` (the split's component key). A build against the release reads
it instead of its shards (no text is decoded): the released ids keep their splits
(``GroupSplitter.assign(pinned=...)``), win their duplicate clusters against new copies
(``keep_key``'s incumbents), and those this build no longer releases are counted as removed.

A release published before the state file existed is read from its shards instead (ids,
sources and splits: what a build needs).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mhds.records.schema import Record, Split
from mhds.release.reader import ReleaseReader
from mhds.release.version import ReleaseError
from mhds.store.base import Store

STATE_KEY = "state/records.parquet"
COLUMNS = ("id", "source_id", "family", "content_hash", "split", "component")
SPLITS: tuple[Split, ...] = ("train", "val", "test")
# The columns a build reads back.
_READ = ("id", "source_id", "split", "content_hash")


@dataclass
class StateRows:
    """The state rows of a release being written, one per record, in write order."""

    columns: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in COLUMNS})

    def add(self, record: Record, component: str) -> None:
        meta = record.metadata
        row = (meta.id, meta.source_id, meta.family, meta.content_hash, str(meta.split), component)
        for name, value in zip(COLUMNS, row, strict=True):
            self.columns[name].append(value)

    def to_bytes(self) -> bytes:
        """The Parquet file (zstd; ``split`` and ``family`` dictionary-encoded)."""
        table = pa.table({name: pa.array(self.columns[name], pa.string()) for name in COLUMNS})
        sink = io.BytesIO()
        pq.write_table(
            table,
            sink,
            compression="zstd",
            use_dictionary=["source_id", "family", "split"],
            write_statistics=False,
        )
        return sink.getvalue()


@dataclass(frozen=True)
class PreviousState:
    """A previous release's records as the next build needs them (no text).

    Attributes:
        version: the release (None: there is none, and the build starts fresh).
        splits: record id -> split.
        sources: record id -> source id.
        hashes: record id -> content hash (of the released text), in the release's order.
        digest: sha256 over the state's rows; part of the next build's key, since the splits
            and the keep rule depend on it ("" when there is no previous release).
    """

    version: str | None = None
    splits: dict[str, Split] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    @property
    def ids(self) -> Set[str]:
        return self.splits.keys()

    def removed(self, released: Set[str], sources: Set[str]) -> list[dict[str, Any]]:
        """The previous release's records that ``released`` (this build's ids) lacks, as
        sorted ``{source_id, reason, records}`` rows: ``source_removed`` when this build
        ingested nothing of the source (``sources``), else ``record_gone`` (the item is gone
        or changed in its source, quarantined, or now a duplicate)."""
        counts: Counter[tuple[str, str]] = Counter()
        for record_id, source_id in self.sources.items():
            if record_id not in released:
                reason = "record_gone" if source_id in sources else "source_removed"
                counts[source_id, reason] += 1
        return [
            {"source_id": source_id, "reason": reason, "records": n}
            for (source_id, reason), n in sorted(counts.items())
        ]


def open_previous(store: Store, releases: str, version: str) -> ReleaseReader:
    """A reader of the release a build compares against. It is compared against, not trained
    on: one published before releases were sealed is read (a tampered one, whose seal does not
    match, is not)."""
    return ReleaseReader(store, version, releases_prefix=releases, allow_unsealed=True)


def read_state(reader: ReleaseReader) -> PreviousState:
    """The state of the release ``reader`` reads: its state file (sha256 verified) or, for a
    release published before there was one, its shards.

    Raises:
        ReleaseError: the state file does not decode, lacks a column or names an unknown split.
    """
    if reader.manifest.file(STATE_KEY) is not None:
        columns = _decode(reader.read_file(STATE_KEY), reader.version)
    else:
        columns = _columns_of(record for split in SPLITS for record in reader.iter_split(split))
    ids, splits, sources = columns["id"], columns["split"], columns["source_id"]
    unknown = set(splits) - set(SPLITS)
    if unknown:
        raise ReleaseError(
            f"{STATE_KEY}: unknown split {sorted(unknown)[0]!r}", release=reader.version
        )
    digest = hashlib.sha256()
    for row in zip(ids, sources, splits, strict=True):
        digest.update("\x1f".join(row).encode() + b"\x1e")
    return PreviousState(
        reader.version,
        dict(zip(ids, splits, strict=True)),  # type: ignore[arg-type]
        dict(zip(ids, sources, strict=True)),
        dict(zip(ids, columns["content_hash"], strict=True)),
        "sha256:" + digest.hexdigest(),
    )


def without_records(data: bytes, ids: Set[str], version: str) -> bytes:
    """A state file without the rows of ``ids`` (records that clinical review left out).

    Raises:
        ReleaseError: the file does not decode.
    """
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise ReleaseError(
            f"{STATE_KEY} does not decode ({type(exc).__name__})", release=version
        ) from None
    keep = [record_id not in ids for record_id in table.column("id").to_pylist()]
    rows = StateRows({name: table.column(name).filter(keep).to_pylist() for name in COLUMNS})
    return rows.to_bytes()


def _decode(data: bytes, version: str) -> dict[str, list[str]]:
    try:
        table = pq.read_table(io.BytesIO(data), columns=list(_READ))
    except (pa.ArrowException, OSError) as exc:
        raise ReleaseError(
            f"{STATE_KEY} does not decode ({type(exc).__name__})", release=version
        ) from None
    return {name: table.column(name).to_pylist() for name in table.column_names}


def _columns_of(records: Iterable[Record]) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {name: [] for name in _READ}
    for record in records:
        meta = record.metadata
        columns["id"].append(meta.id)
        columns["source_id"].append(meta.source_id)
        columns["split"].append(str(meta.split))
        columns["content_hash"].append(meta.content_hash)
    return columns
