"""A store that does not exist is refused with the fix; creating one is explicit (init)."""

from __future__ import annotations

import pickle
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mhds.errors import StoreNotFoundError
from mhds.records import codec
from mhds.store import (
    STORE_MARKER_KEY,
    LocalStore,
    S3Settings,
    S3Store,
    Store,
    check_store,
    create_store,
    initialise_store,
    is_existing_store,
    open_existing_store,
    open_store,
)
from mhds.store.s3 import make_client


def _missing(tmp_path: Path, request: pytest.FixtureRequest, backend: str) -> Store:
    """A store that does not exist yet: a new folder, or an empty prefix of a bucket."""
    if backend == "local":
        return LocalStore(tmp_path / "new-store")
    s3_store: S3Store = request.getfixturevalue("s3_store")
    return S3Store(s3_store.bucket, "new-store/", s3_store.settings)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_missing_store_is_refused_then_init_creates_it(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _missing(tmp_path, request, backend)
    with pytest.raises(StoreNotFoundError) as raised:
        check_store(store)
    assert str(raised.value).startswith(f"no store at {store.uri}: ")
    assert f"`mhds init --store {store.uri}`" in str(raised.value)
    assert list(store.list()) == []  # checking wrote nothing

    assert initialise_store(store) is True
    check_store(store)
    assert is_existing_store(store)
    marker = codec.loads(store.read_bytes(STORE_MARKER_KEY))
    assert marker["mhds_store"] == 1 and set(marker) == {"mhds_store", "created", "mhds"}
    assert b"testing-secret-key" not in store.read_bytes(STORE_MARKER_KEY)
    # idempotent: a second init neither fails nor rewrites the marker
    before = store.head(STORE_MARKER_KEY).etag
    assert initialise_store(store) is False
    assert store.head(STORE_MARKER_KEY).etag == before


def test_local_missing_folder_message_names_folder_and_fix(tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    with pytest.raises(StoreNotFoundError) as raised:
        open_existing_store(str(folder), env={})
    assert str(raised.value) == (
        f"no store at {folder}: the folder does not exist; "
        f"create it with `mhds init --store {folder}`"
    )
    assert not folder.exists()
    assert raised.value.exit_code == 4
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is StoreNotFoundError and str(again) == str(raised.value)
    assert (again.uri, again.reason) == (str(folder), "the folder does not exist")


def test_local_path_that_is_a_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(StoreNotFoundError, match="is a file, not a folder"):
        open_existing_store(str(path), env={})
    with pytest.raises(StoreNotFoundError, match="is a file, not a folder"):
        create_store(str(path), env={})


def test_an_existing_folder_is_a_store_even_when_empty(tmp_path: Path) -> None:
    assert isinstance(open_existing_store(str(tmp_path), env={}), LocalStore)
    created = create_store(str(tmp_path / "a" / "b"), env={})
    assert (tmp_path / "a" / "b" / STORE_MARKER_KEY).is_file()
    assert created.uri == str(tmp_path / "a" / "b")


def test_open_store_stays_lenient_for_library_callers(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "later"), env={})
    store.write_bytes("raw/a.txt", b"a")
    assert is_existing_store(store)


def test_s3_missing_bucket_is_named_with_its_endpoint(s3_settings: S3Settings) -> None:
    with pytest.raises(StoreNotFoundError) as raised:
        open_existing_store("s3://no-such-bucket-here/raw", settings=s3_settings)
    message = str(raised.value)
    assert message.startswith("no store at s3://no-such-bucket-here/raw: bucket ")
    assert (
        f"'no-such-bucket-here' does not exist on the S3 endpoint {s3_settings.endpoint_url}"
        in message
    )
    with pytest.raises(StoreNotFoundError, match="does not exist"):
        create_store("s3://no-such-bucket-here/raw", settings=s3_settings)
    client = make_client(s3_settings)
    assert "no-such-bucket-here" not in [b["Name"] for b in client.list_buckets()["Buckets"]]


def test_s3_prefix_typo_suggests_existing_siblings(s3_store: S3Store) -> None:
    for key in ("datasets/raw/a.jsonl", "archive/x.txt", "logs/y.txt"):
        s3_store.write_bytes(key, b"{}\n")
    uri = f"s3://{s3_store.bucket}/datasetz"
    with pytest.raises(StoreNotFoundError) as raised:
        open_existing_store(uri, settings=s3_store.settings)
    message = str(raised.value)
    assert f"bucket {s3_store.bucket!r} holds no object under 'datasetz/'" in message
    assert f"did you mean s3://{s3_store.bucket}/datasets or " in message
    assert f"`mhds init --store {uri}`" in message
    assert open_existing_store(f"s3://{s3_store.bucket}/datasets", settings=s3_store.settings)
    # nested: siblings of datasets/rae are looked up under datasets/
    with pytest.raises(
        StoreNotFoundError, match=f"did you mean s3://{s3_store.bucket}/datasets/raw"
    ):
        open_existing_store(f"s3://{s3_store.bucket}/datasets/rae", settings=s3_store.settings)


def test_s3_empty_bucket_root_is_not_a_store_until_init(s3_store: S3Store) -> None:
    with pytest.raises(StoreNotFoundError, match="holds no object at all"):
        check_store(s3_store)
    assert initialise_store(s3_store) is True
    assert [o.key for o in s3_store.list()] == [STORE_MARKER_KEY]
    check_store(s3_store)


class _NotS3Handler(BaseHTTPRequestHandler):
    """A web server that is not an S3 API: 404 with an HTML page for every path."""

    def do_GET(self) -> None:
        body = b"<html>not found</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def test_an_endpoint_that_is_not_s3_is_not_reported_as_a_missing_bucket() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotS3Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}"
        settings = S3Settings.model_validate(
            {"endpoint_url": endpoint, "access_key_id": "k", "secret_access_key": "s"}
        )
        with pytest.raises(StoreNotFoundError) as raised:
            open_existing_store("s3://mh-data/datasets", settings=settings)
    finally:
        server.shutdown()
        server.server_close()
    message = str(raised.value)
    assert f"the S3 endpoint {endpoint} answered HTTP 404 for bucket 'mh-data'" in message
    assert "not a console or website URL" in message
    assert "does not exist" not in message
