"""A TLS failure no retry can fix (untrusted certificate, plain HTTP on an https URL) fails at
once, as StoreTLSError naming the endpoint: a real TLS server on loopback, self-signed."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mhds.errors import RetryableStoreError, StoreTLSError
from mhds.store import S3Settings, S3Store
from mhds.store.s3 import make_client
from mhds.store.s3_errors import guard_call, stop_tls_retries


def _settings(endpoint: str, max_attempts: int) -> S3Settings:
    """Short timeouts and fake credentials (the handshake fails before they are used)."""
    return S3Settings.model_validate(
        {
            "endpoint_url": endpoint,
            "max_attempts": max_attempts,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "access_key_id": "tls-test-key",
            "secret_access_key": "tls-test-secret",
        }
    )


class _CountingTLSServer(http.server.HTTPServer):
    """An HTTPS server that counts the connections it accepts (one per attempt)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        self.context = context
        self.attempts = 0

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        self.attempts += 1
        # The handshake fails when the client refuses the certificate: socketserver drops it.
        return self.context.wrap_socket(sock, server_side=True), address


def _self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` (an IP address or a name) and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(params=["127.0.0.1", "wrong-host.invalid"])
def tls_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[_CountingTLSServer]:
    """A TLS server on loopback whose certificate is self-signed (for 127.0.0.1), or issued
    for another host name."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path, request.param))
    server = _CountingTLSServer(context)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _endpoint(server: _CountingTLSServer) -> str:
    return f"https://127.0.0.1:{server.server_address[1]}"


def test_untrusted_certificate_fails_at_once_naming_the_endpoint(
    tls_server: _CountingTLSServer,
) -> None:
    endpoint = _endpoint(tls_server)
    settings = _settings(endpoint, 4)
    store = S3Store("bucket", "", settings)  # make_client stops botocore's TLS retries itself
    stop_tls_retries(store.client)  # idempotent
    started = time.monotonic()
    with pytest.raises(StoreTLSError) as raised:
        store.head("raw/a.jsonl")
    elapsed = time.monotonic() - started
    assert elapsed < 5
    assert tls_server.attempts == 1  # neither botocore nor mhds tried again
    assert not isinstance(raised.value, RetryableStoreError)
    message = str(raised.value)
    assert f"the S3 endpoint {endpoint}" in message
    assert "certificate not accepted" in message and "not retried" in message
    assert raised.value.exit_code == 4


def test_tls_failure_is_permanent_even_where_botocore_retries(
    tls_server: _CountingTLSServer,
) -> None:
    # A plain boto3 client (without stop_tls_retries): botocore retries as it would a dropped
    # connection, but what reaches the caller is still the permanent error, and mhds adds no
    # attempt of its own.
    import boto3
    from botocore.config import Config

    settings = _settings(_endpoint(tls_server), 2)
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing-access-key",
        aws_secret_access_key="testing-secret-key",
        config=Config(retries={"total_max_attempts": 2, "mode": "standard"}),
    )
    store = S3Store("bucket", "", settings, client=client)
    with pytest.raises(StoreTLSError):
        list(store.list("raw/"))
    assert tls_server.attempts == 2


def test_tls_failure_without_settings_names_the_requested_host(
    tls_server: _CountingTLSServer,
) -> None:
    endpoint = _endpoint(tls_server)
    client = make_client(_settings(endpoint, 1))
    with pytest.raises(StoreTLSError) as raised:
        guard_call("list", "s3://bucket", lambda: client.list_buckets())
    assert f"the S3 endpoint {endpoint} " in str(raised.value)
    assert "/bucket" not in str(raised.value).split(": ", 1)[1]  # host only, no request path


def test_plain_http_on_an_https_url_fails_at_once(s3_endpoint: str) -> None:
    # The loopback S3 server speaks plain HTTP: TLS to it cannot work, so no retry.
    port = int(s3_endpoint.rsplit(":", 1)[1])
    endpoint = f"https://127.0.0.1:{port}"
    settings = _settings(endpoint, 4)
    client = make_client(settings)
    stop_tls_retries(client)
    started = time.monotonic()
    with pytest.raises(StoreTLSError) as raised:
        S3Store("bucket", "", settings, client=client).head("a.jsonl")
    assert time.monotonic() - started < 5
    assert endpoint in str(raised.value)


def test_a_refused_connection_is_still_retryable() -> None:
    # Nothing listens: that may heal (a server restarting), so it stays retryable.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _settings(f"https://127.0.0.1:{port}", 1)
    with pytest.raises(RetryableStoreError):
        S3Store("bucket", "", settings).head("a.jsonl")
