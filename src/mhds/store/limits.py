"""Read limits on untrusted input, enforced while streaming (``mhds.store.streams`` readers).

A counting reader under the decompressed stream stops an object past ``max_object_bytes`` or
``max_compression_ratio``; line readers take at most ``max_line_bytes`` of a line (CSV row, JSON
item) and skip the rest in bounded chunks. Nothing over a limit is ever held in memory.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from pydantic import BaseModel, ConfigDict, Field

from mhds.errors import InputLimitError
from mhds.records.validate import Reason

# Decompressed bytes are counted (and the limits checked) at most this many at a time.
_READ_CHUNK = 1 << 20
# The rest of an over-long line is skipped in chunks of this size.
_SKIP_CHUNK = 1 << 20
# ijson's read size (smaller when the line limit is): an item is measured to this accuracy.
_JSON_CHUNK = 64 << 10


class ReadLimits(BaseModel):
    """Bounds on what one input object may make a reader hold or decompress.

    The defaults fit two ingest workers on a 24 GB machine: a line of 64 MiB costs a worker
    a few hundred MiB while it is parsed into a record (bytes, decoded text, the record, its
    canonical form), far below its ~12 GB share; 8 GiB decompressed is a long object for
    one source file yet streams in minutes. Conversation text compresses 3-20x and templated,
    mass-produced JSONL measured up to ~175x (zstd -19), while a gzip bomb runs at ~1000x
    (deflate's ceiling is 1032x) and a zstd one at 10,000x and more: 500 lies between.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_line_bytes: int = Field(
        default=64 << 20,
        ge=1,
        description="Largest JSONL line, CSV row, JSON item or text object, in bytes after "
        "decompression; a longer one is skipped and quarantined (line_too_long).",
    )
    max_object_bytes: int = Field(
        default=8 << 30,
        ge=1,
        description="Largest object after decompression; reading stops there and the object "
        "is quarantined (object_too_large).",
    )
    max_compression_ratio: float = Field(
        default=500.0,
        gt=1,
        description="Largest ratio of decompressed to compressed bytes read so far in a "
        "compressed object; reading stops past it (compression_ratio).",
    )
    ratio_check_after_bytes: int = Field(
        default=16 << 20,
        ge=0,
        description="Decompressed bytes before the compression ratio is checked (the ratio "
        "of a small object says little).",
    )


DEFAULT_LIMITS = ReadLimits()
# What mhds wrote itself (processed shards, dedup work files, quarantine logs) is read without
# limits: ingest bounded what went in, and a record may grow a little on the way (escaping,
# metadata), and its shards compress far better than any input (one long repeated message).
OWN_OUTPUT = ReadLimits(
    max_line_bytes=1 << 62,
    max_object_bytes=1 << 62,
    max_compression_ratio=1e300,
    ratio_check_after_bytes=1 << 62,
)


def located(exc: InputLimitError, key: str, line: int) -> InputLimitError:
    """``exc`` naming ``key`` and ``line`` (the limit readers raise it without them)."""
    return InputLimitError(exc.reason, key=key, line=line, detail=exc.detail)


def iter_bounded_lines(
    stream: BinaryIO, key: str, limits: ReadLimits
) -> Iterator[tuple[int, bytes | InputLimitError]]:
    """Yield ``(number, line without its ending | InputLimitError)``.

    A line over ``max_line_bytes`` is never held: at most the limit (and its line ending) is
    read, the rest is skipped in bounded chunks and the line is reported as ``line_too_long``.
    An object-level limit ends the object with its error.
    """
    limit = limits.max_line_bytes
    reader = cast(io.BufferedReader, stream)
    number = 0
    while True:
        number += 1
        try:
            line = reader.readline(limit + 2)  # room for "\r\n" after a line of ``limit``
            if not line:
                return
            ended = line.endswith(b"\n")
            content = line.rstrip(b"\r\n")
            if len(content) <= limit and (ended or len(line) <= limit + 1):
                error = None
            else:
                size = len(content) if ended else len(line) + _skip_line(reader)
                error = _too_long(size, limit)
        except InputLimitError as exc:
            yield number, located(exc, key, number)
            return
        yield number, content if error is None else located(error, key, number)


