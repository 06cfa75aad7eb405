"""Read limits on untrusted input, enforced while streaming: line (CSV row, JSON item, text
object) length, object size after decompression, compression ratio. What breaks one is
quarantined with the limit it broke; the object goes on when it can; memory stays bounded."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from mhds.errors import InputError, InputLimitError
from mhds.ingest import IngestConfig, ReadLimits, ingest_source
from mhds.ingest.processed import iter_records, read_manifest
from mhds.pipeline.config import BuildConfig
from mhds.records import codec
from mhds.store import S3Store, Store
from mhds.store.streams import (
    iter_csv,
    iter_items,
    iter_json,
    iter_jsonl,
    iter_lines,
    read_text,
)
from tests.ingest.test_run import chat, make_registry
from tests.store.test_streams import COMPRESSORS

LINE = ReadLimits(max_line_bytes=1000)
# Ratio checks from the first byte in these tests (the default waits for 16 MiB).
RATIO = ReadLimits(max_compression_ratio=20, ratio_check_after_bytes=0)


def _outcomes(items: Iterator[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """``(line, value)`` pairs, errors as ``(reason, line)``."""
    return [
        (line, (item.reason, item.line) if isinstance(item, InputError) else item)
        for line, item in items
    ]


def _json_line(n: int, size: int = 40) -> bytes:
    """A JSONL line of exactly ``size`` bytes (at least 20)."""
    head = orjson.dumps({"n": n, "t": ""})
    return orjson.dumps({"n": n, "t": "x" * (size - len(head))})


# --- JSONL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_an_over_long_jsonl_line_is_skipped_and_the_object_goes_on(
    store: Store, suffix: str
) -> None:
    key = f"raw/a.jsonl{suffix}"
    lines = [_json_line(1), _json_line(2, 250_000), _json_line(3), _json_line(4, 1001)]
    store.write_bytes(key, COMPRESSORS[suffix](b"\n".join(lines) + b"\n"))
    items = list(iter_jsonl(store, key, limits=LINE))
    assert _outcomes(iter(items)) == [
        (1, orjson.loads(lines[0])),
        (2, ("line_too_long", 2)),
        (3, orjson.loads(lines[2])),
        (4, ("line_too_long", 4)),
    ]
    error = items[1][1]
    assert isinstance(error, InputLimitError)
    assert error.key == key
    assert error.detail == "line of 250000 bytes, over the limit max_line_bytes=1000"
    assert str(error).startswith(f"{key}:2: line_too_long")


def test_a_line_of_exactly_the_limit_passes_whatever_its_ending(store: Store) -> None:
    exact = _json_line(1, 1000)
    data = exact + b"\r\n" + exact + b"\n" + exact + b"x\n" + exact  # no final newline
    store.write_bytes("exact.jsonl", data)
    items = _outcomes(iter_jsonl(store, "exact.jsonl", limits=LINE))
    value = orjson.loads(exact)
    assert items == [(1, value), (2, value), (3, ("line_too_long", 3)), (4, value)]


def test_iter_lines_raises_at_an_over_long_line(store: Store) -> None:
    store.write_bytes("l.txt", b"short\n" + b"y" * 5000 + b"\nafter\n")
    lines = iter_lines(store, "l.txt", limits=LINE)
    assert next(lines) == (1, b"short")
    with pytest.raises(InputLimitError) as raised:
        next(lines)
    assert (raised.value.reason, raised.value.line) == ("line_too_long", 2)


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_an_object_over_its_size_stops_with_one_error(store: Store, suffix: str) -> None:
    key = f"big.jsonl{suffix}"
    lines = b"".join(_json_line(n) + b"\n" for n in range(100_000))  # 4.1 MB
    store.write_bytes(key, COMPRESSORS[suffix](lines))
    items = list(iter_jsonl(store, key, limits=ReadLimits(max_object_bytes=2_000_000)))
    *good, (line, error) = items
    # Counted per read of at most 1 MiB: the lines before the limit come out, then one error.
    assert len(good) > 0 and len(good) * 41 <= 2_000_000
    assert [v["n"] for _, v in good] == list(range(len(good)))
    assert isinstance(error, InputLimitError) and error.reason == "object_too_large"
    assert line == len(good) + 1 and (error.key, error.line) == (key, line)
    assert "the limit max_object_bytes=2000000" in (error.detail or "")


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_a_compression_ratio_past_the_limit_stops_the_object(store: Store, suffix: str) -> None:
    key = f"bomb.jsonl{suffix}"
    store.write_bytes(key, COMPRESSORS[suffix](b"\n".join([_json_line(1)] * 50_000) + b"\n"))
    [(line, error)] = list(iter_jsonl(store, key, limits=RATIO))
    assert isinstance(error, InputLimitError) and error.reason == "compression_ratio"
    assert (error.key, error.line, line) == (key, 1, 1)
    assert "max_compression_ratio=20" in (error.detail or "")


def test_the_ratio_waits_for_enough_bytes_and_never_applies_uncompressed(store: Store) -> None:
    data = b"\n".join([_json_line(1)] * 50_000) + b"\n"  # ~2 MB, ~100x under gzip
    store.write_bytes("r.jsonl.gz", gzip.compress(data))
    store.write_bytes("r.jsonl", data)
    waits = ReadLimits(max_compression_ratio=20, ratio_check_after_bytes=4 << 20)
    assert len(list(iter_jsonl(store, "r.jsonl.gz", limits=waits))) == 50_000
    assert len(list(iter_jsonl(store, "r.jsonl", limits=RATIO))) == 50_000


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_an_over_long_csv_row_is_skipped_and_the_rows_after_it_read(
    store: Store, suffix: str
) -> None:
    data = (
        b"id,text\n"
        b"1,short\n"
        b"2," + b"z" * 3000 + b"\n"  # one long line
        b'3,"starts short\n' + b"q\n" * 600 + b'ends here, ""quoted"""\n'  # long quoted field
        b"4,after\r\n"
        b'5,"two\nlines"\n'
    )
    store.write_bytes(f"t.csv{suffix}", COMPRESSORS[suffix](data))
    rows = _outcomes(iter_csv(store, f"t.csv{suffix}", limits=LINE))
    assert rows == [
        (2, {"id": "1", "text": "short"}),
        (3, ("line_too_long", 3)),
        (4, ("line_too_long", 4)),
        (606, {"id": "4", "text": "after"}),  # 4 + 600 q lines + "ends here" + 1
        (607, {"id": "5", "text": "two\nlines"}),
    ]


