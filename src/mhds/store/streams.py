"""Streaming readers and writers over a Store: JSONL, JSON, CSV and text, each optionally
gzip- or zstd-compressed (chosen by the key's suffix), record by record.

Readers never load a whole object (text transcripts excepted: one object is one record).
They yield ``(line, item)`` where ``item`` is the parsed value or an InputError for that line,
so one bad line is reported and the rest of the object still streams.

Input is untrusted, so every reader works within ReadLimits, checked while streaming: a line
(CSV row, JSON item, text object) is read at most ``max_line_bytes`` at a time and the rest
of a longer one is skipped in bounded chunks; the decompressed stream is counted and stops
at ``max_object_bytes`` or at ``max_compression_ratio`` (a decompression bomb). Memory stays
bounded by the limits, whatever the input.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, BinaryIO, Literal, cast

from mhds.errors import InputError, InputLimitError
from mhds.records import codec
from mhds.records.validate import Reason
from mhds.store.base import Store
from mhds.store.limits import (
    DEFAULT_LIMITS,
    CountingReader,
    CsvLines,
    ItemBoundReader,
    LimitedReader,
    ReadLimits,
    iter_bounded_lines,
    located,
)

Compression = Literal["gzip", "zstd"] | None
Format = Literal["jsonl", "json", "csv", "tsv", "text"]

_COMPRESSION_SUFFIXES: dict[str, Compression] = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".zst": "zstd",
    ".zstd": "zstd",
}
_FORMAT_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "text",
    ".md": "text",
    ".text": "text",
}
_BUFFER = 1 << 20
# Generous: one CSV field may hold a long transcript (rows are bounded by ReadLimits).
csv.field_size_limit(1 << 30)


def split_suffixes(key: str) -> tuple[Format | None, Compression]:
    """Return ``(format, compression)`` from a key's suffixes (``a.jsonl.zst``)."""
    name = key.rsplit("/", 1)[-1].lower()
    compression: Compression = None
    for suffix, kind in _COMPRESSION_SUFFIXES.items():
        if name.endswith(suffix):
            compression = kind
            name = name[: -len(suffix)]
            break
    for suffix, fmt in _FORMAT_SUFFIXES.items():
        if name.endswith(suffix):
            return fmt, compression
    return None, compression


@contextmanager
def open_decompressed(
    store: Store, key: str, limits: ReadLimits | None = None
) -> Iterator[BinaryIO]:
    """Open ``key`` for reading with transparent gzip/zstd decompression, within ``limits``.

    The stream raises InputLimitError (``object_too_large``, ``compression_ratio``) as soon
    as the decompressed bytes break ``limits``; line limits are the readers' business.
    """
    limits = limits or DEFAULT_LIMITS
    _, compression = split_suffixes(key)
    with store.open_read(key) as raw, ExitStack() as stack:
        compressed: CountingReader | None = None
        inner: Any = raw
        if compression is not None:
            compressed = CountingReader(raw)
            source = cast(BinaryIO, compressed)
            if compression == "gzip":
                inner = stack.enter_context(gzip.GzipFile(fileobj=source, mode="rb"))
            else:
                import zstandard

                inner = zstandard.ZstdDecompressor().stream_reader(
                    source, read_across_frames=True, closefd=False
                )
                stack.callback(inner.close)
        limited = LimitedReader(inner, key, limits, compressed)
        yield stack.enter_context(io.BufferedReader(limited, buffer_size=_BUFFER))


def iter_lines(
    store: Store, key: str, *, limits: ReadLimits | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line_bytes)`` without the line ending; 1-based.

    Raises:
        InputLimitError: at the first line or object that breaks ``limits``.
    """
    with open_decompressed(store, key, limits) as stream:
        for number, line in iter_bounded_lines(stream, key, limits or DEFAULT_LIMITS):
            if isinstance(line, InputError):
                raise line
            yield number, line


def iter_jsonl(
    store: Store, key: str, *, limits: ReadLimits | None = None
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value | InputError)`` for every non-blank line of a JSONL object.

    An over-long line is reported (``line_too_long``) and skipped; an object over its size or
    compression-ratio limit ends with one error.
    """
    limits = limits or DEFAULT_LIMITS
    with open_decompressed(store, key, limits) as stream:
        for number, line in iter_bounded_lines(stream, key, limits):
            if isinstance(line, InputError):
                yield number, line
                continue
            if not line.strip():
                continue
            try:
                value = codec.loads(line)
            except codec.DecodeError as exc:
                yield number, _jsonl_error(exc, line, key, number)
                continue
            yield number, value


