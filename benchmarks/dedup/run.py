"""Benchmark: mhds near-duplicate detection against datasketch's MinHashLSH, same parameters.

Generates a seeded corpus of conversations with planted exact and near duplicates
(``corpus.py``), stores it as Record shards, runs every engine on those shards in a fresh
process (``engines.py``) while sampling the RSS of its process tree, and reports recall and
precision against the planted pairs (``scores.py``), throughput (detection only) and peak
memory.

    .venv/bin/python benchmarks/dedup/run.py --docs 100000 --out benchmarks/results/dedup-100k.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psutil
from corpus import (
    KIND_EXACT,
    KIND_NEAR,
    CorpusSpec,
    ShardOutput,
    combine_shas,
    generate_shard,
    truth_arrays,
)
from engines import ENGINES
from scores import Truth, load_truth, render_tables, score, targets

from mhds.steps.dedup.config import DedupConfig
from mhds.store.local import LocalStore

ENGINES_PY = Path(__file__).with_name("engines.py")
PACKAGES = ("mhds", "numpy", "datasketch", "scipy", "xxhash", "msgspec", "orjson", "zstandard")
SAMPLE_INTERVAL_S = 0.05
MIB = 2**20

IntArray = npt.NDArray[np.int64]


@dataclass
class EngineRun:
    """One engine run: the worker's report, the predicted pairs and the sampled memory."""

    engine: str
    status: str
    report: dict[str, Any]
    pairs: IntArray
    baseline_rss: int
    peak_rss: int
    wall_outer_s: float


class TreeSampler:
    """Samples the summed RSS of a process and all its descendants with psutil."""

    def __init__(self, pid: int, limit_bytes: int) -> None:
        self.root = psutil.Process(pid)
        self.limit_bytes = limit_bytes
        self.peak = 0
        self.over_limit = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        """The tree's RSS now (processes that end while being read count as 0)."""
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            rss = self.sample()
            self.peak = max(self.peak, rss)
            if rss > self.limit_bytes and not self.over_limit:
                self.over_limit = True
                _kill_tree(self.root)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    spec = CorpusSpec(docs=args.docs, seed=args.seed, shard_size=args.shard_size)
    config = DedupConfig()
    engines = args.engines.split(",")
    corpus_dir = Path(args.corpus_dir or tempfile.mkdtemp(prefix="mhds-dedup-bench-"))
    try:
        manifest, generation_s = prepare_corpus(spec, corpus_dir, args.gen_workers)
        truth = load_truth(corpus_dir, spec, config)
        print(_corpus_line(manifest, generation_s), flush=True)
        runs: dict[str, list[EngineRun]] = {name: [] for name in engines}
        for round_ in range(args.repeat):
            for name in engines:
                run = run_engine(name, corpus_dir, args.timeout, args.max_rss_gb)
                runs[name].append(run)
                print(f"round {round_ + 1}: {_run_line(run)}", flush=True)
    finally:
        if not args.corpus_dir and not args.keep_corpus:
            shutil.rmtree(corpus_dir, ignore_errors=True)
    results = {name: summarise(name, engine_runs, truth) for name, engine_runs in runs.items()}
    report = {
        "params": {
            "dedup": config.model_dump(),
            "corpus": spec.as_dict(),
            "workers": 2,
            "repeat": args.repeat,
            "sample_interval_s": SAMPLE_INTERVAL_S,
        },
        "corpus": {**manifest["summary"], "generation_s": generation_s},
        "machine": machine_info(),
        "versions": versions(),
        "mhds_dedup_source_sha256": hash_dedup_sources(),
        "checks": checks(runs),
        "engines": results,
        "targets": targets(results),
    }
    print()
    print(render_tables(report, config))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.out}")
    return 0