def test_an_over_long_csv_header_ends_the_object(store: Store) -> None:
    store.write_bytes("h.csv", b"a," + b"b" * 2000 + b"\n1,2\n")
    assert _outcomes(iter_csv(store, "h.csv", limits=LINE)) == [(1, ("line_too_long", 1))]


def test_a_csv_object_over_its_size_stops_with_one_error(store: Store) -> None:
    data = b"id,text\n" + b"".join(b"%d,row number %d\n" % (n, n) for n in range(5000))
    store.write_bytes("big.csv.zst", COMPRESSORS[".zst"](data))
    rows = list(iter_csv(store, "big.csv.zst", limits=ReadLimits(max_object_bytes=50_000)))
    *good, (_, error) = rows
    assert all(isinstance(row, dict) for _, row in good)
    assert isinstance(error, InputLimitError) and error.reason == "object_too_large"


def test_csv_line_numbers_hold_with_bare_carriage_returns(store: Store) -> None:
    store.write_bytes("cr.csv", b"id,text\r1,a\r2," + b"w" * 2000 + b"\r3,c\r")
    assert _outcomes(iter_csv(store, "cr.csv", limits=LINE)) == [
        (2, {"id": "1", "text": "a"}),
        (3, ("line_too_long", 3)),
        (4, {"id": "3", "text": "c"}),
    ]


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".zst"])
def test_a_json_item_over_the_limit_ends_the_object(store: Store, suffix: str) -> None:
    items = [{"n": 1}, {"n": 2, "t": "v" * 200_000}, {"n": 3}]
    store.write_bytes(f"a.json{suffix}", COMPRESSORS[suffix](orjson.dumps(items)))
    assert _outcomes(iter_json(store, f"a.json{suffix}", limits=LINE)) == [
        (1, {"n": 1}),
        (2, ("line_too_long", 2)),
    ]


def test_a_whole_json_document_is_one_item(store: Store) -> None:
    store.write_bytes("doc.json", orjson.dumps({"t": "d" * 5000}))
    assert _outcomes(iter_json(store, "doc.json", limits=LINE)) == [(1, ("line_too_long", 1))]
    small = [{"n": n, "t": "s" * 400} for n in range(100)]  # 42 KB, items under the limit
    store.write_bytes("many.json", orjson.dumps(small))
    assert [v for _, v in iter_json(store, "many.json", limits=LINE)] == small


@pytest.mark.parametrize(
    ("limits", "reason"),
    [(ReadLimits(max_object_bytes=30_000), "object_too_large"), (RATIO, "compression_ratio")],
)
def test_json_object_size_and_ratio(store: Store, limits: ReadLimits, reason: str) -> None:
    store.write_bytes("a.json.gz", gzip.compress(orjson.dumps([{"n": 1, "t": "r" * 30}] * 5000)))
    *good, (_, error) = list(iter_json(store, "a.json.gz", limits=limits))
    assert all(isinstance(v, dict) for _, v in good)
    assert isinstance(error, InputLimitError) and error.reason == reason


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_a_text_object_over_the_limit(store: Store, suffix: str) -> None:
    store.write_bytes(f"t/ok.txt{suffix}", COMPRESSORS[suffix](b"Counsellor: hi\n" * 60))
    store.write_bytes(f"t/long.txt{suffix}", COMPRESSORS[suffix](b"Client: words\n" * 100))
    assert read_text(store, f"t/ok.txt{suffix}", limits=LINE) == "Counsellor: hi\n" * 60
    [(line, error)] = list(iter_items(store, f"t/long.txt{suffix}", "text", limits=LINE))
    assert isinstance(error, InputLimitError)
    assert (line, error.reason, error.line) == (1, "line_too_long", 1)
    assert error.detail == "text object over the limit max_line_bytes=1000"


