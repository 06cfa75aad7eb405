"""Benchmark: streamed JSONL reads of a zstd corpus from S3 (moto on loopback) and a folder.

Generates a deterministic synthetic corpus of ChatML-like conversations, compresses it to
``.jsonl.zst``, uploads it to a moto S3 server run as a subprocess (so it does not share this
process's GIL), then times ``mhds.store.streams.iter_jsonl`` over an S3Store and a LocalStore,
the raw orjson parse rate of the same bytes in memory, and read + decompress without parsing.

    .venv/bin/python benchmarks/streaming_read.py --size-mb 100 --out results.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
import zstandard

from mhds.errors import InputError
from mhds.store import LocalStore, S3Settings, S3Store, Store
from mhds.store.base import iter_chunks
from mhds.store.s3 import make_client
from mhds.store.streams import iter_jsonl, open_decompressed

KEY = "bench/corpus.jsonl.zst"
MB = 1_000_000  # rates are decimal megabytes of uncompressed JSONL per second
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench-access-key",
    "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
    "AWS_DEFAULT_REGION": "us-east-1",
}
SYSTEM_PROMPTS = [
    "You are a supportive, non-judgemental listener. You do not diagnose.",
    "You are a peer-support assistant. Encourage professional help when risk appears.",
    "Tu es un assistant d'écoute bienveillant. Tu ne poses pas de diagnostic.",
]
SOURCES = ["counsel_chat", "synthetic_persona", "dual_persona", "crisis_scripts", "importer"]
ACCENTED = ["café", "über", "naïve", "déjà", "señora", "façade", "élève", "l’école", "😊", "—"]


@dataclass
class Measurement:
    """Timings of one measurement over ``repeat`` runs."""

    name: str
    uncompressed_bytes: int
    seconds: list[float] = field(default_factory=list)
    records: int = 0

    @property
    def best_mb_s(self) -> float:
        return self.uncompressed_bytes / MB / min(self.seconds)

    @property
    def median_mb_s(self) -> float:
        return self.uncompressed_bytes / MB / statistics.median(self.seconds)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mhds-bench-", dir=args.workdir) as workdir:
        print(f"generating ~{args.size_mb} MB of conversations (seed {args.seed}) ...")
        corpus = generate_corpus(args.size_mb * MB, args.seed)
        records = corpus.count(b"\n")
        compressed = zstandard.ZstdCompressor(level=args.zstd_level).compress(corpus)
        print(
            f"corpus: {records} records, {len(corpus) / MB:.1f} MB, "
            f"zstd-{args.zstd_level} {len(compressed) / MB:.1f} MB, "
            f"sha256 {hashlib.sha256(corpus).hexdigest()[:16]}"
        )
        local = LocalStore(Path(workdir) / "store")
        local.write_bytes(KEY, compressed)
        with moto_server() as endpoint:
            s3 = _s3_store(endpoint, args.part_size_mb)
            started = time.perf_counter()
            s3.write_bytes(KEY, compressed)
            upload_s = time.perf_counter() - started
            results = run_measurements(corpus, records, {"s3": s3, "local": local}, args.repeat)
    _print_table(results)
    if args.out:
        report = _report(args, corpus, compressed, records, upload_s, results)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"results written to {args.out}")
    return 0


def generate_corpus(size: int, seed: int) -> bytes:
    """Deterministic JSONL of ChatML-like conversations, at least ``size`` bytes."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    lines: list[bytes] = []
    total = 0
    number = 0
    while total < size:
        line = orjson.dumps(_conversation(rng, vocab, number), option=orjson.OPT_SORT_KEYS)
        lines.append(line)
        total += len(line) + 1
        number += 1
    return b"\n".join(lines) + b"\n"


def run_measurements(
    corpus: bytes, records: int, stores: dict[str, Store], repeat: int
) -> list[Measurement]:
    """Time every measurement ``repeat`` times, interleaved so drift hits all alike."""
    size = len(corpus)
    cases: list[tuple[Measurement, Callable[[], int]]] = [
        (Measurement("iter_jsonl, S3Store (moto)", size), lambda: _parse_stream(stores["s3"])),
        (Measurement("iter_jsonl, LocalStore", size), lambda: _parse_stream(stores["local"])),
        (Measurement("orjson in memory (split + loads)", size), lambda: _parse_memory(corpus)),
        (Measurement("read + unzstd only, S3Store", size), lambda: _drain(stores["s3"])),
        (Measurement("read + unzstd only, LocalStore", size), lambda: _drain(stores["local"])),
    ]
    for _ in range(repeat):
        for measurement, call in cases:
            started = time.perf_counter()
            count = call()
            measurement.seconds.append(time.perf_counter() - started)
            measurement.records = count
    for measurement, _ in cases:
        expected = size if measurement.name.startswith("read") else records
        if measurement.records != expected:
            raise RuntimeError(f"{measurement.name}: got {measurement.records}, want {expected}")
    return [m for m, _ in cases]


