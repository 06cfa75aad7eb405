"""Streamed readers and JsonlWriter on both backends: JSONL, JSON, CSV/TSV, text; gzip, zstd."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pytest
import zstandard

from mhds.errors import InputError
from mhds.store import LocalStore, Store
from mhds.store.streams import (
    JsonlWriter,
    iter_csv,
    iter_items,
    iter_json,
    iter_jsonl,
    iter_lines,
    read_text,
    split_suffixes,
)

Compressor = Callable[[bytes], bytes]
COMPRESSORS: dict[str, Compressor] = {
    "": lambda data: data,
    ".gz": lambda data: gzip.compress(data, mtime=0),
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}

JSONL_WITH_BAD_LINES = (
    b'{"id": 1, "text": "caf\xc3\xa9"}\n'
    b'{"id": 2, "text": "unterminated\n'
    b'{"id": 3, "text": "latin-1 \xe9 byte"}\r\n'
    b"\n"
    b"   \n"
    b'{"id": 6}\n'
    b"[1, 2]\n"
    b'{"id": 8}'  # no final newline
)


def _outcomes(items: Iterator[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """``(line, value)`` pairs, with errors replaced by ``(reason, field)``."""
    return [
        (line, (item.reason, item.field) if isinstance(item, InputError) else item)
        for line, item in items
    ]


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_jsonl_reports_bad_lines_and_streams_on(store: Store, suffix: str) -> None:
    key = f"raw/chats.jsonl{suffix}"
    store.write_bytes(key, COMPRESSORS[suffix](JSONL_WITH_BAD_LINES))
    items = list(iter_jsonl(store, key))
    assert _outcomes(iter(items)) == [
        (1, {"id": 1, "text": "café"}),
        (2, ("malformed_json", None)),
        (3, ("bad_encoding", None)),
        (6, {"id": 6}),
        (7, [1, 2]),
        (8, {"id": 8}),
    ]
    bad_json, bad_utf8 = items[1][1], items[2][1]
    assert (bad_json.key, bad_json.line) == (key, 2)
    assert (bad_utf8.key, bad_utf8.line, bad_utf8.detail) == (key, 3, "invalid UTF-8 at byte 27")
    assert "unterminated" not in str(bad_json)  # errors never carry record text


def _lines(count: int, start: int = 0) -> bytes:
    return b"".join(
        orjson.dumps({"id": i, "text": f"message {i} " + "x" * (i % 300)}) + b"\n"
        for i in range(start, start + count)
    )


@pytest.mark.parametrize("suffix", [".zst", ".gz"])
def test_multi_frame_objects_stream_every_frame(store: Store, suffix: str) -> None:
    # Several independently compressed frames (zstd) or members (gzip), as appending writers
    # and parallel compressors produce; together more than one read buffer.
    frames = [_lines(4000, start) for start in range(0, 20000, 4000)]
    key = f"multi.jsonl{suffix}"
    store.write_bytes(key, b"".join(COMPRESSORS[suffix](frame) for frame in frames))
    items = list(iter_jsonl(store, key))
    assert [line for line, _ in items] == list(range(1, 20001))
    assert [item["id"] for _, item in items] == list(range(20000))


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_jsonl_writer_round_trip_is_deterministic(store: Store, suffix: str) -> None:
    records = [
        {"id": i, "messages": [{"role": "user", "content": f"hi {i} ü"}]} for i in range(500)
    ]
    stats = []
    for key in (f"out/a.jsonl{suffix}", f"out/b.jsonl{suffix}"):
        with JsonlWriter(store, key) as writer:
            for record in records:
                writer.write(record)
            writer.write_line(b'{"raw":true}')
        stored = store.read_bytes(key)
        assert writer.sha256 == hashlib.sha256(stored).hexdigest()
        assert writer.bytes_written == len(stored) == store.head(key).size
        assert writer.records == len(records) + 1
        stats.append(stored)
        assert [item for _, item in iter_jsonl(store, key)] == [*records, {"raw": True}]
    assert stats[0] == stats[1]
    if suffix:
        assert split_suffixes(f"a.jsonl{suffix}")[1] is not None
        assert stats[0] != b"".join(orjson.dumps(r) for r in records)  # really compressed


def test_jsonl_writer_zstd_workers_give_the_same_bytes_for_any_count(tmp_path: Path) -> None:
    # Release shards are compressed by zstd workers beside the thread that encodes records:
    # their bytes (and so a release's content digest) must not depend on how many workers
    # the machine gives, over more data than one worker's job holds.
    rng = random.Random(5)
    words = ["calm", "panic", "sleep", "talk", "week", "work", "ü", "tired", "friend", "call"]
    lines = [
        orjson.dumps({"n": n, "text": " ".join(rng.choices(words, k=60))}) for n in range(40_000)
    ]
    store, stored = LocalStore(tmp_path), []
    for threads in (1, 2, 3):
        key = f"out/t{threads}.jsonl.zst"
        with JsonlWriter(store, key, zstd_level=9, zstd_threads=threads) as writer:
            for line in lines:
                writer.write_line(line)
        stored.append(store.read_bytes(key))
        assert writer.sha256 == hashlib.sha256(stored[-1]).hexdigest()
        assert [orjson.dumps(item) for _, item in iter_jsonl(store, key)] == lines
    assert stored[0] == stored[1] == stored[2]
    with JsonlWriter(store, "out/t0.jsonl.zst", zstd_level=9) as writer:
        for line in lines:
            writer.write_line(line)
    assert store.read_bytes("out/t0.jsonl.zst") != stored[0]  # the workers did compress


def test_jsonl_writer_failure_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), JsonlWriter(store, "out/x.jsonl.zst") as writer:
        writer.write({"id": 1})
        raise RuntimeError("boom")
    assert list(store.list()) == []


class _FailingSink(io.RawIOBase):
    """A sink that refuses every write, like a full disk."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