def test_a_text_object_past_the_ratio(store: Store) -> None:
    store.write_bytes("t/r.txt.zst", COMPRESSORS[".zst"](b"Client: same line\n" * 20_000))
    with pytest.raises(InputLimitError) as raised:
        read_text(store, "t/r.txt.zst", limits=RATIO)
    assert (raised.value.reason, raised.value.key) == ("compression_ratio", "t/r.txt.zst")


# --- normal data and config ------------------------------------------------------------------


def test_default_limits_leave_normal_data_alone(store: Store) -> None:
    lines = [codec.dumps(chat(f"Question {n}?", f"Answer {n}.")) for n in range(2000)]
    store.write_bytes("raw/chats/a.jsonl.zst", COMPRESSORS[".zst"](b"\n".join(lines)))
    result = ingest_source(store, make_registry(), "chats", build_id="b1")
    assert (result.records, dict(result.quarantined)) == (2000, {})


def test_limits_are_configured_in_ingest_config_and_hashed() -> None:
    config = IngestConfig.model_validate({"limits": {"max_line_bytes": 4096}})
    assert config.limits.max_line_bytes == 4096
    assert config.limits.max_object_bytes == 8 << 30
    assert IngestConfig().limits == ReadLimits(
        max_line_bytes=64 << 20,
        max_object_bytes=8 << 30,
        max_compression_ratio=500,
        ratio_check_after_bytes=16 << 20,
    )
    with pytest.raises(ValueError, match="max_compression_ratio"):
        ReadLimits(max_compression_ratio=1)
    with pytest.raises(ValueError, match="extra"):
        IngestConfig.model_validate({"limits": {"max_lines": 1}})
    build = BuildConfig.model_validate({"ingest": {"limits": {"max_line_bytes": 4096}}})
    assert build.output_hash() != BuildConfig().output_hash()


def test_ingest_quarantines_an_over_long_line_naming_the_limit(store: Store) -> None:
    good = codec.dumps(chat("I can't sleep.", "How long has this been going on?"))
    long = codec.dumps(chat("x" * 5000, "y"))
    store.write_bytes("raw/chats/a.jsonl.gz", gzip.compress(b"\n".join([good, long, good])))
    registry = make_registry()
    config = IngestConfig(limits=LINE)

    result = ingest_source(store, registry, "chats", config=config, build_id="b1")

    assert (result.records, dict(result.quarantined)) == (2, {"line_too_long": 1})
    [entry] = [e for _, e in iter_jsonl(store, "quarantine/b1/chats.jsonl")]
    assert entry["key"] == "raw/chats/a.jsonl.gz"
    assert (entry["line"], entry["locator"], entry["item"]) == (2, "line:2", None)
    assert entry["detail"] == f"line of {len(long)} bytes, over the limit max_line_bytes=1000"
    records = list(iter_records(store, read_manifest(store, registry, "chats")))
    assert [r.metadata.provenance.locator for r in records] == ["line:1", "line:3"]
    # The limits are part of the run's config hash: other limits, another run.
    other = ingest_source(store, registry, "chats", build_id="b2")
    assert other.run_id != result.run_id and not other.up_to_date
    assert (
        records[0].metadata.provenance.config_hash
        != next(
            iter_records(store, read_manifest(store, registry, "chats"))
        ).metadata.provenance.config_hash
    )


def test_ingest_goes_on_after_an_object_over_its_limits(store: Store) -> None:
    good = codec.dumps(chat("I feel anxious at work.", "What happens just before it starts?"))
    store.write_bytes(
        "raw/chats/a-bomb.jsonl.zst", COMPRESSORS[".zst"](b"\n".join([good] * 50_000))
    )
    store.write_bytes("raw/chats/b.jsonl", good + b"\n")
    result = ingest_source(
        store, make_registry(), "chats", config=IngestConfig(limits=RATIO), build_id="b1"
    )
    assert (result.records, dict(result.quarantined)) == (1, {"compression_ratio": 1})


# --- the decompression bomb of the issue -----------------------------------------------------