@contextmanager
def moto_server() -> Iterator[str]:
    """Run ``moto_server`` from this interpreter's bin folder on a free loopback port."""
    os.environ.update(FAKE_CREDENTIALS)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(endpoint, process)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def _parse_stream(store: Store) -> int:
    count = 0
    for line, item in iter_jsonl(store, KEY):
        if isinstance(item, InputError):
            raise RuntimeError(f"line {line}: {item.reason}")
        count += 1
    return count


def _parse_memory(corpus: bytes) -> int:
    count = 0
    loads = orjson.loads
    for line in corpus.split(b"\n"):
        if line:
            loads(line)
            count += 1
    return count


def _drain(store: Store) -> int:
    with open_decompressed(store, KEY) as stream:
        return sum(len(chunk) for chunk in iter_chunks(stream))


def _s3_store(endpoint: str, part_size_mb: int) -> S3Store:
    settings = S3Settings.model_validate(
        {
            "endpoint_url": endpoint,
            "access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "part_size": part_size_mb << 20,
        }
    )
    make_client(settings).create_bucket(Bucket="mhds-bench")
    return S3Store("mhds-bench", "", settings)


def _wait_until_up(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    client = make_client(S3Settings(endpoint_url=endpoint, max_attempts=1))
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            return
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start at {endpoint}") from None
            time.sleep(0.1)


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    weights = [26 - i for i in range(len(letters))]
    words = {
        "".join(rng.choices(letters, weights, k=rng.choice((1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10))))
        for _ in range(6000)
    }
    return sorted(words) + ACCENTED


def _sentence(rng: random.Random, vocab: list[str], words: int) -> str:
    text = " ".join(rng.choices(vocab, k=words))
    return text[0].upper() + text[1:] + rng.choice((".", ".", ".", "?", "!"))


def _conversation(rng: random.Random, vocab: list[str], number: int) -> dict[str, Any]:
    messages: list[dict[str, str]] = []
    if rng.random() < 0.6:
        messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
    for turn in range(rng.randint(1, 6)):
        for role in ("user", "assistant"):
            sentences = rng.randint(1, 4 if role == "user" else 7)
            content = " ".join(_sentence(rng, vocab, rng.randint(4, 24)) for _ in range(sentences))
            messages.append({"role": role, "content": content})
        if turn and rng.random() < 0.2:
            break
    return {
        "id": f"conv-{number:08d}",
        "messages": messages,
        "metadata": {
            "source": rng.choice(SOURCES),
            "language": rng.choice(("en", "en", "en", "fr")),
            "turns": len(messages),
            "synthetic": True,
            "quality": round(rng.random(), 4),
            "tags": rng.sample(("anxiety", "sleep", "grief", "stress", "work", "family"), 2),
        },
    }


def _print_table(results: list[Measurement]) -> None:
    print(f"\n{'measurement':<36} {'best MB/s':>10} {'median MB/s':>12} {'best s':>8}")
    for m in results:
        print(f"{m.name:<36} {m.best_mb_s:>10.1f} {m.median_mb_s:>12.1f} {min(m.seconds):>8.3f}")
    print("MB = 10^6 bytes of uncompressed JSONL.")


def _report(
    args: argparse.Namespace,
    corpus: bytes,
    compressed: bytes,
    records: int,
    upload_s: float,
    results: list[Measurement],
) -> dict[str, Any]:
    return {
        "benchmark": "streaming_read",
        "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "corpus": {
            "records": records,
            "uncompressed_bytes": len(corpus),
            "compressed_bytes": len(compressed),
            "sha256_uncompressed": hashlib.sha256(corpus).hexdigest(),
            "s3_upload_seconds": round(upload_s, 3),
        },
        "results": [
            {
                **asdict(m),
                "best_mb_s": round(m.best_mb_s, 1),
                "median_mb_s": round(m.median_mb_s, 1),
            }
            for m in results
        ],
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "packages": {
                name: metadata.version(name)
                for name in ("boto3", "moto", "orjson", "zstandard", "mhds")
            },
        },
    }


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=int, default=200, help="uncompressed corpus size, MB")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--zstd-level", type=int, default=3, help="zstd level of the corpus")
    parser.add_argument("--part-size-mb", type=int, default=16, help="multipart part size, MiB")
    parser.add_argument("--out", type=Path, help="write JSON results to this path")
    parser.add_argument("--workdir", type=Path, help="temp folder parent (default: system temp)")
    args = parser.parse_args(argv)
    if args.size_mb < 1 or args.repeat < 1:
        parser.error("--size-mb and --repeat must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(main())
