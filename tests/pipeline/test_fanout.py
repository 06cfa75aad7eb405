"""The gates' one read of the compiled release: every consumer gets every record, in order,
whatever the others do; a failed read reaches each of them as its own error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mhds.errors import InputError
from mhds.pipeline import fanout
from mhds.pipeline.fanout import Fanout, Keyed, records
from mhds.records.schema import Record
from mhds.store import LocalStore, Store
from mhds.store.streams import JsonlWriter
from tests.cases import make_record

SHARDS = ("data/train/part-00000.jsonl.zst", "data/test/part-00000.jsonl.zst")


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "BATCH", 1_000)  # several batches per shard


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = LocalStore(tmp_path)
    for shard, count in zip(SHARDS, (2_500, 700), strict=True):
        with JsonlWriter(store, shard) as writer:
            for n in range(count):
                record = make_record(f"hi {n}", "hello", record_id=f"{shard[5:9]}-{n}")
                writer.write_line(record.to_json())
    return store


def _ids(items: Iterator[Keyed]) -> list[tuple[str, str]]:
    return [(key, record.metadata.id) for key, record in items]


def _expected() -> list[tuple[str, str]]:
    return [(SHARDS[0], f"trai-{n}") for n in range(2_500)] + [
        (SHARDS[1], f"test-{n}") for n in range(700)
    ]


def test_every_consumer_reads_every_record_once_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = fanout.iter_shard_records

    def counted(store: Store, key: str) -> Iterator[Record]:
        reads.append(key)
        return real(store, key)

    monkeypatch.setattr(fanout, "iter_shard_records", counted)
    release = Fanout(store, list(SHARDS))
    first = release.add("first", _ids)
    second = release.add("second", lambda items: [r.metadata.id for r in records(items)])
    release.run()
    assert first.value() == _expected()
    assert second.value() == [record_id for _, record_id in _expected()]
    assert reads == list(SHARDS)  # one read for both


def test_a_consumer_that_fails_or_stops_early_leaves_the_others_whole(store: Store) -> None:
    def fails(items: Iterator[Keyed]) -> None:
        for n, _ in enumerate(items):
            if n == 1_234:
                raise ValueError("consumer bug")

    def stops(items: Iterator[Keyed]) -> str:
        return next(items)[1].metadata.id

    release = Fanout(store, list(SHARDS))
    failing = release.add("failing", fails)
    stopping = release.add("stopping", stops)
    whole = release.add("whole", _ids)
    release.run()  # returns: neither blocks the read
    with pytest.raises(ValueError, match="consumer bug"):
        failing.value()
    assert stopping.value() == "trai-0"
    assert whole.value() == _expected()


def test_a_failed_read_is_every_reading_consumers_error(store: Store) -> None:
    with JsonlWriter(store, SHARDS[1]) as writer:
        writer.write_line(b"{not a record")
    release = Fanout(store, list(SHARDS))
    seen: list[int] = []

    def counts(items: Iterator[Keyed]) -> int:
        for _ in items:
            seen.append(1)
        return len(seen)

    reading = release.add("reading", counts)
    done_early = release.add("early", lambda items: next(items)[1].metadata.id)
    release.run()
    with pytest.raises(InputError, match="part-00000"):
        reading.value()
    assert 0 < len(seen) <= 2_500  # it was reading the first shard's records before the error
    assert done_early.value() == "trai-0"  # finished before the error: keeps its value


def test_no_consumer_means_nothing_is_read(tmp_path: Path) -> None:
    Fanout(LocalStore(tmp_path), ["data/train/missing.jsonl.zst"]).run()  # no read, no error
