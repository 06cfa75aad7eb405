"""The Store protocol: one interface over a local folder and an S3 bucket prefix.

Keys are relative, ``/``-separated and never start with ``/``. Listings are sorted by key (the
order S3 returns), so every consumer that shards by listing order is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing knows about one object."""

    key: str
    size: int
    etag: str | None
    last_modified: datetime | None


@runtime_checkable
class Store(Protocol):
    """A root URI with relative keys inside it."""

    @property
    def uri(self) -> str:
        """The root URI, safe to print (never holds credentials)."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Yield every object under ``prefix``, sorted by key, paging as needed."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Return one object's info; raise ObjectNotFoundError when absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object exists at ``key``."""
        ...

    def open_read(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Open an object for streaming binary reads (no decompression)."""
        ...

    def open_write(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Open an object for streaming binary writes.

        The object becomes visible only when the block exits without an exception (temp file
        and rename locally, completed multipart upload on S3); on error nothing is left.
        """
        ...

    def put_if_absent(self, key: str, data: bytes) -> None:
        """Write ``data`` once; raise ObjectExistsError when ``key`` already exists."""
        ...

    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """Read a whole (small) object."""
        ...

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write a whole (small) object atomically."""
        ...

    def url_for(self, key: str) -> str:
        """The full URI of ``key`` (``s3://bucket/prefix/key`` or an absolute path)."""
        ...


def iter_chunks(stream: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    """Yield ``stream`` in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk
