"""The quarantine library: items of both writers listed without text, raw text found only
on request, re-admission refused for input errors, recorded once and audited for PII-review
false positives, and honoured by the per-record steps."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from mhds.audit import verify_audit_log
from mhds.errors import ConfigError
from mhds.ingest.processed import iter_shard_records
from mhds.pipeline.stages import run_record_steps
from mhds.quarantine import (
    QuarantineError,
    QuarantineItem,
    find_items,
    iter_items,
    list_builds,
    load_raw,
    load_readmissions,
    read_readmission,
    readmission_key,
    readmit,
    refusal,
)
from mhds.records import codec
from mhds.registry.schema import Layout
from mhds.store import LocalStore, Store
from tests.quarantine.cases import (
    FALSE_POSITIVE,
    INGEST_BUILD,
    INPUT_KEY,
    MARKER,
    PII_BUILD,
    PII_KEY,
    RAW_KEY,
    SOURCE,
    Scenario,
    seed,
    steps_unit,
)

LAYOUT = Layout()
WHY = "mom.listen is a missing space after a full stop, not a web address"


def clock() -> datetime:
    return datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.fixture()
def local(tmp_path: object) -> tuple[Store, Scenario]:
    store = LocalStore(f"{tmp_path}/store")
    return store, seed(store)


def test_items_of_both_writers_are_listed_without_text(store: Store) -> None:
    scenario = seed(store)
    items = list(iter_items(store, LAYOUT))
    assert [(i.ref, i.kind, i.reason) for i in items] == [
        (f"{INPUT_KEY}:1", "input", "role_order"),
        (f"{INPUT_KEY}:2", "input", "malformed_json"),
        (f"{PII_KEY}:1", "record", "pii_residual"),
    ]
    role_order, malformed, held = items
    assert (role_order.source_id, role_order.field, role_order.source_line) == (
        SOURCE,
        "messages[1].role",
        3,
    )
    assert role_order.store_key == RAW_KEY and role_order.source_key == store.url_for(RAW_KEY)
    assert (malformed.source_line, malformed.field) == (4, None)
    assert (held.record_id, held.content_hash) == (scenario.held_id, scenario.held_hash)
    assert held.source_id == SOURCE and held.step == "pii_redact"
    assert held.shard_key == scenario.shards[0]["key"]
    assert "URL" in (held.detail or "")
    assert held.categories == held.detail
    # the shard holds the record with exactly the hash the entry names
    [record] = [
        r for r in iter_shard_records(store, held.shard_key) if r.metadata.id == held.record_id
    ]
    assert record.metadata.content_hash == held.content_hash
    listed = repr(items)
    assert MARKER not in listed and "mom.listen" not in listed
    assert list_builds(store, LAYOUT) == [INGEST_BUILD, PII_BUILD]


def test_filters(local: tuple[Store, Scenario]) -> None:
    store, _ = local
    assert len(list(iter_items(store, LAYOUT, build=INGEST_BUILD))) == 2
    assert [i.kind for i in iter_items(store, LAYOUT, reason="pii_residual")] == ["record"]
    assert len(list(iter_items(store, LAYOUT, source=SOURCE))) == 3
    assert list(iter_items(store, LAYOUT, source="other")) == []
    assert list(iter_items(store, LAYOUT, build="19990101T000000Z")) == []


def test_find_items_by_record_id_and_by_key_and_line(local: tuple[Store, Scenario]) -> None:
    store, scenario = local
    [by_id] = find_items(store, LAYOUT, scenario.held_id)
    assert by_id.ref == f"{PII_KEY}:1"
    [by_ref] = find_items(store, LAYOUT, f"{INPUT_KEY}:2")
    assert by_ref.reason == "malformed_json"
    with pytest.raises(ConfigError, match="give a record id or a quarantine key and line"):
        find_items(store, LAYOUT, "not an id!")
    with pytest.raises(QuarantineError, match="no quarantined record with this id"):
        find_items(store, LAYOUT, f"{SOURCE}-00000000000000000000")
    with pytest.raises(QuarantineError, match="no entry at this line"):
        find_items(store, LAYOUT, f"{INPUT_KEY}:9")
    with pytest.raises(QuarantineError, match="does not exist"):
        find_items(store, LAYOUT, "quarantine/nope/x.jsonl:1")
    with pytest.raises(QuarantineError, match="not an object under quarantine/"):
        find_items(store, LAYOUT, f"{RAW_KEY}:1")


def test_raw_text_is_found_only_on_request(local: tuple[Store, Scenario]) -> None:
    store, scenario = local
    [held] = find_items(store, LAYOUT, scenario.held_id)
    view = load_raw(store, LAYOUT, held)
    assert view.record is not None and view.where == held.shard_key
    assert view.record.messages[0].content == FALSE_POSITIVE
    [role_order] = find_items(store, LAYOUT, f"{INPUT_KEY}:1")
    item = load_raw(store, LAYOUT, role_order).item
    assert item["messages"][0]["content"] == f"{MARKER} one"
    [malformed] = find_items(store, LAYOUT, f"{INPUT_KEY}:2")
    line = load_raw(store, LAYOUT, malformed)
    assert line.where == RAW_KEY and line.line is not None
    assert MARKER in line.line and "\x1b" in line.line  # the CLI escapes it when printing


def test_readmit_refuses_input_errors_and_says_what_to_fix(local: tuple[Store, Scenario]) -> None:
    store, _ = local
    [role_order] = find_items(store, LAYOUT, f"{INPUT_KEY}:1")
    with pytest.raises(QuarantineError) as info:
        readmit(store, LAYOUT, role_order, who="dr-a", why=WHY)
    message = str(info.value)
    assert "rejected at input (role_order)" in message
    assert f"fix the source item at {store.url_for(RAW_KEY)}:3, field messages[1].role" in (
        message.replace("Fix", "fix")
    )
    assert f"re-ingest it (mhds ingest --source {SOURCE}" in message
    assert MARKER not in message
    assert not list(store.list("quarantine/readmitted/"))
    assert not [o for o in store.list("audit/") if "quarantine-" in o.key]


def test_a_duplicate_entry_is_listed_and_refused(tmp_path: object) -> None:
    """The build does not write duplicates to quarantine today (it filters them out of the
    staged shards); an entry in the step contract's shape is still listed and refused."""
    store = LocalStore(f"{tmp_path}/store")
    entry = {
        "id": "chats-0123",
        "source_key": "raw/chats/a.jsonl",
        "locator": "line:2",
        "step": "deduplicate",
        "reason": "near_duplicate",
        "field": "metadata.id",
        "detail": "survivor=chats-0456 cluster=3 similarity=0.910",
    }
    store.write_bytes("quarantine/b1/dedup-00000.jsonl", codec.dumps(entry) + b"\n")
    [item] = iter_items(store, LAYOUT)
    assert (item.kind, item.record_id, item.source_id, item.reason) == (
        "record",
        "chats-0123",
        "chats",
        "near_duplicate",
    )
    assert item.categories is None  # only PII category codes are listed as categories
    with pytest.raises(QuarantineError, match="de-duplication policy removed it"):
        readmit(store, LAYOUT, item, who="dr-a", why=WHY)


