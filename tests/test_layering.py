"""Imports go one way (STYLE.md). From the bottom up: errors < engine < records < store <
logsafe < registry < audit < steps < generate < crisis < gates < reports < release < qa <
ingest < quarantine < pipeline < demo < cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mhds"
ORDER = [
    "errors",
    "engine",
    "records",
    "store",
    "logsafe",
    "registry",
    "audit",
    "steps",
    "generate",
    "crisis",
    "persona",
    "gates",
    "reports",
    "release",
    "qa",
    "ingest",
    "quarantine",
    "pipeline",
    "demo",
    "cli",
]
# package -> mhds packages it must never import: everything above it
FORBIDDEN = {name: set(ORDER[i + 1 :]) for i, name in enumerate(ORDER[:-1])}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "mhds" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_higher_ones(package: str) -> None:
    target = SRC / package
    files = sorted(target.rglob("*.py")) if target.is_dir() else [SRC / f"{package}.py"]
    assert files
    for path in files:
        bad = imported_packages(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"
