"""The Store protocol: one interface over a local folder and an S3 bucket prefix.

Keys are relative, ``/``-separated and never start with ``/``. Listings are sorted by key (the
order S3 returns), so every consumer that shards by listing order is deterministic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
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
        """Write ``data`` once at ``key``, atomically and only if nothing else is there.

        Idempotent: when ``key`` already holds exactly ``data`` (same size and SHA-256), the
        call succeeds. A retried request whose first answer was lost (the object written, the
        response dropped) is therefore not mistaken for another writer, and a repeated
        identical put is harmless. Only different content is a conflict.

        Raises:
            ObjectExistsError: ``key`` holds other content (or is not an object).
        """
        ...

    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""
        ...

    def delete_many(self, keys: Sequence[str]) -> None:
        """Delete many objects, batched where the backend can (S3: 1,000 keys a request);
        missing objects are not an error.

        Raises:
            StoreError: an object could not be deleted (names the first such key).
        """
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


def holds_bytes(store: Store, key: str, data: bytes) -> bool:
    """Whether the object at ``key`` holds exactly ``data``: same size, then same SHA-256.

    The object is streamed, never loaded whole; a size mismatch answers without reading it.

    Raises:
        ObjectNotFoundError: there is no object at ``key``.
    """
    if store.head(key).size != len(data):
        return False
    digest = hashlib.sha256()
    with store.open_read(key) as stream:
        for chunk in iter_chunks(stream):
            digest.update(chunk)
    return digest.digest() == hashlib.sha256(data).digest()


def iter_chunks(stream: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    """Yield ``stream`` in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk
