"""Benchmark: PIIEngine.analyze_batch on conversational turns, NER prefilter and cache off/on.

Generates ``--conversations`` synthetic client/therapist dialogues (``mhds.demo``, seeded),
loads spaCy once, and times one ``analyze_batch`` pass over all turns (in batches of
``--batch`` texts, as the PII step sends them) per configuration, in one process, each
configuration on a fresh engine (empty cache) sharing the loaded model. Rounds are
interleaved; the median is reported. Spans must be equal across configurations.

    .venv/bin/python benchmarks/pii/chat.py --conversations 600 --repeat 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from mhds.demo import synthetic_dialogue
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Span

CONFIGS: dict[str, dict[str, Any]] = {
    "before (prefilter off, cache off)": {"ner_prefilter": False, "ner_cache_size": 0},
    "cache only": {"ner_prefilter": False},
    "prefilter only": {"ner_cache_size": 0},
    "after (prefilter on, cache on)": {},
}


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    rng = random.Random(args.seed)
    texts = [
        content
        for _ in range(args.conversations)
        for _, content in synthetic_dialogue(rng, args.exchanges)[1]
    ]
    print(f"{args.conversations} conversations, {len(texts)} turns, {len(set(texts))} distinct")
    loaded = PIIEngine(PIIConfig())
    loaded.setup()
    list(loaded.analyze_batch(texts[:20]))  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in CONFIGS}
    spans: dict[str, list[list[Span]]] = {}
    counts: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, config in CONFIGS.items():
            engine = PIIEngine(PIIConfig(**config))
            engine._ner = loaded._ner  # share the loaded model
            started = time.perf_counter()
            found = [
                spans
                for start in range(0, len(texts), args.batch)
                for spans in engine.analyze_batch(texts[start : start + args.batch])
            ]
            seconds[name].append(time.perf_counter() - started)
            spans[name], counts[name] = found, engine.counts
    reference = spans[next(iter(CONFIGS))]
    print("| configuration | texts/s (median) | s | sent to NER | skipped | cached |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in CONFIGS:
        median, c = statistics.median(seconds[name]), counts[name]
        print(
            f"| {name} | {len(texts) / median:,.0f} | {median:.2f} | {c.ner / c.texts:.1%} "
            f"| {c.skipped / c.texts:.1%} | {c.cached / c.texts:.1%} |"
        )
    same = {name: spans[name] == reference for name in CONFIGS}
    print(f"same spans as 'before': {same}")
    return 0 if all(same.values()) else 1


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=600)
    parser.add_argument("--exchanges", type=int, default=3, help="exchanges per conversation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--batch", type=int, default=384, help="texts per call (64 records of 6 turns)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