def _skip_line(reader: io.BufferedReader) -> int:
    """Read past the end of the current line in bounded chunks; return the bytes skipped
    (its line ending excluded)."""
    skipped = 0
    while chunk := reader.readline(_SKIP_CHUNK):
        if chunk.endswith(b"\n"):
            return skipped + len(chunk.rstrip(b"\r\n"))
        skipped += len(chunk)
    return skipped


def _read_into(stream: Any, buffer: Any) -> int:
    """``stream.readinto(buffer)``, or read() and copy for a stream without readinto."""
    if hasattr(stream, "readinto"):
        return int(stream.readinto(buffer))
    data = stream.read(len(buffer))
    memoryview(buffer).cast("B")[: len(data)] = data
    return len(data)


class CountingReader(io.RawIOBase):
    """Counts the compressed bytes a decompressor pulls from the stored object."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = cast(Any, raw)
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = _read_into(self._raw, buffer)
        self.count += n
        return n


class LimitedReader(io.RawIOBase):
    """The decompressed stream, counted: raises InputLimitError past ``max_object_bytes``
    or, for a compressed object, past ``max_compression_ratio``."""

    def __init__(
        self, inner: Any, key: str, limits: ReadLimits, compressed: CountingReader | None
    ) -> None:
        super().__init__()
        self._inner = inner
        self._key = key
        self._limits = limits
        self._compressed = compressed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # One buffer's worth at a time, so a large read() is checked as it goes.
        view = memoryview(buffer).cast("B")[:_READ_CHUNK]
        n = _read_into(self._inner, view)
        self.count += n
        self._check()
        return n

    def _check(self) -> None:
        limits = self._limits
        if self.count > limits.max_object_bytes:
            raise InputLimitError(
                Reason.OBJECT_TOO_LARGE,
                key=self._key,
                detail=f"over {limits.max_object_bytes} bytes after decompression, the "
                f"limit max_object_bytes={limits.max_object_bytes}",
            )
        if self._compressed is None or self.count < limits.ratio_check_after_bytes:
            return
        read = max(self._compressed.count, 1)
        if self.count > limits.max_compression_ratio * read:
            raise InputLimitError(
                Reason.COMPRESSION_RATIO,
                key=self._key,
                detail=f"{self.count} bytes from {read} compressed (ratio "
                f"{self.count / read:.0f}), over the limit "
                f"max_compression_ratio={limits.max_compression_ratio:g}",
            )


class ItemBoundReader:
    """What ijson reads: counts the bytes since the last item and raises ``line_too_long``
    when one item runs past ``limit`` (measured to one read chunk, so an item is flagged only
    when it is really longer than the limit, and at most ``limit`` + 2 chunks are held)."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self.chunk = min(_JSON_CHUNK, limit)
        self._since = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size >= 0 else self.chunk)
        self._since += len(data)
        if self._since > self._limit + self.chunk:
            raise _too_long(self._since - self.chunk, self._limit, "item")
        return data

    def mark(self) -> None:
        """An item is complete: measure the next one from here."""
        self._since = 0