def prepare_corpus(spec: CorpusSpec, folder: Path, workers: int) -> tuple[dict[str, Any], float]:
    """Generate the corpus into ``folder`` (or reuse one made there with the same spec)."""
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if manifest["spec"] == spec.as_dict():
            return manifest, float(manifest["generation_s"])
        raise SystemExit(f"{folder} holds a corpus of another spec: use another --corpus-dir")
    store = LocalStore(folder)
    started = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        job = partial(generate_shard, spec, store=store)
        shards: list[ShardOutput] = list(pool.map(job, range(spec.shards)))
    generation_s = time.perf_counter() - started
    truth = truth_arrays(shards)
    np.savez(folder / "truth.npz", allow_pickle=False, **truth)
    manifest = {
        "spec": spec.as_dict(),
        "generation_s": generation_s,
        "shards": [{"key": s.key, "records": s.records, "sha256": s.sha256} for s in shards],
        "summary": {
            "docs": spec.docs,
            "shards": len(shards),
            "stored_bytes": sum(s.bytes_written for s in shards),
            "sha256": combine_shas(shards),
            "planted_exact": int((truth["kind"] == KIND_EXACT).sum()),
            "planted_near": int((truth["kind"] == KIND_NEAR).sum()),
        },
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest, generation_s


def run_engine(name: str, corpus_dir: Path, timeout: float, max_rss_gb: float) -> EngineRun:
    """Run one engine in a fresh process; sample its tree's RSS from here."""
    out = Path(tempfile.mkdtemp(prefix=f"mhds-dedup-{name}-"))
    cmd = [sys.executable, str(ENGINES_PY), "--engine", name, "--corpus", str(corpus_dir)]
    cmd += ["--out", str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"engine {name} did not start (exit {proc.wait()})")
        sampler = TreeSampler(proc.pid, int(max_rss_gb * 2**30))
        baseline = sampler.sample()
        sampler.peak = baseline
        sampler.start()
        started = time.perf_counter()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        status = "ok"
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout:.0f} s"
            _kill_tree(psutil.Process(proc.pid))
            proc.wait()
        wall = time.perf_counter() - started
        sampler.stop()
        if sampler.over_limit:
            status = f"killed: process tree RSS over {max_rss_gb:g} GiB"
        elif status == "ok" and proc.returncode != 0:
            status = f"failed: exit {proc.returncode}"
        report: dict[str, Any] = {}
        pairs = np.empty((0, 2), dtype=np.int64)
        if status == "ok":
            report = json.loads((out / "report.json").read_text())
            pairs = np.load(out / "pairs.npy")
        return EngineRun(name, status, report, pairs, baseline, sampler.peak, wall)
    finally:
        if proc.poll() is None:
            _kill_tree(psutil.Process(proc.pid))
        shutil.rmtree(out, ignore_errors=True)


