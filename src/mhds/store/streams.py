"""Streaming readers and writers over a Store: JSONL, JSON, CSV and text, each optionally
gzip- or zstd-compressed (chosen by the key's suffix), record by record.

Readers never load a whole object (text transcripts excepted: one object is one record).
They yield ``(line, item)`` where ``item`` is the parsed value or an InputError for that line,
so one bad line is reported and the rest of the object still streams.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, BinaryIO, Literal, cast

from mhds.errors import InputError
from mhds.records import codec
from mhds.records.validate import Reason
from mhds.store.base import Store

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
# Generous: one CSV field may hold a long transcript.
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
def open_decompressed(store: Store, key: str) -> Iterator[BinaryIO]:
    """Open ``key`` for reading with transparent gzip/zstd decompression."""
    _, compression = split_suffixes(key)
    with store.open_read(key) as raw:
        if compression == "gzip":
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream  # type: ignore[misc]
        elif compression == "zstd":
            import zstandard

            reader = zstandard.ZstdDecompressor().stream_reader(
                raw, read_across_frames=True, closefd=False
            )
            with io.BufferedReader(reader, buffer_size=_BUFFER) as stream:
                yield stream
        else:
            yield raw


def iter_lines(store: Store, key: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line_bytes)`` without the line ending; 1-based."""
    with open_decompressed(store, key) as stream:
        for number, line in enumerate(stream, start=1):
            yield number, line.rstrip(b"\r\n")


def iter_jsonl(store: Store, key: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value | InputError)`` for every non-blank line of a JSONL object."""
    for number, line in iter_lines(store, key):
        if not line.strip():
            continue
        try:
            value = codec.loads(line)
        except codec.DecodeError as exc:
            yield number, _jsonl_error(exc, line, key, number)
            continue
        yield number, value


def iter_json(store: Store, key: str, items_path: str | None = None) -> Iterator[tuple[int, Any]]:
    """Stream the items of a JSON document with ijson; yield ``(item_number, value)``.

    A top-level array yields its elements; a top-level object yields itself, unless
    ``items_path`` (ijson prefix such as ``data.item``) names the array to stream. A syntax
    error ends the object with one InputError (ijson cannot resynchronise).
    """
    import ijson

    with open_decompressed(store, key) as stream:
        buffered: Any = stream
        if not hasattr(stream, "peek"):
            buffered = io.BufferedReader(cast(Any, stream), buffer_size=_BUFFER)
        head = buffered.peek(64).lstrip()
        if items_path is None:
            items_path = "item" if head.startswith(b"[") else ""
        number = 0
        try:
            for number, value in enumerate(ijson.items(buffered, items_path, use_float=True), 1):
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


def iter_csv(store: Store, key: str, delimiter: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(first_line_of_row, row_dict | InputError)`` for each CSV data row.

    Bytes that are not UTF-8 are kept as surrogate escapes so that the reader goes on; the row
    holding them is reported as ``bad_encoding`` naming the column.
    """
    fmt, _ = split_suffixes(key)
    sep = delimiter or ("\t" if fmt == "tsv" else ",")
    with open_decompressed(store, key) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=sep)
        try:
            header = next(reader)
        except StopIteration:
            return
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield (
                    start,
                    InputError(Reason.MALFORMED_CSV, key=key, line=start, detail=str(exc)[:80]),
                )
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not row:
                continue
            if len(row) != len(header):
                yield (
                    line,
                    InputError(
                        Reason.MALFORMED_CSV,
                        key=key,
                        line=line,
                        detail=f"{len(row)} columns, header has {len(header)}",
                    ),
                )
                continue
            bad = next((h for h, v in zip(header, row, strict=True) if _has_surrogates(v)), None)
            if bad is not None:
                yield line, InputError(Reason.BAD_ENCODING, key=key, line=line, field=bad)
                continue
            yield line, dict(zip(header, row, strict=True))


def read_text(store: Store, key: str) -> str:
    """Read a whole text object (one transcript); raise InputError on invalid UTF-8."""
    with open_decompressed(store, key) as stream:
        data = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Reason.BAD_ENCODING, key=key, line=data.count(b"\n", 0, exc.start) + 1
        ) from None


def iter_items(
    store: Store, key: str, fmt: Format, *, items_path: str | None = None
) -> Iterator[tuple[int, Any]]:
    """Dispatch to the reader for ``fmt``; text yields the whole object as item 1."""
    if fmt == "jsonl":
        yield from iter_jsonl(store, key)
    elif fmt == "json":
        yield from iter_json(store, key, items_path)
    elif fmt in ("csv", "tsv"):
        yield from iter_csv(store, key)
    else:
        try:
            yield 1, read_text(store, key)
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


class JsonlWriter:
    """Write JSON lines to one store object, compressed by its suffix, atomically.

    After the ``with`` block: ``records``, ``bytes_written`` and ``sha256`` (of the stored,
    compressed bytes) describe the object. Output is deterministic for the same input (gzip
    mtime 0, single-threaded zstd at a fixed level).
    """

    def __init__(self, store: Store, key: str, *, zstd_level: int = 9) -> None:
        self.store = store
        self.key = key
        self.zstd_level = zstd_level
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

                compressor = zstandard.ZstdCompressor(level=self.zstd_level, write_checksum=True)
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
