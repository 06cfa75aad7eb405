"""The coverage matrix: for each family, is it present, partial or missing in the store, on
what evidence, and what to do next. Computed from an Inventory; never reads record text.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from mhds.errors import ObjectExistsError, StoreError
from mhds.records import codec
from mhds.registry.inventory import (
    Conflict,
    IngestManifest,
    Inventory,
    Mirror,
    SourceInventory,
)
from mhds.registry.schema import Family, FrozenModel, Registry, Source
from mhds.store.base import Store

Status = Literal["present", "partial", "missing"]
RecordsBasis = Literal["ingested", "estimate", "unknown"]

logger = logging.getLogger(__name__)

EVIDENCE_CAP = 20
MAX_FOLDER_ATTEMPTS = 1000
STAMP = "%Y-%m-%dT%H%M%SZ"
MD_EVIDENCE = 3
MD_LIST_CAP = 200
NO_ACTION = "none"


class FamilyCoverage(FrozenModel):
    """One row of the coverage matrix."""

    family: str
    stage: str
    required: bool
    status: Status
    min_records: int
    records: int | None = Field(description="Best known count (a lower bound when partial).")
    records_basis: RecordsBasis = Field(
        description="ingested: from processed manifests; estimate: raw counts involved."
    )
    sources: tuple[str, ...] = Field(description="Declared sources of the family.")
    evidence: tuple[str, ...] = Field(description=f"Keys relied on (first {EVIDENCE_CAP}).")
    evidence_total: int
    next_action: str


class CoverageSummary(FrozenModel):
    """Counts of families by status; the coverage gate reads the required ones."""

    required_present: int
    required_partial: int
    required_missing: int
    present: int
    partial: int
    missing: int


class Coverage(FrozenModel):
    """The coverage matrix of one inventory, plus what the inventory could not map."""

    store: str
    registry_hash: str
    inventory_taken_at: datetime
    summary: CoverageSummary
    families: tuple[FamilyCoverage, ...] = Field(description="Required families first.")
    unmapped: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    mirrors: tuple[Mirror, ...]
    manifest_issues: tuple[IngestManifest, ...] = Field(
        description="Ingest manifests that could not be used, with reason codes."
    )


def compute_coverage(inventory: Inventory, registry: Registry) -> Coverage:
    """Judge every registry family against ``inventory`` (required families first)."""
    evidence = _evidence_by_source(inventory)
    by_id = {s.source: s for s in inventory.sources}
    families = sorted(registry.families, key=lambda f: not f.required)  # stable: keeps order
    rows = tuple(
        _family_coverage(family, _sources_of(registry, family), by_id, evidence)
        for family in families
    )
    return Coverage(
        store=inventory.store,
        registry_hash=inventory.registry_hash,
        inventory_taken_at=inventory.taken_at,
        summary=_summary(rows),
        families=rows,
        unmapped=inventory.unmapped,
        conflicts=inventory.conflicts,
        mirrors=inventory.mirrors,
        manifest_issues=tuple(m for m in inventory.manifests if m.error is not None),
    )


def write_inventory_report(
    store: Store, inventory: Inventory, coverage: Coverage, *, now: datetime | None = None
) -> str:
    """Write ``inventory.json``, ``coverage.json`` and ``coverage.md`` to a new folder.

    The folder is ``<layout.inventory><UTC timestamp>`` (``inventory/2026-11-25T111507Z``),
    with ``-1``, ``-2`` ... appended when it is taken. Every file is written once
    (``put_if_absent``), so an earlier report is never overwritten.

    Returns:
        The folder key, without a trailing ``/``.
    """
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    root = inventory.layout.inventory
    base = root + ("/" if root and not root.endswith("/") else "") + moment.strftime(STAMP)
    files = {
        "inventory.json": codec.dumps(inventory.model_dump(mode="json"), indent=True),
        "coverage.json": codec.dumps(coverage.model_dump(mode="json"), indent=True),
        "coverage.md": render_coverage_markdown(coverage).encode("utf-8"),
    }
    for attempt in range(MAX_FOLDER_ATTEMPTS):
        folder = base if attempt == 0 else f"{base}-{attempt}"
        if next(iter(store.list(folder + "/")), None) is not None:
            continue
        try:  # inventory.json claims the folder; a concurrent writer gets the next one
            store.put_if_absent(f"{folder}/inventory.json", files["inventory.json"])
        except ObjectExistsError:
            continue
        store.put_if_absent(f"{folder}/coverage.json", files["coverage.json"])
        store.put_if_absent(f"{folder}/coverage.md", files["coverage.md"])
        logger.info("wrote inventory report to %s", folder)
        return folder
    raise StoreError(
        f"no free folder after {MAX_FOLDER_ATTEMPTS} attempts", uri=base, operation="write"
    )


def render_coverage_markdown(coverage: Coverage) -> str:
    """A readable summary: the family table, then unmapped objects, mirrors, conflicts."""
    summary = coverage.summary
    lines = [
        "# Coverage",
        "",
        f"- store: `{_md(coverage.store)}`",
        f"- registry: `{coverage.registry_hash}`",
        f"- inventory taken: {coverage.inventory_taken_at.isoformat()}",
        f"- required families: {summary.required_present} present, "
        f"{summary.required_partial} partial, {summary.required_missing} missing",
        "",
        "| family | required | status | records | evidence | next action |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in coverage.families:
        lines.append(
            f"| {row.family} | {'yes' if row.required else 'no'} | {row.status} "
            f"| {_records_cell(row)} | {_evidence_cell(row)} | {_md(row.next_action)} |"
        )
    lines += _key_section("Unmapped objects", coverage.unmapped)
    lines += _section(
        "Mirrors (same source under another location)",
        [
            f"- {m.source}: canonical `{_md(m.canonical)}`, mirror `{_md(m.mirror)}` "
            f"({m.objects} objects, {m.bytes} bytes)"
            for m in coverage.mirrors
        ],
    )
    lines += _section(
        "Conflicts (claimed by several sources; mapped to none)",
        [f"- `{_md(c.key)}`: {', '.join(c.sources)}" for c in coverage.conflicts],
    )
    lines += _section(
        "Ingest manifests not used",
        [f"- `{_md(m.key)}`: {m.error}" for m in coverage.manifest_issues],
    )
    return "\n".join(lines) + "\n"


def _sources_of(registry: Registry, family: Family) -> list[Source]:
    return [s for s in registry.sources if s.family == family.name]


def _evidence_by_source(inventory: Inventory) -> dict[str, list[str]]:
    """Keys per source: canonical objects, then mirrors, then the ingest manifest."""
    evidence: dict[str, list[str]] = defaultdict(list)
    for mirror in (False, True):
        for obj in inventory.objects:
            if obj.source is not None and obj.mirror is mirror:
                evidence[obj.source].append(obj.key)
    for source in inventory.sources:
        if source.manifest_key is not None:
            evidence[source.source].append(source.manifest_key)
    return evidence


def _family_coverage(
    family: Family,
    sources: list[Source],
    by_id: dict[str, SourceInventory],
    evidence: dict[str, list[str]],
) -> FamilyCoverage:
    keys = [key for source in sources for key in evidence.get(source.id, [])]
    seen = [by_id[s.id] for s in sources if evidence.get(s.id)]
    status, action = _judge(family, sources, seen)
    approved = [s for s in seen if s.approval == "approved"]
    records, basis = _family_records(approved or seen)
    return FamilyCoverage(
        family=family.name,
        stage=family.stage,
        required=family.required,
        status=status,
        min_records=family.min_records,
        records=records,
        records_basis=basis,
        sources=tuple(s.id for s in sources),
        evidence=tuple(keys[:EVIDENCE_CAP]),
        evidence_total=len(keys),
        next_action=action,
    )


def _judge(
    family: Family, sources: list[Source], seen: list[SourceInventory]
) -> tuple[Status, str]:
    """Status and next action from the sources that have objects or an ingest manifest."""
    if not sources:
        return "missing", f"declare a source for {family.name} in the registry"
    if not seen:
        return "missing", _join(f"upload {s.id} to {s.locations()[0]}" for s in sources)
    approved = [s for s in seen if s.approval == "approved"]
    pending = [s.source for s in seen if s.approval == "pending"]
    if not approved:
        if pending:
            return "partial", _join(f"approve licence of source {sid}" for sid in pending)
        return "partial", (
            f"replace rejected source(s) {', '.join(s.source for s in seen)}: "
            f"declare and upload an approved source for {family.name}"
        )
    records, _ = _family_records(approved)
    unknown = [s.source for s in approved if _source_records(s) is None]
    need = max(family.min_records, 1)
    if records is not None and records >= need:
        return "present", _present_action(approved)
    if unknown:
        action = _join(f"run mhds ingest --source {sid}" for sid in unknown)
    else:
        have = records or 0
        action = f"acquire {need - have} more records for {family.name} (have {have} of {need})"
    if pending:
        action += "; or " + _join(f"approve licence of source {sid}" for sid in pending)
    return "partial", action


def _present_action(approved: Sequence[SourceInventory]) -> str:
    """Present families may still need an ingest to replace estimates or stale counts."""
    actions = []
    for source in approved:
        if source.ingested is None:
            actions.append(f"run mhds ingest --source {source.source}")
        elif source.stale:
            actions.append(f"re-run mhds ingest --source {source.source} (raw objects changed)")
    return _join(actions) if actions else NO_ACTION


def _source_records(source: SourceInventory) -> int | None:
    return source.ingested if source.ingested is not None else source.records


def _family_records(sources: Sequence[SourceInventory]) -> tuple[int | None, RecordsBasis]:
    """Sum of known counts; ``estimate`` when raw counts or unknown sources are involved."""
    known = [n for n in (_source_records(s) for s in sources) if n is not None]
    if not known:
        return None, "unknown"
    if len(known) == len(sources) and all(s.ingested is not None for s in sources):
        return sum(known), "ingested"
    return sum(known), "estimate"


def _summary(rows: Sequence[FamilyCoverage]) -> CoverageSummary:
    def count(status: Status, required_only: bool) -> int:
        return sum(1 for r in rows if r.status == status and (r.required or not required_only))

    return CoverageSummary(
        required_present=count("present", True),
        required_partial=count("partial", True),
        required_missing=count("missing", True),
        present=count("present", False),
        partial=count("partial", False),
        missing=count("missing", False),
    )


def _join(actions: Iterable[str]) -> str:
    return "; ".join(actions)


def _records_cell(row: FamilyCoverage) -> str:
    if row.records is None:
        return f"unknown / {row.min_records}"
    note = " (estimate)" if row.records_basis == "estimate" else ""
    return f"{row.records} / {row.min_records}{note}"


def _evidence_cell(row: FamilyCoverage) -> str:
    if not row.evidence_total:
        return "-"
    shown = ", ".join(f"`{_md(key)}`" for key in row.evidence[:MD_EVIDENCE])
    more = row.evidence_total - min(len(row.evidence), MD_EVIDENCE)
    return f"{shown} (+{more} more)" if more else shown


def _key_section(title: str, keys: Sequence[str]) -> list[str]:
    items = [f"- `{_md(key)}`" for key in keys[:MD_LIST_CAP]]
    if len(keys) > MD_LIST_CAP:
        items.append(f"- ... and {len(keys) - MD_LIST_CAP} more (see inventory.json)")
    return _section(f"{title} ({len(keys)})", items)


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"## {title}", "", *(items or ["none"])]


def _md(text: str) -> str:
    """Keep a key or action inside its table cell and code span."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")