def summarise(name: str, runs: list[EngineRun], truth: Truth) -> dict[str, Any]:
    """The median run's numbers plus every run's wall time and memory."""
    ok = [run for run in runs if run.status == "ok"]
    per_run = [
        {
            "status": run.status,
            "wall_s": run.report.get("wall_s"),
            "cpu_s": run.report.get("cpu_s"),
            "wall_outer_s": run.wall_outer_s,
            "baseline_tree_rss_mib": run.baseline_rss / MIB,
            "peak_tree_rss_mib": run.peak_rss / MIB,
            "peak_rss_delta_mib": (run.peak_rss - run.baseline_rss) / MIB,
            "ru_maxrss_mib": run.report.get("ru_maxrss_mib"),
            "phases_s": run.report.get("phases_s"),
            "loadavg_before_after": run.report.get("loadavg_before_after"),
        }
        for run in runs
    ]
    if not ok:
        return {"status": runs[0].status, "runs": per_run}
    median = sorted(ok, key=lambda run: run.report["wall_s"])[len(ok) // 2]
    docs = median.report["docs"]
    return {
        "status": "ok",
        "docs": docs,
        "wall_s": median.report["wall_s"],
        "docs_per_s": docs / median.report["wall_s"],
        "cpu_s": median.report["cpu_s"],
        "docs_per_cpu_s": docs / median.report["cpu_s"],
        "best_docs_per_s": docs / min(run.report["wall_s"] for run in ok),
        "peak_tree_rss_mib": statistics.median(run.peak_rss / MIB for run in ok),
        "peak_rss_delta_mib": statistics.median((r.peak_rss - r.baseline_rss) / MIB for r in ok),
        "baseline_tree_rss_mib": statistics.median(run.baseline_rss / MIB for run in ok),
        "phases_s": median.report.get("phases_s"),
        "stats": median.report.get("stats"),
        "workdir_bytes": median.report.get("workdir_bytes"),
        **score(median.pairs, truth, DedupConfig().threshold),
        "runs": per_run,
    }


def checks(runs: dict[str, list[EngineRun]]) -> dict[str, Any]:
    """Every round of an engine, and both mhds drivers, must predict the same pairs."""
    canonical = {
        name: [_canonical(run.pairs) for run in engine_runs if run.status == "ok"]
        for name, engine_runs in runs.items()
    }
    out: dict[str, Any] = {
        f"{name}_rounds_identical": all(h == hashes[0] for h in hashes)
        for name, hashes in canonical.items()
        if hashes
    }
    if canonical.get("mhds_pool2") and canonical.get("mhds_inline"):
        out["mhds_pool2_equals_inline"] = canonical["mhds_pool2"][0] == canonical["mhds_inline"][0]
    return out


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
        "memory_gib": psutil.virtual_memory().total / 2**30,
        "loadavg_at_end": os.getloadavg(),
    }


def versions() -> dict[str, str | None]:
    """Installed versions of the packages that matter here."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def hash_dedup_sources() -> str:
    """sha256 over the mhds dedup package's Python and C sources, file names included."""
    import mhds.steps.dedup as package

    digest = hashlib.sha256()
    folder = Path(package.__file__).parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.c")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _kill_tree(root: psutil.Process) -> None:
    try:
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            continue


def _canonical(pairs: IntArray) -> str:
    ordered = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs
    return hashlib.sha256(np.ascontiguousarray(ordered, dtype=np.int64).tobytes()).hexdigest()


def _corpus_line(manifest: dict[str, Any], generation_s: float) -> str:
    s = manifest["summary"]
    return (
        f"corpus: {s['docs']:,} docs in {s['shards']} shards, {s['stored_bytes'] / 1e6:.1f} MB "
        f"stored, sha256 {s['sha256'][:16]}..., {s['planted_exact']:,} exact + "
        f"{s['planted_near']:,} near copies planted (generated in {generation_s:.1f} s)"
    )


def _run_line(run: EngineRun) -> str:
    if run.status != "ok":
        return f"{run.engine}: {run.status} after {run.wall_outer_s:.1f} s"
    wall = run.report["wall_s"]
    return (
        f"{run.engine}: {wall:.1f} s, {run.report['docs'] / wall:,.0f} docs/s, peak tree RSS "
        f"{run.peak_rss / MIB:,.0f} MiB (baseline {run.baseline_rss / MIB:,.0f})"
    )


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=100_000, help="conversations to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shard-size", type=int, default=10_000, help="records per shard")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma-separated, of {', '.join(ENGINES)}"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all engines (median)")
    parser.add_argument("--gen-workers", type=int, default=2, help="processes generating shards")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per engine run")
    parser.add_argument(
        "--max-rss-gb", type=float, default=16.0, help="kill an engine whose tree RSS exceeds it"
    )
    parser.add_argument("--corpus-dir", help="generate (or reuse) the corpus here and keep it")
    parser.add_argument("--keep-corpus", action="store_true", help="keep the temp corpus folder")
    parser.add_argument("--out", help="where to write the JSON results")
    args = parser.parse_args(argv)
    unknown = set(args.engines.split(",")) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; expected some of {', '.join(ENGINES)}")
    return args


if __name__ == "__main__":
    raise SystemExit(main())
