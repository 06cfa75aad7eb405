"""The coverage gate: a required family that is partial or missing stops the release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mhds.gates.base import GateStatus
from mhds.gates.coverage import CoverageGate
from mhds.records import codec
from mhds.registry import Coverage, Registry, compute_coverage, take_inventory
from mhds.store import LocalStore


def registry(sources: list[dict[str, Any]]) -> Registry:
    families = [
        {"name": "therapy", "stage": "s1", "required": True, "min_records": 3},
        {"name": "crisis", "stage": "s1", "required": True, "min_records": 3},
        {"name": "extra", "stage": "s1", "min_records": 3},
    ]
    return Registry.model_validate(
        {"stages": [{"id": "s1", "order": 1}], "families": families, "sources": sources}
    )


def source(sid: str, family: str, approval: str = "approved") -> dict[str, Any]:
    return {
        "id": sid,
        "family": family,
        "prefixes": [f"raw/{sid}/"],
        "adapter": "chatml",
        "license": "MIT",
        "approval": approval,
    }


def coverage(tmp_path: Path, reg: Registry, lines: dict[str, int]) -> Coverage:
    store = LocalStore(tmp_path / "store")
    for sid, n in lines.items():
        data = b"".join(codec.dumps({"i": i}) + b"\n" for i in range(n))
        store.write_bytes(f"raw/{sid}/a.jsonl", data)
    return compute_coverage(take_inventory(store, reg), reg)


def test_passes_when_every_required_family_is_present(tmp_path: Path) -> None:
    reg = registry([source("t", "therapy"), source("c", "crisis"), source("x", "extra")])
    verdict = CoverageGate().evaluate(coverage(tmp_path, reg, {"t": 5, "c": 4}))
    assert verdict.status == GateStatus.PASS and verdict.passed
    assert verdict.evidence["failing"] == []
    assert verdict.evidence["families"]["extra"]["status"] == "missing"  # optional: no matter
    assert "all 2 required families present" in verdict.summary


def test_fails_naming_partial_and_missing_required_families(tmp_path: Path) -> None:
    reg = registry([source("t", "therapy", "pending"), source("c", "crisis")])
    verdict = CoverageGate().evaluate(coverage(tmp_path, reg, {"t": 5}))
    assert verdict.status == GateStatus.FAIL and not verdict.passed
    assert verdict.evidence["failing"] == ["therapy", "crisis"]
    assert "therapy (partial)" in verdict.summary and "crisis (missing)" in verdict.summary
    therapy = verdict.evidence["families"]["therapy"]
    assert therapy["records"] == 5 and therapy["next_action"] == "approve licence of source t"
    assert verdict.evidence["families"]["crisis"]["next_action"] == "upload c to raw/c/"


def test_empty_matrix_is_an_error(tmp_path: Path) -> None:
    reg = registry([])
    empty = coverage(tmp_path, reg, {}).model_copy(update={"families": ()})
    verdict = CoverageGate().evaluate(empty)
    assert verdict.status == GateStatus.ERROR and not verdict.passed
