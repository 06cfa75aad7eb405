"""Persona families through a build: sources made by ``mhds persona chats`` from lecture
transcripts, ingested with one group namespace (a transcript's chunks share a split across
the persona and dual-persona families), a holdout that never reaches train, the style gate
on what would ship, and the consent requirement of families that carry a real voice."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from mhds.errors import NothingIngestedError
from mhds.gates.base import GateStatus, Waiver
from mhds.ingest import ingest_sources
from mhds.persona.chats import ATTRIBUTE_FIELDS, PersonaChatConfig
from mhds.persona.corpus import persona_id_of
from mhds.persona.dual import ATTRIBUTE_FIELDS as DUAL_FIELDS
from mhds.persona.sources import make_persona_sources
from mhds.persona.style import StyleConfig
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.steps.provenance import ProvenanceReason
from mhds.store.base import Store
from tests.persona.conftest import PREFIX, put_lectures
from tests.pipeline.build_cases import TODAY, compiled_records, fast_config

RANGES = {"expected_turns": {"min": 2, "max": 4}, "expected_tokens": {"min": 20, "max": 3000}}
CONSENT = "consent form CF-2026-014 (signed 2026-10-02)"


def persona_registry(*, consent: str | None = CONSENT) -> Registry:
    """The example registry's persona families and sources, alone."""

    def source(id_: str, family: str, fields: tuple[str, ...]) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": id_,
            "family": family,
            "prefixes": [f"raw/{id_}/"],
            "adapter": "chatml",
            "license": "CC-BY-4.0",
            "approval": "approved",
            "adapter_options": {
                "group_field": "group_id",
                "group_namespace": "persona",
                "generator_field": "generator",
                "attribute_fields": list(fields),
            },
        }
        if consent is not None:
            found["consent"] = consent
        return found

    family = {"stage": "stage4", "consent_required": True, **RANGES}
    return Registry.model_validate(
        {
            "stages": [{"id": "stage4", "order": 4}],
            "families": [
                {"name": "voice_persona", "required": True, **family},
                {"name": "voice_persona_holdout", "holdout": "test_only", **family},
                {"name": "dual_persona", **family},
            ],
            "sources": [
                source("voice_persona", "voice_persona", ATTRIBUTE_FIELDS),
                source("voice_persona_holdout", "voice_persona_holdout", ATTRIBUTE_FIELDS),
                source("dual_persona", "dual_persona", DUAL_FIELDS),
            ],
        }
    )


def seed_persona(store: Store, **config: Any) -> PersonaChatConfig:
    """The persona sources of the test lectures: every source of ``persona_registry`` gets
    objects (a third of the groups held out, a third of the chunks answered twice)."""
    put_lectures(store)
    chosen = PersonaChatConfig(seed="build", **{"holdout_share": 0.3, "dual_share": 0.4, **config})
    make_persona_sources(store, PREFIX, chosen)
    return chosen


def style_of(verdicts: list[Any]) -> Any:
    return next(v for v in verdicts if v.gate == "style")


def test_holdouts_stay_in_test_and_a_transcript_shares_one_split(store: Store) -> None:
    seed_persona(store)
    result = build_release(store, persona_registry(), fast_config(), today=TODAY)
    assert result.published, [v.summary for v in result.verdicts if not v.passed]
    records = compiled_records(store, result.version)
    by_group: dict[str, set[str]] = defaultdict(set)
    by_pair: dict[str, set[str]] = defaultdict(set)
    families: dict[str, int] = defaultdict(int)
    held_transcripts: set[str] = set()
    for record in records:
        meta = record.metadata
        families[meta.family] += 1
        by_group[str(meta.group_id)].add(str(meta.split))
        assert str(meta.group_id).startswith("persona:")  # one namespace across sources
        if meta.family == "voice_persona_holdout":
            assert meta.split == "test"
            held_transcripts.add(str(meta.attributes["transcript_id"]))
        if meta.family == "dual_persona":
            by_pair[str(meta.attributes["pair_id"])].add(str(meta.split))
    assert set(families) == {"voice_persona", "voice_persona_holdout", "dual_persona"}
    # persona ids are opaque and survive the PII step intact
    personas = {persona_id_of(c) for c in ("Open Door Psychology", "Counselling Skills Studio")}
    shipped = {str(r.metadata.attributes["persona_id"]) for r in records}
    assert personas <= shipped <= personas | {"clinical_counsellor"}
    assert all(len(splits) == 1 for splits in by_group.values())  # a transcript, one split
    assert by_pair and all(len(splits) == 1 for splits in by_pair.values())
    # both halves of every pair ship, unless PII review holds one: no template answer is
    # near another, so de-duplication never takes half a pair
    halves: dict[str, int] = defaultdict(int)
    for record in records:
        if record.metadata.family == "dual_persona":
            halves[str(record.metadata.attributes["pair_id"])] += 1
    held = [
        entry
        for obj in store.list("quarantine/")
        if "/pii-" in obj.key
        for entry in map(codec.loads, store.read_bytes(obj.key).splitlines())
        if entry["source_id"] == "dual_persona"
    ]
    assert set(halves.values()) <= {1, 2}
    assert sum(1 for n in halves.values() if n == 1) == len(held)
    assert result.counts.get("duplicates_removed", 0) == 0
    for record in records:  # a held-out transcript never reaches train or val
        if str(record.metadata.attributes.get("transcript_id")) in held_transcripts:
            assert record.metadata.split == "test"
    verdict = style_of(result.verdicts)
    assert verdict.status == GateStatus.PASS
    rows = {row["family"]: row for row in verdict.evidence["families"]}
    assert rows["voice_persona"]["scored"] == families["voice_persona"]
    assert rows["voice_persona_holdout"]["scored"] == families["voice_persona_holdout"]
    # the profiles are rendered in the release's reports: counts and fixed-list items only
    report = store.read_bytes(f"releases/{result.version}/reports/style.md").decode()
    assert f"## Style profile of {persona_id_of('Open Door Psychology')}" in report
    assert "| voice_persona |" in report and "| analogy |" in report
    profile = codec.loads(store.read_bytes(next(o.key for o in store.list("profiles/"))))
    for ngram in profile["ngrams"]["bigrams"][:5] + profile["sentence_starters"][:5]:
        assert f" {ngram['text']} (" not in report  # the speaker's own words stay out


