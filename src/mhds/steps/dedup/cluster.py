"""Clusters and the keep policy: union-find over exact links and verified pairs, one survivor
per cluster, a recorded decision for every member.

Keep rule (documented, deterministic, independent of shard and record order): the survivor is
the member with the smallest ``(not incumbent, family priority, -quality, id)``: a record the
previous release holds (an incumbent: a build against a previous release never removes a
released record in favour of a new copy of it) first, then the family ranked first
(``family_priorities``: test-only families before the others, then lower ``priority``; a
family the mapping does not know ranks last, at ``UNKNOWN_PRIORITY``), then the more
substantive answer (``quality``: characters of assistant turns), then the smaller record id.
Every other member gets a decision naming that survivor; the survivor gets one too
(``kind="survivor"``), so a decision file lists whole clusters.

Memory: the duplicate graph (codes that appear in a link or a verified pair) and, per shard
streamed one at a time, the metadata rows of its cluster members; never the corpus.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
import numpy as np

from mhds.errors import MhdsError, ShardError
from mhds.records.hashing import stable_id
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import (
    PAIR,
    VERIFIED,
    AnyArray,
    ShardSummary,
    concat,
    group_indices,
    key,
    load_array,
    num_name,
    part_name,
    read_summaries,
    split_codes,
)
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import JsonlWriter, iter_jsonl

UNKNOWN_PRIORITY = 2**31 - 1
DecisionKind = Literal["survivor", "exact", "near"]


class DuplicateDecision(msgspec.Struct, frozen=True):
    """One member of a duplicate cluster (ids, keys and numbers only: never text).

    Attributes:
        id: the record.
        cluster_id: ``dup-`` + a stable hash of the survivor id.
        survivor_id: the record kept for the cluster (``id`` itself for the survivor).
        kind: ``survivor``; ``exact`` (same content hash as the survivor); ``near``.
        similarity: 1.0 for the survivor and exact copies; for near duplicates the highest
            verified Jaccard on the record's own near links (1.0 when it only has exact links,
            being a copy of another near duplicate).
        family: the record's family.
        source_key: the store URI the record came from.
    """

    id: str
    cluster_id: str
    survivor_id: str
    kind: DecisionKind
    similarity: float
    family: str
    source_key: str

    @property
    def is_duplicate(self) -> bool:
        """Whether the record is removed in favour of its survivor."""
        return self.kind != "survivor"


class DedupStats(msgspec.Struct):
    """Counts of one de-duplication run."""

    shards: int = 0
    records: int = 0
    empty_texts: int = 0
    exact_links: int = 0
    candidate_pairs: int = 0
    verified_pairs: int = 0
    clusters: int = 0
    duplicates: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0


@dataclass
class DedupResult:
    """Every decision of a run, by record id, with the run's counts."""

    decisions: dict[str, DuplicateDecision] = field(default_factory=dict)
    stats: DedupStats = field(default_factory=DedupStats)

    @property
    def clusters(self) -> int:
        """Number of non-singleton clusters."""
        return self.stats.clusters

    def is_duplicate(self, record_id: str) -> bool:
        """Whether ``record_id`` is removed as a duplicate of another record."""
        decision = self.decisions.get(record_id)
        return decision is not None and decision.is_duplicate

    def survivor_of(self, record_id: str) -> str:
        """The id kept for ``record_id``'s cluster (``record_id`` itself when it is kept)."""
        decision = self.decisions.get(record_id)
        return decision.survivor_id if decision is not None else record_id

    def duplicates(self) -> Iterator[DuplicateDecision]:
        """The decisions of removed records, sorted by cluster then id."""
        for decision in sorted(self.decisions.values(), key=_decision_order):
            if decision.is_duplicate:
                yield decision


class UnionFind:
    """Disjoint sets over ``0 .. n - 1``: union by size, path halving, no recursion."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, item: int) -> int:
        """The representative of ``item``'s set."""
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]


@dataclass(frozen=True)
class Member:
    """What the keep policy knows of one cluster member (read from its shard's metadata)."""

    id: str
    family: str
    source_key: str
    content_hash: str
    quality: int


