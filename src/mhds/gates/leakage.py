"""The leakage gate: no exact or near duplicate sits in two different splits, within this build
or against a previous release. Leaks are reported by id, split and source key, never text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from mhds.gates.base import Failure, Gate, GateStatus, Verdict
from mhds.records.schema import Split

PairKind = Literal["exact", "near"]
Against = Literal["current", "previous"]
PAIR_KINDS: tuple[str, ...] = ("exact", "near")
# Most leaking pairs (and unknown ids) listed in a report; the totals are always complete.
MAX_LISTED = 100
# A record id in both releases whose split changed: a leak of the record itself.
SAME_ID = "same_id"


@dataclass(frozen=True)
class DuplicatePair:
    """Two records found to be duplicates: ``exact`` (same content hash) or ``near``."""

    id_a: str
    id_b: str
    kind: PairKind
    similarity: float

    def __post_init__(self) -> None:
        if self.kind not in PAIR_KINDS:
            raise ValueError(f"unknown pair kind {self.kind!r} (valid: {', '.join(PAIR_KINDS)})")
        if not 0.0 <= self.similarity <= 1.0:
            raise ValueError(f"similarity {self.similarity} is outside [0, 1]")


def exact_pairs_across(records_meta: Iterable[tuple[str, str]]) -> list[DuplicatePair]:
    """Exact-duplicate pairs from ``(record id, content hash)`` tuples, in linear time.

    Each hash shared by several ids gives star pairs: its smallest id paired with each other
    id. That is enough to catch any leak, since two members in different splits imply one of
    them differs from the centre's split. A repeated (id, hash) tuple counts once. Pairs come
    sorted by ids, whatever the input order.
    """
    first: dict[str, str] = {}
    shared: dict[str, set[str]] = {}
    for record_id, content_hash in records_meta:
        seen = first.setdefault(content_hash, record_id)
        if seen != record_id:
            shared.setdefault(content_hash, {seen}).add(record_id)
    pairs = []
    for ids in shared.values():
        centre, *others = sorted(ids)
        pairs += [DuplicatePair(centre, other, "exact", 1.0) for other in others]
    return sorted(pairs, key=lambda pair: (pair.id_a, pair.id_b))


class LeakageGate(Gate):
    """Fails when a duplicate pair spans two splits, or a record moved split since the
    previous release; an id found in neither assignment is an error (inconsistent input)."""

    name: ClassVar[str] = "leakage"
    checks: ClassVar[tuple[str, ...]] = (*PAIR_KINDS, SAME_ID)
    family_scoped: ClassVar[bool] = False  # a pair may span two families: scope by kind

    def check(
        self,
        assignment: Mapping[str, Split],
        pairs: Iterable[DuplicatePair],
        *,
        previous: Mapping[str, Split] | None = None,
        keys: Mapping[str, str] | None = None,
    ) -> Verdict:
        """Judge duplicate pairs against this build's splits and a previous release's.

        Args:
            assignment: this build's record id -> split.
            pairs: duplicate pairs over this build (and the previous release, when given).
            previous: the previous release's record id -> split; an id is looked up here
                only when this build does not have it.
            keys: record id -> source key, to locate leaks in the report.
        """
        if not assignment:
            return Verdict(self.name, GateStatus.ERROR, "no split assignment: splits did not run")
        scan = _Scan(assignment, previous or {}, keys or {})
        for pair in pairs:
            scan.add(pair)
        if previous:
            scan.add_moved()
        return scan.verdict(self.name)


@dataclass
class _Scan:
    """Running counts of one check; keeps only the first leaks and unknown ids by sort order."""

    assignment: Mapping[str, Split]
    previous: Mapping[str, Split]
    keys: Mapping[str, str]
    checked: Counter[str] = field(default_factory=Counter)
    against_previous: int = 0
    previous_only: int = 0
    compared_ids: int = 0
    leaks: Counter[str] = field(default_factory=Counter)
    leak_splits: Counter[str] = field(default_factory=Counter)
    listed: list[dict[str, Any]] = field(default_factory=list)
    unknown_pairs: int = 0
    unknown_ids: set[str] = field(default_factory=set)

    def add(self, pair: DuplicatePair) -> None:
        found_a, found_b = self._locate(pair.id_a), self._locate(pair.id_b)
        if found_a is None or found_b is None:
            self.unknown_pairs += 1
            self.unknown_ids.update(
                i for i, f in ((pair.id_a, found_a), (pair.id_b, found_b)) if f is None
            )
            if len(self.unknown_ids) > 2 * MAX_LISTED:
                self.unknown_ids = set(sorted(self.unknown_ids)[:MAX_LISTED])
            return
        (split_a, from_a), (split_b, from_b) = found_a, found_b
        if from_a == from_b == "previous":
            self.previous_only += 1  # the previous release's own business, not this build's
            return
        self.checked[pair.kind] += 1
        self.against_previous += "previous" in (from_a, from_b)
        if split_a != split_b:
            self._leak(pair.id_a, split_a, pair.id_b, split_b, pair.kind, pair.similarity)

    def add_moved(self) -> None:
        for record_id, before in self.previous.items():
            now = self.assignment.get(record_id)
            if now is None:
                continue
            self.compared_ids += 1
            if now != before:
                self._leak(record_id, before, record_id, now, SAME_ID, None)

    def verdict(self, gate: str) -> Verdict:
        leaks = sum(self.leaks.values())
        evidence: dict[str, Any] = {
            "pairs_checked": sum(self.checked.values()),
            "pairs_by_kind": {kind: self.checked[kind] for kind in PAIR_KINDS},
            "pairs_against_previous": self.against_previous,
            "pairs_previous_only_skipped": self.previous_only,
            "ids_compared_with_previous": self.compared_ids,
            "leaks": leaks,
        }
        if leaks:
            evidence["leaks_by_kind"] = dict(sorted(self.leaks.items()))
            evidence["leaks_by_splits"] = dict(sorted(self.leak_splits.items()))
            evidence["leaking_pairs"] = self._first_leaks()
        if self.unknown_pairs:
            evidence["pairs_with_unknown_ids"] = self.unknown_pairs
            evidence["unknown_ids"] = sorted(self.unknown_ids)[:MAX_LISTED]
            summary = f"{self.unknown_pairs} duplicate pairs name ids in no split assignment"
            return Verdict(gate, GateStatus.ERROR, summary, evidence)
        if leaks:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.leaks.items()))
            summary = f"{leaks} duplicate pairs cross splits ({kinds})"
            failures = tuple(
                Failure(kind, None, f"{n} pairs cross splits")
                for kind, n in sorted(self.leaks.items())
            )
            return Verdict(gate, GateStatus.FAIL, summary, evidence, failures)
        summary = f"{evidence['pairs_checked']} duplicate pairs checked; none crosses splits"
        return Verdict(gate, GateStatus.PASS, summary, evidence)

    def _locate(self, record_id: str) -> tuple[Split, Against] | None:
        split = self.assignment.get(record_id)
        if split is not None:
            return split, "current"
        split = self.previous.get(record_id)
        return None if split is None else (split, "previous")

    def _leak(
        self,
        id_a: str,
        split_a: Split,
        id_b: str,
        split_b: Split,
        kind: str,
        similarity: float | None,
    ) -> None:
        if (id_b, split_b) < (id_a, split_a):  # one orientation, whatever the input's
            id_a, split_a, id_b, split_b = id_b, split_b, id_a, split_a
        self.leaks[kind] += 1
        self.leak_splits["|".join(sorted((split_a, split_b)))] += 1
        self.listed.append(
            {
                "id_a": id_a,
                "split_a": split_a,
                "key_a": self.keys.get(id_a),
                "id_b": id_b,
                "split_b": split_b,
                "key_b": self.keys.get(id_b),
                "kind": kind,
                "similarity": similarity,
            }
        )
        if len(self.listed) > 2 * MAX_LISTED:
            self.listed = self._first_leaks()

    def _first_leaks(self) -> list[dict[str, Any]]:
        return sorted(self.listed, key=_leak_order)[:MAX_LISTED]


def _leak_order(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["id_a"], row["id_b"], row["kind"], row["split_a"])