def iter_json(
    store: Store,
    key: str,
    items_path: str | None = None,
    *,
    limits: ReadLimits | None = None,
) -> Iterator[tuple[int, Any]]:
    """Stream the items of a JSON document with ijson; yield ``(item_number, value)``.

    A top-level array yields its elements; a top-level object yields itself, unless
    ``items_path`` (ijson prefix such as ``data.item``) names the array to stream. A syntax
    error ends the object with one InputError (ijson cannot resynchronise); so does an item
    over ``max_line_bytes`` (``line_too_long``) or an object over its limits.
    """
    import ijson

    limits = limits or DEFAULT_LIMITS
    with open_decompressed(store, key, limits) as stream:
        number = 0
        try:
            head = cast(io.BufferedReader, stream).peek(64).lstrip()
            if items_path is None:
                items_path = "item" if head.startswith(b"[") else ""
            source = ItemBoundReader(stream, limits.max_line_bytes)
            items = ijson.items(source, items_path, use_float=True, buf_size=source.chunk)
            for number, value in enumerate(items, 1):
                source.mark()
                yield number, value
        except ijson.JSONError as exc:
            yield (
                number + 1,
                InputError(
                    Reason.MALFORMED_JSON, key=key, line=number + 1, detail=type(exc).__name__
                ),
            )
        except UnicodeDecodeError:
            yield number + 1, InputError(Reason.BAD_ENCODING, key=key, line=number + 1)
        except InputLimitError as exc:
            yield number + 1, located(exc, key, number + 1)


