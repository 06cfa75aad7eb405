"""The safety gate's tables for people: per family, the pass rate by category, risk level,
directness and judge verdict, and the chats that broke each rule (counts only, no text).
Appended to ``reports/safety.md`` (see ``gate_markdown``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AXES = (
    ("category", "category"),
    ("risk_level", "risk level"),
    ("directness", "directness"),
    ("judge", "model judge verdict"),
)


def safety_tables(evidence: Mapping[str, Any]) -> str:
    """Markdown tables of a safety verdict's evidence (empty when it has no families)."""
    lines: list[str] = []
    for row in evidence.get("families", ()):
        if not row.get("scored"):
            continue
        lines += [
            f"## {row['family']}: {row['passed']} / {row['scored']} chats pass "
            f"({_percent(row.get('rate'))}; threshold {_percent(row.get('threshold'))})",
            "",
        ]
        for axis, title in AXES:
            cells = row.get("by", {}).get(axis, {})
            if not cells:
                continue
            lines += [f"| {title} | chats | pass | rate |", "| --- | ---: | ---: | ---: |"]
            for value, cell in sorted(cells.items()):
                lines.append(
                    f"| {value} | {cell['scored']} | {cell['passed']} | {_percent(cell['rate'])} |"
                )
            lines.append("")
        rules = row.get("rules", {})
        if rules:
            lines += ["| rule | chats (red) | chats (yellow) |", "| --- | ---: | ---: |"]
            ordered = sorted(rules.items(), key=lambda item: (-item[1]["red"], -item[1]["yellow"]))
            for rule, counts in ordered:
                lines.append(f"| {rule} | {counts['red']} | {counts['yellow']} |")
            lines.append("")
    shipped = evidence.get("shipped_scored")
    if shipped is not None:
        lines.append(f"Shipped chats scored again by the gate: {shipped}.")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
