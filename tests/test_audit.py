"""The hash-chained audit log: append, reopen, verify, and every kind of tampering detected."""

from __future__ import annotations

import hashlib
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mhds.audit import (
    GENESIS_HASH,
    HEAD_SUFFIX,
    AuditLog,
    AuditLogError,
    locate_audit_log,
    verify_audit_bytes,
    verify_audit_log,
)
from mhds.errors import ConfigError
from mhds.records import codec
from mhds.registry.schema import Layout
from mhds.store import Store

KEY = Layout().audit + "build-0001.jsonl"


def fixed_clock() -> datetime:
    return datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def make_log(store: Store, entries: int = 4) -> AuditLog:
    log = AuditLog.open(store, KEY, clock=fixed_clock)
    for i in range(entries):
        log.append(
            f"step_{i}",
            inputs=[f"processed/therapy/chats/run/part-{i:05d}.jsonl.zst"],
            outputs=[f"quarantine/build-0001/part-{i:05d}.jsonl"],
            counts={"records_in": 10 + i, "quarantined": i},
            decisions={"dropped": {"empty_content": i}, "ratio": 0.5, "ok": True, "note": None},
            waivers=[{"who": "dr-a", "why": "pilot", "scope": ["gate:bias"]}] if i == 1 else [],
            config_hash="sha256:" + "ab" * 32,
        )
    return log


def lines_of(store: Store) -> list[bytes]:
    return store.read_bytes(KEY).splitlines()


def rehash(line_obj: dict[str, Any]) -> bytes:
    """What a forger does: recompute an entry's own hash after changing it."""
    body = {k: v for k, v in line_obj.items() if k != "hash"}
    line_obj["hash"] = "sha256:" + hashlib.sha256(codec.canonical_json(body)).hexdigest()
    return codec.canonical_json(line_obj)


def test_append_reopen_verify(store: Store) -> None:
    log = make_log(store)
    assert len(log) == 4
    assert [e.seq for e in log.entries] == [0, 1, 2, 3]
    assert log.entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(log.entries, log.entries[1:], strict=False))
    assert log.entries[0].time == "2025-01-02T03:04:05.678901Z"
    assert log.entries[1].waivers == ({"who": "dr-a", "why": "pilot", "scope": ["gate:bias"]},)

    reopened = AuditLog.open(store, KEY)
    assert reopened.entries == log.entries
    assert reopened.head == log.head
    entry = reopened.append("publish", outputs=["releases/v2025-01-02/manifest.json"])
    assert entry.seq == 4 and entry.prev_hash == log.head

    result = verify_audit_log(store, KEY, expected_head=entry.hash)
    assert result.ok and result.entries == 5 and result.head == entry.hash
    assert result.problem is None and result.first_bad_seq is None
    sidecar = codec.loads(store.read_bytes(KEY + HEAD_SUFFIX))
    assert sidecar == {"entries": 5, "head": entry.hash}
    assert verify_audit_bytes(store.read_bytes(KEY)).ok


def test_empty_log_and_missing_log(store: Store) -> None:
    log = AuditLog.open(store, KEY)
    assert len(log) == 0 and log.head == GENESIS_HASH
    assert not store.exists(KEY)  # nothing written until the first append
    missing = verify_audit_log(store, KEY)
    assert not missing.ok and missing.problem == "audit log not found"
    assert verify_audit_bytes(b"").ok


def tampered_cases() -> dict[str, tuple[Any, int, str]]:
    def edit(lines: list[bytes]) -> list[bytes]:
        obj = codec.loads(lines[2])
        obj["counts"]["quarantined"] = 0
        return lines[:2] + [codec.canonical_json(obj)] + lines[3:]

    def edit_hash_too(lines: list[bytes]) -> list[bytes]:
        obj = codec.loads(lines[2])
        obj["action"] = "something_else"
        return lines[:2] + [rehash(obj)] + lines[3:]

    def delete(lines: list[bytes]) -> list[bytes]:
        return lines[:1] + lines[2:]

    def reorder(lines: list[bytes]) -> list[bytes]:
        return [lines[0], lines[2], lines[1], lines[3]]

    def insert(lines: list[bytes]) -> list[bytes]:
        # The forger builds a valid-looking entry 2 chained to entry 1, renumbers and
        # re-hashes everything after it, but the next entry's prev_hash still names the old 2.
        forged = codec.loads(lines[2])
        forged["action"] = "forged"
        forged_line = rehash(forged)
        later = []
        for line in lines[2:]:
            obj = codec.loads(line)
            obj["seq"] += 1
            later.append(rehash(obj))
        return lines[:2] + [forged_line] + later

    def malformed(lines: list[bytes]) -> list[bytes]:
        return lines[:1] + [b'{"seq": 1, "action": '] + lines[2:]

    def extra_field(lines: list[bytes]) -> list[bytes]:
        obj = codec.loads(lines[1])
        obj["text"] = "I never sleep"
        return lines[:1] + [rehash(obj)] + lines[2:]

    def truncate_middle(lines: list[bytes]) -> list[bytes]:
        return lines[:1] + [lines[1][:40]] + lines[2:]

    return {
        "edit": (edit, 2, "hash mismatch at entry 2"),
        "edit_and_rehash": (edit_hash_too, 3, "broken chain at entry 3"),
        "delete": (delete, 1, "sequence gap at entry 1 (seq 2)"),
        "reorder": (reorder, 1, "sequence gap at entry 1 (seq 2)"),
        "insert": (insert, 3, "broken chain at entry 3"),
        "malformed": (malformed, 1, "malformed line 2"),
        "extra_field": (extra_field, 1, "malformed line 2"),
        "truncate_middle": (truncate_middle, 1, "malformed line 2"),
    }


@pytest.mark.parametrize("case", sorted(tampered_cases()))
def test_tampering_is_detected(store: Store, case: str) -> None:
    change, first_bad, problem = tampered_cases()[case]
    make_log(store)
    tampered = b"\n".join(change(lines_of(store))) + b"\n"
    store.write_bytes(KEY, tampered)

    for result in (verify_audit_log(store, KEY), verify_audit_bytes(tampered)):
        assert not result.ok
        assert result.first_bad_seq == first_bad
        assert result.problem == problem
        assert result.head is None
    with pytest.raises(AuditLogError, match="audit log audit/build-0001.jsonl") as caught:
        AuditLog.open(store, KEY)
    assert caught.value.seq == first_bad


def test_cut_tail_needs_the_head(store: Store) -> None:
    log = make_log(store)
    cut = b"\n".join(lines_of(store)[:2]) + b"\n"
    # A chain alone cannot see a cut tail ...
    assert verify_audit_bytes(cut).ok
    # ... the release manifest's head can ...
    result = verify_audit_bytes(cut, expected_head=log.head)
    assert not result.ok and result.first_bad_seq == 2
    assert result.problem == "expected head not found: log truncated or rewritten"
    # ... and so can the sidecar written with every append.
    store.write_bytes(KEY, cut)
    result = verify_audit_log(store, KEY)
    assert not result.ok and result.first_bad_seq == 2
    assert result.problem == "head sidecar not found: log truncated or rewritten"
    with pytest.raises(AuditLogError, match="truncated"):
        AuditLog.open(store, KEY)


def test_fully_rewritten_chain_is_caught_by_the_head(store: Store) -> None:
    log = make_log(store)
    prev, forged = GENESIS_HASH, []
    for line in lines_of(store):
        obj = codec.loads(line)
        obj["counts"] = {"records_in": 0}
        obj["prev_hash"] = prev
        forged.append(rehash(obj))
        prev = codec.loads(forged[-1])["hash"]
    data = b"\n".join(forged) + b"\n"
    assert verify_audit_bytes(data).ok  # internally consistent ...
    assert not verify_audit_bytes(data, expected_head=log.head).ok  # ... but not what we saw
    store.write_bytes(KEY, data)
    assert not verify_audit_log(store, KEY).ok


def test_expected_head_behind_the_log(store: Store) -> None:
    log = make_log(store)
    older = log.entries[1].hash
    result = verify_audit_log(store, KEY, expected_head=older)
    assert not result.ok and result.first_bad_seq == 2
    assert result.problem == "entries after the expected head (entry 1)"


def test_deleted_log_or_malformed_sidecar(store: Store) -> None:
    make_log(store, entries=2)
    store.write_bytes(KEY + HEAD_SUFFIX, b"not json")
    assert verify_audit_log(store, KEY).problem == "malformed head sidecar"
    store.delete(KEY)
    result = verify_audit_log(store, KEY)
    assert not result.ok and result.problem == "audit log missing, sidecar present"
    with pytest.raises(AuditLogError, match="sidecar"):
        AuditLog.open(store, KEY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"decisions": {"ids": {"a", "b"}}},
        {"decisions": {"score": float("nan")}},
        {"decisions": {"when": datetime(2025, 1, 1, tzinfo=UTC)}},
        {"decisions": {"nested": [1, (2, 3)]}},
        {"decisions": {"nested": {1: "x"}}},
        {"decisions": {"big": 2**70}},
        {"decisions": {"raw": b"bytes"}},
        {"waivers": [{"until": timedelta(days=1)}]},
        {"waivers": ["not a dict"]},
        {"counts": {"records": True}},
        {"counts": {"records": 1.5}},
        {"inputs": "raw/one-string.jsonl"},
        {"outputs": [1]},
        {"config_hash": 7},
    ],
)
def test_entries_refuse_values_that_are_not_plain_json(store: Store, kwargs: Any) -> None:
    log = make_log(store, entries=1)
    before = store.read_bytes(KEY)
    with pytest.raises(AuditLogError):
        log.append("bad", **kwargs)
    assert len(log) == 1
    assert store.read_bytes(KEY) == before


