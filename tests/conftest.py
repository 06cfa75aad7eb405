"""Shared fixtures: a real S3 API server (moto) on loopback, fresh buckets, and a ``store``
fixture that runs a test once on a local folder and once on S3."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mhds.store import LocalStore, S3Settings, S3Store, Store
from mhds.store.s3 import make_client

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing-access-key",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-key-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 (free port) and wait until it answers."""
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    make_client(S3Settings(endpoint_url=endpoint, max_attempts=20)).list_buckets()
    yield endpoint
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture()
def s3_settings(s3_endpoint: str) -> S3Settings:
    """Settings that point at the loopback server with the fake credentials."""
    return S3Settings(
        endpoint_url=s3_endpoint,
        access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],  # type: ignore[arg-type]
        secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],  # type: ignore[arg-type]
        part_size=5 << 20,
    )


@pytest.fixture()
def s3_bucket(s3_settings: S3Settings) -> str:
    """A fresh, uniquely named bucket."""
    name = f"mhds-test-{uuid.uuid4().hex[:12]}"
    make_client(s3_settings).create_bucket(Bucket=name)
    return name


@pytest.fixture()
def s3_store(s3_bucket: str, s3_settings: S3Settings) -> S3Store:
    """An S3Store on a fresh bucket, rooted at the bucket (no prefix)."""
    return S3Store(s3_bucket, "", s3_settings)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The same test on both backends: a local folder and a bucket on the S3 server."""
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    return request.getfixturevalue("s3_store")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip with a reason when it is absent."""
    if not (SHARED_DATA / "counsel_chat.csv").is_file():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``llm`` run only when asked for (``-m llm``, as ``bash dev.sh llm``
    does): they need llama-cpp-python, which compiles for minutes, and a model file."""
    if "llm" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="real-model test: run it with `bash dev.sh llm`")
    for item in items:
        if "llm" in item.keywords:
            item.add_marker(skip)