def keep_key(
    member: Member, family_priority: Mapping[str, int], incumbents: Set[str] = frozenset()
) -> tuple[bool, int, int, str]:
    """The keep rule's sort key: the smallest one survives."""
    return (
        member.id not in incumbents,
        family_priority.get(member.family, UNKNOWN_PRIORITY),
        -member.quality,
        member.id,
    )


def choose_survivor(
    members: list[Member], family_priority: Mapping[str, int], incumbents: Set[str] = frozenset()
) -> Member:
    """The member that the keep rule keeps."""
    return min(members, key=lambda m: keep_key(m, family_priority, incumbents))


def decide_cluster(
    members: list[Member],
    similarity: Mapping[str, float],
    family_priority: Mapping[str, int],
    incumbents: Set[str] = frozenset(),
) -> list[DuplicateDecision]:
    """Decisions for one cluster: the survivor and one per removed member, sorted by id."""
    survivor = choose_survivor(members, family_priority, incumbents)
    cluster_id = "dup-" + stable_id("dedup", survivor.id, length=16)
    decisions = []
    for member in sorted(members, key=lambda m: m.id):
        kind: DecisionKind = "near"
        score = similarity.get(member.id, 1.0)
        if member is survivor:
            kind, score = "survivor", 1.0
        elif member.content_hash == survivor.content_hash:
            kind, score = "exact", 1.0
        decisions.append(
            DuplicateDecision(
                member.id,
                cluster_id,
                survivor.id,
                kind,
                round(score, 6),
                member.family,
                member.source_key,
            )
        )
    return decisions


def cluster(
    store: Store,
    workdir: str,
    config: DedupConfig,
    family_priority: Mapping[str, int],
    incumbents: Set[str] = frozenset(),
) -> DedupResult:
    """Merge links and verified pairs into clusters, apply the keep rule (``incumbents``: the
    previous release's record ids), write the decisions.

    Writes ``decisions.jsonl`` (all clusters), ``decisions/<shard>.jsonl`` (one per mapped
    shard, empty when it holds no member) and ``result.json`` (counts).
    """
    summaries = read_summaries(store, workdir)
    stats = DedupStats(
        shards=len(summaries),
        records=sum(s.records for s in summaries),
        empty_texts=sum(s.empty for s in summaries),
    )
    links, pairs = load_edges(store, workdir, config)
    stats.exact_links, stats.verified_pairs = len(links), len(pairs)
    stats.candidate_pairs = _candidate_count(store, workdir, config)
    members = read_members(store, workdir, summaries, graph_codes(links, pairs))
    result = DedupResult(decide_graph(links, pairs, members, family_priority, incumbents), stats)
    tally(result)
    _write(store, workdir, result, summaries, members)
    return result


def load_edges(store: Store, workdir: str, config: DedupConfig) -> tuple[AnyArray, AnyArray]:
    """A finished search's edges: exact links (``PAIR``) and verified near pairs
    (``VERIFIED``), each kind only when ``config`` switches it on."""
    links = (
        _load_parts(store, workdir, "links", PAIR, config.buckets) if config.exact else _none(PAIR)
    )
    pairs = (
        _load_parts(store, workdir, "verified", VERIFIED, config.partitions)
        if config.near
        else _none(VERIFIED)
    )
    return links, pairs


def graph_codes(links: AnyArray, pairs: AnyArray) -> AnyArray:
    """The sorted, unique record codes that some edge names."""
    return np.unique(np.concatenate((links["a"], links["b"], pairs["a"], pairs["b"])))