def test_empty_action_is_refused(store: Store) -> None:
    with pytest.raises(AuditLogError, match="action"):
        AuditLog.open(store, KEY).append("")


def test_concurrent_writer_is_refused(store: Store) -> None:
    first = make_log(store, entries=1)
    second = AuditLog.open(store, KEY)
    second.append("second_writer")
    with pytest.raises(AuditLogError, match="concurrent writer"):
        first.append("first_writer")
    assert [e.action for e in AuditLog.open(store, KEY).entries] == ["step_0", "second_writer"]


def test_two_writers_racing_to_create_the_log(store: Store) -> None:
    first = AuditLog.open(store, KEY)
    second = AuditLog.open(store, KEY)
    first.append("first")
    with pytest.raises(AuditLogError, match="concurrent writer"):
        second.append("second")
    assert verify_audit_log(store, KEY).entries == 1


def test_tampering_between_appends_is_refused(store: Store) -> None:
    log = make_log(store, entries=2)
    lines = lines_of(store)
    store.write_bytes(KEY, lines[0] + b"\n")
    with pytest.raises(AuditLogError, match="tampering"):
        log.append("next")
    assert store.read_bytes(KEY) == lines[0] + b"\n"


def test_error_pickles() -> None:
    error = AuditLogError("broken chain at entry 3", key=KEY, seq=3)
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, AuditLogError)
    assert str(again) == str(error) and again.seq == 3 and again.key == KEY


def test_layout_owns_the_audit_prefix() -> None:
    layout = Layout()
    assert layout.audit == "audit/"
    assert "audit/" in layout.own_prefixes()


# --- locating a log from the path or URL that ingest prints ------------------------------------


@pytest.mark.parametrize(
    ("target", "store", "expected"),
    [
        ("audit/b.jsonl", None, (None, "audit/b.jsonl")),
        ("audit/b.jsonl", "s3://bkt/data", ("s3://bkt/data", "audit/b.jsonl")),
        ("/srv/store/audit/b.jsonl", None, ("/srv/store", "audit/b.jsonl")),
        ("file:///srv/store/audit/b.jsonl", None, ("/srv/store", "audit/b.jsonl")),
        ("s3://bkt/datasets/audit/b.jsonl", None, ("s3://bkt/datasets", "audit/b.jsonl")),
        ("s3://bkt/audit/b.jsonl", None, ("s3://bkt", "audit/b.jsonl")),
        # the last audit folder is the layout's: a store may itself sit under an "audit" folder
        ("s3://bkt/audit/x/audit/b.jsonl", None, ("s3://bkt/audit/x", "audit/b.jsonl")),
        ("s3://bkt/datasets/audit/b.jsonl", "s3://bkt", ("s3://bkt", "datasets/audit/b.jsonl")),
        (
            "s3://bkt/datasets/audit/b.jsonl",
            "s3://bkt/datasets/",
            ("s3://bkt/datasets/", "audit/b.jsonl"),
        ),
        ("/srv/store/audit/b.jsonl", "/srv/store", ("/srv/store", "audit/b.jsonl")),
    ],
)
def test_locate_audit_log(target: str, store: str | None, expected: tuple[str | None, str]) -> None:
    assert locate_audit_log(target, store=store) == expected


def test_locate_audit_log_uses_the_layout_prefix() -> None:
    found = locate_audit_log("s3://bkt/d/logs/audit/b.jsonl", audit_prefix="logs/audit/")
    assert found == ("s3://bkt/d", "logs/audit/b.jsonl")


@pytest.mark.parametrize(
    ("target", "store", "message"),
    [
        ("/srv/store/logs/b.jsonl", None, "not under an 'audit' folder"),
        ("s3://bkt/b.jsonl", None, "not under an 'audit' folder"),
        ("s3://bkt/d/audit/b.jsonl", "s3://other/d", "is not inside the store s3://other/d"),
        ("/srv/store/audit/b.jsonl", "/srv/elsewhere", "is not inside the store"),
        ("audit/../b.jsonl", None, "invalid store key"),
    ],
)
def test_locate_audit_log_refuses_what_it_cannot_place(
    target: str, store: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        locate_audit_log(target, store=store)
