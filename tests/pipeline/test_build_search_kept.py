"""A search kept from build to build: only new shards are hashed, only pairs the last search
did not check are verified, and the pairs and decisions are those of a search from scratch,
whatever was added or removed."""

from __future__ import annotations

import random
from pathlib import Path

import msgspec
import numpy as np
import pytest

from mhds.engine.base import InlineExecutor
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.search import KEPT_SEARCH, SEARCH, search_duplicates, shard_ids
from mhds.records.schema import Record
from mhds.steps.dedup import DedupConfig
from mhds.steps.dedup.cluster import DedupResult
from mhds.steps.dedup.layout import PAIR, key, load_array, load_arrays, shard_number
from mhds.steps.dedup.lsh import record_order, unique_pairs
from mhds.steps.dedup.near import PartitionSummary
from mhds.steps.dedup.prior import contains, current_generation
from mhds.steps.dedup.reuse import load_graph
from mhds.store import LocalStore, Store
from tests.cases import make_record
from tests.pipeline.build_cases import make_registry
from tests.pipeline.test_build_search import clusters, shard
from tests.steps.dedup.dedup_cases import edit_tokens, make_corpus, random_conversation

# Runs of more than two records get a star and a chain, whose pairs depend on who is in the
# run: the case where reusing the last search's pairs could go wrong.
CONFIG = DedupConfig(buckets=3, batch_size=16, max_run_size=2)


def _twins(tag: str, n: int, seed: int) -> list[Record]:
    """``n`` copies of one conversation, in the order a band run sorts them (by id hash)."""
    copy = random_conversation(random.Random(seed), words=60)
    ids = sorted((f"{tag}-{i}" for i in range(n)), key=lambda i: int(record_order([i])[0]))
    return [make_record(*copy, record_id=i) for i in ids]


def _near(records: list[Record], tag: str) -> list[Record]:
    out = []
    for n, record in enumerate(records):
        turns = tuple(m.content for m in record.messages)
        out.append(make_record(*edit_tokens(turns, 0.03, 90 + n), record_id=f"{tag}-{n}"))
    return out


def _shards(store: Store) -> dict[str, str]:
    """Four staged shards; the twins of one conversation spread over three of them: in a
    band run, a's second and third twin have one of b's between them, so the chain pairs them
    only once b is gone."""
    a, b, t = make_corpus(30, "therapy", 11), make_corpus(30, "therapy", 12), _twins("t", 9, 3)
    parts = {
        "a": a + [t[0], t[1], t[3]],
        "b": b + [t[2], t[4], t[5]] + _near(a[:4], "b-near"),
        "c": make_corpus(20, "therapy", 13) + _near(b[:3], "c-near"),
        "d": t[6:] + _twins("u", 5, 4) + _near(a[4:8], "d-near") + _near(b[3:5], "d-near2"),
    }
    return {name: shard(store, f"staged/{name}.jsonl.zst", rs) for name, rs in parts.items()}


def _search(store: Store, staged: list[str], folder: str, stages: dict[str, int]) -> DedupResult:
    def tick(stage: str, done: int, total: int | None) -> None:
        stages[stage] = max(stages.get(stage, 0), done)

    config = BuildConfig(dedup=CONFIG)
    return search_duplicates(store, make_registry(), config, InlineExecutor(), staged, folder, tick)


def _pairs_by_id(store: Store, folder: str) -> set[tuple[str, str, float]]:
    graph = load_graph(store, folder, CONFIG)
    ids = {code: member.id for code, member in graph.members.items()}
    return {
        (*sorted((ids[int(p["a"])], ids[int(p["b"])])), float(p["similarity"]))  # type: ignore[misc]
        for p in graph.pairs
    }


def _known(store: Store, folder: str) -> int:
    """The pairs the last search's verifications took from the search before it."""
    summaries = [
        i.key for i in store.list(key(folder, "verified") + "/") if i.key.endswith(".json")
    ]
    assert summaries
    return sum(
        msgspec.json.decode(store.read_bytes(k), type=PartitionSummary).known for k in summaries
    )