def test_readmit_refuses_what_no_review_decided() -> None:
    base = {"build_id": "b", "key": "quarantine/b/pii-00000.jsonl", "line": 1}
    detector = QuarantineItem(kind="record", reason="pii_detector_error", record_id="s-1", **base)
    duplicate = QuarantineItem(kind="record", reason="near_duplicate", record_id="s-1", **base)
    residual = QuarantineItem(kind="record", reason="pii_residual", record_id="s-1", **base)
    assert "Run the build again" in (refusal(detector) or "")
    assert "de-duplication policy" in (refusal(duplicate) or "")
    unsafe = QuarantineItem(
        kind="record", reason="safety_promise_of_secrecy", record_id="s-1", **base
    )
    assert "never re-admitted. Generate it again" in (refusal(unsafe) or "")
    # an entry that does not say what was found where cannot bind a decision
    assert "does not say what the residual scan found" in (refusal(residual) or "")
    in_user = QuarantineItem(kind="record", reason="pii_residual", detail="URL in user", **base)
    assert refusal(in_user) is None
    in_attribute = QuarantineItem(
        kind="record", reason="pii_residual", detail="PHONE,URL in attributes,user", **base
    )
    assert "finding is in attributes, which the release's PII gate" in (refusal(in_attribute) or "")


