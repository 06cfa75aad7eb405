"""One search per build, reused: the duplicate graph a finished search left in its workdir.

A build searches its records once (``mhds.pipeline.search``). What comes after reads that
search's signatures, band rows and verified pairs instead of hashing the records again:

* the pairs among the records that survived de-duplication (the links: each cluster shares a
  split) are the search's own pairs among them (``Graph.restrict``), plus what its long band
  runs give when tried again on the survivors only (``near.reduce_within``). Together that is
  the graph a search of only the survivors would find, pair for pair: candidate pairs do not
  depend on where a record is stored (``lsh``), a band run of at most ``max_run_size``
  records gave every pair already, and only a longer run, where the search tried a star and a
  chain, depends on who is in it;
* the leakage gate takes that graph restricted to the records the compiled release holds, and
  adds a search of the previous release's records against the build's search (``base_codes``
  and ``near.reduce_bucket``'s ``base``), which verifies only the pairs that touch a previous
  record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

import numpy as np

from mhds.errors import ShardError
from mhds.steps.dedup.cluster import (
    DedupResult,
    DedupStats,
    Member,
    decide_graph,
    graph_codes,
    load_edges,
    read_members,
    tally,
)
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.layout import (
    AnyArray,
    ShardSummary,
    key,
    num_name,
    read_summaries,
    split_codes,
)
from mhds.store.base import Store
from mhds.store.limits import OWN_OUTPUT
from mhds.store.streams import iter_jsonl


@dataclass(frozen=True)
class Graph:
    """Duplicate edges and the records they name (record code -> member)."""

    links: AnyArray  # PAIR: exact links
    pairs: AnyArray  # VERIFIED: near pairs at or above the threshold
    members: Mapping[int, Member]

    def restrict(self, keep: Callable[[str], bool]) -> Graph:
        """The edges whose both records ``keep`` accepts (by record id)."""
        kept = np.array(
            sorted(code for code, member in self.members.items() if keep(member.id)),
            dtype=np.uint64,
        )
        members = {int(code): self.members[int(code)] for code in kept}
        return Graph(_within(self.links, kept), _within(self.pairs, kept), members)

    def merge(self, other: Graph) -> Graph:
        """Both graphs' edges and members.

        Raises:
            ShardError: one record code names two different records (shard numbers of two
                searches collided).
        """
        for code, member in other.members.items():
            mine = self.members.get(code)
            if mine is not None and mine.id != member.id:
                shard, _ = split_codes(np.array([code], dtype=np.uint64))
                raise ShardError(
                    "two searches name different records with one code: rename a shard",
                    shard=num_name(int(shard[0])),
                )
        return Graph(
            np.concatenate((self.links, other.links)),
            np.concatenate((self.pairs, other.pairs)),
            {**self.members, **other.members},
        )

    def decide(
        self, family_priority: Mapping[str, int], incumbents: Set[str] = frozenset()
    ) -> DedupResult:
        """The clusters of this graph, one survivor each by the keep rule (``cluster``)."""
        decisions = decide_graph(self.links, self.pairs, self.members, family_priority, incumbents)
        stats = DedupStats(exact_links=len(self.links), verified_pairs=len(self.pairs))
        result = DedupResult(decisions, stats)
        tally(result)
        return result


def load_graph(store: Store, workdir: str, config: DedupConfig, *, also: str = "") -> Graph:
    """The graph a finished search left in ``workdir`` (the kinds ``config`` switches on).
    ``also``: the workdir of the base search it was run against, whose records some of its
    edges name.

    Raises:
        ObjectNotFoundError: the search's files are not (all) there.
        ShardError: an edge names a record that neither search mapped.
    """
    links, pairs = load_edges(store, workdir, config)
    codes = graph_codes(links, pairs)
    members: dict[int, Member] = {}
    for where in (workdir, also) if also else (workdir,):
        summaries = read_summaries(store, where)
        mine = _of_shards(codes, summaries)
        members.update(read_members(store, where, summaries, codes[mine]))
        codes = codes[~mine]
    if len(codes):
        shard, _ = split_codes(codes[:1])
        raise ShardError("an edge names a record no search mapped", shard=num_name(int(shard[0])))
    return Graph(links, pairs, members)


def base_codes(
    store: Store, workdir: str, keep: Callable[[str], bool]
) -> tuple[AnyArray, list[str]]:
    """The sorted codes of the records of a finished search that ``keep`` accepts (by id),
    and the ids of its mapped shards."""
    summaries = read_summaries(store, workdir)
    codes: list[int] = []
    for summary in summaries:
        meta_key = key(workdir, "meta", num_name(summary.number) + ".jsonl.zst")
        for _, item in iter_jsonl(store, meta_key, limits=OWN_OUTPUT):
            if isinstance(item, Exception):
                raise item
            if keep(item[1]):
                codes.append((summary.number << 32) | int(item[0]))
    return np.array(sorted(codes), dtype=np.uint64), [s.shard_id for s in summaries]


def _of_shards(codes: AnyArray, summaries: list[ShardSummary]) -> AnyArray:
    numbers, _ = split_codes(codes)
    return np.isin(numbers, np.array([s.number for s in summaries], dtype=np.uint32))


def _within(edges: AnyArray, kept: AnyArray) -> AnyArray:
    return edges[np.isin(edges["a"], kept) & np.isin(edges["b"], kept)]
