"""Scoring for the dedup benchmark: the planted truth, recall and precision, targets, tables.

The truth is the planted ``(copy, original)`` pairs; each document's ground-truth cluster is
the original it copies (or itself). For every planted near pair it also holds the true
Jaccard of the shingle sets and what the mhds signatures make of the pair, which is the
ceiling of the estimate rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from corpus import KIND_EXACT, KIND_NEAR, CorpusSpec, Vocabulary, build_document

from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.minhash import (
    NEAR_ROLES,
    band_keys,
    estimate_jaccard,
    exact_jaccard,
    normalise_content,
    shingles,
    signatures,
)

MHDS = "mhds_pool2"
BASELINES = ("datasketch", "datasketch_pool2", "datasketch_xxh32", "datasketch_xxh32_pool2")
EDIT_BINS = (0.01, 0.02, 0.03, 0.04, 0.05)
TRUTH_CHUNK = 4096

IntArray = npt.NDArray[np.int64]


@dataclass
class Truth:
    """The planted pairs (copy, original) and each document's ground-truth cluster."""

    copy: IntArray
    original: IntArray
    kind: npt.NDArray[np.int8]
    edit: npt.NDArray[np.float64]
    jaccard: npt.NDArray[np.float64]  # true Jaccard of the shingle sets, per planted pair
    root: IntArray  # per document: the original it copies, or itself
    estimate: npt.NDArray[np.float64]  # mhds signature estimate of the pair's Jaccard
    shares_band: npt.NDArray[np.bool_]  # whether the mhds signatures share an LSH band


def load_truth(folder: Path, spec: CorpusSpec, config: DedupConfig) -> Truth:
    """The planted pairs, each with the true Jaccard of its shingle sets and what the mhds
    signatures make of it (estimate, shared band): the ceiling of the estimate rule."""
    with np.load(folder / "truth.npz") as data:
        arrays = {name: np.asarray(data[name]) for name in data.files}
    vocab = Vocabulary(spec.vocab_size, spec.zipf_exponent)
    n = len(arrays["copy"])
    jaccard, estimate, band = np.ones(n), np.ones(n), np.ones(n, dtype=bool)
    near = np.flatnonzero(arrays["kind"] == KIND_NEAR)
    for start in range(0, len(near), TRUTH_CHUNK):
        rows = near[start : start + TRUTH_CHUNK]
        texts_a = [_near_text(spec, vocab, int(d)) for d in arrays["copy"][rows]]
        texts_b = [_near_text(spec, vocab, int(d)) for d in arrays["original"][rows]]
        k = config.shingle_size
        for row, a, b in zip(rows, texts_a, texts_b, strict=True):
            jaccard[row] = exact_jaccard(shingles(a, k), shingles(b, k))
        sig_a, sig_b = (
            signatures(texts, num_perm=config.num_perm, shingle_size=k, seed=config.seed)
            for texts in (texts_a, texts_b)
        )
        estimate[rows] = estimate_jaccard(sig_a, sig_b)
        keys_a, keys_b = (band_keys(sig, config.bands, config.rows) for sig in (sig_a, sig_b))
        band[rows] = (keys_a == keys_b).any(axis=1)
    root = np.arange(spec.docs, dtype=np.int64)
    root[arrays["copy"]] = arrays["original"]
    return Truth(
        arrays["copy"], arrays["original"], arrays["kind"], arrays["edit"], jaccard, root,
        estimate, band,
    )  # fmt: skip


def score(pairs: IntArray, truth: Truth, threshold: float) -> dict[str, Any]:
    """Recall over planted pairs (same predicted cluster), precision over predicted pairs."""
    predicted = np.arange(len(truth.root), dtype=np.int64)
    predicted[pairs[:, 0]] = pairs[:, 1]
    found = predicted[truth.copy] == predicted[truth.original]
    correct = truth.root[pairs[:, 0]] == truth.root[pairs[:, 1]]
    near = truth.kind == KIND_NEAR
    reachable = near & (truth.jaccard >= threshold)
    ceiling = truth.shares_band & (truth.estimate >= threshold - 1e-9)
    out: dict[str, Any] = {
        "planted_pairs": len(found),
        "found_pairs": int(found.sum()),
        "recall": _share(found),
        "recall_exact": _share(found[truth.kind == KIND_EXACT]),
        "recall_near": _share(found[near]),
        "recall_near_true_jaccard_at_least_threshold": _share(found[reachable]),
        "recall_near_true_jaccard_below_threshold": _share(found[near & ~reachable]),
        "mhds_rule_ceiling_near": _share(ceiling[near]),
        "predicted_pairs": len(pairs),
        "correct_pairs": int(correct.sum()),
        "precision": _share(correct),
        "recall_by_edit": {},
    }
    for low, high in zip(EDIT_BINS[:-1], EDIT_BINS[1:], strict=True):
        in_bin = near & (truth.edit >= low) & (truth.edit < high)
        out["recall_by_edit"][f"{low:.0%}-{high:.0%}"] = {
            "pairs": int(in_bin.sum()),
            "true_jaccard_at_least_threshold": _share(truth.jaccard[in_bin] >= threshold),
            "mhds_rule_ceiling": _share(ceiling[in_bin]),
            "recall": _share(found[in_bin]),
        }
    return out


