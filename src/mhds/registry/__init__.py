"""The registry (families, stages, sources), the store inventory and the coverage matrix."""

from __future__ import annotations

from mhds.registry.coverage import (
    Coverage,
    FamilyCoverage,
    compute_coverage,
    render_coverage_markdown,
    write_inventory_report,
)
from mhds.registry.inventory import Inventory, InventoryObject, SourceInventory, take_inventory
from mhds.registry.load import (
    default_registry_path,
    load_registry,
    parse_registry,
    registry_hash,
)
from mhds.registry.schema import Family, Layout, Registry, Source, Stage

__all__ = [
    "Coverage",
    "Family",
    "FamilyCoverage",
    "Inventory",
    "InventoryObject",
    "Layout",
    "Registry",
    "Source",
    "SourceInventory",
    "Stage",
    "compute_coverage",
    "default_registry_path",
    "load_registry",
    "parse_registry",
    "registry_hash",
    "render_coverage_markdown",
    "take_inventory",
    "write_inventory_report",
]
