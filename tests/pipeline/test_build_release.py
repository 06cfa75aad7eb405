"""``build_release``: a full build publishes; a broken one publishes nothing and says why; a
waiver is recorded; a corrupted shard is caught by verify and by the reader."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from mhds.gates.base import Waiver
from mhds.ingest import ingest_sources, ingestible_sources
from mhds.ingest.processed import read_manifest as read_ingest_manifest
from mhds.pipeline.config import BuildConfig
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.release import (
    ReleaseNotFoundError,
    ReleaseReader,
    ShardIntegrityError,
    list_versions,
    read_manifest,
    verify_release,
)
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.spans import Category
from mhds.store import S3Settings, S3Store, Store
from mhds.store.streams import JsonlWriter, iter_lines
from tests.pipeline.build_cases import (
    RELEASES,
    SPLITS,
    TODAY,
    VERSION,
    compiled_records,
    conversation,
    fast_config,
    make_registry,
    manifest_keys,
    seed_store,
    texts,
    write_source,
)

PHONE = "415-555-0199"
OUTLIER_WAIVER = Waiver(
    gate="distribution",
    scope="family:counselling",
    reason="long intake sessions are expected in this source",
    who="clinical lead",
)


def test_a_full_build_publishes(s3_store: S3Store, s3_settings: S3Settings) -> None:
    seed_store(s3_store)
    registry = make_registry()

    result = build_release(s3_store, registry, fast_config(), today=TODAY)

    assert result.published and result.version == VERSION
    assert list(result.seconds) == [
        "ingest", "pii", "dedup", "links", "splits", "compile", "gates", "publish"
    ]  # fmt: skip
    assert all(seconds >= 0 for seconds in result.seconds.values())
    # Scratch work is gone; the redacted shards stay, by key, for the next build.
    work = {o.key.split("/")[2] for o in s3_store.list(f"work/{result.build_key}/")}
    assert work == {"version.json"}
    steps = {o.key.rsplit("/", 1)[1] for o in s3_store.list("work/steps/")}
    assert {"part.jsonl.zst", "part.bias.jsonl.zst", "done.json"} <= steps
    assert list_versions(s3_store, RELEASES) == [VERSION]
    report = verify_release(s3_store, f"{RELEASES}{VERSION}/")
    assert report.ok, report.problems
    assert report.records == result.counts["records"] == 90
    # Read back the way a training job does: from the bucket URI, the latest release.
    reader = ReleaseReader(f"s3://{s3_store.bucket}/releases", settings=s3_settings)
    manifest = reader.manifest
    by_split = {split: list(reader.iter_split(split)) for split in SPLITS}
    assert all(by_split[split] for split in SPLITS)
    assert sum(len(records) for records in by_split.values()) == 90
    for split, records in by_split.items():
        assert {r.metadata.split for r in records} == {split}
        assert all(r.metadata.pii_status in ("scrubbed", "none_detected") for r in records)
        assert all("pii_redact" in [s.name for s in r.metadata.provenance.steps] for r in records)
        assert len(records) == sum(c[split].records for c in manifest.counts.values() if split in c)
    assert {r.metadata.family for r in by_split["test"]} == {"therapy", "counselling", "crisis"}
    assert not any(r.metadata.family == "crisis" for r in by_split["train"] + by_split["val"])
    assert manifest.holdout_families == ("crisis",)
    # Records sharing a session (group id) share a split.
    split_of: dict[str, set[str]] = {}
    for records in by_split.values():
        for r in records:
            split_of.setdefault(r.metadata.group_id, set()).add(str(r.metadata.split))
    assert all(len(splits) == 1 for splits in split_of.values())
    gates = {g["gate"]: g for g in manifest.gates}
    assert sorted(gates) == [
        "bias",
        "coverage",
        "distribution",
        "leakage",
        "pii",
        "provenance",
        "safety",
        "style",
    ]
    assert all(g["status"] == "pass" and g["passed"] for g in gates.values())
    assert manifest.waivers == ()
    assert manifest.file("audit.jsonl") is not None and manifest.file("curriculum.yaml")
    assert {f"reports/{gate}.json" for gate in gates} <= set(manifest.reports)


# Broken setups: each writes raw data into the store and returns the registry and config.
Setup = Callable[[Store], tuple[Registry, BuildConfig]]


def pii_escape(store: Store) -> tuple[Registry, BuildConfig]:
    """A config that does not look for phones or ids: the phone is neither redacted nor caught
    by the residual scan, so the record reaches compile marked ``none_detected``."""
    seed_store(store)
    write_source(store, "therapy", 40, extra=[phone_item()])
    narrow = tuple(c for c in Category if c not in (Category.PHONE, Category.ID))
    return make_registry(), fast_config(pii=PIIConfig(categories=narrow))


def pending_source(store: Store) -> tuple[Registry, BuildConfig]:
    """A source still pending approval, ingested for inspection (allow_pending)."""
    seed_store(store)
    write_source(store, "pending", 10)
    pending = {"family": "therapy", "prefixes": ["raw/pending/"], "adapter": "chatml"}
    registry = make_registry(pending_chats={**pending, "license": "MIT", "approval": "pending"})
    return registry, fast_config(ingest={"records_per_shard": 16, "allow_pending": True})


def slipped_in_record(store: Store) -> tuple[Registry, BuildConfig]:
    """A record added to a processed shard after ingest (its own fields look fine): the
    shard no longer matches the provenance ingest recorded for it."""
    seed_store(store)
    registry, config = make_registry(), fast_config()
    ingest_sources(store, registry, ingestible_sources(registry), config=config.ingest)
    shard = read_ingest_manifest(store, registry, "therapy_chats")["shards"][0]["key"]
    lines = [line for _, line in iter_lines(store, shard)]
    forged = codec.loads(lines[0])
    forged["metadata"]["id"] = "therapy_chats-forged0000000000000"
    with JsonlWriter(store, shard) as writer:
        for line in [*lines, codec.dumps(forged)]:
            writer.write_line(line)
    return registry, config


def near_duplicate_leak(store: Store) -> tuple[Registry, BuildConfig]:
    """Near-identical conversations in different sessions, de-duplication and the search
    after it switched off: the leakage gate's own search must still find the pairs that
    cross splits."""
    seed_store(store)
    rng = random.Random(7)
    extra = []
    for n in range(8):
        item = conversation(rng, f"leak-a-{n}")
        twin = codec.loads(codec.dumps(item))
        twin["session"] = f"leak-b-{n}"
        twin["messages"][-1]["content"] = twin["messages"][-1]["content"][:-1] + " today."
        extra += [item, twin]
    write_source(store, "therapy", 40, extra=extra)
    config = fast_config(
        dedup=DedupConfig(buckets=4, exact=False, near=False), keep_duplicates_together=False
    )
    return make_registry(), config


def distribution_outlier(store: Store) -> tuple[Registry, BuildConfig]:
    """A sixth of the counselling conversations run to 12 messages (expected at most 8)."""
    seed_store(store)
    rng = random.Random(11)
    long_ones = [conversation(rng, f"long-{n}", turns=12) for n in range(6)]
    write_source(store, "counselling", 30, extra=long_ones)
    return make_registry(), fast_config()


def phone_item() -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": f"you can call me on {PHONE} tonight."},
            {"role": "assistant", "content": "thank you, we can go over the plan then."},
        ],
        "session": "phone",
    }


BROKEN: dict[str, tuple[Setup, str]] = {
    "pii_escape": (pii_escape, "pii"),
    "unapproved_source": (pending_source, "provenance"),
    "record_slipped_into_a_shard": (slipped_in_record, "provenance"),
    "near_duplicate_leak": (near_duplicate_leak, "leakage"),
    "distribution_outlier": (distribution_outlier, "distribution"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_build_publishes_nothing_and_says_why(store: Store, case: str) -> None:
    setup, gate = BROKEN[case]
    registry, config = setup(store)

    with pytest.raises(GateFailure) as failure:
        build_release(store, registry, config, today=TODAY)

    assert failure.value.failed == [gate]
    assert gate in str(failure.value) and failure.value.reports in str(failure.value)
    assert manifest_keys(store) == [] and list_versions(store, RELEASES) == []
    # The compiled shards and files are removed with the failed build, not left for gc.
    assert [o.key for o in store.list(RELEASES)] == []
    with pytest.raises(ReleaseNotFoundError):
        ReleaseReader(store)
    reports = failure.value.reports
    assert reports.startswith("builds/") and reports.endswith("/reports")
    verdict = codec.loads(store.read_bytes(f"{reports}/{gate}.json"))
    # A record slipped in after ingest also breaks the funnel: an error, never waivable.
    expected = "error" if case == "record_slipped_into_a_shard" else "fail"
    assert verdict["status"] == expected and not verdict["passed"]
    assert store.exists(f"{reports}/{gate}.md") and store.exists(f"{reports}/overview.html")
    summary = codec.loads(store.read_bytes(f"{reports}/report.json"))
    assert PHONE not in codec.dumps(summary).decode()  # reports carry no record text
    _check_evidence(store, case, verdict["evidence"])


def _check_evidence(store: Store, case: str, evidence: dict[str, Any]) -> None:
    if case == "pii_escape":
        # The phone reached the compiled (unpublished) shards: only the gate stopped it
        # (its rescan found it there; the shards are gone with the failed build).
        assert evidence["policy"]["categories_not_scanned"] == ["PHONE", "ID"]
        assert evidence["policy"]["rescan"]["findings_by_category"] == {"PHONE": 1}
        assert evidence["records_by_status"].get("requires_review", 0) == 0
    elif case == "unapproved_source":
        assert evidence["issues_by_reason"] == {"unapproved_source": 10}
    elif case == "record_slipped_into_a_shard":
        assert {"shard_hash_mismatch", "shard_count_mismatch", "shard_ids_mismatch"} <= set(
            evidence["issues_by_reason"]
        )
        assert evidence["shard_issues"] >= 3
        assert evidence["records_unaccounted"] == {"therapy_chats": -1}
    elif case == "near_duplicate_leak":
        assert evidence["leaks_by_kind"].get("near", 0) >= 1
        assert set(evidence["leaks_by_kind"]) == {"near"}
    else:
        rows = [r for r in evidence["outside_expected"] if r["over_threshold"]]
        assert {(r["family"], r["measure"]) for r in rows} == {("counselling", "turns")}


def test_duplicates_kept_by_choice_share_a_split_and_publish(store: Store) -> None:
    # The same near twins as the leak case, de-duplication still off, but the search after
    # it on (the default): each pair is put into one split, and the gate agrees.
    registry, config = near_duplicate_leak(store)
    config = config.model_copy(update={"keep_duplicates_together": True})

    result = build_release(store, registry, config, today=TODAY)

    assert result.published and result.counts["duplicates_removed"] == 0
    leakage = next(v for v in result.verdicts if v.gate == "leakage")
    assert leakage.evidence["pairs_by_kind"]["near"] >= 8 and leakage.evidence["leaks"] == 0
    reader = ReleaseReader(store, VERSION, releases_prefix=RELEASES)
    split_of = {r.metadata.group_id: split for split in SPLITS for r in reader.iter_split(split)}
    for n in range(8):
        assert split_of[f"therapy_chats:leak-a-{n}"] == split_of[f"therapy_chats:leak-b-{n}"]


def test_a_residual_finding_is_quarantined_and_never_compiled(store: Store) -> None:
    # Without PHONE the first pass leaves the number; the strict residual scan flags it (as
    # an id) and quarantines the record. The narrower config still fails the gate.
    seed_store(store)
    write_source(store, "therapy", 40, extra=[phone_item()])
    narrow = tuple(c for c in Category if c != Category.PHONE)
    config = fast_config(pii=PIIConfig(categories=narrow))

    with pytest.raises(GateFailure) as failure:
        build_release(store, make_registry(), config, today=TODAY)

    assert failure.value.failed == ["pii"]
    assert PHONE not in texts(compiled_records(store))
    verdict = codec.loads(store.read_bytes(f"{failure.value.reports}/pii.json"))
    assert verdict["evidence"]["quarantined"] == {"pii_residual": 1}
    quarantined = [
        codec.loads(line)
        for obj in store.list("quarantine/")
        if "/pii-" in obj.key
        for _, line in iter_lines(store, obj.key)
    ]
    assert [q["reason"] for q in quarantined] == ["pii_residual"]
    assert PHONE not in codec.dumps(quarantined).decode()  # quarantine keeps no text


def test_a_waived_gate_publishes_and_the_manifest_shows_the_waiver(store: Store) -> None:
    registry, config = distribution_outlier(store)
    with pytest.raises(GateFailure):
        build_release(store, registry, config, today=TODAY)

    waived = config.model_copy(update={"waivers": (OUTLIER_WAIVER,)})
    result = build_release(store, registry, waived, today=TODAY)

    assert result.published and result.version == VERSION  # the aborted folder, completed
    assert result.resumed  # waivers change whether a release publishes, not its content
    assert verify_release(store, f"{RELEASES}{VERSION}/").ok
    manifest = read_manifest(store, f"{RELEASES}{VERSION}/")
    assert manifest.waivers == (OUTLIER_WAIVER.model_dump(),)
    gate = next(g for g in manifest.gates if g["gate"] == "distribution")
    assert gate["status"] == "fail" and gate["passed"]
    assert gate["waivers"] == [OUTLIER_WAIVER.model_dump()]
    assert gate["waived"] and all(f["waived"] for f in gate["failures"])
    assert all(g["status"] == "pass" for g in manifest.gates if g["gate"] != "distribution")
    reader = ReleaseReader(store)
    audit = [codec.loads(line) for line in reader.read_file("audit.jsonl").splitlines()]
    [gates_entry] = [e for e in audit if e["action"] == "gates"]
    assert gates_entry["waivers"] == [OUTLIER_WAIVER.model_dump()]
    assert gates_entry["decisions"]["distribution"] == "waived"
    assert b"clinical lead" in reader.read_file("reports/distribution.md")


def test_a_corrupted_shard_fails_verify_and_the_reader(s3_store: S3Store) -> None:
    seed_store(s3_store)
    build_release(s3_store, make_registry(), fast_config(), today=TODAY)
    folder = f"{RELEASES}{VERSION}/"
    shard = read_manifest(s3_store, folder).shards_of("train")[0]
    data = bytearray(s3_store.read_bytes(folder + shard.key))
    data[len(data) // 2] ^= 0x01
    s3_store.write_bytes(folder + shard.key, bytes(data))

    report = verify_release(s3_store, folder)

    assert not report.ok
    assert "sha256_mismatch" in report.codes()
    assert {p.key for p in report.problems} == {shard.key}
    records: list[Record] = []
    with pytest.raises(ShardIntegrityError) as error:
        records.extend(ReleaseReader(s3_store).iter_split("train"))
    assert error.value.key == shard.key
    assert records == []  # nothing of the bad shard (the first) was yielded
