"""The four ways ``bench_generate.py`` sends one chat request to the loopback server, from the
bare floor up to mhds's full stack, plus the server's process handle and latency summaries.

- ``http.client``: a plain POST of the same JSON body, the reply parsed with ``json``;
- ``openai``: the official client's ``chat.completions.create``, as ``OpenAIBackend`` calls it;
- ``OpenAIBackend``: mhds's backend alone (the call above, then its checks and ``Completion``);
- ``GenerationClient``: the backend wrapped in mhds's client (request hash, cache lookup in a
  local store, the call, cache write, counts).
"""

from __future__ import annotations

import http.client
import json
import math
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import openai

from mhds.generate import GenerationClient, GenerationParams, Message, OpenAIBackend
from mhds.store.base import Store

SERVER_SCRIPT = Path(__file__).with_name("loopback_server.py")
MODEL = "bench-model"
START_TIMEOUT = 20.0
API_KEY = "not-needed"

Call = Callable[[Sequence[Message]], str]


@dataclass
class LoopbackServer:
    """Handle on the server process: script its per-reply delay, read its counts."""

    root: str
    script_file: Path

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def set_delay(self, seconds: float) -> None:
        """Every reply waits ``seconds`` first; zeroes the counts (after in-flight requests)."""
        self.script_file.write_text(json.dumps({"steps": [], "default": {"delay": seconds}}))
        self._call("POST", "/reset")

    def stats(self) -> dict[str, Any]:
        """Chat requests seen, in flight now and the most in flight at once, since the reset."""
        return self._call("GET", "/stats")

    def _call(self, method: str, path: str) -> dict[str, Any]:
        data = b"" if method == "POST" else None
        request = urllib.request.Request(self.root + path, method=method, data=data)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]


@contextmanager
def loopback_server(*, keep_alive: bool) -> Iterator[LoopbackServer]:
    """Start ``loopback_server.py`` on a free loopback port, wait until it answers, stop it."""
    with tempfile.TemporaryDirectory(prefix="mhds-bench-server-") as tmp:
        script_file = Path(tmp) / "script.json"
        script_file.write_text("{}")
        command = [sys.executable, str(SERVER_SCRIPT), "0", str(script_file)]
        if keep_alive:
            command.append("--keep-alive")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
            line = process.stdout.readline() if ready else ""
            if not line.startswith("listening "):
                raise RuntimeError(f"loopback server did not start (exit {process.poll()})")
            server = LoopbackServer(f"http://127.0.0.1:{int(line.split()[1])}", script_file)
            _wait_until_up(server)
            yield server
        finally:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


class TimedStore:
    """A store that adds up the time ``GenerationClient`` spends in it (cache lookups and
    writes are its only store calls), so its own share of a request can be split off."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.read_ns = self.write_ns = self.reads = self.writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def read_bytes(self, key: str) -> bytes:
        started = time.perf_counter_ns()
        try:
            return self._store.read_bytes(key)
        finally:
            self.read_ns += time.perf_counter_ns() - started
            self.reads += 1

    def put_if_absent(self, key: str, data: bytes) -> None:
        started = time.perf_counter_ns()
        try:
            self._store.put_if_absent(key, data)
        finally:
            self.write_ns += time.perf_counter_ns() - started
            self.writes += 1

    def to_dict(self) -> dict[str, float]:
        """Calls and mean milliseconds of each kind."""
        return {
            "reads": self.reads,
            "read_mean_ms": self.read_ns / max(self.reads, 1) / 1e6,
            "writes": self.writes,
            "write_mean_ms": self.write_ns / max(self.writes, 1) / 1e6,
        }


def request_body(messages: Sequence[Message], params: GenerationParams) -> dict[str, Any]:
    """The JSON body the ``openai`` client sends for this request (same fields)."""
    return {
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "model": params.model or MODEL,
        "max_tokens": params.max_tokens,
        "seed": params.seed,
        "temperature": params.temperature,
        "top_p": params.top_p,
    }


def http_call(base_url: str, params: GenerationParams, *, keep_alive: bool) -> Call:
    """A plain ``http.client`` POST: one connection reused, or a new one per request."""
    parts = urlsplit(base_url)
    host, port, path = parts.hostname or "", parts.port, f"{parts.path}/chat/completions"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    connection = http.client.HTTPConnection(host, port, timeout=60)

    def call(messages: Sequence[Message]) -> str:
        nonlocal connection
        if not keep_alive:
            connection = http.client.HTTPConnection(host, port, timeout=60)
        body = json.dumps(request_body(messages, params)).encode()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        if not keep_alive:
            connection.close()
        return str(json.loads(data)["choices"][0]["message"]["content"])

    return call


def openai_call(base_url: str, params: GenerationParams) -> Call:
    """The official client called exactly as ``OpenAIBackend.complete`` calls it."""
    client = openai.OpenAI(base_url=base_url, api_key=API_KEY, timeout=60, max_retries=0)

    def call(messages: Sequence[Message]) -> str:
        response = client.chat.completions.create(
            model=params.model or MODEL,
            messages=cast(Any, [{"role": m.role, "content": m.content} for m in messages]),
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            seed=params.seed if params.seed is not None else openai.omit,
            stop=list(params.stop) if params.stop else openai.omit,
        )
        return response.choices[0].message.content or ""

    return call


def backend_call(base_url: str, params: GenerationParams) -> Call:
    """``OpenAIBackend.complete`` alone: no cache, no retries, no counts."""
    backend = OpenAIBackend(base_url, MODEL)
    resolved = params.model_copy(update={"model": params.model or MODEL})

    def call(messages: Sequence[Message]) -> str:
        return backend.complete(messages, resolved).text

    return call


def mhds_client(base_url: str, store: Store, *, max_concurrency: int = 1) -> GenerationClient:
    """``GenerationClient`` over ``OpenAIBackend`` with its default retry policy."""
    return GenerationClient(OpenAIBackend(base_url, MODEL), store, max_concurrency=max_concurrency)


def client_call(client: GenerationClient, params: GenerationParams) -> Call:
    """``GenerationClient.complete``: the whole mhds stack."""

    def call(messages: Sequence[Message]) -> str:
        return client.complete(messages, params).text

    return call


def time_calls(call: Call, requests: Sequence[Sequence[Message]]) -> list[int]:
    """Nanoseconds of each call, one after another."""
    out = []
    for messages in requests:
        started = time.perf_counter_ns()
        call(messages)
        out.append(time.perf_counter_ns() - started)
    return out


def summarize(nanoseconds: Sequence[int]) -> dict[str, float]:
    """Count, mean, min, p50, p95 and p99 in milliseconds, and the matching requests/s."""
    ordered = sorted(nanoseconds)
    mean = sum(ordered) / len(ordered)
    return {
        "n": len(ordered),
        "mean_ms": mean / 1e6,
        "min_ms": ordered[0] / 1e6,
        "p50_ms": _percentile(ordered, 0.50) / 1e6,
        "p95_ms": _percentile(ordered, 0.95) / 1e6,
        "p99_ms": _percentile(ordered, 0.99) / 1e6,
        "requests_per_s": 1e9 / mean,
    }


def _percentile(ordered: Sequence[int], q: float) -> float:
    """Nearest rank."""
    return float(ordered[max(0, math.ceil(q * len(ordered)) - 1)])


def _wait_until_up(server: LoopbackServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            server.stats()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