def test_a_kept_search_redoes_only_what_changed_and_finds_what_a_fresh_search_finds(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    staged = _shards(store)
    first: dict[str, int] = {}
    _search(store, [staged["a"], staged["b"], staged["c"]], KEPT_SEARCH, first)
    assert first["dedup: map"] == 3 and _known(store, KEPT_SEARCH) == 0

    # b goes (three twins and the near copies of a with it), d comes (three more twins,
    # other twins, near copies of a and of the gone b's records).
    now = [staged["d"], staged["a"], staged["c"]]
    second: dict[str, int] = {}
    kept = _search(store, now, KEPT_SEARCH, second)
    fresh = _search(store, now, f"fresh/{SEARCH}", {})

    assert second["dedup: map"] == 1  # d only
    assert clusters(kept) == clusters(fresh) and len(clusters(fresh)) >= 6
    assert _pairs_by_id(store, KEPT_SEARCH) == _pairs_by_id(store, f"fresh/{SEARCH}")
    assert kept.stats == fresh.stats
    assert _known(store, KEPT_SEARCH) > 0  # pairs of a and c, checked by the first search
    # Nothing of the gone shard is left in the kept folder.
    gone = f"{shard_number(shard_ids([staged['b']])[0]):08x}"
    assert not [i.key for i in store.list(KEPT_SEARCH + "/") if gone in i.key]


def test_known_pairs_are_only_those_the_last_search_checked_in_the_same_bucket(
    tmp_path: Path,
) -> None:
    # A long run that loses members gets another chain: a pair of two unchanged records that
    # the last search never tried (a's twins once b's twin between them is gone) is
    # verified now, not taken as known.
    store = LocalStore(tmp_path / "store")
    staged = _shards(store)
    _search(store, [staged["a"], staged["b"]], KEPT_SEARCH, {})
    first = current_generation(store, KEPT_SEARCH)
    checked = {
        bucket: load_array(store, key(KEPT_SEARCH, "pairs", first, "checked", f"{bucket:05d}.npy"))
        for bucket in range(CONFIG.buckets)
    }
    unchanged = {shard_number(i) for i in shard_ids([staged["a"]])}
    _search(store, [staged["a"], staged["d"]], KEPT_SEARCH, {})
    for bucket in range(CONFIG.buckets):
        known = _known_of_bucket(store, KEPT_SEARCH, bucket)
        assert contains(checked[bucket], known).all()
        ends = np.concatenate((known["a"], known["b"])) >> np.uint64(32)
        assert set(ends.tolist()) <= unchanged
    assert _known(store, KEPT_SEARCH) > 0
    assert not store.exists(key(KEPT_SEARCH, "pairs", first, "checked", "00000.npy"))


@pytest.mark.parametrize("change", [{"seed": 2}, {"partitions": 2}])
def test_a_changed_spec_hashes_every_shard_again(tmp_path: Path, change: dict[str, int]) -> None:
    # Another seed changes the signatures; another partition count, where each pair's
    # outcome was recorded.
    store = LocalStore(tmp_path / "store")
    staged = _shards(store)
    both = [staged["a"], staged["c"]]
    _search(store, both, KEPT_SEARCH, {})
    generation = current_generation(store, KEPT_SEARCH)
    stages: dict[str, int] = {}
    config = BuildConfig(dedup=CONFIG.model_copy(update=change))
    search_duplicates(
        store,
        make_registry(),
        config,
        InlineExecutor(),
        both,
        KEPT_SEARCH,
        lambda stage, done, total: stages.__setitem__(stage, done),
    )
    assert stages["dedup: map"] == 2
    assert _known(store, KEPT_SEARCH) == 0  # no outcome carries over
    assert current_generation(store, KEPT_SEARCH) not in ("", generation)


def test_shard_ids_do_not_depend_on_the_order_of_the_shards() -> None:
    staged = [f"work/steps/{n:032x}/part.jsonl.zst" for n in range(50)]
    named = dict(zip(staged, shard_ids(staged), strict=True))
    assert dict(zip(staged[::-1], shard_ids(staged[::-1]), strict=True)) == named
    assert len({shard_number(i) for i in named.values()}) == 50


def test_shard_ids_whose_numbers_collide_get_a_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    import mhds.pipeline.search as search

    monkeypatch.setattr(search, "shard_number", lambda name: len(name))
    assert shard_ids(["bb", "aa", "c"]) == ["bb#1", "aa", "c"]


def test_contains_is_exact_when_pairs_share_their_mix(monkeypatch: pytest.MonkeyPatch) -> None:
    import mhds.steps.dedup.prior as prior

    rng = np.random.default_rng(5)
    table = np.empty(300, dtype=PAIR)
    table["a"], table["b"] = rng.integers(0, 40, 300), rng.integers(0, 40, 300)
    table = unique_pairs(table)
    asked = np.empty(500, dtype=PAIR)
    asked["a"], asked["b"] = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    asked[:100] = table[rng.integers(0, len(table), 100)]
    expected = [(int(p["a"]), int(p["b"])) in set(map(tuple, table.tolist())) for p in asked]

    assert contains(table, asked).tolist() == expected
    assert contains(table, asked[:5]).tolist() == expected[:5]  # few: row by row
    # A mix that many pairs share: the clashing queries are looked up row by row.
    monkeypatch.setattr(prior, "pair_mix", lambda pairs: pairs["a"] % np.uint64(3))
    assert contains(table, asked).tolist() == expected
    assert not contains(table[:0], asked).any() and not len(contains(table, asked[:0]))


def _known_of_bucket(store: Store, workdir: str, bucket: int) -> np.ndarray:
    """The pairs a search's reduce of ``bucket`` wrote as known, over every partition."""
    ending = f"/{bucket:05d}.npz"
    files = [i.key for i in store.list(key(workdir, "candidates") + "/") if i.key.endswith(ending)]
    parts = [load_arrays(store, k)["known"] for k in files]
    return np.concatenate(parts) if parts else np.empty(0, dtype=PAIR)
