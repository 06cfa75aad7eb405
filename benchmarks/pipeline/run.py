"""Time a full `mhds build` of a generated corpus on a local store and on the S3 server.

Reports wall seconds and conversations/s per stage (the build's own stage clock: ingest, pii,
dedup, splits, compile, gates, publish) and the peak RSS of the process tree. Usage:

    .venv/bin/python benchmarks/pipeline/run.py --conversations 100000 \
        --out benchmarks/results/build-100k.json

``--incremental 0.01`` then adds 1% new conversations as a new source of the same corpus kind
(another seed) and times the build against the first release (PII only on the new source);
``--rebuild`` also times the same second build with ``full=True`` in a copy of the store made
before it, and checks that both publish the same content digest.

The corpus (``--corpus``): ``templates`` (default), deterministic synthetic ChatML
conversations from the demo's templates in three families, 5% near copies so dedup has work
to do; or ``varied`` (``varied.py``): text from a Markov chain trained on CounselChat, which
repeats no template, with planted exact and near duplicates and identifiers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from varied import VariedSpec, describe, train_chains
from varied import conversations as varied_conversations

from mhds.demo import synthetic_dialogue
from mhds.engine.base import make_executor
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.store import LocalStore, S3Settings, S3Store, Store
from mhds.store.s3 import make_client
from mhds.store.streams import JsonlWriter

FAMILIES = ("therapy", "reasoning", "crisis")


def registry(extra: bool = False) -> Registry:
    """The benchmark's registry; ``extra``: with the source the incremental build adds."""
    families = [
        {
            "name": name,
            "stage": "s1",
            "required": True,
            "min_records": 1,
            "expected_turns": {"min": 2, "max": 40},
            "expected_tokens": {"min": 10, "max": 8000},
            "holdout": "test_only" if name == "crisis" else "none",
        }
        for name in FAMILIES
    ]
    sources = [
        {
            "id": f"bench_{name}",
            "family": name,
            "prefixes": [f"raw/{name}/"],
            "adapter": "chatml",
            "license": "internal-synthetic",
            "approval": "approved",
            "generator": {"name": "benchmarks/pipeline", "parameters": {"seed": 7}},
        }
        for name in FAMILIES
    ]
    if extra:
        sources.append({**sources[0], "id": "bench_more", "prefixes": ["raw/more/"]})
    return Registry.model_validate(
        {"stages": [{"id": "s1", "order": 1}], "families": families, "sources": sources}
    )


def write_corpus(
    store: Store,
    conversations: int,
    seed: int = 7,
    kind: str = "templates",
    families: tuple[str, ...] = FAMILIES,
    folder: str = "",
) -> dict[str, Any]:
    """Write the corpus (into ``raw/<folder or family>/``); returns what it holds (counts by
    kind, for the varied corpus)."""
    if kind == "varied":
        return write_varied(store, conversations, seed, families, folder)
    rng = random.Random(seed)
    per_family = conversations // len(families)
    for name in families:
        with JsonlWriter(store, f"raw/{folder or name}/part-0.jsonl.zst") as writer:
            previous: list[dict[str, str]] = []
            for n in range(per_family):
                if previous and rng.random() < 0.05:
                    messages = [dict(m) for m in previous]
                    messages[-1]["content"] += " Take care."
                else:
                    _, turns = synthetic_dialogue(rng, rng.randint(2, 4))
                    messages = [{"role": r, "content": c} for r, c in turns]
                previous = messages
                writer.write({"messages": messages, "n": n})
    return {"kind": "templates"}


def write_varied(
    store: Store, conversations: int, seed: int, families: tuple[str, ...], folder: str
) -> dict[str, Any]:
    """The varied corpus (``varied.py``): a Markov chain trained on CounselChat, planted
    duplicates and identifiers; the crisis family again held out to test."""
    spec = VariedSpec()
    chains = train_chains()
    per_family = conversations // len(families)
    kinds: dict[str, int] = {}
    for offset, name in enumerate(families):
        made = varied_conversations(per_family, seed + offset, spec, chains)
        with JsonlWriter(store, f"raw/{folder or name}/part-0.jsonl.zst") as writer:
            for n, (messages, what) in enumerate(made):
                kinds[what] = kinds.get(what, 0) + 1
                writer.write({"messages": messages, "n": n})
    return {**describe(spec), "planted": dict(sorted(kinds.items()))}


