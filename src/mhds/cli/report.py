"""Tables that ``build``, ``demo`` and ``release show`` print: gates with their waivers, the
funnel from items read to records released, and waivers that covered nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.table import Table

from mhds.cli.common import console, err_console
from mhds.gates.base import outcome
from mhds.reports.funnel import family_totals
from mhds.reports.model import tally

_COLOURS = {"pass": "green", "fail": "red", "error": "red", "waived": "yellow"}


def print_verdicts(verdicts: Iterable[Any]) -> None:
    """The gate table, a waived gate apart from a passed one, and a tally line."""
    table = Table(title="gates")
    for column in ("gate", "status", "summary"):
        table.add_column(column)
    rows = [v if isinstance(v, Mapping) else v.to_dict() for v in verdicts]
    for v in rows:
        status = outcome(v)
        summary = v["summary"]
        waivers = v.get("waivers") or ([v["waiver"]] if v.get("waiver") else [])
        for failure in v.get("failures", []) if waivers else []:
            state = "waived" if failure["waived"] else "failing"
            family = f" ({failure['family']})" if failure["family"] else ""
            summary += f"\n{state}: {failure['check']}{family}"
        for waiver in waivers:
            summary += f"\nwaived by {waiver['who']} (scope {waiver['scope']})"
        table.add_row(v["gate"], f"[{_COLOURS.get(status, 'yellow')}]{status}[/]", summary)
    console.print(table)
    counts = tally(rows)
    console.print(
        f"{counts['passed']} / {len(rows)} gates passed, {counts['waived']} waived"
        + (f", {counts['failed']} failed" if counts["failed"] else "")
    )


def print_funnel(rows: Iterable[Mapping[str, Any]]) -> None:
    """Per family, then per source: read -> quarantined -> review (PII and crisis safety) ->
    duplicates -> released; then each family's licences and reasons, one line each."""
    rows = list(rows)
    if not rows:
        return
    families = family_totals(rows)
    table = Table(title="funnel: items read -> records released")
    for column in ("family / source", "read", "quar.", "review", "dup.", "released t/v/t"):
        table.add_column(column, overflow="fold")
    for family in families:
        table.add_row(f"[bold]{family['family']}[/bold]", *_counts(family))
        for row in rows:
            if row["family"] == family["family"]:
                table.add_row(f"  {row['source']}", *_counts(row))
    console.print(table)
    for family in families:
        console.print(
            f"{family['family']}: licences {', '.join(family['licenses'])}; "
            f"quarantined {_reasons(family['quarantined'])}; "
            f"PII review {_reasons(family['pii_review'])}; "
            + (
                f"safety review {_reasons(family['safety_review'])}; "
                if family["safety_review"]
                else ""
            )
            + f"duplicates exact {family['duplicates']['exact']}, "
            f"near {family['duplicates']['near']}"
        )


def _counts(row: Mapping[str, Any]) -> list[str]:
    return [
        str(row["items_read"]),
        str(sum(row["quarantined"].values())),
        str(sum(row["pii_review"].values()) + sum(row.get("safety_review", {}).values())),
        str(sum(row["duplicates"].values())),
        "/".join(str(row["released"][split]) for split in ("train", "val", "test")),
    ]


def print_unused_waivers(waivers: Iterable[Any]) -> None:
    """Warn about waivers that covered no failure (they waived nothing)."""
    for waiver in waivers:
        w = waiver if isinstance(waiver, Mapping) else waiver.model_dump()
        err_console.print(
            f"[yellow]warning:[/yellow] waiver for gate {w['gate']} (scope {w['scope']}, by "
            f"{w['who']}) covered no failure: it waived nothing"
        )


def _reasons(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.items()) or "none"