def test_a_conversation_far_from_the_profile_fails_the_style_gate(store: Store) -> None:
    seed_persona(store)
    key = next(o.key for o in store.list("raw/voice_persona/"))
    lines = store.read_bytes(key).splitlines()
    off = codec.loads(lines[0])
    # a generated answer in another register: a list of clinical terms, no spoken voice
    off["messages"][1]["content"] = (
        "Indicated interventions: psychoeducation; cognitive restructuring; behavioural "
        "activation; graded exposure; sleep hygiene; relapse prevention; pharmacotherapy "
        "review; outcome monitoring; risk assessment; collateral contact. " * 3
    )
    store.write_bytes("raw/voice_persona/generated-off.jsonl", codec.dumps(off) + b"\n")
    with pytest.raises(GateFailure) as failed:
        build_release(store, persona_registry(), fast_config(), today=TODAY)
    verdict = style_of(failed.value.verdicts)
    assert verdict.status == GateStatus.FAIL
    assert [(f.check, f.family) for f in verdict.failures] == [("far", "voice_persona")]
    row = next(r for r in verdict.evidence["families"] if r["family"] == "voice_persona")
    assert row["far"] == 1 and row["max"] > StyleConfig().max_distance
    assert "Indicated interventions" not in codec.dumps(verdict.to_dict()).decode()
    # a recorded waiver of that check publishes, and says so
    waiver = Waiver(
        gate="style", scope="check:far", reason="reviewed: a planted test record", who="qa"
    )
    result = build_release(store, persona_registry(), fast_config(waivers=(waiver,)), today=TODAY)
    assert result.published and style_of(result.verdicts).waivers == (waiver,)


def test_a_record_without_a_profile_is_an_error_no_waiver_covers(store: Store) -> None:
    seed_persona(store)
    key = next(o.key for o in store.list("raw/voice_persona/"))
    unscored = codec.loads(store.read_bytes(key).splitlines()[0])
    del unscored["generator"]["style"]
    unscored["messages"][1]["content"] += " And that is the end of the talk."
    store.write_bytes("raw/voice_persona/unscored.jsonl", codec.dumps(unscored) + b"\n")
    waiver = Waiver(gate="style", scope="all", reason="try to waive everything", who="qa")
    with pytest.raises(GateFailure) as failed:
        build_release(store, persona_registry(), fast_config(waivers=(waiver,)), today=TODAY)
    verdict = style_of(failed.value.verdicts)
    assert verdict.status == GateStatus.ERROR
    assert [f.check for f in verdict.failures] == ["unscored"]


def test_a_transcript_source_without_consent_is_denied(store: Store) -> None:
    seed_persona(store)
    registry = persona_registry(consent=None)
    with pytest.raises(NothingIngestedError) as denied:
        ingest_sources(store, registry, ["voice_persona"])
    assert set(denied.value.reasons) == {ProvenanceReason.MISSING_CONSENT.value}
    with pytest.raises(ValueError, match="consent is blank"):
        persona_registry(consent="  ")


def test_a_held_out_chunk_copied_into_training_data_never_ships_in_two_splits(
    store: Store,
) -> None:
    seed_persona(store)
    holdout_key = next(o.key for o in store.list("raw/voice_persona_holdout/"))
    held = codec.loads(store.read_bytes(holdout_key).splitlines()[0])
    train_key = next(o.key for o in store.list("raw/voice_persona/"))
    copy = codec.loads(store.read_bytes(train_key).splitlines()[0])
    # a generated answer that quotes a held-out chunk almost word for word
    copy["messages"] = [
        {"role": "user", "content": "Could you say more about that?"},
        {"role": "assistant", "content": held["messages"][1]["content"] + " Thanks."},
    ]
    store.write_bytes("raw/voice_persona/quoting.jsonl", codec.dumps(copy) + b"\n")
    result = build_release(store, persona_registry(), fast_config(), today=TODAY)
    assert result.published
    text = held["messages"][1]["content"][:200]
    shipped = [r for r in compiled_records(store, result.version) if text in r.messages[-1].content]
    # de-duplication keeps one, or the two are linked into one split: never train and test
    assert shipped and {r.metadata.split for r in shipped} == {"test"}
    assert next(v for v in result.verdicts if v.gate == "leakage").passed
