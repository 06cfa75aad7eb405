"""Fixtures of the store tests: a loopback HTTP proxy in front of the S3 server.

The proxy forwards requests to moto verbatim, but can answer the next requests with a real S3
throttling response (503 SlowDown) or cut the body of the next full GET after some bytes, so
retries and resumed reads are tested against real botocore behaviour, without mocks.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from mhds.store import S3Settings

SLOW_DOWN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
    b"<RequestId>MHDSTESTPROXY</RequestId></Error>"
)
# Headers that describe one connection, not the message: never relayed.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
}


@dataclass(frozen=True)
class SeenRequest:
    """One request as the proxy saw it, with the status it answered."""

    method: str
    path: str
    range: str | None
    status: int


class S3Proxy:
    """A reverse proxy on 127.0.0.1 in front of the S3 server.

    Attributes:
        throttle: answer this many next requests with 503 SlowDown instead of forwarding them.
        cut_get_after: when set, the next GET without a Range header gets its headers (with the
            full Content-Length) and only this many body bytes, then the connection is closed.
        before_cut: called once the object to cut has been fetched, before the client gets
            any of it (a test overwrites the object here).
        seen: every request, in arrival order.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.throttle = 0
        self.cut_get_after: int | None = None
        self.before_cut: Callable[[], None] | None = None
        self.seen: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def statuses(self, method: str | None = None) -> list[int]:
        """Statuses answered so far, optionally for one HTTP method only."""
        with self._lock:
            return [s.status for s in self.seen if method is None or s.method == method]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _decide(self, method: str, range_header: str | None) -> str:
        """Pick what to do with one request: ``throttle``, ``cut`` or ``forward``."""
        with self._lock:
            if self.throttle > 0:
                self.throttle -= 1
                return "throttle"
            if self.cut_get_after is not None and method == "GET" and range_header is None:
                return "cut"
            return "forward"

    def _record(self, request: SeenRequest, *, cut_done: bool = False) -> None:
        with self._lock:
            self.seen.append(request)
            if cut_done:
                self.cut_get_after = None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and answers Expect: 100-continue itself

    def do_GET(self) -> None:
        self._relay()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _relay(self) -> None:
        proxy: S3Proxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        range_header = self.headers.get("Range")
        action = proxy._decide(self.command, range_header)
        # Requests are recorded before they are answered: once the client has its answer,
        # the test sees the record.
        if action == "throttle":
            proxy._record(SeenRequest(self.command, self.path, range_header, 503))
            self._send_slow_down()
            return
        status, headers, payload = self._forward(proxy, body)
        cut = proxy.cut_get_after if action == "cut" and status == 200 else None
        proxy._record(
            SeenRequest(self.command, self.path, range_header, status), cut_done=cut is not None
        )
        if cut is not None and proxy.before_cut is not None:
            proxy.before_cut()
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", dict(headers).get("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(payload)))
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
            payload = payload[:cut]
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _forward(self, proxy: S3Proxy, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send the request to the S3 server as received (Host and Authorization included)."""
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=30)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    conn.putheader(name, value)
            conn.endheaders(body or None)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _send_slow_down(self) -> None:
        self.send_response_only(503, "Slow Down")
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(SLOW_DOWN_BODY)))
        self.send_header("x-amz-request-id", "MHDSTESTPROXY")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(SLOW_DOWN_BODY)
        self.wfile.flush()


@pytest.fixture()
def s3_proxy(s3_endpoint: str) -> Iterator[S3Proxy]:
    """A fresh proxy in front of the session's S3 server."""
    proxy = S3Proxy(s3_endpoint)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture()
def proxied_settings(s3_settings: S3Settings, s3_proxy: S3Proxy) -> S3Settings:
    """The test settings, pointed at the proxy (few attempts, so failures come fast)."""
    return s3_settings.model_copy(update={"endpoint_url": s3_proxy.endpoint, "max_attempts": 4})