class CsvLines:
    """Physical lines for ``csv.reader``, read with a bound, numbered as universal newlines
    number them (CRLF, LF or a bare CR ends a line).

    A row (its lines together) over ``limit`` bytes raises ``line_too_long`` after skipping
    past it: to the end of its line, and on to where its quoted field closes when it stopped
    inside one (``CsvQuoteState``, the csv module's own quoting rules), so that the next row
    parses from a clean start. ``csv.reader``
    starts each row afresh, so it goes on after the error.
    """

    def __init__(self, stream: BinaryIO, limit: int, delimiter: str = ",") -> None:
        self._stream = cast(io.BufferedReader, stream)
        self._limit = limit
        self._pending: list[bytes] = []  # the rest of a read, split at bare CRs (reversed)
        self._first = True
        self._row_bytes = 0
        self._quotes = CsvQuoteState(delimiter.encode())
        self.lines = 0

    def start_row(self) -> int:
        """Start measuring a new row; return the number of its first line."""
        self._row_bytes = 0
        self._quotes.reset()
        return self.lines + 1

    def __iter__(self) -> CsvLines:
        return self

    def __next__(self) -> str:
        line, complete = self._next_line()
        if not line:
            raise StopIteration
        self.lines += 1
        if not complete or self._row_bytes + len(line.rstrip(b"\r\n")) > self._limit:
            raise self._skip_row(line, complete)
        self._row_bytes += len(line)
        self._quotes.feed(line)
        return line.decode("utf-8", "surrogateescape")

    def _next_line(self) -> tuple[bytes, bool]:
        """The next line, at most ``limit`` + 2 bytes; ``complete`` is False when cut short."""
        bound = self._limit + 2
        line = self._take(bound)
        while line and not line.endswith((b"\n", b"\r")) and len(line) < bound:
            more = self._take(bound - len(line))
            if not more:
                break  # the last line, without a line ending
            line += more
        return line, line.endswith((b"\n", b"\r")) or len(line) < bound

    def _take(self, bound: int) -> bytes:
        """One piece: a whole line, or the first ``bound`` bytes of one."""
        if self._pending:
            return self._pending.pop()
        data = self._stream.readline(bound)
        if self._first:
            self._first = False
            data = data.removeprefix(codecs.BOM_UTF8)
        if data.endswith(b"\r") and self._stream.peek(1)[:1] == b"\n":
            data += self._stream.read(1)  # keep "\r\n" together when the bound split it
        # bytes.splitlines breaks at \n, \r\n and \r only: the csv module's universal newlines.
        pieces = data.splitlines(keepends=True)
        self._pending = pieces[:0:-1]
        return pieces[0] if pieces else b""

    def _skip_row(self, line: bytes, complete: bool) -> InputLimitError:
        size = self._row_bytes + len(line)
        self._quotes.feed(line)
        ended = complete
        while not ended or self._quotes.in_quotes:
            part = self._take(_SKIP_CHUNK)
            if not part:
                break
            if ended:
                self.lines += 1
            size += len(part)
            self._quotes.feed(part)
            ended = part.endswith((b"\n", b"\r"))
        return _too_long(size, self._limit, "row")


class CsvQuoteState:
    """Whether a CSV row, read so far, stands inside a quoted field, as ``csv.reader`` (the
    default dialect, ``doublequote``) reads it: a quote opens a quoted field only at the start
    of a field; inside one, ``""`` is a quote and a lone quote closes it; a quote anywhere else
    is an ordinary character. A line ending outside quotes ends the row."""

    _START, _PLAIN, _QUOTED, _CLOSING = range(4)

    def __init__(self, delimiter: bytes = b",") -> None:
        self._delimiter = delimiter[0]
        self._state = self._START

    def reset(self) -> None:
        """A new row starts."""
        self._state = self._START

    @property
    def in_quotes(self) -> bool:
        """Whether the bytes fed so far end inside a quoted field."""
        return self._state == self._QUOTED

    def feed(self, data: bytes) -> None:
        """Advance over ``data`` (lines or pieces of lines of one row)."""
        state, delimiter, quote = self._state, self._delimiter, 0x22
        for byte in data:
            if state == self._QUOTED:
                if byte == quote:
                    state = self._CLOSING
            elif byte in (0x0A, 0x0D):
                state = self._START  # a line ending outside quotes: the row ends
            elif byte == delimiter:
                state = self._START
            elif state == self._START or state == self._CLOSING:
                state = self._QUOTED if byte == quote else self._PLAIN
        self._state = state


def _too_long(size: int, limit: int, what: str = "line") -> InputLimitError:
    return InputLimitError(
        Reason.LINE_TOO_LONG,
        detail=f"{what} of {size} bytes, over the limit max_line_bytes={limit}",
    )
