"""Crisis families through a build: generated chats ingested with their scenario groups and
generator provenance, scored by the safety screen, held out by scenario group, and judged by
the safety gate (which also scores what would ship, on its own)."""

from __future__ import annotations

from collections import defaultdict
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.library import load_library
from mhds.crisis.safety import RULES_FILE
from mhds.crisis.scenarios import expand_scenarios
from mhds.crisis.screening import SafetyConfig
from mhds.crisis.sources import ATTRIBUTE_FIELDS, chat_source, template_maker
from mhds.errors import ConfigError
from mhds.gates.base import GateStatus, Waiver
from mhds.ingest import ingest_sources
from mhds.ingest.processed import read_manifest
from mhds.pipeline.run import GateFailure, build_release
from mhds.pipeline.stages import RecordStepsUnit, run_record_steps
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.steps.pii.config import PIIConfig
from mhds.store.base import Store
from mhds.store.local import LocalStore
from mhds.store.streams import iter_lines
from tests.pipeline.build_cases import TODAY, compiled_records, fast_config

METHOD = " Taking forty of your sleeping pills at once would be a lethal dose."
RANGES = {"expected_turns": {"min": 2, "max": 20}, "expected_tokens": {"min": 5, "max": 4000}}


def crisis_registry() -> Registry:
    """The example registry's crisis families and sources, alone."""
    options = {
        "group_field": "group_id",
        "generator_field": "generator",
        "attribute_fields": list(ATTRIBUTE_FIELDS),
    }
    source = {"adapter": "chatml", "adapter_options": options, "license": "internal-synthetic"}
    return Registry.model_validate(
        {
            "stages": [{"id": "stage3_edge_crisis", "order": 3}],
            "families": [
                {"name": "crisis_edge", "stage": "stage3_edge_crisis", "required": True, **RANGES},
                {
                    "name": "crisis_holdout",
                    "stage": "stage3_edge_crisis",
                    "holdout": "test_only",
                    **RANGES,
                },
            ],
            "sources": [
                {
                    "id": "crisis_chats",
                    "family": "crisis_edge",
                    "prefixes": ["raw/crisis_chats/"],
                    "approval": "approved",
                    **source,
                },
                {
                    "id": "crisis_holdout",
                    "family": "crisis_holdout",
                    "prefixes": ["raw/crisis_holdout/"],
                    "approval": "approved",
                    **source,
                },
            ],  # fmt: skip
        }
    )


def seed_chats(store: Store, *, plant: str | None = None) -> tuple[int, int]:
    """Template chats of every category (3 scenarios each), a fifth of the scenario groups
    held out; ``plant`` appends text to the first therapist turn of the first chat."""
    library = load_library()
    scenarios = expand_scenarios(library, seed="build", per_category=3)
    source = chat_source(
        scenarios, template_maker(load_chat_templates(library=library)), holdout_share=0.2
    )
    lines = list(source.lines)
    if plant is not None:
        first = codec.loads(lines[0])
        first["messages"][1]["content"] += plant
        lines[0] = codec.dumps(first)
    store.write_bytes("raw/crisis_chats/chats.jsonl", b"".join(x + b"\n" for x in lines))
    store.write_bytes("raw/crisis_holdout/chats.jsonl", source.holdout_data())
    return len(source.lines), len(source.holdout)


def safety_of(verdicts: list[Any]) -> Any:
    return next(v for v in verdicts if v.gate == "safety")


def test_template_chats_pass_and_scenario_groups_stay_together(store: Store) -> None:
    chats, held = seed_chats(store)
    result = build_release(store, crisis_registry(), fast_config(), today=TODAY)
    assert result.published
    verdict = safety_of(result.verdicts)
    assert verdict.status == GateStatus.PASS
    rows = {row["family"]: row for row in verdict.evidence["families"]}
    assert rows["crisis_edge"]["scored"] == rows["crisis_edge"]["passed"] == chats
    assert rows["crisis_holdout"]["scored"] == held
    categories = rows["crisis_edge"]["by"]["category"]
    assert len(categories) == 19 and all(c["rate"] == 1.0 for c in categories.values())
    assert set(rows["crisis_edge"]["by"]["directness"]) == {"explicit", "indirect"}
    assert verdict.evidence["shipped_scored"] == chats + held

    records = compiled_records(store, result.version)
    splits: dict[str, set[str]] = defaultdict(set)
    for record in records:
        meta = record.metadata
        splits[str(meta.group_id)].add(str(meta.split))
        if meta.family == "crisis_holdout":
            assert meta.split == "test"
        # the line's own generator reached the record's provenance
        generator = meta.provenance.generator
        assert generator is not None and generator["backend"] == "template"
        assert generator["templates_digest"].startswith("sha256:")
        assert "safety" in [s.name for s in meta.provenance.steps]
    assert all(len(s) == 1 for s in splits.values())  # no scenario group crosses splits
    assert {r.metadata.family for r in records} == {"crisis_edge", "crisis_holdout"}


