"""A search folder kept from build to build: the shards it mapped and the pairs it checked.

A build keeps its duplicate search in one folder (``mhds.pipeline.search``), so the next
search redoes only what changed:

* **Maps.** A shard is named by its staged key, which hashes its content, so a shard whose
  summary is there (same id, same spec) is not hashed again. ``prepare`` first deletes the
  maps of shards the search does not have, and every file of the last search's reduce and
  verification.
* **Pairs.** Each reduce writes every pair it generated in its bucket
  (``pairs/<gen>/checked/<bucket>.npy``) and each verification the pairs it kept
  (``pairs/<gen>/verified/<part>.npy``); ``pairs.json`` names the generation of the last
  finished search, its spec, its threshold and its shards. The next search still generates
  every candidate pair from every band row (the pairs of a long run depend on who is in it,
  see ``lsh``), but a pair of two unchanged shards that the last search checked in the same
  bucket is not verified again (nor its signatures read): its outcome is the last search's,
  because a similarity depends on the two signatures only. The verified pairs are therefore
  those of a search from scratch, pair for pair, whatever was added or removed.

Only one search uses the folder at a time (a build holds the store's lease).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import numpy as np

from mhds.errors import ConfigError, ObjectNotFoundError
from mhds.records import codec
from mhds.steps.dedup.layout import (
    PAIR,
    VERIFIED,
    AnyArray,
    key,
    load_array,
    num_name,
    part_name,
    read_summaries,
    save_array,
    search_sorted,
    shard_number,
    split_codes,
)
from mhds.steps.dedup.lsh import pair_mix
from mhds.store.base import Store

# What a shard's map wrote: kept while the shard is searched again.
MAP_KINDS = frozenset({"shards", "sig", "shingles", "meta", "shuffle"})
PAIRS = "pairs"
POINTER = "pairs.json"
PRIOR_SHARDS = "prior-shards.npy"  # sorted shard numbers whose last-search pairs hold


class PairState(msgspec.Struct, frozen=True):
    """The last finished search's pairs: where they are and what they were checked under.

    Attributes:
        gen: the folder under ``pairs/`` that holds them.
        spec: ``dedup_spec`` of that search (the signatures' spec).
        threshold: the Jaccard threshold its verification applied.
        shards: shard number (``num_name``) -> shard id, the shards it searched.
    """

    gen: str
    spec: dict[str, str | int]
    threshold: float
    shards: dict[str, str]


@dataclass(frozen=True)
class Generations:
    """The pair generations a reduce or verification reads and writes.

    Attributes:
        prior: the last finished search's (its outcomes are reused; empty: none).
        current: this search's (where it records what it checked; empty: nowhere).
    """

    prior: str = ""
    current: str = ""


NO_GENERATIONS = Generations()


@dataclass(frozen=True)
class Prepared:
    """What a search in a kept folder has left to do.

    Attributes:
        to_map: the shard ids whose maps are not there.
        prior: the generation of the last search's pairs (empty: none usable).
    """

    to_map: list[str]
    prior: str


def prepare(
    store: Store, workdir: str, shard_ids: list[str], spec: dict[str, str | int], threshold: float
) -> Prepared:
    """Make ``workdir`` hold the maps of ``shard_ids`` that are there and the last search's
    pairs only (see the module docstring); every map of another spec goes.

    Raises:
        ConfigError: two of ``shard_ids`` share a shard number.
    """
    wanted = _numbers(shard_ids)
    try:
        mapped = {s.number: s for s in read_summaries(store, workdir)}
    except ConfigError:  # shards of several specs: none is trusted
        mapped = {}
        store.delete_many([i.key for i in store.list(key(workdir) + "/")])
    if any(s.spec != spec for s in mapped.values()):
        mapped = {}
    state = _read_state(store, workdir, spec, threshold)
    kept = {n for n, s in mapped.items() if wanted.get(n) == s.shard_id}
    store.delete_many(_stale(store, workdir, kept, state.gen if state else ""))
    prior: list[int] = []
    if state is not None:
        prior = [n for n, i in wanted.items() if state.shards.get(num_name(n)) == i]
    save_array(store, key(workdir, PRIOR_SHARDS), np.array(sorted(prior), dtype=np.uint32))
    to_map = [i for i in shard_ids if shard_number(i) not in kept]
    return Prepared(to_map, state.gen if state and prior else "")


def commit(
    store: Store,
    workdir: str,
    shard_ids: list[str],
    gen: str,
    prior: str,
    spec: dict[str, str | int],
    threshold: float,
) -> None:
    """Name ``gen`` the pairs of the last finished search (of ``shard_ids``), then delete the
    ``prior`` generation's."""
    shards = {num_name(shard_number(i)): i for i in shard_ids}
    state = PairState(gen, spec, threshold, shards)
    store.write_bytes(key(workdir, POINTER), codec.dumps(msgspec.to_builtins(state)))
    if prior and prior != gen:
        store.delete_many([i.key for i in store.list(key(workdir, PAIRS, prior) + "/")])


def current_generation(store: Store, workdir: str) -> str:
    """The generation of the last finished search in ``workdir`` (empty: none): a build that
    resumes after its search checks that no other search ran there since."""
    state = _load_state(store, workdir)
    return state.gen if state is not None else ""


def clear_outputs(store: Store, workdir: str) -> None:
    """Delete what a search's reduce and verification left in ``workdir`` (tens of GB at a
    million conversations), keeping its maps and its pairs for the next search."""
    root = key(workdir) + "/"
    keep = MAP_KINDS | {PAIRS, POINTER}
    store.delete_many(
        [i.key for i in store.list(root) if i.key[len(root) :].split("/")[0] not in keep]
    )


def split_known(
    store: Store, workdir: str, bucket: int, pairs: AnyArray, prior: str
) -> tuple[AnyArray, AnyArray]:
    """``pairs`` (sorted, unique) as ``(to verify, known)``: known are the pairs of two shards
    the ``prior`` search also had that it checked in this bucket."""
    if not prior or not len(pairs):
        return pairs, pairs[:0]
    shards = load_array(store, key(workdir, PRIOR_SHARDS))
    numbers_a, _ = split_codes(pairs["a"])
    numbers_b, _ = split_codes(pairs["b"])
    old = np.isin(numbers_a, shards) & np.isin(numbers_b, shards)
    checked = _load_or_empty(store, key(workdir, PAIRS, prior, "checked", part_name(bucket)), PAIR)
    known = old.copy()
    known[old] = contains(checked, pairs[old])
    return pairs[~known], pairs[known]


def save_checked(store: Store, workdir: str, gen: str, bucket: int, pairs: AnyArray) -> None:
    """The pairs a reduce generated in ``bucket`` (verified now or known): ``gen``'s record."""
    save_array(store, key(workdir, PAIRS, gen, "checked", part_name(bucket) + ".npy"), pairs)


def save_verified(store: Store, workdir: str, gen: str, part: int, verified: AnyArray) -> None:
    """The pairs a verification kept in ``part``: ``gen``'s record."""
    save_array(store, key(workdir, PAIRS, gen, "verified", part_name(part) + ".npy"), verified)


def with_known(
    store: Store, workdir: str, part: int, prior: str, verified: AnyArray, known: AnyArray
) -> AnyArray:
    """``verified`` plus the ``VERIFIED`` rows of the ``prior`` search in ``part`` for the
    ``known`` pairs (those it kept; the others it checked and dropped), sorted by ``(a, b)``
    as a search that verified them all would write them."""
    if not len(known):
        return verified
    stem = key(workdir, PAIRS, prior, "verified", part_name(part))
    before = _load_or_empty(store, stem, VERIFIED)
    ends = np.empty(len(before), dtype=PAIR)
    ends["a"], ends["b"] = before["a"], before["b"]
    rows = np.concatenate((verified, before[contains(known, ends)]))
    return rows[np.lexsort((rows["b"], rows["a"]))]


def contains(sorted_pairs: AnyArray, pairs: AnyArray) -> AnyArray:
    """Whether each of ``pairs`` is in ``sorted_pairs`` (unique, sorted by ``(a, b)``).

    A few queries are looked up row by row (a binary search per query). Many are looked up by
    a 64-bit mix of both ends, which costs a sort of the table but is several times faster per
    query than comparing structured rows, then compared end by end; a query whose mix two
    pairs share is looked up row by row, so the answer is exact."""
    if not len(sorted_pairs) or not len(pairs):
        return np.zeros(len(pairs), dtype=bool)
    if len(pairs) * _FEW < len(sorted_pairs):
        return search_sorted(sorted_pairs, pairs)[1]
    known = pair_mix(sorted_pairs)
    order = np.argsort(known)
    ranked = known[order]
    wanted = pair_mix(pairs)
    asked = np.argsort(wanted)  # sorted queries: the search walks the table in order
    index = np.empty(len(pairs), dtype=np.intp)
    index[asked] = np.minimum(np.searchsorted(ranked, wanted[asked]), len(ranked) - 1)
    at = order[index]
    found = (sorted_pairs["a"][at] == pairs["a"]) & (sorted_pairs["b"][at] == pairs["b"])
    clash = ~found & (ranked[index] == wanted)
    if clash.any():
        found[clash] = search_sorted(sorted_pairs, pairs[clash])[1]
    return np.asarray(found)


# Fewer queries than the table's rows over this: a binary search per query beats sorting it.
_FEW = 16


def _load_or_empty(store: Store, stem: str, dtype: np.dtype[np.void]) -> AnyArray:
    try:
        return load_array(store, stem + ".npy")
    except ObjectNotFoundError:
        return np.empty(0, dtype=dtype)


def _numbers(shard_ids: list[str]) -> dict[int, str]:
    numbers: dict[int, str] = {}
    for shard_id in shard_ids:
        number = shard_number(shard_id)
        if numbers.setdefault(number, shard_id) != shard_id:
            raise ConfigError(
                f"shard ids {numbers[number]!r} and {shard_id!r} share number {num_name(number)}"
            )
    return numbers


def _read_state(
    store: Store, workdir: str, spec: dict[str, str | int], threshold: float
) -> PairState | None:
    """The last finished search's pair state, when it was made under this spec and threshold."""
    state = _load_state(store, workdir)
    if state is None or state.spec != spec or state.threshold != threshold:
        return None
    return state


def _load_state(store: Store, workdir: str) -> PairState | None:
    try:
        return msgspec.json.decode(store.read_bytes(key(workdir, POINTER)), type=PairState)
    except (ObjectNotFoundError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def _stale(store: Store, workdir: str, kept: set[int], gen: str) -> list[str]:
    """The keys of ``workdir`` a new search must not see: maps of shards not ``kept``, pairs of
    a generation other than ``gen``, and every file of the last search's other phases."""
    stale: list[str] = []
    root = key(workdir) + "/"
    for info in store.list(root):
        parts = info.key[len(root) :].split("/")
        if parts[0] in MAP_KINDS:
            keep = len(parts) > 1 and _number(parts[-1].split(".", 1)[0]) in kept
        else:
            keep = parts == [POINTER] or (parts[0] == PAIRS and len(parts) > 2 and parts[1] == gen)
        if not keep:
            stale.append(info.key)
    return stale


def _number(stem: str) -> int | None:
    try:
        return int(stem, 16)
    except ValueError:
        return None
