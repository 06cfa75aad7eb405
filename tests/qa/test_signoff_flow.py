"""From build to publish with clinician sign-off, through the library: a build that needs
sign-off stops as a candidate; the sample is reviewed, a disagreement adjudicated, the run
signed off, and the candidate published; without a sign-off, with a failed item, with a
tampered decision or with a family under its pass rate, it publishes nothing or leaves the
failed record out and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mhds.errors import ConfigError
from mhds.pipeline.candidate import publish_candidate
from mhds.pipeline.result import GateFailure
from mhds.pipeline.run import build_release
from mhds.qa.config import QAConfig
from mhds.qa.decisions import DecisionError, load_decisions
from mhds.qa.review import run_status, submit_adjudication, submit_review
from mhds.qa.reviewers import add_reviewer, get_reviewer
from mhds.qa.run import QARun, create_run, read_run
from mhds.qa.signoff import SignoffRefused, sign_off
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.release.candidate import CandidateError, list_candidates, published_as
from mhds.release.reader import ReleaseReader
from mhds.release.verify import verify_release
from mhds.release.version import list_versions
from mhds.store.base import Store
from mhds.store.local import LocalStore
from tests.pipeline.build_cases import TODAY, fast_config, make_registry, seed_store

QA = "qa/"
GOOD = {
    "foundation": dict.fromkeys(
        (
            "therapeutic_accuracy",
            "clinical_appropriateness",
            "empathy_warmth",
            "boundary_maintenance",
            "cultural_sensitivity",
        ),
        9.0,
    ),
}
BAD = {"foundation": {**GOOD["foundation"], "clinical_appropriateness": 3.0}}


def scores(run: QARun, item_id: str, table: dict[str, dict[str, float]]) -> dict[str, float]:
    item = run.item(item_id)
    assert item is not None
    return table[item.review]


def candidate_store(tmp_path: Path, **qa: Any) -> tuple[Store, Registry, str]:
    """A store with a staged candidate of three families (each reviewed on the foundation
    rubric: none is a crisis family of the default rubric)."""
    store = LocalStore(tmp_path / "store")
    seed_store(store, {"therapy": 12, "counselling": 10, "crisis": 6})
    registry = make_registry()
    config = fast_config(signoff="required", qa={"per_stratum": 2, **qa})
    result = build_release(store, registry, config, today=TODAY)
    assert not result.published and result.candidate is not None
    return store, registry, result.candidate


def reviewed_run(store: Store, registry: Registry, build_id: str) -> QARun:
    add_reviewer(store, QA, "alice", "reviewer")
    add_reviewer(store, QA, "bob", "reviewer")
    add_reviewer(store, QA, "carol", "adjudicator")
    run = create_run(store, registry, build_id)
    for name in ("alice", "bob"):
        person = get_reviewer(store, QA, name)
        for item in run.items:
            submit_review(store, QA, run, person, item.item_id, scores(run, item.item_id, GOOD))
    return run


def test_a_build_that_needs_signoff_stops_as_a_candidate(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    assert list_versions(store, registry.layout.releases) == []
    assert list_candidates(store, registry.layout.builds) == [build_id]
    assert published_as(store, registry.layout.builds, build_id) is None
    with pytest.raises(GateFailure, match="no clinician sign-off"):
        publish_candidate(store, registry, build_id, today=TODAY)
    assert list_versions(store, registry.layout.releases) == []
    report = codec.loads(store.read_bytes(f"builds/{build_id}/reports/signoff.json"))
    assert report["status"] == "fail" and report["failures"][0]["check"] == "missing"


def test_reviewed_adjudicated_signed_candidate_publishes(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    planted = run.items[0].item_id
    alice = get_reviewer(store, QA, "alice")
    # alice revises her review of one item to a fail: a planted disagreement
    submit_review(store, QA, run, alice, planted, scores(run, planted, BAD), notes="too directive")
    status = run_status(store, QA, run)
    assert [s.item.item_id for s in status.queue()] == [planted]
    assert status.queue()[0].reasons == ("pass_fail", "score_gap:clinical_appropriateness")
    with pytest.raises(SignoffRefused, match="wait for adjudication"):
        sign_off(store, QA, run.name, "carol")
    carol = get_reviewer(store, QA, "carol")
    submit_adjudication(store, QA, run, carol, planted, "pass", notes="within guidance")
    with pytest.raises(SignoffRefused, match="adjudicator signs off"):
        sign_off(store, QA, run.name, "alice")
    record = sign_off(store, QA, run.name, "carol")
    assert record["excluded"] == [] and record["signed_by"] == "carol"
    assert record["content_digest"] == run.content_digest
    assert record["agreement"]["outcome"]["raw_agreement"]["items"] == len(run.items)

    published = publish_candidate(store, registry, build_id, today=TODAY)
    manifest = published.manifest
    assert manifest.content_digest == run.content_digest  # nothing excluded: same content
    assert manifest.qa is not None and manifest.qa["signoff"] == "signed"
    assert manifest.qa["signed_by"] == "carol"
    assert [g["gate"] for g in manifest.gates][-1] == "signoff"
    assert verify_release(store, f"releases/{published.version}").ok
    reader = ReleaseReader(store, published.version)
    assert codec.loads(reader.read_file("qa/signoff.json"))["run"] == run.name
    assert published_as(store, registry.layout.builds, build_id) == published.version
    with pytest.raises(Exception, match="already published"):
        publish_candidate(store, registry, build_id, today=TODAY)


def test_an_item_that_failed_review_is_left_out_and_listed(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path, min_pass_rate=0.5)
    run = reviewed_run(store, registry, build_id)
    failed = run.items[1]
    for name in ("alice", "bob"):
        submit_review(
            store,
            QA,
            run,
            get_reviewer(store, QA, name),
            failed.item_id,
            scores(run, failed.item_id, BAD),
        )
    record = sign_off(store, QA, run.name, "carol")
    assert record["excluded"] == [failed.record_id]
    published = publish_candidate(store, registry, build_id, today=TODAY)
    assert published.excluded == (failed.record_id,)
    assert published.manifest.qa is not None
    assert published.manifest.qa["excluded"] == [failed.record_id]
    assert published.manifest.content_digest != run.content_digest
    assert verify_release(store, f"releases/{published.version}").ok
    reader = ReleaseReader(store, published.version)
    ids = {r.metadata.id for split in ("train", "val", "test") for r in reader.iter_split(split)}
    assert failed.record_id not in ids
    rows = [r for r in published.manifest.funnel if "excluded_by_review" in r]
    assert sum(sum(r["excluded_by_review"].values()) for r in rows) == 1


def test_a_family_under_its_pass_rate_cannot_be_signed_off(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)  # min_pass_rate 0.9
    run = reviewed_run(store, registry, build_id)
    failed = run.items[0]
    for name in ("alice", "bob"):
        person = get_reviewer(store, QA, name)
        submit_review(store, QA, run, person, failed.item_id, scores(run, failed.item_id, BAD))
    with pytest.raises(SignoffRefused, match=f"{failed.family}: "):
        sign_off(store, QA, run.name, "carol")


def test_a_tampered_decision_publishes_nothing(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    sign_off(store, QA, run.name, "carol")
    # Someone with write access turns a review into a different one after sign-off.
    victim = load_decisions(store, QA, run.name)[0]
    body = codec.loads(store.read_bytes(victim.key))
    body["scores"]["empathy_warmth"] = 2.0
    store.write_bytes(victim.key, codec.dumps(body, indent=True) + b"\n")
    with pytest.raises(GateFailure, match="changed since it was logged"):
        publish_candidate(store, registry, build_id, today=TODAY)
    assert list_versions(store, registry.layout.releases) == []


def test_a_removed_decision_publishes_nothing(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    sign_off(store, QA, run.name, "carol")
    store.delete(load_decisions(store, QA, run.name)[-1].key)
    with pytest.raises(GateFailure, match="logged but missing"):
        publish_candidate(store, registry, build_id, today=TODAY)


def test_reviews_are_checked_against_the_plan(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    add_reviewer(store, QA, "alice", "reviewer")
    add_reviewer(store, QA, "bob", "reviewer")
    add_reviewer(store, QA, "dan", "reviewer")
    add_reviewer(store, QA, "carol", "adjudicator")
    run = create_run(store, registry, build_id, reviewers=["alice", "bob", "dan"])
    alice = get_reviewer(store, QA, "alice")
    theirs = next(i for i in run.items if "alice" not in i.reviewers)
    with pytest.raises(DecisionError, match="not assigned"):
        submit_review(store, QA, run, alice, theirs.item_id, scores(run, theirs.item_id, GOOD))
    mine = next(i for i in run.items if "alice" in i.reviewers)
    with pytest.raises(DecisionError, match="quote the identifier"):
        submit_review(
            store, QA, run, alice, mine.item_id, scores(run, mine.item_id, GOOD), pii_found=True
        )
    partial = dict(scores(run, mine.item_id, GOOD))
    partial.pop("empathy_warmth")
    with pytest.raises(DecisionError, match="empathy_warmth"):
        submit_review(store, QA, run, alice, mine.item_id, partial)
    carol = get_reviewer(store, QA, "carol")
    with pytest.raises(DecisionError, match="nothing to adjudicate"):
        submit_adjudication(store, QA, run, carol, mine.item_id, "pass")
    with pytest.raises(ConfigError, match="exists already"):
        create_run(store, registry, build_id)
    with pytest.raises(ConfigError, match="exists already"):
        add_reviewer(store, QA, "alice", "reviewer")


def test_an_identifier_found_in_review_fails_the_item_once_confirmed(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path, min_pass_rate=0.5)
    run = reviewed_run(store, registry, build_id)
    item = run.items[2]
    bob = get_reviewer(store, QA, "bob")
    submit_review(
        store,
        QA,
        run,
        bob,
        item.item_id,
        scores(run, item.item_id, GOOD),
        pii_found=True,
        pii_span="a name",
    )
    with pytest.raises(SignoffRefused, match="identifier flag"):
        sign_off(store, QA, run.name, "carol")
    carol = get_reviewer(store, QA, "carol")
    submit_adjudication(
        store, QA, run, carol, item.item_id, "pass", pii_found=True, pii_span="a name"
    )
    record = sign_off(store, QA, run.name, "carol")
    assert record["excluded"] == [item.record_id]
    assert record["privacy_check"]["identifiers_found"] == 1


def test_on_s3_the_sample_is_the_local_one_and_the_flow_publishes(
    tmp_path: Path, s3_store: Store
) -> None:
    """The same sources in a folder and in a bucket: the same content digest, so the same
    sample and assignment; the whole flow then publishes from the bucket."""
    local, registry, local_build = candidate_store(tmp_path)
    seed_store(s3_store, {"therapy": 12, "counselling": 10, "crisis": 6})
    config = fast_config(signoff="required", qa={"per_stratum": 2})
    built = build_release(s3_store, registry, config, today=TODAY)
    assert built.candidate is not None and built.candidate != local_build
    local_run = reviewed_run(local, registry, local_build)
    s3_run = reviewed_run(s3_store, registry, built.candidate)
    assert s3_run.content_digest == local_run.content_digest
    assert s3_run.items == local_run.items
    assert s3_run.plan["sampling"] == local_run.plan["sampling"]
    sign_off(s3_store, QA, s3_run.name, "carol")
    published = publish_candidate(s3_store, registry, built.candidate, today=TODAY)
    assert published.manifest.content_digest == s3_run.content_digest
    assert verify_release(s3_store, f"releases/{published.version}").ok


def test_a_review_weaker_than_the_release_config_asked_cannot_publish(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)  # per_stratum 2, overlap 2, 0.9
    add_reviewer(store, QA, "alice", "reviewer")
    add_reviewer(store, QA, "carol", "adjudicator")
    weak = QAConfig(per_stratum=1, overlap=1, min_pass_rate=0.0)
    run = create_run(store, registry, build_id, reviewers=["alice"], config=weak)
    alice = get_reviewer(store, QA, "alice")
    for item in run.items:
        submit_review(store, QA, run, alice, item.item_id, scores(run, item.item_id, BAD))
    sign_off(store, QA, run.name, "carol")  # the run's own settings allow it
    with pytest.raises(GateFailure, match="weaker_review") as failed:
        publish_candidate(store, registry, build_id, today=TODAY)
    checks = {f.check for f in failed.value.verdicts[0].failures}
    assert {"weaker_review", "pass_rate"} <= checks
    assert list_versions(store, registry.layout.releases) == []


@pytest.mark.parametrize("edited", ["plan.json", "items.jsonl", "rubric.yaml"])
def test_an_edited_plan_object_is_caught(tmp_path: Path, edited: str) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    sign_off(store, QA, run.name, "carol")
    key = f"qa/{run.name}/{edited}"
    store.write_bytes(key, store.read_bytes(key).replace(b"0.9", b"0.0").replace(b"7", b"1") + b" ")
    with pytest.raises(ConfigError, match=f"{edited} changed since the run was drawn"):
        read_run(store, QA, run.name)
    with pytest.raises(GateFailure, match="does not hold"):
        publish_candidate(store, registry, build_id, today=TODAY)


def test_an_edited_candidate_is_refused(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    key = f"builds/{build_id}/candidate.json"
    body = codec.loads(store.read_bytes(key))
    body["signoff_waivers"] = [
        {"gate": "signoff", "scope": "check:missing", "reason": "slipped in later", "who": "x y"}
    ]
    store.write_bytes(key, codec.dumps(body, indent=True))
    with pytest.raises(CandidateError, match="changed since the build wrote it"):
        publish_candidate(store, registry, build_id, today=TODAY)
    assert list_versions(store, registry.layout.releases) == []


def test_a_flag_raised_after_adjudication_sends_the_item_back(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    item = run.items[0].item_id
    alice, bob = get_reviewer(store, QA, "alice"), get_reviewer(store, QA, "bob")
    submit_review(store, QA, run, alice, item, scores(run, item, BAD))
    add_reviewer(store, QA, "dave", "adjudicator")
    carol, dave = get_reviewer(store, QA, "carol"), get_reviewer(store, QA, "dave")
    submit_adjudication(store, QA, run, carol, item, "pass")
    assert not run_status(store, QA, run).queue()
    # a second adjudicator may overrule the first
    submit_adjudication(store, QA, run, dave, item, "fail")
    assert run_status(store, QA, run).state(item).outcome == "fail"  # type: ignore[union-attr]
    # bob now reports an identifier: the adjudication no longer covers the reviews
    submit_review(store, QA, run, bob, item, scores(run, item, GOOD), pii_found=True, pii_span="x")
    state = run_status(store, QA, run).state(item)
    assert state is not None and state.queued and "pii" in state.reasons
    with pytest.raises(SignoffRefused, match="wait for adjudication"):
        sign_off(store, QA, run.name, "carol")


def test_decisions_close_at_signoff_and_run_names_are_checked(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    sign_off(store, QA, run.name, "carol")
    alice = get_reviewer(store, QA, "alice")
    item = run.items[0].item_id
    with pytest.raises(DecisionError, match="signed off"):
        submit_review(store, QA, run, alice, item, scores(run, item, GOOD), notes="typo")
    for name in ("x/../../releases/v2026-11-25", "a/b", "reviewers", "-x"):
        with pytest.raises(ConfigError, match="invalid QA run name"):
            create_run(store, registry, build_id, run=name)


def test_with_block_family_a_failed_item_publishes_nothing(tmp_path: Path) -> None:
    store, registry, build_id = candidate_store(
        tmp_path, min_pass_rate=0.5, on_failed_item="block_family"
    )
    run = reviewed_run(store, registry, build_id)
    failed = run.items[0]
    for name in ("alice", "bob"):
        person = get_reviewer(store, QA, name)
        submit_review(store, QA, run, person, failed.item_id, scores(run, failed.item_id, BAD))
    sign_off(store, QA, run.name, "carol")
    with pytest.raises(GateFailure, match=rf"failed_items \({failed.family}\)"):
        publish_candidate(store, registry, build_id, today=TODAY)
    assert list_versions(store, registry.layout.releases) == []


def test_a_writer_in_another_process_holds_the_run_and_a_dead_ones_lock_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mhds.qa import decisions

    store, registry, build_id = candidate_store(tmp_path)
    run = reviewed_run(store, registry, build_id)
    alice = get_reviewer(store, QA, "alice")
    item = run.items[0].item_id
    lock = f"qa/{run.name}/{decisions.LOCK_NAME}"
    store.put_if_absent(lock, b'{"token": "someone else"}')  # another process is writing
    monkeypatch.setattr(decisions, "LOCK_WAIT_SECONDS", 0.3)
    with pytest.raises(DecisionError, match="another process is writing"):
        submit_review(store, QA, run, alice, item, scores(run, item, GOOD), notes="again")
    monkeypatch.setattr(decisions, "LOCK_STALE_SECONDS", 0.0)  # ... that died long ago
    submit_review(store, QA, run, alice, item, scores(run, item, GOOD), notes="again")
    assert not store.exists(lock)  # released after the write
