"""S3Store against moto's real S3 server: paging, multipart, retries, resumed reads, pickling."""

from __future__ import annotations

import hashlib
import pickle
import random
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from mhds.errors import ObjectExistsError, RetryableStoreError, StoreError
from mhds.store import S3Settings, S3Store
from mhds.store.s3 import make_client

if TYPE_CHECKING:
    from tests.faultproxy import FaultProxy, ProxiedRequest

MIB = 1 << 20
LISTED_KEYS = 1234


@pytest.fixture(scope="module")
def listed_bucket(s3_endpoint: str) -> tuple[str, S3Settings, dict[str, bytes]]:
    """A bucket with 1,234 objects under ``data/`` (more than one listing page) and 3 beside."""
    settings = S3Settings(endpoint_url=s3_endpoint)  # credentials from the fake AWS_* env
    client = make_client(settings)
    bucket = f"mhds-list-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    bodies = {f"data/{i:05d}.jsonl": b"x" * (i % 7 + 1) for i in range(LISTED_KEYS)}
    bodies.update({"aaa.txt": b"first", "other/1.txt": b"1", "zzz.txt": b"last!"})

    def put(item: tuple[str, bytes]) -> None:
        client.put_object(Bucket=bucket, Key=item[0], Body=item[1])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, bodies.items()))
    return bucket, settings, bodies


def test_list_pages_past_1000_keys(listed_bucket: tuple[str, S3Settings, dict[str, bytes]]) -> None:
    bucket, settings, bodies = listed_bucket
    listed = list(S3Store(bucket, "", settings).list())
    assert [o.key for o in listed] == sorted(bodies)
    for info in listed:
        assert info.size == len(bodies[info.key])
        assert info.etag == hashlib.md5(bodies[info.key]).hexdigest()
        assert isinstance(info.last_modified, datetime)
        assert info.last_modified.tzinfo is not None


def test_list_with_store_prefix_returns_relative_keys(
    listed_bucket: tuple[str, S3Settings, dict[str, bytes]],
) -> None:
    bucket, settings, bodies = listed_bucket
    store = S3Store(bucket, "data", settings)
    keys = [o.key for o in store.list()]
    assert len(keys) == LISTED_KEYS
    assert keys == sorted(k.removeprefix("data/") for k in bodies if k.startswith("data/"))
    assert [o.key for o in store.list("0001")] == [f"{i:05d}.jsonl" for i in range(10, 20)]
    assert store.read_bytes("00013.jsonl") == bodies["data/00013.jsonl"]


def _secrets(settings: S3Settings) -> list[str]:
    """The access key id and secret key of ``settings``, as plain text."""
    assert settings.access_key_id is not None and settings.secret_access_key is not None
    return [
        settings.access_key_id.get_secret_value(),
        settings.secret_access_key.get_secret_value(),
    ]


def _payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def _chunks(data: bytes) -> Iterator[bytes]:
    """Uneven chunks, so part boundaries fall inside writes."""
    sizes = [1, 3 * MIB + 5, 777_777]
    pos, i = 0, 0
    while pos < len(data):
        yield data[pos : pos + sizes[i % len(sizes)]]
        pos += sizes[i % len(sizes)]
        i += 1


def _ranges_and_statuses(requests: list[ProxiedRequest]) -> list[tuple[str | None, int | None]]:
    """Each request's Range header (None: a full read) and the status the proxy answered."""
    return [(r.headers.get("range"), r.status) for r in requests]


def test_multipart_write_reads_back_identical(s3_store: S3Store) -> None:
    data = _payload(12 * MIB + 12345)  # parts of 5, 5 and 2 MiB
    with s3_store.open_write("big/blob.bin") as handle:
        for chunk in _chunks(data):
            handle.write(chunk)
    assert s3_store.read_bytes("big/blob.bin") == data
    info = s3_store.head("big/blob.bin")
    assert info.size == len(data)
    assert info.etag is not None and info.etag.endswith("-3")
    assert [o.etag for o in s3_store.list("big/")] == [info.etag]


def test_small_write_is_one_put(s3_store: S3Store) -> None:
    with s3_store.open_write("small.bin") as handle:
        handle.write(b"abc")
    assert s3_store.head("small.bin").etag == hashlib.md5(b"abc").hexdigest()
    with s3_store.open_write("empty.bin"):
        pass
    assert s3_store.read_bytes("empty.bin") == b""


def test_failed_multipart_write_leaves_nothing(s3_store: S3Store) -> None:
    data = _payload(11 * MIB)
    with pytest.raises(RuntimeError, match="boom"), s3_store.open_write("big/partial.bin") as h:
        for chunk in _chunks(data):
            h.write(chunk)
        raise RuntimeError("boom")
    assert not s3_store.exists("big/partial.bin")
    assert list(s3_store.list()) == []
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket)
    assert uploads.get("Uploads", []) == []


def test_rejected_completion_aborts_the_upload(s3_bucket: str, s3_settings: S3Settings) -> None:
    # 1 MiB parts are below the S3 minimum: the server refuses to complete the upload.
    tiny_parts = S3Settings.model_construct(**{**dict(s3_settings), "part_size": MIB})
    store = S3Store(s3_bucket, "", tiny_parts)
    with pytest.raises(StoreError, match="EntityTooSmall"), store.open_write("x.bin") as handle:
        handle.write(_payload(3 * MIB))
    assert not store.exists("x.bin")
    assert store.client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_write_once_with_prefix(s3_bucket: str, s3_settings: S3Settings) -> None:
    store = S3Store(s3_bucket, "releases/v1/", s3_settings)
    store.put_if_absent("manifest.json", b"first")
    with pytest.raises(ObjectExistsError) as raised:
        store.put_if_absent("manifest.json", b"second")
    assert raised.value.operation == "put_if_absent"
    assert raised.value.uri == f"s3://{s3_bucket}/releases/v1/manifest.json"
    stored = store.client.get_object(Bucket=s3_bucket, Key="releases/v1/manifest.json")
    assert stored["Body"].read() == b"first"


