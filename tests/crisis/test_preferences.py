"""Safety preference pairs: a chosen turn that passes the rules, a rejected one that breaks
the named rule, never a hazardous demonstration, and no held-out scenario group."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from mhds.cli import app
from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.library import load_library
from mhds.crisis.preferences import DEMONSTRATIONS, preference_pairs
from mhds.crisis.safety import SafetyChecker, load_safety_rules
from mhds.crisis.scenarios import expand_scenarios
from mhds.crisis.sources import is_holdout
from mhds.records import codec
from mhds.store.local import LocalStore

HAZARDOUS = (
    "method_or_lethality_detail",
    "graphic_detail",
    "encouragement_of_harm",
    "weight_or_calorie_numbers",
    "unsafe_confrontation_advice",
)


def test_pairs_check_out_against_the_rules() -> None:
    library = load_library()
    templates = load_chat_templates(library=library)
    checker = SafetyChecker(library, load_safety_rules(library=library), templates)
    scenarios = expand_scenarios(library, seed="pairs", per_category=4)
    source = preference_pairs(scenarios, templates, checker, holdout_share=0.1)
    pairs = [codec.loads(line) for line in source.lines]
    held = [s for s in scenarios if is_holdout(s.group_id, 0.1)]
    assert held and len(pairs) + len(source.left_out) == len(scenarios) - len(held)
    assert len(pairs) >= 0.9 * (len(scenarios) - len(held))
    assert not {p["metadata"]["group_id"] for p in pairs} & {s.group_id for s in held}
    by_id = {s.scenario_id: s for s in scenarios}
    for pair in pairs:
        meta = pair["metadata"]
        scenario = by_id[meta["scenario_id"]]
        prompt = [(m["role"], m["content"]) for m in pair["prompt"]]
        assert prompt[-1][0] == "user" and meta["rule"] in DEMONSTRATIONS
        kwargs = {"category": scenario.category, "region": scenario.region}
        good = checker.score(
            [*prompt, ("assistant", pair["chosen"])], assistant_role="therapist", **kwargs
        )
        bad = checker.score(
            [*prompt, ("assistant", pair["rejected"])], assistant_role="therapist", **kwargs
        )
        assert good.passed
        assert meta["rule"] in {hit.rule for hit in (*bad.red, *bad.yellow)}
        for rule in HAZARDOUS:
            assert not checker.detects(rule, pair["rejected"])
    # several rules are demonstrated, not one
    assert len(Counter(p["metadata"]["rule"] for p in pairs)) >= 5


def test_cli_pairs(tmp_path: Path) -> None:
    runner = CliRunner()
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    base = ["--store", str(store.root)]
    key = "raw/crisis_scenarios/p.jsonl"
    made = runner.invoke(
        app, ["generate", "scenarios", "--seed", "p", "--per-category", "1", "--out", key, *base]
    )
    assert made.exit_code == 0, made.output
    # chats held out with another share than the pairs' default: the pairs still skip them
    chats = ["generate", "chats", "--scenarios", key, "--holdout-share", "0.5", *base]
    assert runner.invoke(app, chats).exit_code == 0
    holdout = (store.root / "raw/crisis_holdout/p-therapist.jsonl").read_bytes().splitlines()
    held = {codec.loads(x)["group_id"] for x in holdout}
    assert len(held) > 3
    result = runner.invoke(app, ["generate", "pairs", "--scenarios", key, *base])
    assert result.exit_code == 0, result.output
    path = store.root / "raw/crisis_preferences/p.jsonl"
    lines = [codec.loads(x) for x in path.read_bytes().splitlines()]
    assert not {x["metadata"]["group_id"] for x in lines} & held
    assert lines and f"{len(lines)} preference pairs; wrote" in " ".join(result.output.split())
    assert set(lines[0]) == {"prompt", "chosen", "rejected", "metadata"}
    again = runner.invoke(app, ["generate", "pairs", "--scenarios", key, *base])
    assert again.exit_code == 0 and "already there" in again.output
