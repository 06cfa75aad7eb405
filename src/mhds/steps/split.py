"""Group-aware, deterministic train/val/test splits.

A split is a pure function of a stable hash of a component key, so the same input and the same
config give every record the same split whatever the order or sharding of the input. Records
that must stay together (one group id, or linked near duplicates) form one component. A build
against a previous release pins its records' splits (``GroupSplitter.assign(pinned=...)``): a
component with a released member keeps that member's split.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from mhds.errors import MhdsError
from mhds.records.schema import Metadata, Record, Split
from mhds.registry.schema import Family, Registry, SplitRatios

SPLITS: tuple[Split, ...] = ("train", "val", "test")
SPEC_VERSION: Literal[1] = 1
# Separates seed and key in the hashed text (ASCII unit separator: never in a group id).
_SEPARATOR = "\x1f"


class SplitConfig(BaseModel):
    """What decides the splits besides the registry's ratios and holdouts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: str | int = Field(
        default="mhds",
        description="Salt hashed with every component key; changing it reshuffles all splits. "
        "Hashed as text, so 7 and '7' give the same splits.",
    )
    spec_version: Literal[1] = Field(
        default=SPEC_VERSION,
        description="Version of the hash spec (see split_for_key); bumped if it ever changes.",
    )


class SplitError(MhdsError):
    """A split input is inconsistent: an unknown record id or family, or a conflicting id."""

    def __init__(self, message: str, *, record_id: str | None = None) -> None:
        text = f"record {record_id!r}: {message}" if record_id is not None else message
        super().__init__(text, record_id=record_id)
        self.record_id = record_id


