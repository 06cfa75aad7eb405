"""Crisis families through a build: generated chats ingested with their scenario groups and
generator provenance, scored by the safety screen, held out by scenario group, and judged by
the safety gate (which also scores what would ship, on its own)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.library import load_library
from mhds.crisis.scenarios import expand_scenarios
from mhds.crisis.sources import ATTRIBUTE_FIELDS, chat_source, template_maker
from mhds.errors import ConfigError
from mhds.gates.base import GateStatus, Waiver
from mhds.pipeline.run import GateFailure, build_release
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.store.base import Store
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
    entries = [
        codec.loads(line)
        for obj in store.list("quarantine/")
        for _, line in iter_lines(store, obj.key)
        if obj.key.endswith(".jsonl")
    ]
    [entry] = [e for e in entries if e["step"] == "safety"]
    assert entry["reason"] == "safety_method_or_lethality_detail"
    assert entry["field"] == "messages[1].content" and METHOD.strip() not in str(entry)
    report = store.read_bytes(f"{failure.value.reports}/safety.md").decode()
    assert "| method_or_lethality_detail | 1 | 0 |" in report
    for table in ("category", "risk level", "directness", "model judge verdict"):
        assert f"| {table} | chats | pass | rate |" in report
    [row] = [r for r in failure.value.funnel if r["source"] == "crisis_chats"]
    assert row["pii_review"] == {"safety_method_or_lethality_detail": 1}

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
    store.write_bytes("raw/crisis_chats/extra.jsonl", codec.dumps(line) + b"\n")
    config = fast_config(safety={"min_pass_rate": 0.9})
    result = build_release(store, crisis_registry(), config, today=TODAY)
    verdict = safety_of(result.verdicts)
    [row] = [r for r in verdict.evidence["families"] if r["family"] == "crisis_edge"]
    assert row["rules"]["safety_unscored"] == {"red": 1, "yellow": 0}
    assert row["scored"] == row["passed"] + 1


def test_an_unknown_safety_family_is_a_config_error(store: Store) -> None:
    seed_chats(store)
    config = fast_config(safety={"families": ["crisis_edge", "crisis_typo"]})
    with pytest.raises(ConfigError, match="crisis_typo"):
        build_release(store, crisis_registry(), config, today=TODAY)
