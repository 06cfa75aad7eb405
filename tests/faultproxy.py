"""A fault-injecting HTTP proxy for tests, in front of the S3 server (moto) on loopback.

The client's ``endpoint_url`` points at the proxy, which forwards every request verbatim (Host
and Authorization included, so SigV4 signatures still hold) and relays the answer on a
keep-alive connection. Rules (``Fault``) pick requests by method, path, query and headers and,
on the Nth match, drop the answer after the server applied the request, reset the connection
before forwarding, answer an S3 error instead (503 SlowDown ...) or cut the response body; a
``before_answer`` hook runs in between (a test changes the object there). Real botocore retries
meet real faults: no mocks.

    def test_x(fault_proxy: FaultProxy, fault_store: S3Store) -> None:
        fault = fault_proxy.drop_response(method="PUT", path="/m.json$")
        fault_store.put_if_absent("m.json", b"x")
        assert fault.fired == 1 and fault_proxy.count("PUT", "/m.json$") == 2

A test module that uses the fixtures binds them at module level (pytest finds them there):
``fault_proxy = faultproxy.fault_proxy`` and likewise ``fault_settings``, ``fault_store``;
``tests/store/conftest.py`` binds them for every store test.
"""

from __future__ import annotations

import http.client
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import unquote, urlsplit

import pytest

from mhds.store import S3Settings, S3Store