class PeakRSS:
    """Samples the RSS of this process and its children every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.05)


def timed_build(
    store: Store,
    conversations: int,
    executor: str,
    records_per_shard: int,
    kind: str,
    *,
    write: bool = True,
    extra: bool = False,
    full: bool = False,
) -> dict[str, Any]:
    started = time.perf_counter()
    corpus = write_corpus(store, conversations, kind=kind) if write else {"kind": kind}
    corpus_s = time.perf_counter() - started
    # The benchmark times the build to a published release: no clinician review in the loop.
    config = BuildConfig.model_validate(
        {"ingest": {"records_per_shard": records_per_shard}, "signoff": "not_required"}
    )
    pool = make_executor(executor)  # type: ignore[arg-type]
    try:
        with PeakRSS() as rss:
            start = time.perf_counter()
            result = build_release(store, registry(extra), config, executor=pool, full=full)
            total = time.perf_counter() - start
    except GateFailure as failure:
        # Keep the evidence (counts and ids, no text) before the temporary store goes.
        return {
            "conversations": conversations,
            "failed": failure.failed,
            "verdicts": {
                gate: codec.loads(store.read_bytes(f"{failure.reports}/{gate}.json"))
                for gate in failure.failed
            },
        }
    finally:
        pool.close()
    return {
        "conversations": conversations,
        "corpus": corpus,
        "corpus_write_s": round(corpus_s, 2),
        "records_published": result.counts.get("records"),
        "duplicates_removed": result.counts.get("duplicates_removed"),
        "pii_quarantined": result.counts.get("pii_quarantined"),
        "total_s": round(total, 2),
        "conversations_per_s": round(conversations / total, 1),
        "stage_s": result.seconds,
        "stage_conversations_per_s": {
            stage: round(conversations / seconds, 1) if seconds else None
            for stage, seconds in result.seconds.items()
        },
        "peak_tree_rss_mib": round(rss.peak / 2**20, 1),
        "published": result.version,
        "content_digest": content_digest(store, result.version),
        "pii_shards_reused": len(result.resumed),
        "removed": result.removed,
        "gates": {v.gate: v.status.value for v in result.verdicts},
    }


def content_digest(store: Store, version: str | None) -> str | None:
    if version is None:
        return None
    return str(codec.loads(store.read_bytes(f"releases/{version}/manifest.json"))["content_digest"])


def timed_builds(store: Store, copy: Store | None, args: argparse.Namespace) -> dict[str, Any]:
    """The full build; with ``--incremental``, the build that adds new conversations as a
    new source, and with ``copy`` (``--rebuild``) the same build from scratch in a copy of the
    store made before it."""
    run = (args.conversations, args.executor, args.records_per_shard, args.corpus)
    results: dict[str, Any] = {"full": timed_build(store, *run)}
    if not args.incremental:
        return results["full"]
    added = round(args.conversations * args.incremental)
    for target in (store, copy) if copy is not None else (store,):
        write_corpus(target, added, 1007, args.corpus, families=("therapy",), folder="more")
    if copy is not None:
        results["rebuilt_copy_s"] = copy_store(store, copy)
    second = (added, *run[1:])
    results["incremental"] = timed_build(store, *second, write=False, extra=True)
    results["incremental"]["added_conversations"] = added
    if copy is not None:
        results["rebuild"] = timed_build(copy, *second, write=False, extra=True, full=True)
        same = results["rebuild"]["content_digest"] == results["incremental"]["content_digest"]
        results["incremental_equals_rebuild"] = same
    results["incremental_share_of_full"] = round(
        results["incremental"]["total_s"] / results["full"]["total_s"], 4
    )
    return results


def copy_store(source: Store, target: Store) -> float:
    """Copy every object but the new source's raw files (already written) and the cached
    per-shard work (a rebuild from scratch has none); returns the seconds it took."""
    start = time.perf_counter()
    for info in source.list(""):
        if info.key.startswith(("raw/more/", "work/", "locks/")):
            continue
        target.write_bytes(info.key, source.read_bytes(info.key))
    return round(time.perf_counter() - start, 2)


def pii_off() -> None:
    """The build's worker processes, started from now on, detect no PII: the PII step runs
    there. This process, where the gates run, keeps the real engine: the PII gate's own scan
    of every non-message part (and its model load) stays in the gates' time."""
    folder = str(Path(__file__).with_name("pii_off"))
    os.environ["MHDS_BENCH_PII"] = "off"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (folder, os.environ.get("PYTHONPATH")) if p
    )


def moto_server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = Path(sys.executable).with_name("moto_server")
    # moto keeps objects under its buffer size in memory; at 1M conversations that would be
    # tens of GB, so objects over 64 KiB spill to temporary files, as a real server's disk.
    env = {**os.environ, "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(64 * 1024)}
    server = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            make_client(S3Settings(endpoint_url=endpoint)).list_buckets()
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    return server, endpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--executor", default="local", choices=["inline", "local"])
    parser.add_argument("--stores", default="local,s3", help="local, s3 or local,s3")
    parser.add_argument("--records-per-shard", type=int, default=10_000)
    parser.add_argument(
        "--corpus",
        default="templates",
        choices=["templates", "varied"],
        help="templates: the demo's templates, 5%% near copies; varied: varied.py",
    )
    parser.add_argument(
        "--incremental",
        type=float,
        default=0.0,
        help="after the full build, add this share of new conversations and build again",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="with --incremental: also a full rebuild"
    )
    parser.add_argument(
        "--pii",
        default="on",
        choices=["on", "off"],
        help="off: the PII step's engine finds nothing (pii_off/sitecustomize.py), to time every "
        "other stage at a scale where detection would take hours; pii is then its other work",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.pii == "off":
        pii_off()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "executor": args.executor,
        "pii": args.pii,
        "records_per_shard": args.records_per_shard,
    }
    stores = args.stores.split(",")
    if "local" in stores:
        with tempfile.TemporaryDirectory() as tmp:
            copy = LocalStore(Path(tmp) / "copy") if args.rebuild else None
            results["local"] = timed_builds(LocalStore(Path(tmp) / "store"), copy, args)
        save(results, args.out)  # each store's numbers as soon as they exist
    if "s3" in stores:
        server, endpoint = moto_server()
        try:
            settings = S3Settings(endpoint_url=endpoint)
            client = make_client(settings)
            for bucket in ("mhds-bench", "mhds-bench-copy"):
                client.create_bucket(Bucket=bucket)
            copy = S3Store("mhds-bench-copy", "", settings) if args.rebuild else None
            results["s3"] = timed_builds(S3Store("mhds-bench", "", settings), copy, args)
        finally:
            server.terminate()
        save(results, args.out)
    print(json.dumps(results, indent=2))


def save(results: dict[str, Any], out: Path | None) -> None:
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
