"""The embedded default store: a local folder, with atomic and write-once writes."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from mhds.errors import ObjectExistsError, ObjectNotFoundError, StoreError
from mhds.store.base import ObjectInfo, holds_bytes
from mhds.store.uri import check_key

log = logging.getLogger(__name__)

# Temp files live beside their target (same filesystem, so rename is atomic) and are
# hidden from listings by this prefix.
TMP_PREFIX = ".mhds-tmp-"
# A write-once target that vanishes between link() and the read-back is linked again, this often.
_LINK_ATTEMPTS = 3


class LocalStore:
    """A store rooted at a local folder (created on first write)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()

    @property
    def uri(self) -> str:
        return str(self.root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def url_for(self, key: str) -> str:
        return str(self._path(key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            return
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(TMP_PREFIX)]
            rel = os.path.relpath(dirpath, self.root)
            for name in filenames:
                if name.startswith(TMP_PREFIX):
                    continue
                key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        for key in sorted(keys):
            try:
                yield self.head(key)
            except ObjectNotFoundError:
                continue  # removed while listing

    def head(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ObjectNotFoundError(
                "no such object", uri=self.url_for(key), operation="head"
            ) from None
        if not path.is_file():
            raise ObjectNotFoundError("not an object", uri=self.url_for(key), operation="head")
        etag = f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            etag=etag,
            last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        )

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectNotFoundError(
                "no such object", uri=self.url_for(key), operation="read"
            ) from None
        with handle:
            yield handle

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        tmp = self._tmp_for(path)
        try:
            with tmp.open("xb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def put_if_absent(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = self._tmp_for(path)
        try:
            with tmp.open("xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            for _ in range(_LINK_ATTEMPTS):
                try:
                    # link() is atomic and fails when the target exists: an exclusive,
                    # complete create.
                    os.link(tmp, path)
                    return
                except FileExistsError:
                    pass
                try:
                    if holds_bytes(self, key, data):
                        log.debug("%s already holds these bytes (repeated put)", path)
                        return
                    break
                except ObjectNotFoundError:
                    if path.exists():
                        break  # a folder, not an object: a conflict
                    # Removed since link() saw it: try again.
        except OSError as exc:
            raise StoreError(str(exc.strerror), uri=self.url_for(key), operation="put") from exc
        finally:
            tmp.unlink(missing_ok=True)
        raise ObjectExistsError(
            "object exists with other content (write-once)",
            uri=self.url_for(key),
            operation="put_if_absent",
        )

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.delete(key)

    def read_bytes(self, key: str) -> bytes:
        with self.open_read(key) as handle:
            return handle.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.open_write(key) as handle:
            handle.write(data)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @staticmethod
    def _tmp_for(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
