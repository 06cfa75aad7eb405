"""Fixtures of the generation tests: the scripted OpenAI-compatible server of
``fake_openai_server.py``, run as its own process on loopback."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.generate.fake_openai import SERVER, START_TIMEOUT, FakeOpenAI


@pytest.fixture(scope="session")
def fake_openai_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOpenAI]:
    """Start the server (free port), wait until it answers, kill it after the session."""
    script_file = tmp_path_factory.mktemp("fake-openai") / "script.json"
    script_file.write_text("{}")
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "0", str(script_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("listening "):
            raise RuntimeError(f"fake OpenAI server did not start (exit {process.poll()})")
        server = FakeOpenAI(f"http://127.0.0.1:{int(line.split()[1])}", script_file)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                server.stats()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture()
def fake_openai(fake_openai_process: FakeOpenAI) -> FakeOpenAI:
    """The server with fresh counts, answering ``ok`` to everything until scripted."""
    fake_openai_process.script()
    return fake_openai_process