FaultAction = Literal["drop_response", "reset", "error", "truncate"]
# Headers that describe one connection, not the message: never relayed either way.
_HOP_BY_HOP = frozenset(
    {
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
)
_UPSTREAM_TIMEOUT = 30.0


@dataclass(frozen=True)
class ProxiedRequest:
    """One request as the proxy saw it.

    Attributes:
        method: the HTTP method.
        path: the URL-decoded path (``/bucket/key`` with path-style addressing).
        query: the raw query string (``uploadId=...&partNumber=2``), ``""`` if none.
        headers: request headers, names in lower case.
        body: the request body (decoded when it came chunked).
        connection: the client's port: requests on one keep-alive connection share it.
        status: the status answered, None when no answer was sent (dropped or reset).
        fault: the action of the fault that fired on it, None when forwarded untouched.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    connection: int = 0
    status: int | None = None
    fault: FaultAction | None = None


@dataclass
class Fault:
    """One rule: which requests it matches, on which of them it fires, what it does then.

    Attributes:
        action: ``drop_response`` (forward, then close the connection without answering),
            ``reset`` (close the connection with a reset, not forwarded), ``error`` (answer
            ``status`` and an S3 error body with ``code``, not forwarded) or ``truncate``
            (forward, answer the headers with the full Content-Length and only ``keep_bytes``
            body bytes, then close).
        method: HTTP method to match; None: any.
        path: regex searched in the URL-decoded path; None: any.
        query: regex searched in the raw query string; None: any.
        headers: names of request headers that must be present (``If-None-Match``).
        when: a further predicate on the request; None: none.
        nth: fires first on the nth matching request (1: the first).
        times: fires on this many matching requests from the nth on.
        status: the status of an ``error``.
        code: the S3 error code of an ``error``.
        keep_bytes: body bytes a ``truncate`` sends.
        before_answer: called each time the rule fires, before the client gets anything: after
            the server answered a ``drop_response`` or ``truncate``, before a ``reset`` or an
            ``error`` (a test overwrites the object here to race the client).
        matched: matching requests so far (whether it fired or not).
        fired: how often it fired so far.
    """

    action: FaultAction
    method: str | None = None
    path: str | None = None
    query: str | None = None
    headers: Sequence[str] = ()
    when: Callable[[ProxiedRequest], bool] | None = None
    nth: int = 1
    times: int = 1
    status: int = 503
    code: str = "SlowDown"
    keep_bytes: int = 0
    before_answer: Callable[[], None] | None = None
    matched: int = 0
    fired: int = 0

    def matches(self, request: ProxiedRequest) -> bool:
        """Whether ``request`` is one this rule counts."""
        return (
            (self.method is None or request.method == self.method.upper())
            and (self.path is None or re.search(self.path, request.path) is not None)
            and (self.query is None or re.search(self.query, request.query) is not None)
            and all(name.lower() in request.headers for name in self.headers)
            and (self.when is None or self.when(request))
        )


@dataclass
class _State:
    faults: list[Fault] = field(default_factory=list)
    requests: list[ProxiedRequest] = field(default_factory=list)


class FaultProxy:
    """A threaded reverse proxy on 127.0.0.1 (a free port) in front of ``upstream``.

    Program it with ``add`` (or ``drop_response``, ``reset``, ``error``, ``slow_down``,
    ``truncate``); read what it saw with ``requests`` and ``count``. Every fault fires only on
    the requests it names, so a test asserts ``fault.fired`` to prove the fault happened.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._state = _State()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        """The URL to give a client as its ``endpoint_url``."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add(self, action: FaultAction, **rule: object) -> Fault:
        """Add a rule (``Fault`` fields as keywords) and return it, to read ``fired`` later."""
        fault = Fault(action, **rule)  # type: ignore[arg-type]
        with self._lock:
            self._state.faults.append(fault)
        return fault

    def drop_response(self, **rule: object) -> Fault:
        """Forward the matching request, then close the connection without answering."""
        return self.add("drop_response", **rule)

    def reset(self, **rule: object) -> Fault:
        """Reset the connection of the matching request without forwarding it."""
        return self.add("reset", **rule)

    def error(self, status: int, code: str, **rule: object) -> Fault:
        """Answer the matching request with ``status`` and an S3 error ``code``, unforwarded."""
        return self.add("error", status=status, code=code, **rule)

    def slow_down(self, **rule: object) -> Fault:
        """Answer the matching request with 503 SlowDown, as a throttling S3 does."""
        return self.error(503, "SlowDown", **rule)

    def truncate(self, keep_bytes: int, **rule: object) -> Fault:
        """Forward the matching request; answer only ``keep_bytes`` of the body, then close."""
        return self.add("truncate", keep_bytes=keep_bytes, **rule)

    def clear(self) -> None:
        """Remove every rule and forget the requests seen."""
        with self._lock:
            self._state = _State()

    @property
    def requests(self) -> list[ProxiedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._state.requests)

    @property
    def fired(self) -> int:
        """How many faults fired so far, all rules together."""
        with self._lock:
            return sum(f.fired for f in self._state.faults)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen with this method (None: any) whose path matches the regex ``path``."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (path is None or re.search(path, r.path))
        )

    def _choose(self, request: ProxiedRequest) -> Fault | None:
        """The fault that fires on ``request``; every matching rule counts it."""
        chosen = None
        with self._lock:
            for fault in self._state.faults:
                if not fault.matches(request):
                    continue
                fault.matched += 1
                if chosen is None and fault.nth <= fault.matched < fault.nth + fault.times:
                    fault.fired += 1
                    chosen = fault
        return chosen

    def _record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self._state.requests.append(request)


class _ProxyHandler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive for botocore's pool, and Expect: 100-continue answered here.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add about 40 ms to every answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._relay()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _relay(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        request = ProxiedRequest(
            method=self.command,
            path=unquote(parts.path),
            query=parts.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
            connection=self.client_address[1],
        )
        fault = proxy._choose(request)
        action = fault.action if fault is not None else None
        if fault is not None and fault.action in ("reset", "error"):
            _before_answer(fault)
        if fault is not None and fault.action == "reset":
            proxy._record(replace(request, status=None, fault=action))
            self._reset()
            return
        if fault is not None and fault.action == "error":
            proxy._record(replace(request, status=fault.status, fault=action))
            self._send_error(fault.status, fault.code)
            return
        try:
            status, reason, headers, payload = self._forward(proxy, request)
        except (OSError, http.client.HTTPException):
            proxy._record(replace(request, status=502, fault=None))
            self._send(502, "Bad Gateway", [], b"")
            return
        if fault is not None:
            _before_answer(fault)
        if fault is not None and fault.action == "drop_response":
            # Recorded before the client learns anything: once it has retried, the test sees it.
            proxy._record(replace(request, status=None, fault=action))
            self.close_connection = True
            return
        proxy._record(replace(request, status=status, fault=action))
        if fault is not None and fault.action == "truncate":
            self._send(status, reason, headers, payload, cut=fault.keep_bytes)
            return
        self._send(status, reason, headers, payload)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after the chunk
            while self.rfile.readline().strip():  # trailers, up to the empty line
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(
        self, proxy: FaultProxy, request: ProxiedRequest
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send the request upstream as received: Host and Authorization unchanged."""
        conn = http.client.HTTPConnection(
            proxy.upstream_host, proxy.upstream_port, timeout=_UPSTREAM_TIMEOUT
        )
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    conn.putheader(name, value)
            if request.body or "content-length" in request.headers:
                conn.putheader("Content-Length", str(len(request.body)))
            conn.endheaders(request.body or None)
            response = conn.getresponse()
            return response.status, response.reason, response.getheaders(), response.read()
        finally:
            conn.close()

    def _send(
        self,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        payload: bytes,
        *,
        cut: int | None = None,
    ) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if self.command == "HEAD":
            length = dict((k.lower(), v) for k, v in headers).get("content-length")
            if length is not None:
                self.send_header("Content-Length", length)
        elif status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
            payload = payload[:cut]
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        self.wfile.flush()

    def _send_error(self, status: int, code: str) -> None:
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b"<Error><Code>" + code.encode() + b"</Code>"
            b"<Message>injected by the test proxy</Message>"
            b"<RequestId>FAULTPROXY</RequestId></Error>"
        )
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", "FAULTPROXY")]
        self._send(status, http.client.responses.get(status, "Error"), headers, body)

    def _reset(self) -> None:
        # Linger 0: closing sends RST, so the client sees a reset connection, not an answer.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


@pytest.fixture()
def fault_proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    """A fresh fault proxy in front of the session's S3 server."""
    proxy = FaultProxy(s3_endpoint).start()
    yield proxy
    proxy.stop()


@pytest.fixture()
def fault_settings(s3_settings: S3Settings, fault_proxy: FaultProxy) -> S3Settings:
    """The test settings pointed at the fault proxy (4 attempts per request, the default)."""
    return s3_settings.model_copy(update={"endpoint_url": fault_proxy.endpoint, "max_attempts": 4})


@pytest.fixture()
def fault_store(s3_bucket: str, fault_settings: S3Settings) -> S3Store:
    """An S3Store on a fresh bucket whose every request goes through the fault proxy."""
    return S3Store(s3_bucket, "", fault_settings)


def _before_answer(fault: Fault) -> None:
    if fault.before_answer is not None:
        fault.before_answer()