def test_readmit_records_a_decision_once_and_the_steps_honour_it(store: Store) -> None:
    scenario = seed(store)
    [held] = find_items(store, LAYOUT, scenario.held_id)
    decision = readmit(store, LAYOUT, held, who="dr-a", why=WHY, clock=clock)
    # the decision, write-once, in the store
    key = readmission_key(LAYOUT, scenario.held_id, scenario.held_hash)
    digest = scenario.held_hash.removeprefix("sha256:")
    assert key == f"quarantine/readmitted/{scenario.held_id}/{digest}.json"
    stored = codec.loads(store.read_bytes(key))
    assert stored["record_id"] == scenario.held_id
    assert stored["content_hash"] == scenario.held_hash
    assert (stored["reason"], stored["who"], stored["why"]) == ("pii_residual", "dr-a", WHY)
    assert stored["time"] == "2026-11-25T12:00:00.000000Z"
    assert (stored["build_id"], stored["quarantine_key"], stored["line"]) == (PII_BUILD, PII_KEY, 1)
    assert read_readmission(store, LAYOUT, scenario.held_id, scenario.held_hash) == decision
    assert decision.categories == "URL in user"
    # ... and in a hash-chained audit log that verifies
    [log] = [o.key for o in store.list("audit/quarantine-") if o.key.endswith(".jsonl")]
    assert log == decision.audit_key and log.startswith("audit/quarantine-20261125T120000Z-")
    assert verify_audit_log(store, log).ok
    entry = codec.loads(store.read_bytes(log))
    assert entry["action"] == "quarantine_readmit" and entry["hash"] == decision.audit_hash
    assert entry["decisions"]["who"] == "dr-a" and entry["decisions"]["why"] == WHY
    for data in (store.read_bytes(key), store.read_bytes(log)):
        assert FALSE_POSITIVE.encode() not in data
    # twice is an error, and changes nothing
    with pytest.raises(QuarantineError, match="already re-admitted by dr-a at 2026-11-25"):
        readmit(store, LAYOUT, held, who="dr-b", why="again")
    assert codec.loads(store.read_bytes(key)) == stored
    # the decisions folder is not mistaken for a build
    assert len(list(iter_items(store, LAYOUT))) == 3
    # the build's per-record steps ship the record (same done marker: it must not resume)
    readmitted = load_readmissions(store, LAYOUT)
    assert readmitted == {(scenario.held_id, scenario.held_hash): "URL in user"}
    unit = steps_unit(store, scenario.shards[0], 0, readmitted=readmitted, build="b2")
    summary = run_record_steps(unit)
    assert summary["resumed"] is False
    assert summary["records"] == 2 and summary["quarantine_key"] is None
    assert summary["stats"]["counters"]["readmitted:therapy"] == 1
    assert not store.exists(unit.quarantine_key)
    shipped = {r.metadata.id: r for r in iter_shard_records(store, unit.output_key)}
    assert shipped[scenario.held_id].messages[0].content == FALSE_POSITIVE
    assert shipped[scenario.held_id].metadata.pii_status in ("none_detected", "scrubbed")
    assert run_record_steps(unit)["resumed"] is True