def split_position(group_key: str, seed: str | int) -> float:
    """The key's position u in [0, 1): the stable spec, version 1.

    ``digest = sha256(f"{seed}\\x1f{group_key}".encode("utf-8"))``; ``n`` = the first 8 bytes
    of the digest as a big-endian unsigned integer; ``u = (n >> 11) / 2**53``. That is n / 2**64
    truncated to the 53 bits a float holds exactly, so u never rounds up to 1.0.
    """
    digest = hashlib.sha256(f"{seed}{_SEPARATOR}{group_key}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def split_for_key(group_key: str, ratios: SplitRatios, seed: str | int) -> Split:
    """The split of ``group_key``: the stable spec, version 1.

    With u = ``split_position(group_key, seed)``: ``train`` if u < ratios.train, ``val`` if
    u < ratios.train + ratios.val, else ``test``.
    """
    position = split_position(group_key, seed)
    if position < ratios.train:
        return "train"
    if position < ratios.train + ratios.val:
        return "val"
    return "test"


class SplitAssignment(Mapping[str, Split]):
    """Record id -> split, with each record's component key and family counts."""

    def __init__(
        self, splits: dict[str, Split], components: dict[str, str], families: dict[str, str]
    ) -> None:
        self._splits = splits
        self._components = components
        self._families = families

    def __getitem__(self, record_id: str) -> Split:
        return self._splits[record_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._splits)

    def __len__(self) -> int:
        return len(self._splits)

    def component(self, record_id: str) -> str:
        """The key of the record's component (the smallest group id in it)."""
        return self._components[record_id]

    def family(self, record_id: str) -> str:
        """The record's own family."""
        return self._families[record_id]

    def counts(self) -> dict[str, dict[Split, int]]:
        """Records per family per split, families sorted, every split present."""
        table: dict[str, dict[Split, int]] = {}
        for record_id, split in self._splits.items():
            row = table.setdefault(self._families[record_id], dict.fromkeys(SPLITS, 0))
            row[split] += 1
        return dict(sorted(table.items()))

    def totals(self) -> dict[Split, int]:
        """Records per split."""
        totals = dict.fromkeys(SPLITS, 0)
        for split in self._splits.values():
            totals[split] += 1
        return totals

    def to_rows(self) -> Iterator[dict[str, str]]:
        """Stable serialisation: ``{id, family, split, component}`` rows sorted by id."""
        for record_id in sorted(self._splits):
            yield {
                "id": record_id,
                "family": self._families[record_id],
                "split": self._splits[record_id],
                "component": self._components[record_id],
            }

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> SplitAssignment:
        """Rebuild an assignment from ``to_rows`` output (for example a previous release's)."""
        splits: dict[str, Split] = {}
        components: dict[str, str] = {}
        families: dict[str, str] = {}
        for row in rows:
            record_id, split = row["id"], row["split"]
            if split not in SPLITS:
                raise SplitError(f"unknown split {split!r} (valid: {SPLITS})", record_id=record_id)
            splits[record_id] = split
            components[record_id] = row["component"]
            families[record_id] = row["family"]
        return cls(splits, components, families)


class GroupSplitter:
    """Assigns splits over a whole corpus from ids, group ids and families only.

    Feed it every record (``add`` / ``add_metadata``, in any order, from any number of shards;
    ``merge`` joins splitters filled in parallel) and the near-duplicate links that must share
    a split (``link``), then call ``assign``. Components are the connected groups of group ids
    joined by links. A component's key is its lexicographically smallest group id, so neither
    input order nor sharding changes it. If any member's family is ``holdout: test_only``,
    the whole component goes to test. Otherwise ``split_for_key(key, ratios, seed)`` decides,
    with the ratios of the component's deciding family: the member family with the lowest
    ``priority`` number (ties: the smaller name), the same family that dedup keeps.

    Pinned splits (``assign(pinned=...)``: a previous release's, by record id) come before
    the hash: a component with a pinned member takes the split of its pinned member with the
    smallest id, so a released record keeps its split and a new record that joins its group
    or cluster takes it too. Only a holdout overrides a pin (a family made ``test_only``
    since moves its records to test).
    """

    name: ClassVar[str] = "group_split"
    version: ClassVar[int] = SPEC_VERSION

    def __init__(self, config: SplitConfig | None = None) -> None:
        self.config = config or SplitConfig()
        self._rows: dict[str, int] = {}  # record id -> row
        self._row_group = array("q")  # row -> group index
        self._row_family = array("q")  # row -> family index
        self._groups: dict[str, int] = {}
        self._group_names: list[str] = []
        self._parent = array("q")  # union-find over group indices
        self._families: dict[str, int] = {}
        self._family_names: list[str] = []
        self._pending: list[tuple[str, str]] = []  # links naming ids not added yet

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, record_id: str, group_id: str, family: str) -> None:
        """Register one record; adding the same id again with the same group and family is a
        no-op (a re-read shard), with a different one a SplitError."""
        group = self._intern_group(group_id)
        family_index = self._intern_family(family)
        row = self._rows.get(record_id)
        if row is None:
            self._rows[record_id] = len(self._row_group)
            self._row_group.append(group)
            self._row_family.append(family_index)
        elif self._row_group[row] != group or self._row_family[row] != family_index:
            raise SplitError("added twice with a different group or family", record_id=record_id)

    def add_metadata(self, item: Metadata | Record) -> None:
        """Register a record (or its metadata) by id, group id and family."""
        meta = item.metadata if isinstance(item, Record) else item
        self.add(meta.id, meta.group_id, meta.family)

    def link(self, record_id_a: str, record_id_b: str) -> None:
        """Require two records to share a split (for example one near-duplicate cluster).

        The ids may be added before or after; ``assign`` fails on an id never added.
        """
        row_a, row_b = self._rows.get(record_id_a), self._rows.get(record_id_b)
        if row_a is None or row_b is None:
            self._pending.append((record_id_a, record_id_b))
        else:
            self._union(self._row_group[row_a], self._row_group[row_b])

    def merge(self, other: GroupSplitter) -> None:
        """Add every record and link of ``other`` (a splitter filled from other shards)."""
        for record_id, row in other._rows.items():
            self.add(
                record_id,
                other._group_names[other._row_group[row]],
                other._family_names[other._row_family[row]],
            )
        for index, name in enumerate(other._group_names):
            root = other._find(index)
            if root != index:
                self._union(self._intern_group(name), self._intern_group(other._group_names[root]))
        for pair in other._pending:
            self.link(*pair)

    def assign(
        self, registry: Registry, pinned: Mapping[str, Split] | None = None
    ) -> SplitAssignment:
        """Decide every record's split (see the class docstring for the rule; ``pinned``:
        record id -> the split a previous release gave it)."""
        self._resolve_pending()
        families = [self._family(registry, name) for name in self._family_names]
        holdout: dict[int, bool] = {}
        deciding: dict[int, Family] = {}
        key: dict[int, str] = {}
        for row in range(len(self._row_group)):
            group = self._row_group[row]
            root, family = self._find(group), families[self._row_family[row]]
            holdout[root] = holdout.get(root, False) or family.holdout == "test_only"
            best = deciding.get(root)
            if best is None or (family.priority, family.name) < (best.priority, best.name):
                deciding[root] = family
            name = self._group_names[group]
            if root not in key or name < key[root]:
                key[root] = name
        pins = self._pins(pinned or {})
        decided: dict[int, Split] = {
            root: "test"
            if holdout[root]
            else pins[root]
            if root in pins
            else split_for_key(key[root], deciding[root].splits, self.config.seed)
            for root in key
        }
        splits: dict[str, Split] = {}
        components: dict[str, str] = {}
        record_families: dict[str, str] = {}
        for record_id, row in self._rows.items():
            root = self._find(self._row_group[row])
            splits[record_id] = decided[root]
            components[record_id] = key[root]
            record_families[record_id] = self._family_names[self._row_family[row]]
        return SplitAssignment(splits, components, record_families)

    def _pins(self, pinned: Mapping[str, Split]) -> dict[int, Split]:
        """Component root -> the pinned split of its pinned member with the smallest id."""
        chosen: dict[int, str] = {}
        for record_id in sorted(pinned.keys() & self._rows.keys(), reverse=True):
            chosen[self._find(self._row_group[self._rows[record_id]])] = record_id
        return {root: pinned[record_id] for root, record_id in chosen.items()}

    def _intern_group(self, group_id: str) -> int:
        index = self._groups.get(group_id)
        if index is None:
            index = self._groups[group_id] = len(self._group_names)
            self._group_names.append(group_id)
            self._parent.append(index)
        return index

    def _intern_family(self, family: str) -> int:
        index = self._families.get(family)
        if index is None:
            index = self._families[family] = len(self._family_names)
            self._family_names.append(family)
        return index

    def _find(self, index: int) -> int:
        """Iterative find with full path compression."""
        parent = self._parent
        root = index
        while parent[root] != root:
            root = parent[root]
        while parent[index] != root:
            parent[index], index = root, parent[index]
        return root

    def _union(self, a: int, b: int) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            # Any orientation gives the same components; the key is chosen later by name.
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def _resolve_pending(self) -> None:
        pending, self._pending = self._pending, []
        for record_id_a, record_id_b in pending:
            for record_id in (record_id_a, record_id_b):
                if record_id not in self._rows:
                    raise SplitError("linked but never added", record_id=record_id)
            self.link(record_id_a, record_id_b)

    @staticmethod
    def _family(registry: Registry, name: str) -> Family:
        try:
            return registry.family(name)
        except KeyError:
            known = ", ".join(f.name for f in registry.families)
            raise SplitError(f"unknown family {name!r} (known: {known})") from None


def apply_split(record: Record, assignment: Mapping[str, Split]) -> Record:
    """A copy of ``record`` with ``metadata.split`` set from ``assignment``.

    Raises:
        SplitError: the record's id is not in the assignment.
    """
    record_id = record.metadata.id
    try:
        split = assignment[record_id]
    except KeyError:
        raise SplitError("not in the split assignment", record_id=record_id) from None
    metadata = msgspec.structs.replace(record.metadata, split=split)
    return msgspec.structs.replace(record, metadata=metadata)