class _FullDiskStore(LocalStore):
    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        with super().open_write(key):
            yield _FailingSink()  # type: ignore[misc]


@pytest.mark.parametrize("suffix", [".zst", ".gz"])
def test_jsonl_writer_failing_final_flush_publishes_nothing(tmp_path: Path, suffix: str) -> None:
    # Small outputs reach the sink when the compressor is closed in __exit__ (zstd), or as
    # early as __enter__ (the gzip header): either way no object and no temp file remain.
    store = _FullDiskStore(tmp_path)
    with pytest.raises(OSError) as raised, JsonlWriter(store, f"x.jsonl{suffix}") as writer:
        writer.write({"id": 1})
    # ``raised`` keeps the traceback (and so the writer) alive: cleanup must not wait for gc.
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_json_array_streams_items(store: Store, suffix: str) -> None:
    data = orjson.dumps([{"id": i, "score": i / 2} for i in range(1, 6)])
    store.write_bytes(f"a.json{suffix}", COMPRESSORS[suffix](b"  \n" + data))
    items = list(iter_json(store, f"a.json{suffix}"))
    assert items == [(i, {"id": i, "score": i / 2}) for i in range(1, 6)]
    assert isinstance(items[0][1]["score"], float)


def test_json_items_path_and_single_object(store: Store) -> None:
    store.write_bytes("wrapped.json", b'{"meta": {"n": 2}, "data": [{"a": 1}, {"a": 2}]}')
    assert list(iter_json(store, "wrapped.json", items_path="data.item")) == [
        (1, {"a": 1}),
        (2, {"a": 2}),
    ]
    assert list(iter_json(store, "wrapped.json")) == [
        (1, {"meta": {"n": 2}, "data": [{"a": 1}, {"a": 2}]})
    ]


def test_json_syntax_error_ends_the_object_with_one_error(store: Store) -> None:
    store.write_bytes("bad.json", b'[{"a": 1}, {"a": 2}, {"a": oops}, {"a": 4}]')
    items = _outcomes(iter_json(store, "bad.json"))
    assert items == [(1, {"a": 1}), (2, {"a": 2}), (3, ("malformed_json", None))]