BOMB_LINE = 1536 << 20  # 1.5 GiB of "a" on one line, ~1.5 MB of gzip
_INGEST_SCRIPT = """
import json, sys
from mhds.ingest import IngestConfig, ReadLimits, ingest_source
from mhds.registry.schema import Registry
from mhds.store import open_store
from mhds.store.streams import iter_jsonl

registry = Registry.model_validate(json.loads(sys.argv[3]))
limits = ReadLimits.model_validate(json.loads(sys.argv[2]))
store = open_store(sys.argv[1])
result = ingest_source(store, registry, "chats", config=IngestConfig(limits=limits), build_id="b")
entries = [e for _, e in iter_jsonl(store, result.quarantine_key)]
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({
    "records": result.records,
    "quarantine": [[e["reason"], e["key"], e["line"], e["detail"]] for e in entries],
    "peak_kib": int(peak.split()[1]),
}))
"""


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gzip of one 1.5 GiB line of "a", then a good line: "a" streamed into gzip by MiB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.jsonl.gz"
    chunk = b"a" * (1 << 20)
    good = codec.dumps(chat("I can't sleep.", "How long has this been going on?"))
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as out:
        for _ in range(BOMB_LINE // len(chunk)):
            out.write(chunk)
        out.write(b"\n" + good + b"\n")
    return path


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (VmHWM)")
@pytest.mark.parametrize(
    ("limits", "reason", "records"),
    [
        # Defaults: the ratio (~1000x) stops it after 16 MiB.
        ({}, "compression_ratio", 0),
        # No ratio check: the 64 MiB line limit skips the line, the next line is read.
        ({"max_compression_ratio": 1e9}, "line_too_long", 1),
        # No ratio check, a 256 MiB object limit: the object stops there.
        ({"max_compression_ratio": 1e9, "max_object_bytes": 256 << 20}, "object_too_large", 0),
    ],
    ids=["defaults", "line-limit", "object-limit"],
)
def test_a_decompression_bomb_is_quarantined_in_bounded_memory(
    store: Store, bomb: Path, limits: dict[str, Any], reason: str, records: int
) -> None:
    assert bomb.stat().st_size < 2 << 20
    store.write_bytes("raw/chats/bomb.jsonl.gz", bomb.read_bytes())
    good = codec.dumps(chat("I feel anxious at work.", "What happens just before it starts?"))
    store.write_bytes("raw/chats/good.jsonl", good + b"\n")
    env = dict(os.environ)
    if isinstance(store, S3Store):
        env["AWS_ENDPOINT_URL"] = store.settings.endpoint_url or ""
    registry = make_registry().model_dump(mode="json")

    done = subprocess.run(
        [sys.executable, "-c", _INGEST_SCRIPT, store.uri, json.dumps(limits), json.dumps(registry)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["records"] == 1 + records  # good.jsonl, and the line after the bomb's
    [[got, key, line, detail]] = report["quarantine"]
    assert (got, key, line) == (reason, "raw/chats/bomb.jsonl.gz", 1)
    assert "max_" in detail  # names the limit it broke
    peak_mb = report["peak_kib"] * 1024 / 1e6
    print(f"{reason}: peak RSS {peak_mb:.0f} MB")
    assert peak_mb < 500


def test_csv_resynchronises_by_the_csv_quoting_rules_not_by_quote_parity(store: Store) -> None:
    # A quote inside an unquoted field is an ordinary character; a quoted field spans lines.
    data = b'h1,h2\n5" tall,' + b"L" * 20 + b'\nok,"multi\nsecret,part"\nx,"a ""b"" c"\nlast,row\n'
    store.write_bytes("raw/quotes.csv", data)
    items = list(iter_csv(store, "raw/quotes.csv", limits=ReadLimits(max_line_bytes=20)))
    assert [(n, type(v).__name__ if isinstance(v, Exception) else v) for n, v in items] == [
        (2, "InputLimitError"),  # the over-long row
        (3, "InputLimitError"),  # the quoted field across lines is one row of 23 bytes
        (5, {"h1": "x", "h2": 'a "b" c'}),
        (6, {"h1": "last", "h2": "row"}),
    ]


def test_the_builds_own_shards_are_read_without_the_input_limits(store: Store) -> None:
    # One long message that ingest accepted (uncompressed, under the line limit) makes a
    # processed shard far more compressible than the input ratio limit: still readable.
    from mhds.ingest.processed import iter_shard_records
    from mhds.store.streams import JsonlWriter
    from tests.cases import make_record

    record = make_record("a" * (17 << 20), "that sounds heavy")
    with JsonlWriter(store, "processed/x/part-00000.jsonl.zst") as writer:
        writer.write_line(record.to_json())
    assert writer.bytes_written * 500 < 17 << 20  # over the default ratio of an input
    (back,) = iter_shard_records(store, "processed/x/part-00000.jsonl.zst")
    assert back.messages[0].content == record.messages[0].content