def decide_graph(
    links: AnyArray,
    pairs: AnyArray,
    members: Mapping[int, Member],
    family_priority: Mapping[str, int],
    incumbents: Set[str] = frozenset(),
) -> dict[str, DuplicateDecision]:
    """Decisions for every cluster of the graph ``links`` and ``pairs`` make over
    ``members`` (record code -> member): one survivor each by the keep rule.

    A cluster that joins released records (``incumbents``) only through new ones is cut in
    parts, one per group of released records that edges among themselves join; each part
    keeps its survivor, and the new members go to the part of the best released record. So a
    new record never removes a released one, not even by bridging two of them; released
    records leave only as duplicates of each other (after a change of the dedup config)."""
    codes, ia, ib = _edges(links, pairs)
    roots, best = _components(codes, ia, ib, pairs["similarity"])
    groups: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(roots):
        groups[int(root)].append(index)
    released = _released_parts(codes, ia, ib, members, incumbents) if incumbents else {}
    decisions: dict[str, DuplicateDecision] = {}
    for indices in groups.values():
        found = [members[int(codes[i])] for i in indices]
        near_scores = {members[int(codes[i])].id: float(best[i]) for i in indices if best[i] >= 0}
        for part in _cut(found, [released.get(i) for i in indices], family_priority, incumbents):
            for decision in decide_cluster(part, near_scores, family_priority, incumbents):
                decisions[decision.id] = decision
    return decisions


def _released_parts(
    codes: AnyArray,
    ia: AnyArray,
    ib: AnyArray,
    members: Mapping[int, Member],
    incumbents: Set[str],
) -> dict[int, int]:
    """Index (in ``codes``) of each released member -> its part: the released members that
    edges between released members join (edges as ``_edges`` gives them)."""
    old = np.array([members[int(code)].id in incumbents for code in codes], dtype=bool)
    both = old[ia] & old[ib]
    sets = UnionFind(len(codes))
    for left, right in zip(ia[both].tolist(), ib[both].tolist(), strict=True):
        sets.union(left, right)
    return {int(i): sets.find(int(i)) for i in np.flatnonzero(old)}


def _cut(
    found: list[Member],
    parts: list[int | None],
    family_priority: Mapping[str, int],
    incumbents: Set[str],
) -> list[list[Member]]:
    """One cluster's members in parts (see ``decide_graph``): ``parts`` holds each member's
    released part (None: a new record)."""
    released = [(m, p) for m, p in zip(found, parts, strict=True) if p is not None]
    if len({p for _, p in released}) < 2:
        return [found]
    by_part: dict[int, list[Member]] = defaultdict(list)
    for member, part in released:
        by_part[part].append(member)
    first = choose_survivor([m for m, _ in released], family_priority, incumbents)
    home = next(p for m, p in released if m is first)
    by_part[home] += [m for m, p in zip(found, parts, strict=True) if p is None]
    return list(by_part.values())


def _edges(links: AnyArray, pairs: AnyArray) -> tuple[AnyArray, AnyArray, AnyArray]:
    """The graph's record codes (sorted) and each edge's two ends as indices into them:
    the links first, then the pairs."""
    codes = graph_codes(links, pairs)
    ia = np.searchsorted(codes, np.concatenate((links["a"], pairs["a"])))
    ib = np.searchsorted(codes, np.concatenate((links["b"], pairs["b"])))
    return codes, ia, ib


def _components(
    codes: AnyArray, ia: AnyArray, ib: AnyArray, similarity: AnyArray
) -> tuple[AnyArray, AnyArray]:
    """Each code's component root, and its best near similarity (-1: none); the last
    ``len(similarity)`` edges are the near pairs."""
    sets = UnionFind(len(codes))
    for left, right in zip(ia.tolist(), ib.tolist(), strict=True):
        sets.union(left, right)
    roots = np.array([sets.find(i) for i in range(len(codes))], dtype=np.int64)
    best = np.full(len(codes), -1.0)
    near = slice(len(ia) - len(similarity), None)
    np.maximum.at(best, ia[near], similarity.astype(np.float64))
    np.maximum.at(best, ib[near], similarity.astype(np.float64))
    return roots, best


