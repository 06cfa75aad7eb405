"""``mhds generate scenarios``: seeded, written once, a library from the store, clear errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from mhds.cli import app
from mhds.crisis.scenarios import read_scenarios
from mhds.store.local import LocalStore

runner = CliRunner()


def generate(store: LocalStore, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["generate", "scenarios", *args, "--store", str(store.root)])
    return result.exit_code, " ".join(result.output.split())


def test_scenarios_are_written_once_and_a_rerun_finds_the_same_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    code, output = generate(store, "--seed", "pilot 1", "--per-category", "3")
    assert code == 0, output
    [written] = list((store.root / "raw" / "crisis_scenarios").glob("*.jsonl"))
    assert written.name.startswith("scenarios-pilot-1-")
    drawn = read_scenarios(written.read_bytes())
    categories = {s.category for s in drawn}
    assert len(drawn) == 3 * len(categories) and "suicidal_ideation_plan" in categories
    assert "wrote:" in output and "scenario groups" in output
    first = written.read_bytes()
    code, output = generate(store, "--seed", "pilot 1", "--per-category", "3")
    assert code == 0 and "already there (same bytes)" in output
    assert written.read_bytes() == first
    key = f"raw/crisis_scenarios/{written.name}"
    code, output = generate(store, "--seed", "other", "--per-category", "3", "--out", key)
    assert code == 2 and "never overwritten" in output


def test_one_category_and_bad_arguments(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    code, output = generate(
        store, "--seed", "s", "--per-category", "2", "--category", "self_harm", "--out", "x.jsonl"
    )
    assert code == 0, output
    assert {s.category for s in read_scenarios((store.root / "x.jsonl").read_bytes())} == {
        "self_harm"
    }
    code, output = generate(store, "--seed", "s", "--category", "no_such_thing", "--out", "y.jsonl")
    assert code == 2 and "no_such_thing" in output


def test_a_library_from_the_store_with_an_out_of_scope_tier_is_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    packaged = resources.files("mhds.crisis").joinpath("data/scenarios-v1.yaml").read_text()
    edited = packaged.replace("tier: moderate", "tier: ultra", 1)
    assert edited != packaged
    store.write_bytes("libraries/scenarios.yaml", edited.encode())
    code, output = generate(store, "--seed", "s", "--library", "libraries/scenarios.yaml")
    assert code == 2 and "out of scope" in output