def test_a_failing_chat_is_quarantined_and_nothing_publishes_unless_waived(
    store: Store,
) -> None:
    seed_chats(store, plant=METHOD)
    with pytest.raises(GateFailure) as failure:
        build_release(store, crisis_registry(), fast_config(), today=TODAY)
    assert failure.value.failed == ["safety"]
    verdict = safety_of(failure.value.verdicts)
    [item] = verdict.failures
    assert item.check == "pass_rate" and item.family == "crisis_edge"
    assert "method_or_lethality_detail" in item.detail
    assert not verdict.evidence["shipped_red"]  # quarantined: nothing failing would ship
    [entry] = [e for e in quarantine_entries(store) if e["step"] == "safety"]
    assert entry["reason"] == "safety_method_or_lethality_detail"
    assert entry["field"] == "messages[1].content" and METHOD.strip() not in str(entry)
    report = store.read_bytes(f"{failure.value.reports}/safety.md").decode()
    assert "| method_or_lethality_detail | 1 | 0 |" in report
    for table in ("category", "risk level", "directness", "model judge verdict"):
        assert f"| {table} | chats | pass | rate |" in report
    [row] = [r for r in failure.value.funnel if r["source"] == "crisis_chats"]
    assert row["safety_review"] == {"safety_method_or_lethality_detail": 1}
    assert not row["pii_review"]

    waiver = Waiver(
        gate="safety",
        scope="family:crisis_edge,check:pass_rate",
        reason="the failing chat is quarantined; the rest was reviewed",
        who="clinical lead",
    )
    result = build_release(store, crisis_registry(), fast_config(waivers=(waiver,)), today=TODAY)
    assert result.published
    shipped = "\n".join(
        m.content for r in compiled_records(store, result.version) for m in r.messages
    )
    assert METHOD.strip() not in shipped


def test_the_gate_scores_what_ships_on_its_own(store: Store) -> None:
    seed_chats(store, plant=METHOD)
    config = fast_config(safety={"quarantine": False, "min_pass_rate": 0.5})
    with pytest.raises(GateFailure) as failure:
        build_release(store, crisis_registry(), config, today=TODAY)
    verdict = safety_of(failure.value.verdicts)
    [item] = verdict.failures
    assert item.check == "never" and item.family == "crisis_edge"
    assert verdict.evidence["shipped_red"] == {"crisis_edge": {"method_or_lethality_detail": 1}}


def test_a_crisis_record_without_a_category_is_not_shipped_unscored(store: Store) -> None:
    seed_chats(store)
    line = codec.loads(store.read_bytes("raw/crisis_chats/chats.jsonl").splitlines()[0])
    line["group_id"] = "grp-uncategorised"
    line["crisis_category"] = "not_a_category"
    line["messages"][0]["content"] = "A line of its own, unlike any other chat here."
    store.write_bytes("raw/crisis_chats/extra.jsonl", codec.dumps(line) + b"\n")
    config = fast_config(safety={"min_pass_rate": 0.9})
    result = build_release(store, crisis_registry(), config, today=TODAY)
    verdict = safety_of(result.verdicts)
    [row] = [r for r in verdict.evidence["families"] if r["family"] == "crisis_edge"]
    assert row["rules"]["safety_unscored"] == {"red": 1, "yellow": 0}
    assert row["scored"] == row["passed"] + 1
    [entry] = [e for e in quarantine_entries(store) if e["step"] == "safety"]
    assert entry["reason"] == "safety_unscored" and entry["locator"] == "line:1"
    assert entry["source_key"] == "raw/crisis_chats/extra.jsonl"
    shipped = {r.metadata.source_key for r in compiled_records(store, result.version)}
    assert "raw/crisis_chats/extra.jsonl" not in shipped
    [funnel] = [r for r in result.funnel if r["source"] == "crisis_chats"]
    assert funnel["safety_review"] == {"safety_unscored": 1} and not funnel["pii_review"]


