"""Benchmark: generation speed. Chats/s of the crisis template backend, and, against a scripted
OpenAI-compatible server on loopback (no model), the cost per request of each layer of the
client stack and the client's throughput at several concurrency levels.

    .venv/bin/python benchmarks/generate/bench_generate.py            # ~2.5 min
    .venv/bin/python benchmarks/generate/bench_generate.py --quick    # < 30 s

Writes ``benchmarks/results/generate.json`` (``--quick``: ``generate-quick.json``) and prints
a summary. See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from clients import (
    Call,
    LoopbackServer,
    TimedStore,
    backend_call,
    client_call,
    http_call,
    loopback_server,
    mhds_client,
    openai_call,
    summarize,
    time_calls,
)

from mhds.crisis.chat_templates import ChatTemplates, load_chat_templates
from mhds.crisis.chats import compose_chat
from mhds.crisis.library import load_library
from mhds.crisis.scenarios import Scenario, expand_scenarios
from mhds.crisis.sources import AssistantRole, chat_source, template_maker
from mhds.errors import ObjectNotFoundError
from mhds.generate import (
    GenerationClient,
    GenerationError,
    GenerationParams,
    Message,
    TemplateBackend,
)
from mhds.records import codec
from mhds.store.local import LocalStore

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks/results"
PACKAGES = ("mhds", "openai", "httpx2", "httpx", "pydantic", "orjson")
SOURCES = ("src/mhds/generate", "src/mhds/crisis")
ROLES: tuple[AssistantRole, ...] = ("therapist", "client")
LAYERS = ("http.client", "openai", "OpenAIBackend", "GenerationClient")
PARAMS = GenerationParams(temperature=0.7, max_tokens=256, seed=7)
SEED = "bench"
WARMUP = 20

Request = tuple[Message, ...]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (< 30 s)")
    parser.add_argument("--out", type=Path, help="the results JSON (default: see above)")
    parser.add_argument("--per-category", type=int, help="scenarios per category (50; quick 10)")
    parser.add_argument("--requests", type=int, help="sequential requests per layer and round")
    parser.add_argument("--rounds", type=int, help="rounds of the sequential layers (3; quick 1)")
    parser.add_argument(
        "--delays", default="0.05,0", help="server delays per reply, s (0: the CPU ceiling)"
    )
    parser.add_argument("--levels", default="1,2,4,8,16,32", help="max_concurrency levels")
    parser.add_argument("--waves", type=int, help="requests per level = level x waves")
    args = parser.parse_args()
    quick = args.quick
    settings = {
        "per_category": args.per_category or (10 if quick else 50),
        "template_repeat": 2 if quick else 5,
        "requests": args.requests or (150 if quick else 1000),
        "rounds": args.rounds or (1 if quick else 3),
        "delays_s": [float(delay) for delay in args.delays.split(",")],
        "levels": [int(level) for level in args.levels.split(",")],
        "waves": args.waves or (4 if quick else 15),
        "repeats": 1 if quick else 3,
        "min_requests_no_delay": 100 if quick else 400,
        "quick": quick,
    }
    out = args.out or RESULTS / ("generate-quick.json" if quick else "generate.json")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "benchmarks/generate/bench_generate.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "a scripted loopback server (tests/generate/fake_openai_server.py), not a model",
        "settings": settings,
        "machine": machine_info(),
        "versions": versions(),
        "sources_sha256": sources_digest(),
    }
    templates_result, prompts = bench_template(settings)
    results["template"] = templates_result
    with tempfile.TemporaryDirectory(prefix="mhds-bench-generate-") as tmp:
        results["store"] = {"kind": "LocalStore", "filesystem": filesystem_of(Path(tmp))}
        with loopback_server(keep_alive=True) as server:
            results["layers"] = bench_layers(server, prompts, Path(tmp) / "a", settings)
            results["mhds_layer_alone"] = bench_mhds_alone(prompts, Path(tmp) / "b", settings)
            results["concurrency"] = bench_concurrency(server, prompts, Path(tmp) / "c", settings)
        with loopback_server(keep_alive=False) as server:
            layers = bench_layers(server, prompts, Path(tmp) / "d", settings, cache_hits=False)
            results["layers_new_connection_per_request"] = layers
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print_summary(results)
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def bench_template(settings: dict[str, Any]) -> tuple[dict[str, Any], list[Request]]:
    """Chats/s and turns/s of the template backend, every category, both framings; and the
    prompts of the HTTP sections (therapist chats without their last reply)."""
    started = time.perf_counter()
    library = load_library()
    templates = load_chat_templates(library=library)
    load_s = time.perf_counter() - started
    per_category, repeat = settings["per_category"], settings["template_repeat"]
    expand_s: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        scenarios = expand_scenarios(library, seed=SEED, per_category=per_category)
        expand_s.append(time.perf_counter() - started)
    result: dict[str, Any] = {
        "categories": len(library.categories),
        "per_category": per_category,
        "scenarios": len(scenarios),
        "repeat": repeat,
        "load_library_and_templates_s": load_s,
        "expand_scenarios": {
            "seconds": expand_s,
            "median_s": statistics.median(expand_s),
            "scenarios_per_s": len(scenarios) / statistics.median(expand_s),
        },
    }
    for role in ROLES:
        result[role] = _bench_framing(scenarios, templates, role, repeat)
    prompts = []
    for scenario in scenarios:
        chat = compose_chat(scenario, templates, assistant_role="therapist")
        prompts.append(tuple(Message(role, text) for role, text in chat[:-1]))
    return result, prompts


def _bench_framing(
    scenarios: Sequence[Scenario], templates: ChatTemplates, role: AssistantRole, repeat: int
) -> dict[str, Any]:
    """``chat_source`` (compose, provenance, JSON line) and ``compose_chat`` alone."""
    source_s, compose_s, digests = [], [], set()
    turns = messages = 0
    for _ in range(repeat):
        started = time.perf_counter()
        make = template_maker(templates, assistant_role=role)
        source = chat_source(scenarios, make, assistant_role=role)
        source_s.append(time.perf_counter() - started)
        digests.add(hashlib.sha256(source.data()).hexdigest())
        started = time.perf_counter()
        chats = [compose_chat(s, templates, assistant_role=role) for s in scenarios]
        compose_s.append(time.perf_counter() - started)
        messages = sum(len(chat) for chat in chats)
        turns = sum(1 for chat in chats for r, _ in chat if r != "system")
    chats_made = len(source.lines)
    return {
        "chats": chats_made,
        "left_out": len(source.left_out),
        "turns": turns,
        "messages": messages,
        "source_bytes": len(source.data()),
        "identical_across_repeats": len(digests) == 1,
        "chat_source": _rates(source_s, chats_made, turns),
        "compose_chat_only": _rates(compose_s, len(scenarios), turns),
    }


def _rates(seconds: list[float], chats: int, turns: int) -> dict[str, Any]:
    median, best = statistics.median(seconds), min(seconds)
    return {
        "seconds": seconds,
        "chats_per_s": chats / median,
        "turns_per_s": turns / median,
        "best_chats_per_s": chats / best,
    }


def bench_layers(
    server: LoopbackServer,
    prompts: Sequence[Request],
    store_dir: Path,
    settings: dict[str, Any],
    *,
    cache_hits: bool = True,
) -> dict[str, Any]:
    """Sequential latency per request of each layer, zero server delay, distinct prompts;
    rounds interleave the layers (order rotated) so drift hits all alike."""
    server.set_delay(0.0)
    store = LocalStore(store_dir)
    timed_store = TimedStore(store)
    client = mhds_client(server.base_url, timed_store)  # type: ignore[arg-type]
    keep_alive = server_keeps_alive(server)
    calls: dict[str, Call] = {
        "http.client": http_call(server.base_url, PARAMS, keep_alive=keep_alive),
        "openai": openai_call(server.base_url, PARAMS),
        "OpenAIBackend": backend_call(server.base_url, PARAMS),
        "GenerationClient": client_call(client, PARAMS),
    }
    for name, call in calls.items():
        time_calls(call, make_requests(prompts, f"warm-{name}", WARMUP))
    n, timings = settings["requests"], {name: [] for name in LAYERS}
    round_means: dict[str, list[float]] = {name: [] for name in LAYERS}
    mhds_requests: list[Request] = []
    for round_ in range(settings["rounds"]):
        for name in LAYERS[round_ % 4 :] + LAYERS[: round_ % 4]:
            requests = make_requests(prompts, f"{name}-{round_}", n)
            before = server.stats()["requests"]
            timed = time_calls(calls[name], requests)
            timings[name] += timed
            round_means[name].append(sum(timed) / n / 1e6)
            if server.stats()["requests"] - before != n:
                raise RuntimeError(f"{name}: the server did not see {n} requests")
            if name == "GenerationClient":
                mhds_requests += requests
    usage = client.usage()
    if usage.cache_hits or usage.retries or usage.errors:
        raise RuntimeError(f"unexpected cache hits, retries or errors: {usage.to_dict()}")
    result: dict[str, Any] = {
        "server_http": "HTTP/1.1 keep-alive" if keep_alive else "HTTP/1.0, new connection",
        "mean_request_bytes": statistics.mean(
            len(json.dumps([m.content for m in r])) for r in mhds_requests
        ),
        "latency": {name: summarize(values) for name, values in timings.items()},
        "round_means_ms": round_means,
        "usage": usage.to_dict(),
        "GenerationClient_store_calls": timed_store.to_dict(),
    }
    means = {name: result["latency"][name]["mean_ms"] for name in LAYERS}
    result["added_mean_ms"] = {
        "openai over http.client": means["openai"] - means["http.client"],
        "OpenAIBackend over openai": means["OpenAIBackend"] - means["openai"],
        "GenerationClient over OpenAIBackend": means["GenerationClient"] - means["OpenAIBackend"],
    }
    store_calls = timed_store.to_dict()
    result["GenerationClient_split_ms"] = {
        "cache lookup (miss)": store_calls["read_mean_ms"],
        "cache write": store_calls["write_mean_ms"],
        "the rest (hash, locks, counts, Completion)": result["added_mean_ms"][
            "GenerationClient over OpenAIBackend"
        ]
        - store_calls["read_mean_ms"]
        - store_calls["write_mean_ms"],
    }
    if cache_hits:
        result["cache_hits"] = bench_cache_hits(server, store, mhds_requests)
    return result


def bench_cache_hits(
    server: LoopbackServer, store: LocalStore, requests: Sequence[Request]
) -> dict[str, Any]:
    """Rerun every GenerationClient request on a fresh client over the same store: all are
    cache hits, and the server must see none of them."""
    before = server.stats()["requests"]
    client = mhds_client(server.base_url, store)
    sequential = summarize(time_calls(client_call(client, PARAMS), requests))
    pooled = mhds_client(server.base_url, store, max_concurrency=8)
    started = time.perf_counter()
    replies = pooled.complete_many([(r, PARAMS) for r in requests])
    pooled_s = time.perf_counter() - started
    new_requests = server.stats()["requests"] - before
    hits = client.usage().cache_hits + pooled.usage().cache_hits
    if new_requests or hits != 2 * len(requests) or not all(r.cached for r in replies):
        raise RuntimeError(f"cache rerun: {new_requests} requests reached the server")
    return {
        "requests": len(requests),
        "server_requests_during_rerun": new_requests,
        "sequential": sequential,
        "complete_many_8_threads_requests_per_s": len(requests) / pooled_s,
    }


def bench_mhds_alone(
    prompts: Sequence[Request], store_dir: Path, settings: dict[str, Any]
) -> dict[str, Any]:
    """mhds's layer without HTTP: GenerationClient over the offline TemplateBackend against
    the backend called directly, and the parts (hash, cache lookup, write, read) alone."""
    store = LocalStore(store_dir)
    backend = TemplateBackend(echo_reply)
    client = GenerationClient(backend, store, max_concurrency=1)
    n = settings["requests"] * settings["rounds"]
    direct = make_requests(prompts, "direct", n)
    wrapped = make_requests(prompts, "wrapped", n)
    resolved = client.resolve(PARAMS)
    backend_ns = time_calls(lambda m: backend.complete(m, resolved).text, direct)
    client_ns = time_calls(client_call(client, PARAMS), wrapped)
    hash_ns = _time_each(lambda r: client.request_hash(r, PARAMS), wrapped)
    keys = [client.cache_key(client.request_hash(r, PARAMS)) for r in wrapped]
    entry = store.read_bytes(keys[0])
    missing = [f"bench/missing/{uuid.uuid4().hex}.json" for _ in range(n)]
    lookup_ns = _time_each(lambda k: _read_or_none(store, k), missing)
    new_keys = [f"bench/write/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.json" for _ in range(n)]
    write_ns = _time_each(lambda k: store.put_if_absent(k, entry), new_keys)
    read_ns = _time_each(lambda k: codec.loads(store.read_bytes(k)), keys)
    return {
        "requests": n,
        "cache_entry_bytes": len(entry),
        "TemplateBackend.complete": summarize(backend_ns),
        "GenerationClient(TemplateBackend).complete, cache miss": summarize(client_ns),
        "added_mean_ms": (sum(client_ns) / n - sum(backend_ns) / n) / 1e6,
        "parts_mean_ms": {
            "request_hash (resolve + canonical JSON + sha256)": _mean_ms(hash_ns),
            "cache lookup, miss (store.read_bytes)": _mean_ms(lookup_ns),
            "cache write (store.put_if_absent: temp file, fsync, link)": _mean_ms(write_ns),
            "cache read, hit (read_bytes + decode)": _mean_ms(read_ns),
        },
    }


def bench_concurrency(
    server: LoopbackServer, prompts: Sequence[Request], store_dir: Path, settings: dict[str, Any]
) -> dict[str, Any]:
    """Requests/s at each max_concurrency, the server waiting a fixed delay per reply: mhds's
    ``complete_many`` and the raw ``openai`` client on a thread pool of the same width,
    alternating, ``repeats`` times each (median), so load from other work hits both alike."""
    store = LocalStore(store_dir)
    raw = openai_call(server.base_url, PARAMS)
    rows = []
    for delay in settings["delays_s"]:
        for level in settings["levels"]:
            client = mhds_client(server.base_url, store, max_concurrency=level)
            runs: dict[str, list[dict[str, Any]]] = {"GenerationClient": [], "openai": []}
            for repeat in range(settings["repeats"]):
                for name in sorted(runs, reverse=bool(repeat % 2)):
                    run = _runner(client if name == "GenerationClient" else raw, level)
                    tag = f"{name}-{delay}-{level}-{repeat}"
                    runs[name].append(
                        _timed_batch(server, run, prompts, tag, delay, level, settings)
                    )
            if client.usage().retries or client.usage().errors:
                raise RuntimeError(f"level {level}: {client.usage().to_dict()}")
            rows += [_level_row(name, delay, level, batches) for name, batches in runs.items()]
    return {"waves": settings["waves"], "repeats": settings["repeats"], "rows": rows}


def _timed_batch(
    server: LoopbackServer,
    run: Callable[[Sequence[Request]], list[Any]],
    prompts: Sequence[Request],
    tag: str,
    delay: float,
    level: int,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """One batch of ``level x waves`` distinct requests after a warm-up wave."""
    count = level * settings["waves"]
    if delay == 0:  # a wave takes a few ms: take more for a steady rate
        count = max(count, settings["min_requests_no_delay"])
    requests = make_requests(prompts, tag, count)
    server.set_delay(delay)
    run(make_requests(prompts, f"warm-{tag}", level))  # opens the connections
    server.set_delay(delay)  # zeroes the counts
    started = time.perf_counter()
    replies = run(requests)
    seconds = time.perf_counter() - started
    stats = server.stats()
    errors = sum(isinstance(r, GenerationError) for r in replies)
    if errors or stats["requests"] != len(requests):
        raise RuntimeError(f"{tag}: {errors} errors, server saw {stats['requests']} requests")
    return {
        "requests": len(requests),
        "seconds": seconds,
        "requests_per_s": len(requests) / seconds,
        "server_max_in_flight": stats["max_in_flight"],
        "loadavg_1min": os.getloadavg()[0],
    }


def _level_row(
    name: str, delay: float, level: int, batches: list[dict[str, Any]]
) -> dict[str, Any]:
    rate = statistics.median(batch["requests_per_s"] for batch in batches)
    ideal = level / delay if delay > 0 else None
    return {
        "client": name,
        "server_delay_s": delay,
        "max_concurrency": level,
        "requests_per_s": rate,
        "ideal_requests_per_s": ideal,
        "ratio_to_ideal": rate / ideal if ideal else None,
        # Little's law: the mean time a request spends in flight at this rate.
        "mean_ms_in_flight": level / rate * 1e3,
        "server_max_in_flight": max(batch["server_max_in_flight"] for batch in batches),
        "runs": batches,
    }


def echo_reply(messages: Sequence[Message], params: GenerationParams) -> str:
    """The offline stand-in for the server's reply (same text)."""
    return f"reply to: {messages[-1].content} (seed={params.seed})"


