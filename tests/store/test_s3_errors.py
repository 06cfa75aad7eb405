"""S3 failures read as one line that names the endpoint, the operation and the fix, in bounded
time, and never print a secret: a dead endpoint (a closed loopback port), wrong credentials (a
second moto server that enforces authentication), an endpoint without a scheme."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.errors import ConfigError, StoreAccessDeniedError, StoreUnreachableError
from mhds.store import S3Store, open_existing_store
from mhds.store.s3_errors import describe_endpoint
from mhds.store.settings import S3Settings, resolve_s3_settings

SECRET = "wrong-secret-that-must-never-print"
WRONG_KEY = "wrong-access-key-never-printed"  # fake; not shaped like a real key id
runner = CliRunner()


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def auth_endpoint() -> Iterator[str]:
    """A moto server in its own process that authenticates every request.

    moto reads ``INITIAL_NO_AUTH_ACTION_COUNT`` at import: 0 means IAM authentication from the
    first request on, so any access key moto's IAM does not know is refused (403). It needs
    its own process because the session's server must keep accepting the fake credentials.
    """
    port = _free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(endpoint)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_up(endpoint: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto server at {endpoint} did not start")


def _wrong_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": WRONG_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "MHDS_S3_MAX_ATTEMPTS": "2",
    }


def _count_attempts(store: S3Store) -> list[str]:
    """Record every HTTP attempt the store's client makes (retries included)."""
    seen: list[str] = []

    def before_send(**kwargs: Any) -> None:
        seen.append(kwargs["request"].method)

    store.client.meta.events.register("before-send.s3", before_send)
    return seen


def test_dead_endpoint_fails_fast_naming_endpoint_attempts_and_fix() -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"
    env = {**_wrong_env(endpoint), "MHDS_S3_CONNECT_TIMEOUT": "1"}
    store = S3Store("some-bucket", "raw/", resolve_s3_settings(env))
    attempts = _count_attempts(store)
    started = time.monotonic()
    with pytest.raises(StoreUnreachableError) as raised:
        store.head("a.txt")
    assert time.monotonic() - started < 60  # only so a regression cannot hang the suite
    message = str(raised.value)
    assert message.startswith("head s3://some-bucket/raw/a.txt: cannot reach the S3 endpoint ")
    assert f"{endpoint} (from AWS_ENDPOINT_URL)" in message
    assert "after 2 attempts, connect timeout 1 s" in message
    assert "is the server up, and is AWS_ENDPOINT_URL right?" in message
    assert attempts == ["HEAD", "HEAD"]  # the configured attempts, no more
    assert SECRET not in message and WRONG_KEY not in message


def test_an_endpoint_that_carries_credentials_is_refused_without_printing_them() -> None:
    endpoint = f"http://AKIAEXAMPLE:{SECRET}@127.0.0.1:9000/?X-Amz-Security-Token=tok123"
    with pytest.raises(ConfigError) as raised:
        resolve_s3_settings(_wrong_env(endpoint))
    message = str(raised.value)
    assert message.startswith("AWS_ENDPOINT_URL: endpoint 'http://127.0.0.1:9000/' carries")
    for secret in (SECRET, "AKIAEXAMPLE", "tok123"):
        assert secret not in message
    settings = S3Settings(endpoint_url="http://127.0.0.1:9000")
    assert describe_endpoint(settings) == "the S3 endpoint http://127.0.0.1:9000"


def test_dead_endpoint_on_the_command_line_is_one_line(tmp_path: Any) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(
        app, ["inventory", "--store", "s3://some-bucket/datasets"], env=_wrong_env(endpoint)
    )
    assert result.exit_code == 4
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: open s3://some-bucket/datasets: cannot reach the S3 endpoint")
    assert endpoint in line and "after 2 attempts" in line
    assert "Traceback" not in result.output
    assert SECRET not in result.output and WRONG_KEY not in result.output


def test_wrong_credentials_name_endpoint_operation_and_variables(auth_endpoint: str) -> None:
    store = S3Store("any-bucket", "", resolve_s3_settings(_wrong_env(auth_endpoint)))
    for call, operation in (
        (lambda: store.head("audit/build-1.jsonl"), "head s3://any-bucket/audit/build-1.jsonl"),
        (lambda: store.read_bytes("a.txt"), "read s3://any-bucket/a.txt"),
        (lambda: store.write_bytes("a.txt", b"a"), "write s3://any-bucket/a.txt"),
        (lambda: open_existing_store("s3://any-bucket", store.settings), "open s3://any-bucket"),
    ):
        with pytest.raises(StoreAccessDeniedError) as raised:
            call()
        message = str(raised.value)
        assert message.startswith(f"{operation}: access denied by the S3 endpoint {auth_endpoint}")
        assert "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in message
        assert "bucket policy" in message
        assert SECRET not in message and WRONG_KEY not in message
    assert raised.value.context["code"] == "InvalidAccessKeyId"


def test_wrong_legacy_credentials_name_the_legacy_variables(auth_endpoint: str) -> None:
    env = {
        "OVH_S3_ENDPOINT": auth_endpoint,
        "OVH_S3_ACCESS_KEY": WRONG_KEY,
        "OVH_S3_SECRET_KEY": SECRET,
    }
    store = S3Store("any-bucket", "", resolve_s3_settings(env))
    with pytest.raises(StoreAccessDeniedError) as raised:
        list(store.list())
    message = str(raised.value)
    assert "(from OVH_S3_ENDPOINT)" in message
    assert "check OVH_S3_ACCESS_KEY and OVH_S3_SECRET_KEY" in message
    assert SECRET not in message and WRONG_KEY not in message


def test_wrong_credentials_on_the_command_line(auth_endpoint: str) -> None:
    result = runner.invoke(
        app, ["release", "ls", "--store", "s3://any-bucket/datasets"], env=_wrong_env(auth_endpoint)
    )
    assert result.exit_code == 4
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: open s3://any-bucket/datasets: access denied by the S3 endpoint")
    assert "AWS_SECRET_ACCESS_KEY" in line
    assert SECRET not in result.output and WRONG_KEY not in result.output


@pytest.mark.parametrize("command", [["inventory"], ["ingest", "--all"], ["release", "ls"]])
def test_endpoint_without_scheme_is_one_line_with_the_fix(command: list[str]) -> None:
    env = {"AWS_ENDPOINT_URL": "127.0.0.1:5055", "AWS_SECRET_ACCESS_KEY": SECRET}
    result = runner.invoke(app, [*command, "--store", "s3://mh-data"], env=env)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: AWS_ENDPOINT_URL: endpoint '127.0.0.1:5055' has no scheme: use "
        "http://127.0.0.1:5055 (or https://127.0.0.1:5055 for a TLS endpoint)"
    )
