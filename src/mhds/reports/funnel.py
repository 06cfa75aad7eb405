"""The funnel of a build: per source, what was read and where each item went.

items read -> quarantined at ingest (by reason) -> records -> sent to PII review (by reason)
-> held by the crisis safety screen (by rule) -> removed as exact or near duplicates ->
released (by split). Counts only, never text. The
build checks that the records add up (``check``): nothing leaves the pipeline unaccounted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SPLITS: tuple[str, ...] = ("train", "val", "test")
DUPLICATE_KINDS: tuple[str, ...] = ("exact", "near")


@dataclass
class SourceFunnel:
    """One source's way through a build.

    Attributes:
        source: the source id.
        family: its family.
        license: its licence tag.
        records: records ingest produced (one item may hold several conversations).
        quarantined: items ingest quarantined, by reason.
        review: records the PII step sent to review (quarantine), by reason.
        safety: records the crisis safety screen quarantined, by reason (``safety_<rule>``).
        duplicates: records removed as duplicates, by kind (exact, near).
        released: records in the release, by split.
    """

    source: str
    family: str
    license: str
    records: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    review: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    released: Counter[str] = field(default_factory=Counter)
    safety: Counter[str] = field(default_factory=Counter)

    @property
    def items_read(self) -> int:
        """Items read from the source's objects: quarantined ones plus the items that made
        records (shown as records: an item may hold several conversations)."""
        return self.records + sum(self.quarantined.values())

    @property
    def unaccounted(self) -> int:
        """Records neither reviewed, held by the safety screen, removed as duplicates nor
        released (0 when all add up)."""
        spent = sum(self.review.values()) + sum(self.safety.values())
        spent += sum(self.duplicates.values())
        return self.records - spent - sum(self.released.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stable order)."""
        return {
            "source": self.source,
            "family": self.family,
            "license": self.license,
            "items_read": self.items_read,
            "quarantined": _plain(self.quarantined),
            "records": self.records,
            "pii_review": _plain(self.review),
            "safety_review": _plain(self.safety),
            "duplicates": {kind: self.duplicates[kind] for kind in DUPLICATE_KINDS},
            "released": {split: self.released[split] for split in SPLITS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceFunnel:
        """Rebuild from ``to_dict`` output."""
        return cls(
            source=str(data["source"]),
            family=str(data["family"]),
            license=str(data["license"]),
            records=int(data["records"]),
            quarantined=Counter(data.get("quarantined", {})),
            review=Counter(data.get("pii_review", {})),
            duplicates=Counter(data.get("duplicates", {})),
            released=Counter(data.get("released", {})),
            safety=Counter(data.get("safety_review", {})),
        )


class Funnel:
    """The funnel of every source of one build, filled in as the stages run."""

    def __init__(self) -> None:
        self.sources: dict[str, SourceFunnel] = {}

    def source(self, source: str, family: str = "", license: str = "") -> SourceFunnel:
        """The row of ``source`` (created on first use)."""
        row = self.sources.get(source)
        if row is None:
            row = self.sources[source] = SourceFunnel(source, family, license)
        return row

    def rows(self) -> list[SourceFunnel]:
        """Rows sorted by family, then source."""
        return sorted(self.sources.values(), key=lambda r: (r.family, r.source))

    def unaccounted(self) -> dict[str, int]:
        """Sources whose records do not add up, with the difference."""
        return {r.source: r.unaccounted for r in self.rows() if r.unaccounted}

    def to_dicts(self) -> tuple[dict[str, Any], ...]:
        """JSON-ready rows, for the manifest and the reports."""
        return tuple(row.to_dict() for row in self.rows())


def _plain(counts: Counter[str]) -> dict[str, int]:
    """Counts with plain ``str`` keys (reason codes may be StrEnum members), sorted."""
    return {str(key): int(n) for key, n in sorted(counts.items())}


def family_totals(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The funnel summed per family, with the licences of its sources and the quarantine and
    review reasons together (for the overview and ``release show``)."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        family = totals.setdefault(
            row["family"],
            {
                "family": row["family"],
                "licenses": set(),
                "sources": 0,
                "items_read": 0,
                "records": 0,
                "quarantined": Counter(),
                "pii_review": Counter(),
                "safety_review": Counter(),
                "duplicates": Counter(),
                "released": Counter(),
            },
        )
        family["licenses"].add(row["license"])
        family["sources"] += 1
        family["items_read"] += row["items_read"]
        family["records"] += row["records"]
        for name in ("quarantined", "pii_review", "duplicates", "released"):
            family[name].update(row[name])
        family["safety_review"].update(row.get("safety_review", {}))
    return [
        {
            **t,
            "licenses": sorted(t["licenses"]),
            "quarantined": dict(sorted(t["quarantined"].items())),
            "pii_review": dict(sorted(t["pii_review"].items())),
            "safety_review": dict(sorted(t["safety_review"].items())),
            "duplicates": {kind: t["duplicates"][kind] for kind in DUPLICATE_KINDS},
            "released": {split: t["released"][split] for split in SPLITS},
        }
        for _, t in sorted(totals.items())
    ]
