"""Benchmark only: ``run.py --pii off`` puts this folder on PYTHONPATH for the build's worker
processes, so each starts with a PII engine that finds nothing and loads no model. The PII
stage, which runs there, still reads, rewrites and writes every record, screens it for safety
and annotates it for the bias report; only detection is gone.
The benchmark's own process, where the gates run, keeps the real engine (the PII gate's scan
of every non-message part). It exists to time every other stage of a build at a scale where
detection would take hours on this machine (PII's own cost is measured on real text by
``benchmarks/pii``); such a run's ``pii`` seconds are that stage's other work, not PII's
cost, and its release's messages are not redacted.
"""

from __future__ import annotations

import os

if os.environ.get("MHDS_BENCH_PII") == "off":
    from collections.abc import Iterable, Iterator

    from mhds.steps.pii.engine import PIIEngine
    from mhds.steps.pii.spans import Span

    def _finds_nothing(
        self: PIIEngine, texts: Iterable[str], *, strict: bool = False
    ) -> Iterator[list[Span]]:
        for _ in texts:
            yield []

    def _finds_nothing_here(self: PIIEngine, text: str, *, strict: bool = False) -> list[Span]:
        return []

    def _loads_nothing(self: PIIEngine) -> None:
        return None

    PIIEngine.analyze_batch = _finds_nothing  # type: ignore[method-assign]
    PIIEngine.analyze_patterns = _finds_nothing_here  # type: ignore[method-assign]
    PIIEngine.setup = _loads_nothing  # type: ignore[method-assign]
