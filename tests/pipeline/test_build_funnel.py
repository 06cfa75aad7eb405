"""The funnel of a build: per source, items read -> quarantined -> sent to PII review ->
removed as exact or near duplicates -> released, in the build result, the manifest,
``release show``, the overview and the CLI summary; and a reviewer's re-admission of a PII
false positive reaches the next build."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.gates.base import GateStatus, Waiver
from mhds.ingest.processed import iter_shard_records
from mhds.pipeline import phases
from mhds.pipeline.run import GateFailure, build_release
from mhds.quarantine import iter_items, readmit
from mhds.records import codec
from mhds.records.schema import Record
from mhds.release import ReleaseReader, read_manifest
from mhds.store import LocalStore, Store
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    conversation,
    fast_config,
    make_registry,
    seed_store,
    write_source,
)

# The residual scan reads "mom.listen" (a missing space after a full stop) as a web address:
# a false positive the first pass does not touch, so the record goes to PII review.
FALSE_POSITIVE = "i told my mom.listen to me, it was hard."


def planted_items() -> list[Any]:
    """Two broken items, an exact and a near duplicate pair, and a PII-review item."""
    rng = random.Random(5)
    exact_a = conversation(rng, "dup-a")
    exact_b = {**codec.loads(codec.dumps(exact_a)), "session": "dup-b"}
    near_a = conversation(rng, "near-a")
    near_b = codec.loads(codec.dumps(near_a))
    near_b["session"] = "near-b"
    near_b["messages"][-1]["content"] = near_b["messages"][-1]["content"][:-1] + " today."
    review = conversation(rng, "review")
    review["messages"][0]["content"] = FALSE_POSITIVE
    empty = {"messages": [], "session": "broken-1"}
    two_users = {
        "messages": [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}],
        "session": "broken-2",
    }
    return [empty, two_users, exact_a, exact_b, near_a, near_b, review]


def seed(store: Store) -> None:
    seed_store(store)
    write_source(store, "therapy", 40, extra=planted_items())


def therapy_row(rows: Any) -> dict[str, Any]:
    return next(dict(r) for r in rows if r["source"] == "therapy_chats")


def test_the_funnel_adds_up_and_is_everywhere(store: Store) -> None:
    seed(store)

    result = build_release(store, make_registry(), fast_config(), today=TODAY)

    row = therapy_row(result.funnel)
    assert row["items_read"] == 47 and row["records"] == 45
    assert row["quarantined"] == {"empty_conversation": 1, "role_order": 1}
    assert row["pii_review"] == {"pii_residual": 1}
    assert row["duplicates"] == {"exact": 1, "near": 1}
    assert sum(row["released"].values()) == 42
    assert row["license"] == "CC-BY-4.0" and row["family"] == "therapy"
    for other in result.funnel:
        spent = sum(other["pii_review"].values()) + sum(other["duplicates"].values())
        assert other["records"] == spent + sum(other["released"].values())
    manifest = read_manifest(store, f"{RELEASES}{VERSION}/")
    assert manifest.funnel == result.funnel
    overview = ReleaseReader(store).read_file("reports/overview.html").decode()
    assert "Funnel: from items read to records released" in overview
    assert "empty_conversation: 1" in overview and "pii_residual: 1" in overview
    audit = ReleaseReader(store).read_file("audit.jsonl").splitlines()
    [entry] = [codec.loads(line) for line in audit if b'"funnel"' in line]
    assert entry["decisions"]["sources"] == [dict(r) for r in result.funnel]


def test_release_show_and_the_build_summary_print_the_funnel(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed(store)
    runner = CliRunner()
    registry = tmp_path / "registry.yaml"
    registry.write_text(codec.dumps(make_registry().model_dump(mode="json")).decode())
    config = tmp_path / "release.yaml"
    config.write_text(codec.dumps(fast_config().model_dump(mode="json")).decode())
    args = ["--store", str(store.root), "--registry", str(registry)]

    built = runner.invoke(app, ["build", *args, "--config", str(config), "--executor", "inline"])
    assert built.exit_code == 0, built.output
    shown = runner.invoke(app, ["release", "show", read_version(store), *args])
    assert shown.exit_code == 0, shown.output
    for output in (" ".join(built.output.split()), " ".join(shown.output.split())):
        assert "funnel" in output and "therapy_chats" in output
        assert "8 / 8 gates passed, 0 waived" in output
        assert "PII review pii_residual 1" in output
        assert "quarantined empty_conversation 1, role_order 1" in output


def read_version(store: Store) -> str:
    [version] = [
        o.key.split("/")[1] for o in store.list(RELEASES) if o.key.endswith("manifest.json")
    ]
    return version


def test_a_record_lost_on_the_way_stops_the_build_whatever_the_waivers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    first = True

    def losing(store: Store, key: str) -> Iterator[Record]:
        # A defect of the compile step that drops the first record of the first shard it
        # reads without a word (the splits gave it one).
        nonlocal first
        records = iter_shard_records(store, key)
        if first:
            first = False
            next(records)
        return records

    monkeypatch.setattr(phases, "iter_shard_records", losing)
    everything = Waiver(
        gate="provenance", scope="all", reason="waived for another reason", who="qa"
    )

    with pytest.raises(GateFailure) as failure:
        build_release(store, make_registry(), fast_config(waivers=(everything,)), today=TODAY)

    provenance = next(v for v in failure.value.verdicts if v.gate == "provenance")
    assert provenance.status == GateStatus.ERROR and not provenance.passed
    [(source, missing)] = provenance.evidence["records_unaccounted"].items()
    assert missing == 1 and source in provenance.summary
    assert failure.value.failed == ["provenance"]


def test_an_unused_waiver_is_reported_and_a_used_one_counted_apart(store: Store) -> None:
    seed(store)
    unused = Waiver(gate="leakage", scope="check:near", reason="no leak expected here", who="qa")
    config = fast_config(waivers=(unused,))

    result = build_release(store, make_registry(), config, today=TODAY)

    assert result.published and result.unused_waivers == [unused]
    overview = ReleaseReader(store).read_file("reports/overview.html").decode()
    assert "covered no failure" in overview
    audit = ReleaseReader(store).read_file("audit.jsonl").splitlines()
    [gates] = [codec.loads(line) for line in audit if b'"action":"gates"' in line]
    assert gates["decisions"]["unused_waivers"] == [unused.model_dump()]
    assert gates["waivers"] == []


def test_a_waiver_scoped_to_an_unknown_family_stops_the_build_before_it_starts(
    store: Store,
) -> None:
    seed(store)
    typo = Waiver(gate="distribution", scope="family:theraphy", reason="typo in scope", who="qa")

    with pytest.raises(Exception, match="unknown family 'theraphy'"):
        build_release(store, make_registry(), fast_config(waivers=(typo,)), today=TODAY)

    assert list(store.list("audit/")) == [] and list(store.list("processed/")) == []


def test_a_readmitted_false_positive_ships_in_the_next_build(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed(store)
    registry = make_registry()
    first = build_release(store, registry, fast_config(), today=TODAY)
    assert therapy_row(first.funnel)["pii_review"] == {"pii_residual": 1}
    [item] = [i for i in iter_items(store, registry.layout) if i.reason == "pii_residual"]

    readmit(store, registry.layout, item, who="Dr. Review", why="mom.listen is not a web address")
    second = build_release(store, registry, fast_config(), today=TODAY)

    row = therapy_row(second.funnel)
    assert row["pii_review"] == {} and sum(row["released"].values()) == 43
    reader = ReleaseReader(store, second.version, releases_prefix=RELEASES)
    shipped = [
        r for split in ("train", "val", "test") for r in reader.iter_split(split)
        if r.metadata.id == item.record_id
    ]  # fmt: skip
    assert [r.messages[0].content for r in shipped] == [FALSE_POSITIVE]
    audit = reader.read_file("audit.jsonl").splitlines()
    [steps] = [codec.loads(line) for line in audit if b'"action":"record_steps"' in line]
    assert steps["counts"]["readmissions"] == 1 and steps["counts"]["readmitted"] == 1
