"""S3 store over boto3: paginated listing, resumable streaming reads, multipart writes,
write-once puts (``If-None-Match: *``) and retries with backoff.

Throttling, 5xx and connection errors are retried by botocore's ``standard`` retry mode on
every request; a stream that drops mid-read is resumed here with a ranged GET pinned to the
object's ETag, so a long read survives a flaky connection without re-reading from the start.

A retried request whose first answer was lost must not turn success into failure. A write-once
put refused with 412 reads the object back: our own bytes are success, other bytes a conflict.
A multipart completion answered NoSuchUpload (some stores forget a completed upload at once)
is accepted when the object's ETag is the one our parts make. Plain puts and deletes are
idempotent already.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from mhds.errors import (
    ObjectExistsError,
    ObjectNotFoundError,
    RetryableStoreError,
    StoreError,
)
from mhds.store.base import ObjectInfo, holds_bytes
from mhds.store.s3_errors import PRECONDITION_CODES, guard_call, stop_tls_retries
from mhds.store.settings import S3Settings, resolve_s3_settings
from mhds.store.uri import check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import DeleteObjectsOutputTypeDef, ObjectIdentifierTypeDef

log = logging.getLogger(__name__)

T = TypeVar("T")

_SECRET_FIELDS = ("access_key_id", "secret_access_key", "session_token")
_STREAM_RETRIES = 5
_READ_CHUNK = 1 << 20
# A write-once put refused while no object can be read back (a conditional write still in
# flight, or a delete meanwhile) is tried again, this often in all.
_PUT_ONCE_ATTEMPTS = 3
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
_MD5_HEX = re.compile(r"[0-9a-f]{32}")


class S3Store:
    """A store rooted at ``s3://bucket/prefix`` on any S3-compatible endpoint."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        settings: S3Settings | None = None,
        client: S3Client | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.settings = settings or S3Settings()
        self._client = client

    # The boto3 client holds sockets and does not pickle; workers build their own. Credentials
    # never travel in a pickle either: the receiving process resolves its own from its
    # environment (standard and legacy variables), as every worker must.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_client"] = None
        state["settings"] = self.settings.model_copy(update=dict.fromkeys(_SECRET_FIELDS))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        from_env = resolve_s3_settings(os.environ)
        self.settings = self.settings.model_copy(
            update={name: getattr(from_env, name) for name in _SECRET_FIELDS}
        )

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r})"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def url_for(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix))
        cut = len(self.prefix)
        # Each page is one request: guard every fetch, not only the first.
        while (page := self._guard("list", self.uri, lambda: next(pages, None))) is not None:
            for item in page.get("Contents", []):
                yield ObjectInfo(
                    key=item["Key"][cut:],
                    size=int(item["Size"]),
                    etag=item.get("ETag", "").strip('"') or None,
                    last_modified=item.get("LastModified"),
                )

    def head(self, key: str) -> ObjectInfo:
        full = self._full(key)
        meta = self._guard(
            "head", self.url_for(key), lambda: self.client.head_object(Bucket=self.bucket, Key=full)
        )
        return ObjectInfo(
            key=key,
            size=int(meta["ContentLength"]),
            etag=meta.get("ETag", "").strip('"') or None,
            last_modified=meta.get("LastModified"),
        )

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFoundError:
            return False
        return True

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        raw = _S3ReadStream(self, key)
        with io.BufferedReader(raw, buffer_size=_READ_CHUNK) as stream:
            yield stream

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        writer = _MultipartWriter(self, key)
        try:
            yield writer  # type: ignore[misc]
            # Inside the try: a refused completion must abort too, or its parts linger.
            writer.finish()
        except BaseException:
            writer.abort()
            raise

    def put_if_absent(self, key: str, data: bytes) -> None:
        full, uri = self._full(key), self.url_for(key)
        for attempt in range(_PUT_ONCE_ATTEMPTS):
            try:
                self._guard(
                    "put_if_absent",
                    uri,
                    lambda: self.client.put_object(
                        Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*"
                    ),
                )
                return
            except StoreError as exc:
                if not {exc.context.get("code"), exc.context.get("status")} & PRECONDITION_CODES:
                    raise
                refused = exc
            # Refused: something is there. When it is our own bytes, an earlier attempt of this
            # call got through and only its answer was lost (botocore then retried): success.
            try:
                if holds_bytes(self, key, data):
                    log.info("%s already holds these bytes: a retried write-once put", uri)
                    return
            except ObjectNotFoundError:
                # A 409 (a conditional write still in flight) or a delete meanwhile: try again.
                time.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            raise ObjectExistsError(
                "object exists with other content (write-once)", uri=uri, operation="put_if_absent"
            ) from refused
        raise RetryableStoreError(
            f"write-once put refused {_PUT_ONCE_ATTEMPTS} times, yet no object to compare",
            uri=uri,
            operation="put_if_absent",
        )

    def delete(self, key: str) -> None:
        full = self._full(key)
        self._guard(
            "delete",
            self.url_for(key),
            lambda: self.client.delete_object(Bucket=self.bucket, Key=full),
        )

    def delete_many(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = list(keys[start : start + DELETE_BATCH])
            objects: builtins.list[ObjectIdentifierTypeDef] = [
                {"Key": self._full(key)} for key in batch
            ]
            answer = self._guard(
                "delete_many", self.url_for(batch[0]), partial(self._delete_objects, objects)
            )
            errors = answer.get("Errors") or []
            if errors:
                failed = str(errors[0].get("Key", ""))
                code = errors[0].get("Code", "unknown")
                first = failed[len(self.prefix) :] if self.prefix else failed
                raise StoreError(
                    f"{len(errors)} of {len(batch)} objects not deleted (first: {code})",
                    uri=self.url_for(first) if first in batch else self.url_for(batch[0]),
                    operation="delete_many",
                )

    def _delete_objects(
        self, objects: builtins.list[ObjectIdentifierTypeDef]
    ) -> DeleteObjectsOutputTypeDef:
        return self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
        )

    def read_bytes(self, key: str) -> bytes:
        with self.open_read(key) as handle:
            return handle.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.open_write(key) as handle:
            handle.write(data)

    def has_objects(self) -> bool:
        """Whether the prefix holds at least one object (one request).

        Raises:
            ObjectNotFoundError: the bucket does not exist.
        """
        response = self._guard(
            "open",
            self.uri,
            lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1),
        )
        return bool(response.get("KeyCount") or response.get("Contents"))

    def sibling_prefixes(self, limit: int = 200) -> tuple[str, ...]:
        """Bucket-relative folders beside this store's prefix (one request, at most ``limit``)."""
        parent = self.prefix.rstrip("/").rpartition("/")[0]
        parent = parent + "/" if parent else ""
        response = self._guard(
            "list",
            f"s3://{self.bucket}/{parent}".rstrip("/"),
            lambda: self.client.list_objects_v2(
                Bucket=self.bucket, Prefix=parent, Delimiter="/", MaxKeys=limit
            ),
        )
        return tuple(p["Prefix"] for p in response.get("CommonPrefixes", []) if p.get("Prefix"))

    def _full(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _guard(self, operation: str, uri: str, call: Callable[[], T]) -> T:
        """Run one boto3 call, turning its errors into the mhds taxonomy."""
        return guard_call(operation, uri, call, self.settings)


def make_client(settings: S3Settings) -> S3Client:
    """Create a boto3 S3 client with standard retries, timeouts and TLS verification."""
    import boto3
    from botocore.config import Config

    config = Config(
        # total_max_attempts counts the first try; botocore's max_attempts counts retries only.
        retries={"total_max_attempts": settings.max_attempts, "mode": "standard"},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        s3={"addressing_style": settings.addressing_style},
        # Only send/verify checksums where the operation requires them: several S3-compatible
        # stores (OVH, older MinIO) reject the newer default CRC headers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    session = boto3.session.Session()
    client = session.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region or "us-east-1",
        aws_access_key_id=secret(settings.access_key_id),
        aws_secret_access_key=secret(settings.secret_access_key),
        aws_session_token=secret(settings.session_token),
        # None (not True) when verifying: botocore then honours AWS_CA_BUNDLE for a private CA.
        verify=None if settings.verify_tls else False,
        config=config,
    )
    stop_tls_retries(client)  # a certificate error is permanent: fail at once
    return client


class _S3ReadStream(io.RawIOBase):
    """A raw stream over one object that resumes a dropped download with a ranged GET."""

    def __init__(self, store: S3Store, key: str) -> None:
        super().__init__()
        self._store = store
        self._key = key
        self._full = store._full(key)
        self._uri = store.url_for(key)
        self._pos = 0
        self._etag: str | None = None
        self._size: int | None = None
        self._body: Any = None
        self._open()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._size is not None and self._pos >= self._size:
            return 0
        for attempt in range(_STREAM_RETRIES + 1):
            try:
                data = self._body.read(len(view))
                break
            except Exception as exc:  # noqa: BLE001 - any transport error: resume or give up
                if attempt == _STREAM_RETRIES:
                    raise RetryableStoreError(
                        f"stream dropped at byte {self._pos}: {type(exc).__name__}",
                        uri=self._uri,
                        operation="read",
                    ) from exc
                log.warning("read %s dropped at byte %d, resuming", self._uri, self._pos)
                time.sleep(min(0.2 * 2**attempt, 5.0))
                self._open()
        n = len(data)
        view[:n] = data
        self._pos += n
        return n

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
        super().close()

    def _open(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self._store.bucket, "Key": self._full}
        if self._pos:
            kwargs["Range"] = f"bytes={self._pos}-"
        if self._etag:
            kwargs["IfMatch"] = self._etag
        client = self._store.client
        response = guard_call(
            "read", self._uri, lambda: client.get_object(**kwargs), self._store.settings
        )
        if self._etag is None:
            self._etag = response.get("ETag")
            self._size = int(response["ContentLength"])
        self._body = response["Body"]


class _MultipartWriter(io.RawIOBase):
    """Buffers writes into parts; small objects become one PUT, large ones a multipart upload.

    Nothing is visible until ``finish``; ``abort`` removes uploaded parts.
    """

    def __init__(self, store: S3Store, key: str) -> None:
        super().__init__()
        self._store = store
        self._full = store._full(key)
        self._uri = store.url_for(key)
        self._part_size = store.settings.part_size
        self._buffer = bytearray()
        self._key = key
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        self._size += len(data)
        while len(self._buffer) >= self._part_size:
            self._upload_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(data)

    def finish(self) -> None:
        client, bucket = self._store.client, self._store.bucket
        if self._upload_id is None:
            body = bytes(self._buffer)
            self._store._guard(
                "write",
                self._uri,
                lambda: client.put_object(Bucket=bucket, Key=self._full, Body=body),
            )
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            upload_id, parts = self._upload_id, self._parts
            try:
                self._store._guard(
                    "write",
                    self._uri,
                    lambda: client.complete_multipart_upload(
                        Bucket=bucket,
                        Key=self._full,
                        UploadId=upload_id,
                        MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                    ),
                )
            except StoreError as exc:
                if exc.context.get("code") != "NoSuchUpload" or not self._is_completed():
                    raise
                log.info("%s: upload completed by an attempt whose answer was lost", self._uri)
        self._buffer.clear()
        super().close()

    def abort(self) -> None:
        if self._upload_id is not None:
            client, bucket, upload_id = self._store.client, self._store.bucket, self._upload_id
            try:
                self._store._guard(
                    "abort",
                    self._uri,
                    lambda: client.abort_multipart_upload(
                        Bucket=bucket, Key=self._full, UploadId=upload_id
                    ),
                )
            except StoreError:
                log.warning("could not abort multipart upload of %s; gc will remove it", self._uri)
        self._buffer.clear()
        super().close()

    def close(self) -> None:
        # Closing is done by finish/abort; io wrappers may call close() first.
        pass

    def _is_completed(self) -> bool:
        """Whether the object now at the key is this upload, completed.

        Sound only by ETag: a completed multipart object's ETag is the MD5 of its parts' MD5s
        followed by ``-<parts>``, built from the part ETags the store gave us, so a match means
        these parts (another writer's object of the same size would not match). Stores whose
        part ETags are not MD5s (SSE-KMS ...) give no proof: False.
        """
        digests = [p["ETag"].strip('"') for p in self._parts]
        if not all(_MD5_HEX.fullmatch(d) for d in digests):
            return False
        joined = b"".join(bytes.fromhex(d) for d in digests)
        expected = f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(digests)}"
        try:
            info = self._store.head(self._key)
        except ObjectNotFoundError:
            return False
        return info.etag == expected and info.size == self._size

    def _upload_part(self, body: bytes) -> None:
        client, bucket = self._store.client, self._store.bucket
        if self._upload_id is None:
            created = self._store._guard(
                "write",
                self._uri,
                lambda: client.create_multipart_upload(Bucket=bucket, Key=self._full),
            )
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        upload_id = self._upload_id
        response = self._store._guard(
            "write",
            self._uri,
            lambda: client.upload_part(
                Bucket=bucket, Key=self._full, UploadId=upload_id, PartNumber=number, Body=body
            ),
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})
