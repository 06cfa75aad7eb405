"""A lost answer must not turn success into failure: write-once puts, multipart completion,
the release manifest, the audit log and a full build, each with a response dropped by a
fault-injecting proxy after the S3 server applied the request (botocore then retries)."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from mhds.audit import AuditLog, verify_audit_log
from mhds.errors import ObjectExistsError, StoreError
from mhds.release import MANIFEST_NAME, read_manifest, verify_release
from mhds.store import LocalStore, S3Store, Store
from tests.faultproxy import FaultProxy

ONCE = ["If-None-Match"]
MANIFEST = r"/manifest\.json$"
COMPLETE = "uploadId="  # the query of CompleteMultipartUpload (and of parts: method tells)
V1 = "v2026-11-25"


# The proxy itself: pass-through, keep-alive, and faults that fire exactly where told.


def test_the_proxy_passes_requests_through_on_kept_alive_connections(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    fault_store.write_bytes("a/one.txt", b"one")
    fault_store.put_if_absent("a/two.txt", b"two")
    assert fault_store.read_bytes("a/one.txt") == b"one"
    assert [o.key for o in fault_store.list("a/")] == ["a/one.txt", "a/two.txt"]
    assert fault_store.head("a/two.txt").size == 3
    fault_store.delete("a/one.txt")
    assert not fault_store.exists("a/one.txt")

    seen = fault_proxy.requests
    assert [r.method for r in seen] == ["PUT", "PUT", "GET", "GET", "HEAD", "DELETE", "HEAD"]
    assert [r.status for r in seen] == [200, 200, 200, 200, 200, 204, 404]
    assert fault_proxy.fired == 0 and all(r.fault is None for r in seen)
    # Host is relayed as signed (the proxy's address): the server accepted every signature.
    assert {r.headers["host"] for r in seen} == {fault_proxy.endpoint.removeprefix("http://")}
    assert len({r.connection for r in seen}) < len(seen)  # botocore's pool reused a connection


def test_a_fault_fires_on_the_nth_match_only(fault_proxy: FaultProxy, fault_store: S3Store) -> None:
    fault_store.write_bytes("k.txt", b"data")
    fault = fault_proxy.slow_down(method="GET", path=r"/k\.txt$", nth=2)
    assert [fault_store.read_bytes("k.txt") for _ in range(3)] == [b"data"] * 3
    assert (fault.matched, fault.fired) == (4, 1)  # 3 reads + botocore's retry of the 2nd
    gets = [r for r in fault_proxy.requests if r.method == "GET"]
    assert [r.status for r in gets] == [200, 503, 200, 200]
    assert [r.fault for r in gets] == [None, "error", None, None]


def test_a_reset_before_forwarding_is_retried(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    fault = fault_proxy.reset(method="PUT", path=r"/r\.txt$")
    fault_store.write_bytes("r.txt", b"reset once")
    assert fault.fired == 1
    assert [r.status for r in fault_proxy.requests if r.method == "PUT"] == [None, 200]
    assert fault_store.read_bytes("r.txt") == b"reset once"


def test_a_truncated_body_is_resumed(fault_proxy: FaultProxy, fault_store: S3Store) -> None:
    data = bytes(range(256)) * 64
    fault_store.write_bytes("t.bin", data)
    fault = fault_proxy.truncate(1000, method="GET", path=r"/t\.bin$")
    assert fault_store.read_bytes("t.bin") == data
    assert fault.fired == 1
    gets = [r for r in fault_proxy.requests if r.method == "GET"]
    assert gets[0].fault == "truncate" and gets[1].headers["range"] == "bytes=1000-"


def test_the_proxy_decodes_a_chunked_request_body(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    host, port = fault_proxy.endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("PUT", f"/{fault_store.bucket}/c.txt", body=iter([b"chunk", b"ed"]))
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200
    assert fault_proxy.requests[0].headers["transfer-encoding"] == "chunked"
    assert fault_store.read_bytes("c.txt") == b"chunked"


# Write-once puts.


def test_a_write_once_put_whose_answer_is_lost_succeeds(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    fault = fault_proxy.drop_response(method="PUT", path=r"/m\.json$", headers=ONCE)
    fault_store.put_if_absent("m.json", b'{"v": 1}')
    assert fault.fired == 1
    puts = [r for r in fault_proxy.requests if r.method == "PUT"]
    # The first was applied and its answer dropped; botocore's retry met the object: 412.
    assert [(r.path, r.status) for r in puts] == [(f"/{fault_store.bucket}/m.json", None)] + [
        (f"/{fault_store.bucket}/m.json", 412)
    ]
    assert fault_store.read_bytes("m.json") == b'{"v": 1}'


def test_other_content_is_still_a_conflict(fault_proxy: FaultProxy, fault_store: S3Store) -> None:
    fault_store.put_if_absent("m.json", b'{"v": 1}')
    fault = fault_proxy.drop_response(method="PUT", path=r"/m\.json$", headers=ONCE)
    with pytest.raises(ObjectExistsError) as raised:
        fault_store.put_if_absent("m.json", b'{"v": 2}')
    assert raised.value.operation == "put_if_absent"
    assert fault.fired == 1  # the lost answer changed nothing: the retry met the first object
    assert fault_store.read_bytes("m.json") == b'{"v": 1}'


def test_a_conflict_with_a_write_in_flight_is_tried_again(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    # S3 answers 409 while another conditional write of the key is in flight (none landed).
    fault = fault_proxy.error(409, "ConditionalRequestConflict", method="PUT", headers=ONCE)
    fault_store.put_if_absent("m.json", b"mine")
    assert fault.fired == 1
    assert [r.status for r in fault_proxy.requests if r.method == "PUT"] == [409, 200]
    assert fault_store.read_bytes("m.json") == b"mine"


def test_a_repeated_identical_put_succeeds_and_a_different_one_raises(store: Store) -> None:
    store.put_if_absent("release/manifest.json", b'{"v": 1}')
    store.put_if_absent("release/manifest.json", b'{"v": 1}')
    with pytest.raises(ObjectExistsError):
        store.put_if_absent("release/manifest.json", b'{"v": 9}')  # same size, other bytes
    with pytest.raises(ObjectExistsError):
        store.put_if_absent("release/manifest.json", b'{"v": 1} ')
    assert store.read_bytes("release/manifest.json") == b'{"v": 1}'


def test_local_write_once_over_a_folder_is_a_conflict(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write_bytes("taken/inner.txt", b"x")
    with pytest.raises(ObjectExistsError):
        store.put_if_absent("taken", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


# Multipart completion: some stores answer a retried completion with NoSuchUpload.


def test_a_completion_whose_answer_is_lost_is_accepted(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    data = b"p" * fault_store.settings.part_size + b"tail"
    dropped = fault_proxy.drop_response(method="POST", query=COMPLETE)
    forgotten = fault_proxy.error(404, "NoSuchUpload", method="POST", query=COMPLETE, nth=2)
    with fault_store.open_write("big.bin") as handle:
        handle.write(data)
    assert (dropped.fired, forgotten.fired) == (1, 1)
    assert fault_store.head("big.bin").etag.endswith("-2")  # type: ignore[union-attr]
    assert fault_store.read_bytes("big.bin") == data


@pytest.mark.parametrize("there", [None, b"another writer's object"])
def test_a_forgotten_upload_is_not_taken_for_another_object(
    fault_proxy: FaultProxy, fault_store: S3Store, there: bytes | None
) -> None:
    if there is not None:
        fault_store.write_bytes("big.bin", there)
    fault = fault_proxy.error(404, "NoSuchUpload", method="POST", query=COMPLETE)
    with pytest.raises(StoreError), fault_store.open_write("big.bin") as handle:
        handle.write(b"p" * fault_store.settings.part_size + b"tail")
    assert fault.fired == 1
    assert fault_store.exists("big.bin") is (there is not None)
    if there is not None:
        assert fault_store.read_bytes("big.bin") == there


# The release manifest, the audit log and a whole build.


def test_a_manifest_put_whose_answer_is_lost_publishes(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    from tests.release.test_release_cases import RELEASES, publish

    fault = fault_proxy.drop_response(method="PUT", path=MANIFEST, headers=ONCE)
    manifest = publish(fault_store, V1)
    assert fault.fired == 1 and fault_proxy.count("PUT", MANIFEST) == 2
    assert read_manifest(fault_store, f"{RELEASES}{V1}/") == manifest
    report = verify_release(fault_store, f"{RELEASES}{V1}/")
    assert report.ok, report.problems
    assert fault_store.exists(f"{RELEASES}{V1}/{MANIFEST_NAME}")


def test_audit_appends_whose_answers_are_lost_succeed(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    key = "audit/build-1.jsonl"
    first = fault_proxy.drop_response(method="PUT", path=r"/build-1\.jsonl$", headers=ONCE)
    # A later append overwrites the log with a plain PUT: a retry of it is harmless.
    later = fault_proxy.drop_response(
        method="PUT", path=r"/build-1\.jsonl$", when=lambda r: "if-none-match" not in r.headers
    )
    log = AuditLog.open(fault_store, key)
    log.append("ingest", counts={"in": 3})
    log.append("publish", outputs=["releases/v1/manifest.json"])
    assert (first.fired, later.fired) == (1, 1)
    result = verify_audit_log(fault_store, key, expected_head=log.head)
    assert result.ok and result.entries == 2, result.problem
    assert [e.action for e in AuditLog.open(fault_store, key).entries] == ["ingest", "publish"]


def test_a_build_with_lost_write_once_answers_publishes(
    fault_proxy: FaultProxy, fault_store: S3Store
) -> None:
    from mhds.pipeline.run import build_release
    from tests.pipeline.build_cases import (
        RELEASES,
        TODAY,
        VERSION,
        fast_config,
        make_registry,
        seed_store,
    )

    seed_store(fault_store)
    audit = fault_proxy.drop_response(method="PUT", path=r"/audit/[^/]+\.jsonl$", headers=ONCE)
    manifest = fault_proxy.drop_response(method="PUT", path=MANIFEST, headers=ONCE)
    result = build_release(fault_store, make_registry(), fast_config(), today=TODAY)
    assert result.published and result.version == VERSION
    assert (audit.fired, manifest.fired) == (1, 1)
    report = verify_release(fault_store, f"{RELEASES}{VERSION}/")
    assert report.ok, report.problems