def iter_csv(
    store: Store,
    key: str,
    delimiter: str | None = None,
    *,
    limits: ReadLimits | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(first_line_of_row, row_dict | InputError)`` for each CSV data row.

    Bytes that are not UTF-8 are kept as surrogate escapes so that the reader goes on; the row
    holding them is reported as ``bad_encoding`` naming the column. A row over
    ``max_line_bytes`` is reported (``line_too_long``) and skipped; an object over its size or
    compression-ratio limit ends with one error.
    """
    limits = limits or DEFAULT_LIMITS
    fmt, _ = split_suffixes(key)
    sep = delimiter or ("\t" if fmt == "tsv" else ",")
    with open_decompressed(store, key, limits) as stream:
        lines = CsvLines(stream, limits.max_line_bytes, sep)
        reader = csv.reader(lines, delimiter=sep)
        header: list[str] | None = None
        while True:
            line = lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except InputLimitError as exc:
                yield line, located(exc, key, line)
                if header is None or exc.reason != Reason.LINE_TOO_LONG:
                    return  # no header to read rows by, or nothing more can be read
                continue
            except csv.Error as exc:
                yield (
                    line,
                    InputError(Reason.MALFORMED_CSV, key=key, line=line, detail=str(exc)[:80]),
                )
                if header is None:
                    return
                continue
            if header is None:
                header = row
                continue
            if not row:
                continue
            yield line, _csv_row(header, row, key, line)


def read_text(store: Store, key: str, *, limits: ReadLimits | None = None) -> str:
    """Read a whole text object (one transcript).

    Raises:
        InputError: ``bad_encoding`` on invalid UTF-8.
        InputLimitError: ``line_too_long`` for an object over ``max_line_bytes`` (one text
            object is one record), or the object's size or compression-ratio limit.
    """
    limits = limits or DEFAULT_LIMITS
    with open_decompressed(store, key, limits) as stream:
        try:
            data = stream.read(limits.max_line_bytes + 1)
        except InputLimitError as exc:
            raise located(exc, key, 1) from None
    if len(data) > limits.max_line_bytes:
        raise InputLimitError(
            Reason.LINE_TOO_LONG,
            key=key,
            line=1,
            detail=f"text object over the limit max_line_bytes={limits.max_line_bytes}",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Reason.BAD_ENCODING, key=key, line=data.count(b"\n", 0, exc.start) + 1
        ) from None


def iter_items(
    store: Store,
    key: str,
    fmt: Format,
    *,
    items_path: str | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[tuple[int, Any]]:
    """Dispatch to the reader for ``fmt``; text yields the whole object as item 1."""
    if fmt == "jsonl":
        yield from iter_jsonl(store, key, limits=limits)
    elif fmt == "json":
        yield from iter_json(store, key, items_path, limits=limits)
    elif fmt in ("csv", "tsv"):
        yield from iter_csv(store, key, limits=limits)
    else:
        try:
            yield 1, read_text(store, key, limits=limits)
        except InputError as exc:
            yield exc.line or 1, exc


class HashingWriter(io.RawIOBase):
    """Pass-through writer that counts bytes and computes sha256 of what it writes."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__()
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.bytes_written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sink.write(data)
        self.sha256.update(data)
        self.bytes_written += len(data)
        return len(data)


# zstd level of what a build writes and reads back itself (processed and work shards): level
# 3 compresses record lines about 4.5x faster than 9 for about a quarter more bytes. Release
# shards, kept and streamed by every training run, are written at 9 (``release.publish``).
WORK_ZSTD_LEVEL = 3
# Most worker threads a writer that asks for them gives zstd. zstd's multithreaded output is
# the same bytes whatever the number of workers (one or more), so the count is free to follow
# the machine; the cap bounds the buffers (a job of several MB per worker).
MAX_ZSTD_THREADS = 4


def zstd_threads() -> int:
    """zstd worker threads for a writer that compresses beside a busy Python thread: one per
    CPU this process may use, one at least, ``MAX_ZSTD_THREADS`` at most."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_ZSTD_THREADS, cpus))


class JsonlWriter:
    """Write JSON lines to one store object, compressed by its suffix, atomically.

    After the ``with`` block: ``records``, ``bytes_written`` and ``sha256`` (of the stored,
    compressed bytes) describe the object. Output is deterministic for the same input (gzip
    mtime 0, zstd at a fixed level). ``zstd_threads``: 0 compresses in the calling thread;
    1 or more in that many zstd workers beside it (other bytes than 0 gives, but the same
    bytes for any count of 1 or more).
    """

    def __init__(
        self, store: Store, key: str, *, zstd_level: int = WORK_ZSTD_LEVEL, zstd_threads: int = 0
    ) -> None:
        self.store = store
        self.key = key
        self.zstd_level = zstd_level
        self.zstd_threads = zstd_threads
        self.records = 0
        self.bytes_written = 0
        self.sha256 = ""
        self._stack: Any = None
        self._stream: Any = None

    def __enter__(self) -> JsonlWriter:
        _, compression = split_suffixes(self.key)
        with ExitStack() as stack:
            raw = stack.enter_context(self.store.open_write(self.key))
            self._hasher = HashingWriter(raw)
            sink = cast(BinaryIO, self._hasher)
            if compression == "zstd":
                import zstandard

                compressor = zstandard.ZstdCompressor(
                    level=self.zstd_level, write_checksum=True, threads=self.zstd_threads
                )
                self._stream = compressor.stream_writer(sink, closefd=False)
            elif compression == "gzip":
                self._stream = gzip.GzipFile(fileobj=sink, mode="wb", mtime=0)
            else:
                self._stream = self._hasher
            # The object is ours only once set up: a failure above (gzip writes its header
            # at once) already discarded it.
            self._stack = stack.pop_all()
        return self

    def write_line(self, line: bytes) -> None:
        """Write one already-encoded JSON value as a line."""
        self._stream.write(line + b"\n")
        self.records += 1

    def write(self, obj: Any) -> None:
        """Encode ``obj`` with the mhds codec and write it as a line."""
        self.write_line(codec.dumps(obj))

    def __exit__(self, *exc_info: Any) -> None:
        if exc_info[0] is None and self._stream is not self._hasher:
            try:
                self._stream.close()  # flushes the compressor's last block into the object
            except BaseException as exc:
                # The object is incomplete: discard it, do not publish it.
                self._stack.__exit__(type(exc), exc, exc.__traceback__)
                raise
        self._stack.__exit__(*exc_info)
        self.bytes_written = self._hasher.bytes_written
        self.sha256 = self._hasher.sha256.hexdigest()


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _jsonl_error(exc: Exception, line: bytes, key: str, number: int) -> InputError:
    # orjson validates UTF-8 itself, so the (costly) decode check runs only on failed lines.
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        detail = f"invalid UTF-8 at byte {bad.start}"
        return InputError(Reason.BAD_ENCODING, key=key, line=number, detail=detail)
    return InputError(Reason.MALFORMED_JSON, key=key, line=number, detail=_json_detail(exc))


def _json_detail(exc: Exception) -> str:
    # orjson messages quote no input text, only positions: safe to keep.
    return str(exc).split(":", 1)[0][:80]


def _csv_row(header: list[str], row: list[str], key: str, line: int) -> Any:
    """The row as a dict, or the InputError that rejects it (column count, bad bytes)."""
    if len(row) != len(header):
        detail = f"{len(row)} columns, header has {len(header)}"
        return InputError(Reason.MALFORMED_CSV, key=key, line=line, detail=detail)
    bad = next((h for h, v in zip(header, row, strict=True) if _has_surrogates(v)), None)
    if bad is not None:
        return InputError(Reason.BAD_ENCODING, key=key, line=line, field=bad)
    return dict(zip(header, row, strict=True))