def make_requests(prompts: Sequence[Request], tag: str, n: int) -> list[Request]:
    """``n`` distinct requests: prompt ``i % len(prompts)``, its last message tagged, so every
    layer gets the same sizes in the same order and no two requests hash alike."""
    out = []
    for i in range(n):
        prompt = prompts[i % len(prompts)]
        last = prompt[-1]
        out.append((*prompt[:-1], Message(last.role, f"{last.content} [{tag} {i}]")))
    return out


def server_keeps_alive(server: LoopbackServer) -> bool:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(server.root)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", "/stats")
        response = connection.getresponse()
        response.read()
        return response.version == 11 and not response.will_close
    finally:
        connection.close()


def _runner(
    target: GenerationClient | Call, width: int
) -> Callable[[Sequence[Request]], list[Any]]:
    """A batch runner: ``complete_many`` (the client's own pool), or ``target`` mapped over a
    thread pool of ``width``, made per batch as ``complete_many`` makes its own."""

    def run(batch: Sequence[Request]) -> list[Any]:
        if isinstance(target, GenerationClient):
            return target.complete_many([(r, PARAMS) for r in batch])
        with ThreadPoolExecutor(max_workers=min(width, len(batch))) as pool:
            return list(pool.map(target, batch))

    return run


def _time_each(fn: Callable[[Any], object], items: Sequence[Any]) -> list[int]:
    out = []
    for item in items:
        started = time.perf_counter_ns()
        fn(item)
        out.append(time.perf_counter_ns() - started)
    return out


