"""The quarantine as a place to work in: list held items, show one (raw text, on request
only), and re-admit a PII-review false positive with a recorded, audited decision."""

from __future__ import annotations

from mhds.quarantine.items import (
    READMITTED_FOLDER,
    QuarantineError,
    QuarantineItem,
    QuarantineSummary,
    find_items,
    iter_items,
    list_builds,
    read_item,
    readmitted_prefix,
)
from mhds.quarantine.raw import RawView, find_record, load_raw
from mhds.quarantine.readmit import (
    READMITTABLE_REASONS,
    Readmission,
    list_readmissions,
    load_readmissions,
    read_readmission,
    readmission_key,
    readmit,
    refusal,
)

__all__ = [
    "READMITTABLE_REASONS",
    "READMITTED_FOLDER",
    "QuarantineError",
    "QuarantineItem",
    "QuarantineSummary",
    "RawView",
    "Readmission",
    "find_items",
    "find_record",
    "iter_items",
    "list_builds",
    "list_readmissions",
    "load_raw",
    "load_readmissions",
    "read_item",
    "read_readmission",
    "readmission_key",
    "readmit",
    "readmitted_prefix",
    "refusal",
]