def targets(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets for mhds_pool2 against each datasketch run present."""
    out: dict[str, Any] = {}
    ours = results.get(MHDS, {})
    for name in BASELINES:
        theirs = results.get(name, {})
        if ours.get("status") != "ok" or theirs.get("status") != "ok":
            continue
        out[name] = {
            "recall_difference": ours["recall"] - theirs["recall"],
            "throughput_ratio": ours["docs_per_s"] / theirs["docs_per_s"],
            "peak_tree_rss_ratio": ours["peak_tree_rss_mib"] / theirs["peak_tree_rss_mib"],
            "peak_rss_delta_ratio": ours["peak_rss_delta_mib"] / theirs["peak_rss_delta_mib"],
        }
        out[name]["met"] = {
            "recall_at_least_equal": out[name]["recall_difference"] >= -0.005,
            "throughput_at_least_2x": out[name]["throughput_ratio"] >= 2.0,
            "peak_memory_under_half": out[name]["peak_tree_rss_ratio"] < 0.5,
        }
    return out


def render_tables(report: dict[str, Any], config: DedupConfig) -> str:
    """Markdown tables: quality, speed and memory, recall by edit rate."""
    engines: dict[str, dict[str, Any]] = report["engines"]
    ok = {name: r for name, r in engines.items() if r["status"] == "ok"}
    base_name = next((name for name in BASELINES if name in ok), None)
    base = ok[base_name] if base_name else None
    lines = [
        "| engine | recall | exact | near | near, true J >= "
        f"{config.threshold:g} | precision | predicted pairs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in engines.items():
        if name not in ok:
            lines.append(f"| {name} | {r['status']} | | | | | |")
            continue
        lines.append(
            f"| {name} | {_f(r['recall'])} | {_f(r['recall_exact'])} | {_f(r['recall_near'])} "
            f"| {_f(r['recall_near_true_jaccard_at_least_threshold'])} | {_f(r['precision'])} "
            f"| {r['predicted_pairs']:,} |"
        )
    lines += [
        "",
        f"| engine | wall s | CPU s | docs/s | vs {base_name} | peak tree RSS MiB "
        f"| peak RSS delta MiB | RSS vs {base_name} |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in ok.items():
        speed = f"{r['docs_per_s'] / base['docs_per_s']:.2f}x" if base else ""
        memory = f"{r['peak_tree_rss_mib'] / base['peak_tree_rss_mib']:.2f}x" if base else ""
        lines.append(
            f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['docs_per_s']:,.0f} | {speed} "
            f"| {r['peak_tree_rss_mib']:,.0f} | {r['peak_rss_delta_mib']:,.0f} | {memory} |"
        )
    first = next(iter(ok.values()), None)
    if first:
        lines += [
            "",
            "| planted edit | pairs | true J >= threshold | mhds rule ceiling | "
            + " | ".join(ok)
            + " |",
            "| --- | ---: | ---: | ---: |" + " ---: |" * len(ok),
        ]
        for label, row in first["recall_by_edit"].items():
            recalls = " | ".join(_f(r["recall_by_edit"][label]["recall"]) for r in ok.values())
            lines.append(
                f"| {label} | {row['pairs']:,} | {_f(row['true_jaccard_at_least_threshold'])} "
                f"| {_f(row['mhds_rule_ceiling'])} | {recalls} |"
            )
    return "\n".join(lines)


def _near_text(spec: CorpusSpec, vocab: Vocabulary, index: int) -> str:
    _, messages, _ = build_document(spec, vocab, index)
    return normalise_content("\n".join(m.content for m in messages if m.role in NEAR_ROLES))


def _share(mask: npt.NDArray[np.bool_]) -> float | None:
    return float(mask.mean()) if len(mask) else None


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
