"""An ingest that ingested nothing fails loudly, on a local folder and on S3: every item
quarantined, or no item read at all. The quarantine is written; the manifest is not."""

from __future__ import annotations

import pickle

import pytest

from mhds.audit import AuditLog
from mhds.errors import NothingIngestedError
from mhds.ingest import ingest_source, ingest_sources
from mhds.records import codec
from mhds.store import Store
from mhds.store.streams import iter_jsonl
from tests.ingest.test_run import BAD_LINES, chat, make_registry, write_lines

# Malformed JSON x3, an unknown role x2, an empty answer x1: no good line at all.
ALL_BAD = [BAD_LINES[1]] * 3 + [BAD_LINES[3]] * 2 + [BAD_LINES[2]]


def test_every_item_quarantined_raises_with_top_reasons(store: Store) -> None:
    write_lines(store, "raw/chats/a.jsonl", ALL_BAD)
    registry = make_registry()

    with pytest.raises(NothingIngestedError) as raised:
        ingest_source(store, registry, "chats", build_id="b1")

    error = raised.value
    quarantine = store.url_for("quarantine/b1/chats.jsonl")
    assert str(error) == (
        "nothing was ingested from source 'chats': all 6 items were quarantined "
        "(top reasons: malformed_json=3, unknown_role=2, empty_content=1); "
        f"see {quarantine}"
    )
    assert error.exit_code == 3
    assert (error.items, error.objects, error.quarantine) == (6, 1, quarantine)
    # the quarantine holds every item with its reason; no record text in the message
    assert len([e for _, e in iter_jsonl(store, "quarantine/b1/chats.jsonl")]) == 6
    assert "narrator" not in str(error) and "Hello" not in str(error)
    # no manifest: a rerun is not "up to date", it fails again
    assert not store.exists(registry.layout.ingest_manifest_key("therapy", "chats"))
    assert list(store.list("processed/")) == []
    with pytest.raises(NothingIngestedError):
        ingest_source(store, registry, "chats", build_id="b2")


def test_the_error_pickles_with_its_context(store: Store) -> None:
    write_lines(store, "raw/chats/a.jsonl", ALL_BAD)
    with pytest.raises(NothingIngestedError) as raised:
        ingest_source(store, make_registry(), "chats")
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is NothingIngestedError
    assert str(again) == str(raised.value)
    assert again.reasons == {"malformed_json": 3, "unknown_role": 2, "empty_content": 1}
    assert again.source_id == "chats"


def test_objects_without_items_are_the_same_error(store: Store) -> None:
    store.write_bytes("raw/chats/empty.jsonl", b"")
    store.write_bytes("raw/chats/blank.jsonl", b"\n\n")
    with pytest.raises(NothingIngestedError) as raised:
        ingest_source(store, make_registry(), "chats")
    assert str(raised.value).startswith(
        "nothing was ingested from source 'chats': no items read from 2 object(s)"
    )
    assert raised.value.quarantine is None
    assert list(store.list("quarantine/")) == []


def test_one_good_item_is_enough(store: Store) -> None:
    write_lines(store, "raw/chats/a.jsonl", [*ALL_BAD, codec.dumps(chat("Hi", "Hello there."))])
    result = ingest_source(store, make_registry(), "chats")
    assert result.records == 1 and sum(result.quarantined.values()) == 6


def test_the_failure_is_in_the_audit_log_and_stops_the_run(store: Store) -> None:
    write_lines(store, "raw/chats/a.jsonl", ALL_BAD)
    registry = make_registry()
    audit = AuditLog.open(store, "audit/b1.jsonl")
    with pytest.raises(NothingIngestedError):
        ingest_sources(store, registry, ["chats", "counsel_chat"], build_id="b1", audit=audit)
    [entry] = AuditLog.open(store, "audit/b1.jsonl").entries
    assert entry.action == "ingest_failed"
    assert entry.counts == {
        "items": 6,
        "quarantined:empty_content": 1,
        "quarantined:malformed_json": 3,
        "quarantined:unknown_role": 2,
    }
    assert entry.outputs == (store.url_for("quarantine/b1/chats.jsonl"),)


def test_a_build_with_such_a_source_stops_with_the_same_error(store: Store) -> None:
    from mhds.pipeline.run import build_release
    from tests.pipeline.build_cases import TODAY, fast_config, seed_store
    from tests.pipeline.build_cases import make_registry as make_build_registry

    seed_store(store)
    write_lines(store, "raw/broken/a.jsonl", ALL_BAD)
    registry = make_build_registry(
        broken_chats={
            "family": "therapy",
            "prefixes": ["raw/broken/"],
            "adapter": "chatml",
            "license": "CC-BY-4.0",
            "approval": "approved",
        }
    )
    with pytest.raises(
        NothingIngestedError, match="nothing was ingested from source 'broken_chats'"
    ):
        build_release(store, registry, fast_config(), today=TODAY)
    assert list(store.list("releases/")) == []