CSV_MULTILINE = (
    b"id,text,lang\n"
    b'1,"first line\nsecond line",en\n'
    b"2,plain,fr\n"
    b'3,"a\r\nb\r\nc ""quoted""",de\n'
    b"\n"
    b"5,after blank,en\n"
)


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_csv_rows_report_their_first_line(store: Store, suffix: str) -> None:
    store.write_bytes(f"t.csv{suffix}", COMPRESSORS[suffix](CSV_MULTILINE))
    rows = list(iter_csv(store, f"t.csv{suffix}"))
    assert [(line, row["id"]) for line, row in rows] == [(2, "1"), (4, "2"), (5, "3"), (9, "5")]
    assert rows[0][1]["text"] == "first line\nsecond line"
    assert rows[2][1]["text"] == 'a\r\nb\r\nc "quoted"'


def test_csv_bad_encoding_names_the_column_and_goes_on(store: Store) -> None:
    data = (
        b"\xef\xbb\xbfid,question,answer\n"  # a BOM before the header
        b"1,ok,fine\n"
        b"2,ok,bad \xff byte\n"
        b"3,short\n"
        b"4,\xe9t\xe9,x\n"
        b"5,ok,ok\n"
    )
    store.write_bytes("c.csv", data)
    rows = _outcomes(iter_csv(store, "c.csv"))
    assert rows == [
        (2, {"id": "1", "question": "ok", "answer": "fine"}),
        (3, ("bad_encoding", "answer")),
        (4, ("malformed_csv", None)),
        (5, ("bad_encoding", "question")),
        (6, {"id": "5", "question": "ok", "answer": "ok"}),
    ]


def test_tsv_uses_tabs(store: Store) -> None:
    store.write_bytes("t.tsv.gz", gzip.compress(b'a\tb\n1\tx, y\n2\t"q\tr"\n'))
    assert list(iter_csv(store, "t.tsv.gz")) == [
        (2, {"a": "1", "b": "x, y"}),
        (3, {"a": "2", "b": "q\tr"}),
    ]


def test_empty_csv_yields_nothing(store: Store) -> None:
    store.write_bytes("e.csv", b"")
    assert list(iter_csv(store, "e.csv")) == []


def test_text_objects(store: Store) -> None:
    store.write_bytes(
        "t/one.txt.zst", COMPRESSORS[".zst"]("Counsellor: hello\nClient: hé\n".encode())
    )
    assert read_text(store, "t/one.txt.zst") == "Counsellor: hello\nClient: hé\n"
    assert list(iter_items(store, "t/one.txt.zst", "text")) == [
        (1, "Counsellor: hello\nClient: hé\n")
    ]
    store.write_bytes("t/bad.md", b"line 1\nline 2\nbad \xff\n")
    [(line, error)] = list(iter_items(store, "t/bad.md", "text"))
    assert (line, error.reason, error.line) == (3, "bad_encoding", 3)


def test_iter_lines_strips_line_endings(store: Store) -> None:
    store.write_bytes("l.txt.gz", gzip.compress(b"a\r\nb\n\nc"))
    assert list(iter_lines(store, "l.txt.gz")) == [(1, b"a"), (2, b"b"), (3, b""), (4, b"c")]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a/b.jsonl", ("jsonl", None)),
        ("a/b.JSONL.ZST", ("jsonl", "zstd")),
        ("b.ndjson.gz", ("jsonl", "gzip")),
        ("b.json.zstd", ("json", "zstd")),
        ("b.csv.gzip", ("csv", "gzip")),
        ("b.tsv", ("tsv", None)),
        ("notes.md", ("text", None)),
        ("blob.bin.gz", (None, "gzip")),
        ("dir.jsonl/blob", (None, None)),
    ],
)
def test_split_suffixes(key: str, expected: tuple[str | None, str | None]) -> None:
    assert split_suffixes(key) == expected
