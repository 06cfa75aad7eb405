"""The Store protocol, proven on both backends (local folder and S3 via moto)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from mhds.errors import ObjectExistsError, ObjectNotFoundError, StoreError
from mhds.store import S3Store, Store
from mhds.store import s3 as s3_module
from mhds.store.base import iter_chunks


def test_backends_satisfy_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_write_read_list_round_trip(store: Store) -> None:
    objects = {"b/2.jsonl": b"22", "a.txt": b"a", "b/1.jsonl": b"1", "b/sub/3.bin": b"333"}
    for key, data in objects.items():
        store.write_bytes(key, data)
    listed = list(store.list())
    assert [o.key for o in listed] == sorted(objects)
    assert [o.size for o in listed] == [len(objects[k]) for k in sorted(objects)]
    assert all(o.etag and o.last_modified is not None for o in listed)
    assert [o.key for o in store.list("b/")] == ["b/1.jsonl", "b/2.jsonl", "b/sub/3.bin"]
    assert [o.key for o in store.list("b/s")] == ["b/sub/3.bin"]
    assert list(store.list("nothing/")) == []
    for key, data in objects.items():
        assert store.read_bytes(key) == data


def test_head_exists_delete(store: Store) -> None:
    store.write_bytes("x/y.txt", b"hello")
    info = store.head("x/y.txt")
    assert (info.key, info.size) == ("x/y.txt", 5)
    assert store.exists("x/y.txt")
    store.delete("x/y.txt")
    assert not store.exists("x/y.txt")
    store.delete("x/y.txt")  # deleting a missing object is fine


def test_delete_many_removes_every_key_in_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = {"work/keep.txt", "other/x.txt"}
    gone = [f"work/scratch/{n:02d}.bin" for n in range(7)]
    for key in [*gone, *keep]:
        store.write_bytes(key, b"x")
    requests: list[int] = []
    if isinstance(store, S3Store):  # 3 keys a request here: 7 keys take 3 requests
        monkeypatch.setattr(s3_module, "DELETE_BATCH", 3)
        send = store.client.delete_objects

        def counted(**kwargs: Any) -> Any:
            requests.append(len(kwargs["Delete"]["Objects"]))
            return send(**kwargs)

        monkeypatch.setattr(store.client, "delete_objects", counted)
    store.delete_many([*gone, "work/scratch/never-written.bin"])  # missing keys are fine
    assert {o.key for o in store.list()} == keep
    store.delete_many([])
    if isinstance(store, S3Store):
        assert requests == [3, 3, 2]


def test_overwrite_replaces(store: Store) -> None:
    store.write_bytes("k", b"one")
    store.write_bytes("k", b"two!")
    assert store.read_bytes("k") == b"two!"
    assert store.head("k").size == 4


@pytest.mark.parametrize("operation", ["read", "head"])
def test_missing_object_raises_not_found(store: Store, operation: str) -> None:
    with pytest.raises(ObjectNotFoundError) as raised:
        if operation == "read":
            store.read_bytes("no/such.jsonl")
        else:
            store.head("no/such.jsonl")
    assert raised.value.uri == store.url_for("no/such.jsonl")
    assert isinstance(pickle.loads(pickle.dumps(raised.value)), ObjectNotFoundError)


def test_put_if_absent_is_write_once(store: Store) -> None:
    store.put_if_absent("release/manifest.json", b'{"v": 1}')
    with pytest.raises(ObjectExistsError) as raised:
        store.put_if_absent("release/manifest.json", b'{"v": 2}')
    assert isinstance(raised.value, StoreError)
    assert raised.value.uri == store.url_for("release/manifest.json")
    assert store.read_bytes("release/manifest.json") == b'{"v": 1}'
    assert [o.key for o in store.list()] == ["release/manifest.json"]


def test_failed_write_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.open_write("a/b.jsonl") as handle:
        handle.write(b"partial")
        raise RuntimeError("boom")
    assert not store.exists("a/b.jsonl")
    assert list(store.list()) == []


def test_streaming_read_in_chunks(store: Store) -> None:
    data = bytes(range(256)) * 5000
    with store.open_write("blob.bin") as handle:
        for chunk in (data[i : i + 100_000] for i in range(0, len(data), 100_000)):
            handle.write(chunk)
    with store.open_read("blob.bin") as handle:
        chunks = list(iter_chunks(handle, 300_000))
    assert [len(c) for c in chunks] == [300_000] * 4 + [80_000]
    assert b"".join(chunks) == data


def test_url_for_names_the_backend(store: Store) -> None:
    url = store.url_for("a/b.txt")
    assert url.endswith("/a/b.txt")
    assert url.startswith(store.uri)
