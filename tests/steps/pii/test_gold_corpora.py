"""Every hand-labelled gold corpus of the independent PII benchmark is consistent: each span's
and protected range's text is the text at its offsets, categories and kinds are known, and no
protected range overlaps an identifier (``benchmarks/pii/corpora/check_gold.py``). A gold file
edited by hand, or rebuilt from labels that no longer fit the texts, fails here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

CORPORA = Path(__file__).resolve().parents[3] / "benchmarks" / "pii" / "corpora"
GOLD_FILES = sorted(CORPORA.glob("counselchat_gold*.jsonl")) + sorted(
    CORPORA.glob("reddit_gold*.jsonl")
)


def _check_gold() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_gold", CORPORA / "check_gold.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_gold_corpora() -> None:
    assert len(GOLD_FILES) >= 12


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_a_gold_corpus_is_consistent(path: Path) -> None:
    problems, counts = _check_gold().check(path)
    assert problems == []
    # every batch has 200 texts, but the first (320) and CounselChat 14 (the 112 left)
    sizes = {"counselchat_gold.jsonl": 320, "counselchat_gold14.jsonl": 112}
    assert counts["texts"]["all"] == sizes.get(path.name, 200)


def test_a_wrong_offset_is_a_problem(tmp_path: Path) -> None:
    record = {
        "id": "x-1", "row": 1, "field": "answerText", "notes": [], "protected": [],
        "text": "Call Ann today.",
        "spans": [{"start": 6, "end": 9, "category": "PERSON", "text": "Ann"}],
    }  # fmt: skip
    bad = tmp_path / "gold.jsonl"
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    problems, _ = _check_gold().check(bad)
    assert problems == ["x-1: spans 6:9 is 'nn ', not 'Ann'"]


def test_every_labelled_corpus_is_either_held_out_or_read() -> None:
    """A new batch must be declared: held out (never quoted) or read (a dev part). A batch in
    neither set would be split by line parity as if half of it had never been read."""
    import sys

    sys.path.insert(0, str(CORPORA.parent))
    try:
        independent = importlib.import_module("independent")
    finally:
        sys.path.remove(str(CORPORA.parent))
    labelled = {n for n in independent.CORPORA if n.startswith(("counselchat", "reddit"))}
    held_out, read = independent.WHOLLY_HELD_OUT, independent.WHOLLY_READ
    assert labelled == held_out | read
    assert not held_out & read
    assert {independent.CORPORA[n].name for n in labelled} == {p.name for p in GOLD_FILES}