def _read_or_none(store: LocalStore, key: str) -> bytes | None:
    try:
        return store.read_bytes(key)
    except ObjectNotFoundError:
        return None


def _mean_ms(nanoseconds: Sequence[int]) -> float:
    return sum(nanoseconds) / len(nanoseconds) / 1e6


def machine_info() -> dict[str, Any]:
    """CPU, memory and OS of this machine."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_at_start": os.getloadavg(),
    }


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def sources_digest() -> str:
    """sha256 over the mhds sources measured here (path and bytes, sorted)."""
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def filesystem_of(path: Path) -> str | None:
    """The file system type of the mount holding ``path`` (from /proc/mounts)."""
    best, kind = "", None
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(path.resolve()).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        return None
    return kind


def print_summary(results: dict[str, Any]) -> None:
    template = results["template"]
    print(f"template backend: {template['scenarios']} scenarios ({template['categories']} cats)")
    print(f"  expand_scenarios {template['expand_scenarios']['median_s'] * 1e3:.1f} ms")
    for role in ROLES:
        row = template[role]
        print(
            f"  {role:9} chat_source {row['chat_source']['chats_per_s']:,.0f} chats/s, "
            f"{row['chat_source']['turns_per_s']:,.0f} turns/s; compose_chat only "
            f"{row['compose_chat_only']['chats_per_s']:,.0f} chats/s"
        )
    for section in ("layers", "layers_new_connection_per_request"):
        layers = results[section]
        print(f"\nsequential, zero delay, {layers['server_http']} (ms per request):")
        for name, row in layers["latency"].items():
            print(
                f"  {name:17} mean {row['mean_ms']:.3f}  p50 {row['p50_ms']:.3f}  "
                f"p95 {row['p95_ms']:.3f}  ({row['requests_per_s']:,.0f}/s)"
            )
        if "cache_hits" in layers:
            hits = layers["cache_hits"]
            print(
                f"  cache hits: {hits['sequential']['requests_per_s']:,.0f}/s sequential, "
                f"{hits['complete_many_8_threads_requests_per_s']:,.0f}/s complete_many(8), "
                f"server saw {hits['server_requests_during_rerun']}"
            )
    alone = results["mhds_layer_alone"]
    print(f"\nmhds layer without HTTP: +{alone['added_mean_ms']:.3f} ms per request")
    for part, ms in alone["parts_mean_ms"].items():
        print(f"  {part}: {ms:.3f} ms")
    print("\nthroughput vs max_concurrency:")
    for row in results["concurrency"]["rows"]:
        ideal = row["ideal_requests_per_s"]
        versus = (
            f"ideal {ideal:4.0f}, ratio {row['ratio_to_ideal']:.2f}" if ideal else "(CPU bound)"
        )
        print(
            f"  delay {row['server_delay_s'] * 1e3:2.0f} ms {row['client']:16} "
            f"c={row['max_concurrency']:2}  {row['requests_per_s']:6.1f} req/s  {versus}  "
            f"max in flight {row['server_max_in_flight']}"
        )


if __name__ == "__main__":
    main()
