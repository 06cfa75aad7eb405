"""A scripted OpenAI-compatible chat server for tests, run as its own process (stdlib only).

    python fake_openai_server.py PORT SCRIPT_FILE

PORT 0 picks a free port; the server prints ``listening <port>`` once it is bound. The script
file is JSON, read at start and on every ``POST /reset``:

    {"steps": [{"status": 429}, {"status": 500}, {}], "default": {"delay": 0.2}}

Each ``POST /v1/chat/completions`` takes the next step (then ``default``). A step has
``status`` (200), ``delay`` (seconds to sleep first), ``body`` (``ok``, ``missing_choices``,
``empty_choices``, ``empty_content``, ``null_content``, ``wrong_types``, ``invalid_json``,
``text_plain``, ``no_usage``), ``retry_after`` and ``text`` (the reply's content, instead
of the echo). An ``ok`` reply is ``reply to: <last
message> (seed=<seed>)``. ``GET /stats`` answers the counts: requests, in flight now, the most
in flight at once, the Authorization headers seen; ``POST /reset`` waits for in-flight
requests to end, rereads the script and zeroes the counts.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class State:
    def __init__(self, script_file: Path) -> None:
        self.script_file = script_file
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with self.lock:
                if not getattr(self, "in_flight", 0):
                    break
            time.sleep(0.02)
        script = json.loads(self.script_file.read_text()) if self.script_file.exists() else {}
        with self.lock:
            self.steps: list[dict[str, Any]] = list(script.get("steps", []))
            self.default: dict[str, Any] = script.get("default", {})
            self.requests = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.authorization: list[str] = []

    def begin(self, authorization: str) -> dict[str, Any]:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if authorization not in self.authorization:
                self.authorization.append(authorization)
            return self.steps.pop(0) if self.steps else dict(self.default)

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "authorization": list(self.authorization),
            }


def reply_body(kind: str, request: dict[str, Any], fixed: str | None = None) -> tuple[bytes, str]:
    messages = request.get("messages") or [{"content": ""}]
    text = f"reply to: {messages[-1].get('content', '')} (seed={request.get('seed')})"
    if fixed is not None:
        text = fixed
    usage = {
        "prompt_tokens": sum(len(str(m.get("content", "")).split()) for m in messages),
        "completion_tokens": len(text.split()),
        "total_tokens": 0,
    }
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "finish_reason": "stop",
    }
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": f"served-{request.get('model')}",
        "choices": [choice],
        "usage": usage,
    }
    if kind == "missing_choices":
        del body["choices"]
    elif kind == "empty_choices":
        body["choices"] = []
    elif kind == "empty_content":
        choice["message"]["content"] = ""
    elif kind == "null_content":
        choice["message"]["content"] = None
    elif kind == "wrong_types":
        body["choices"] = "not a list"
    elif kind == "no_usage":
        del body["usage"]
    elif kind == "invalid_json":
        return b'{"choices": [', "application/json"
    elif kind == "text_plain":
        return b"<html>gateway says hello</html>", "text/html"
    return json.dumps(body).encode(), "application/json"


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

        def do_GET(self) -> None:
            if self.path == "/stats":
                self.send(200, json.dumps(state.stats()).encode(), "application/json")
            else:
                self.send(404, b"{}", "application/json")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path == "/reset":
                state.reset()
                self.send(200, b"{}", "application/json")
                return
            if self.path != "/v1/chat/completions":
                self.send(404, b"{}", "application/json")
                return
            step = state.begin(self.headers.get("Authorization", ""))
            try:
                time.sleep(float(step.get("delay", 0)))
                status = int(step.get("status", 200))
                headers = {}
                if "retry_after" in step:
                    headers["Retry-After"] = str(step["retry_after"])
                if status == 200:
                    body, content_type = reply_body(
                        step.get("body", "ok"), json.loads(raw), step.get("text")
                    )
                else:
                    error = {"error": {"message": "scripted failure", "code": status}}
                    body, content_type = json.dumps(error).encode(), "application/json"
            finally:
                # Out of flight before answering: the client may send its next request as
                # soon as it has this answer.
                state.end()
            self.send(status, body, content_type, **headers)

    return Handler


def main() -> None:
    port, script_file = int(sys.argv[1]), Path(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(State(script_file)))
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