def test_a_changed_record_can_be_readmitted_again(local: tuple[Store, Scenario]) -> None:
    store, scenario = local
    [held] = find_items(store, LAYOUT, scenario.held_id)
    readmit(store, LAYOUT, held, who="dr-a", why=WHY)
    # A later build holds the same record with other content (its source was edited).
    entry = codec.loads(store.read_bytes(PII_KEY))
    changed = "sha256:" + "7" * 64
    later = "quarantine/20261126T090000Z-d4e5f6/pii-00000.jsonl"
    store.write_bytes(later, codec.dumps({**entry, "content_hash": changed}) + b"\n")
    [again] = [i for i in find_items(store, LAYOUT, scenario.held_id) if i.key == later]

    decision = readmit(store, LAYOUT, again, who="dr-b", why="the edit kept the same typo")

    assert decision.content_hash == changed
    assert load_readmissions(store, LAYOUT) == {
        (scenario.held_id, scenario.held_hash): "URL in user",
        (scenario.held_id, changed): "URL in user",
    }
    with pytest.raises(QuarantineError, match="already re-admitted by dr-b"):
        readmit(store, LAYOUT, again, who="dr-c", why="once more")


def test_a_changed_record_is_judged_afresh(local: tuple[Store, Scenario]) -> None:
    store, scenario = local
    other = {(scenario.held_id, "sha256:" + "0" * 64): "URL in user"}
    unit = steps_unit(store, scenario.shards[0], 0, readmitted=other, build="b2")
    summary = run_record_steps(unit)
    assert summary["records"] == 1
    assert "readmitted:therapy" not in summary["stats"]["counters"]
    [entry] = [codec.loads(line) for line in store.read_bytes(unit.quarantine_key).splitlines()]
    assert entry["id"] == scenario.held_id and entry["reason"] == "pii_residual"
    # held by two builds now: an id names both, oldest first (show and readmit take the last)
    assert [i.build_id for i in find_items(store, LAYOUT, scenario.held_id)] == [PII_BUILD, "b2"]


def test_readmit_of_an_older_entry_without_a_hash_reads_it_from_the_shard(
    local: tuple[Store, Scenario],
) -> None:
    store, scenario = local
    entry = codec.loads(store.read_bytes(PII_KEY))
    del entry["content_hash"], entry["shard_key"]
    store.write_bytes(PII_KEY, codec.dumps(entry) + b"\n")
    [held] = find_items(store, LAYOUT, scenario.held_id)
    assert held.content_hash is None
    decision = readmit(store, LAYOUT, held, who="dr-a", why=WHY)
    assert decision.content_hash == scenario.held_hash


@pytest.mark.parametrize(("who", "why"), [("", WHY), ("dr-a", "  "), ("a\nb", WHY)])
def test_readmit_needs_one_line_who_and_a_why(
    local: tuple[Store, Scenario], who: str, why: str
) -> None:
    store, scenario = local
    [held] = find_items(store, LAYOUT, scenario.held_id)
    with pytest.raises(QuarantineError, match="--who"):
        readmit(store, LAYOUT, held, who=who, why=why)
    assert load_readmissions(store, LAYOUT) == {}


def test_a_malformed_decision_stops_the_build_from_guessing(tmp_path: object) -> None:
    store = LocalStore(f"{tmp_path}/store")
    one = "quarantine/readmitted/s-1/" + "1" * 64 + ".json"
    store.write_bytes(one, b"{not json")
    with pytest.raises(QuarantineError, match=f"decision {one} is malformed"):
        load_readmissions(store, LAYOUT)
    fields = {
        "record_id": "s-2",
        "content_hash": "sha256:" + "1" * 64,
        "reason": "pii_residual",
        "categories": None,
        "build_id": "b",
        "quarantine_key": "quarantine/b/pii-00000.jsonl",
        "line": 1,
        "who": "a",
        "why": "b",
        "time": "t",
        "audit_key": "audit/x.jsonl",
        "audit_hash": "sha256:" + "2" * 64,
    }
    store.write_bytes(one, codec.dumps(fields))
    with pytest.raises(QuarantineError, match="names another record"):
        load_readmissions(store, LAYOUT)


def test_error_pickles() -> None:
    error = QuarantineError("no entry at this line", item="quarantine/b/x.jsonl:3")
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, QuarantineError)
    assert str(again) == str(error) and again.item == "quarantine/b/x.jsonl:3"