def read_members(
    store: Store, workdir: str, summaries: list[ShardSummary], codes: AnyArray
) -> dict[int, Member]:
    """The members with these record ``codes``, read from the mapped shards' metadata.

    Raises:
        ShardError: a code names a shard that was not mapped here, or a row it has not.
        MhdsError: one record id sits in two rows.
    """
    numbers, rows = split_codes(codes)
    known = {s.number for s in summaries}
    missing = set(np.unique(numbers).tolist()) - known
    if missing:
        raise ShardError("no summary for a shard named by a pair", shard=num_name(min(missing)))
    members: dict[int, Member] = {}
    groups = group_indices(numbers)
    for summary in summaries:
        if summary.number not in groups:
            continue
        wanted = set(rows[groups[summary.number]].tolist())
        meta_key = key(workdir, "meta", num_name(summary.number) + ".jsonl.zst")
        for _, item in iter_jsonl(store, meta_key, limits=OWN_OUTPUT):
            if isinstance(item, Exception):
                raise item
            row, record_id, family, source_key, content_hash, quality = item
            if row in wanted:
                code = (summary.number << 32) | row
                members[code] = Member(record_id, family, source_key, content_hash, quality)
    if len(members) != len(codes):
        raise ShardError("metadata rows missing for cluster members", shard=workdir)
    ids = Counter(member.id for member in members.values())
    repeated = sorted(record_id for record_id, n in ids.items() if n > 1)
    if repeated:
        raise MhdsError(f"record id {repeated[0]!r} appears in {ids[repeated[0]]} rows")
    return members


def tally(result: DedupResult) -> None:
    """Set the cluster and duplicate counts of ``result`` from its decisions."""
    decisions = result.decisions.values()
    result.stats.clusters = sum(d.kind == "survivor" for d in decisions)
    result.stats.exact_duplicates = sum(d.kind == "exact" for d in decisions)
    result.stats.near_duplicates = sum(d.kind == "near" for d in decisions)
    result.stats.duplicates = result.stats.exact_duplicates + result.stats.near_duplicates


def _write(
    store: Store,
    workdir: str,
    result: DedupResult,
    summaries: list[ShardSummary],
    members: dict[int, Member],
) -> None:
    ordered = sorted(result.decisions.values(), key=_decision_order)
    with JsonlWriter(store, key(workdir, "decisions.jsonl")) as out:
        for decision in ordered:
            out.write(msgspec.to_builtins(decision))
    by_shard: dict[int, list[DuplicateDecision]] = defaultdict(list)
    shard_of = {member.id: code >> 32 for code, member in members.items()}
    for decision in ordered:
        by_shard[shard_of[decision.id]].append(decision)
    for summary in summaries:
        path = key(workdir, "decisions", num_name(summary.number) + ".jsonl")
        with JsonlWriter(store, path) as out:
            for decision in by_shard.get(summary.number, []):
                out.write(msgspec.to_builtins(decision))
    store.write_bytes(key(workdir, "result.json"), msgspec.json.encode(result.stats))


def _load_parts(
    store: Store, workdir: str, kind: str, dtype: np.dtype[Any], count: int
) -> AnyArray:
    """``<kind>/<i>.npy`` for every bucket or partition ``i`` below ``count``, as one array."""
    parts = [load_array(store, key(workdir, kind, part_name(i) + ".npy")) for i in range(count)]
    return concat(parts, dtype)


def _candidate_count(store: Store, workdir: str, config: DedupConfig) -> int:
    if not config.near:
        return 0
    total = 0
    for i in range(config.partitions):
        raw = store.read_bytes(key(workdir, "verified", part_name(i) + ".json"))
        total += int(msgspec.json.decode(raw)["candidates"])
    return total


def _none(dtype: np.dtype[Any]) -> AnyArray:
    return np.empty(0, dtype=dtype)


def _decision_order(decision: DuplicateDecision) -> tuple[str, str]:
    return (decision.cluster_id, decision.id)


def load_result(store: Store, workdir: str) -> DedupResult:
    """The result a finished ``cluster`` wrote to ``workdir`` (decisions and counts), for a
    build that resumes after the search.

    Raises:
        ObjectNotFoundError: the search's results are not (all) there.
        ShardError: they do not decode.
    """
    stats = msgspec.json.decode(store.read_bytes(key(workdir, "result.json")), type=DedupStats)
    result = DedupResult(stats=stats)
    for line, item in iter_jsonl(store, key(workdir, "decisions.jsonl"), limits=OWN_OUTPUT):
        if isinstance(item, Exception):
            raise ShardError(f"decisions line {line} does not decode", shard=workdir)
        decision = msgspec.convert(item, DuplicateDecision)
        result.decisions[decision.id] = decision
    return result