@pytest.mark.parametrize("operation", ["read", "list", "head"])
def test_throttled_request_is_retried(
    s3_store: S3Store, fault_proxy: FaultProxy, fault_store: S3Store, operation: str
) -> None:
    s3_store.write_bytes("k.txt", b"hello")
    throttle = fault_proxy.slow_down(times=2)
    if operation == "read":
        assert fault_store.read_bytes("k.txt") == b"hello"
    elif operation == "list":
        assert [o.key for o in fault_store.list()] == ["k.txt"]
    else:
        assert fault_store.head("k.txt").size == 5
    assert throttle.fired == 2
    assert [r.status for r in fault_proxy.requests] == [503, 503, 200]


@pytest.mark.parametrize("operation", ["read", "list", "write"])
def test_throttling_past_max_attempts_raises_retryable(
    s3_store: S3Store, fault_proxy: FaultProxy, fault_settings: S3Settings, operation: str
) -> None:
    s3_store.write_bytes("k.txt", b"hello")
    settings = fault_settings.model_copy(update={"max_attempts": 2})
    proxied = S3Store(s3_store.bucket, "", settings)
    throttle = fault_proxy.slow_down(times=5)
    with pytest.raises(RetryableStoreError) as raised:
        if operation == "read":
            proxied.read_bytes("k.txt")
        elif operation == "list":
            list(proxied.list())
        else:
            proxied.write_bytes("new.txt", b"data")
    assert throttle.fired == 2
    assert [r.status for r in fault_proxy.requests] == [503, 503]
    assert "SlowDown" in str(raised.value)
    text = "".join(traceback.format_exception(raised.value)) + repr(raised.value)
    assert all(secret not in text for secret in _secrets(settings))
    assert pickle.loads(pickle.dumps(raised.value)).uri == raised.value.uri


def test_dropped_read_resumes_with_ranged_get(
    s3_store: S3Store, fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    data = _payload(3 * MIB + 99)
    s3_store.write_bytes("blob.bin", data)
    cut = MIB + MIB // 2 + 7
    fault = fault_proxy.truncate(cut, method="GET", path=r"/blob\.bin$")
    assert fault_store.read_bytes("blob.bin") == data
    assert fault.fired == 1
    gets = [r for r in fault_proxy.requests if r.method == "GET"]
    assert _ranges_and_statuses(gets) == [(None, 200), (f"bytes={cut}-", 206)]


def test_resumed_read_refuses_an_object_that_changed(
    s3_store: S3Store, fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    s3_store.write_bytes("blob.bin", _payload(2 * MIB, seed=1))
    fault = fault_proxy.truncate(
        MIB,
        method="GET",
        path=r"/blob\.bin$",
        before_answer=lambda: s3_store.write_bytes("blob.bin", _payload(2 * MIB, seed=2)),
    )
    with pytest.raises(StoreError, match="PreconditionFailed") as raised:
        fault_store.read_bytes("blob.bin")
    assert raised.value.operation == "read"
    assert fault.fired == 1
    assert _ranges_and_statuses(fault_proxy.requests) == [(None, 200), (f"bytes={MIB}-", 412)]


def test_store_pickles_without_secrets_and_works_after(s3_store: S3Store) -> None:
    s3_store.write_bytes("a.txt", b"before")
    assert s3_store.client is not None  # a live client exists before pickling
    data = pickle.dumps(s3_store)
    for secret in _secrets(s3_store.settings):
        assert secret.encode() not in data
    clone = pickle.loads(data)
    assert clone.uri == s3_store.uri
    assert clone.settings.endpoint_url == s3_store.settings.endpoint_url
    assert clone.client is not s3_store.client
    assert clone.read_bytes("a.txt") == b"before"
    clone.write_bytes("b.txt", b"after")
    assert s3_store.read_bytes("b.txt") == b"after"


def test_repr_and_errors_hold_no_secret(s3_store: S3Store) -> None:
    secret = _secrets(s3_store.settings)[1]
    assert secret not in repr(s3_store)
    assert secret not in repr(s3_store.settings)
    assert secret not in str(s3_store.settings)
    with pytest.raises(StoreError) as raised:
        s3_store.read_bytes("missing.txt")
    assert secret not in "".join(traceback.format_exception(raised.value))


def test_delete_many_names_an_object_the_server_refused_to_delete(
    s3_store: S3Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3_store.write_bytes("work/a.bin", b"x")
    send = s3_store.client.delete_objects

    def partly(**kwargs: Any) -> Any:
        answer = send(**kwargs)  # the real request, then an answer as S3 gives it for a
        # key it could not delete (a legal-hold or permissions error on one object)
        return {**answer, "Errors": [{"Key": "work/a.bin", "Code": "AccessDenied"}]}

    monkeypatch.setattr(s3_store.client, "delete_objects", partly)
    with pytest.raises(StoreError, match="1 of 1 objects not deleted \\(first: AccessDenied\\)"):
        s3_store.delete_many(["work/a.bin"])