def test_client_framing_chats_are_scored_as_such_and_never_relabelled(store: Store) -> None:
    library = load_library()
    scenarios = expand_scenarios(library, seed="client", per_category=1)
    templates = load_chat_templates(library=library)
    client = chat_source(scenarios, template_maker(templates, assistant_role="client"))
    # under the therapist source: every chat is labelled therapist by the registry
    store.write_bytes("raw/crisis_chats/client.jsonl", client.data())
    # and under a source of their own, with the assistant as the client
    store.write_bytes("raw/simulator/client.jsonl", client.data())
    registry = crisis_registry().model_dump(mode="json")
    registry["sources"] = [x for x in registry["sources"] if x["id"] != "crisis_holdout"]
    registry["families"].append(
        {"name": "simulator", "stage": "stage3_edge_crisis", "assistant_role": "client", **RANGES}
    )
    registry["sources"].append(
        {**registry["sources"][0], "id": "simulator_chats", "family": "simulator",
         "prefixes": ["raw/simulator/"]}
    )  # fmt: skip
    waiver = Waiver(
        gate="safety",
        scope="family:crisis_edge,check:pass_rate",
        reason="mislabelled on purpose by this test",
        who="qa",
    )
    config = fast_config(waivers=(waiver,))
    result = build_release(store, Registry.model_validate(registry), config, today=TODAY)
    verdict = safety_of(result.verdicts)
    rows = {row["family"]: row for row in verdict.evidence["families"]}
    # the mislabelled copies are held, whatever they say
    assert rows["crisis_edge"]["rules"] == {"safety_role_mismatch": {"red": 19, "yellow": 0}}
    assert rows["crisis_edge"]["passed"] == 0
    # the others carry a crisis category: scored, in the client framing, and they pass
    assert rows["simulator"]["scored"] == rows["simulator"]["passed"] == 19
    records = compiled_records(store, result.version)
    assert {r.metadata.family for r in records} == {"simulator"}
    assert all(r.metadata.assistant_role == "client" for r in records)


def test_the_never_check_is_an_error_no_waiver_covers(store: Store) -> None:
    seed_chats(store, plant=METHOD)
    waiver = Waiver(gate="safety", scope="all", reason="trying to ship it anyway", who="qa")
    config = fast_config(safety={"quarantine": False, "min_pass_rate": 0.5}, waivers=(waiver,))
    with pytest.raises(GateFailure) as failure:
        build_release(store, crisis_registry(), config, today=TODAY)
    verdict = safety_of(failure.value.verdicts)
    assert verdict.status == GateStatus.ERROR and not verdict.passed


def test_an_empty_family_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="families"):
        fast_config(safety={"families": []})


def quarantine_entries(store: Store) -> list[dict[str, Any]]:
    return [
        codec.loads(line)
        for obj in store.list("quarantine/")
        if obj.key.endswith(".jsonl")
        for _, line in iter_lines(store, obj.key)
    ]


def test_an_unknown_safety_family_is_a_config_error(store: Store) -> None:
    seed_chats(store)
    config = fast_config(safety={"families": ["crisis_edge", "crisis_typo"]})
    with pytest.raises(ConfigError, match="crisis_typo"):
        build_release(store, crisis_registry(), config, today=TODAY)


def test_a_changed_rules_file_redoes_the_screen_never_resumes_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_chats(store)
    registry = crisis_registry()
    ingest_sources(store, registry, ["crisis_chats"], build_id="20261129T100000Z")
    [shard, *_] = read_manifest(store, registry, "crisis_chats")["shards"]
    rules = (files("mhds.crisis") / "data" / RULES_FILE).read_text(encoding="utf-8")
    store.write_bytes("rules/safety.yaml", rules.encode())
    unit = RecordStepsUnit(
        store=store,
        input_key=shard["key"],
        output_key="work/k/stage/part-00000.jsonl.zst",
        quarantine_key="quarantine/b/pii-00000.jsonl",
        done_key="work/k/stage/part-00000.done.json",
        pii=PIIConfig(),
        provenance=shard.get("provenance"),
        safety=SafetyConfig(rules="rules/safety.yaml"),
        safety_families=("crisis_edge",),
    )
    first = run_record_steps(unit)
    assert not first["resumed"] and first["safety_stats"]["seen"] == first["records"]
    assert run_record_steps(unit)["resumed"]
    store.write_bytes("rules/safety.yaml", rules.replace('version: "1"', 'version: "1.1"').encode())
    again = run_record_steps(unit)
    assert not again["resumed"] and again["safety"] != first["safety"]
