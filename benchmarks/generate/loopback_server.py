"""The loopback server of ``bench_generate.py``: the tests' scripted OpenAI-compatible server
(``tests/generate/fake_openai_server.py``, stdlib only), run as its own process, optionally
speaking HTTP/1.1 with keep-alive as vLLM, Ollama and hosted APIs do; both with TCP_NODELAY.

    python loopback_server.py PORT SCRIPT_FILE [--keep-alive]

The script file and the ``/stats`` and ``/reset`` endpoints are the test server's (a default
step ``{"delay": 0.05}`` adds 50 ms to every reply). Without ``--keep-alive`` the server is the
test one as is: HTTP/1.0, one connection per request.
"""

from __future__ import annotations

import importlib.util
import sys
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

TEST_SERVER = Path(__file__).resolve().parents[2] / "tests/generate/fake_openai_server.py"
# The stdlib default listen backlog (5) drops connections when 32 clients connect at once.
LISTEN_BACKLOG = 256


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


def load_test_server() -> ModuleType:
    """The test server module, loaded from its file (``tests`` is not an installed package)."""
    spec = importlib.util.spec_from_file_location("fake_openai_server", TEST_SERVER)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {TEST_SERVER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    port, script_file = int(sys.argv[1]), Path(sys.argv[2])
    keep_alive = "--keep-alive" in sys.argv[3:]
    fake = load_test_server()
    handler = fake.make_handler(fake.State(script_file))
    # The test handler always sends Content-Length, so HTTP/1.1 keeps the connection open.
    handler.protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
    # TCP_NODELAY, as model servers set it: the handler writes headers and body separately,
    # and with Nagle's algorithm on, a kept-alive connection waits out the client's delayed
    # ACK (~40 ms on Linux) before the body goes.
    handler.disable_nagle_algorithm = True
    server = _Server(("127.0.0.1", port), handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
