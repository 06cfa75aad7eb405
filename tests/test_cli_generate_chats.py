"""``mhds generate chats``: scenarios -> a ChatML source the build ingests."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mhds.cli import app
from mhds.records import codec
from mhds.store.local import LocalStore

runner = CliRunner()


def invoke(store: LocalStore, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--store", str(store.root)])
    return result.exit_code, " ".join(result.output.split())


def test_chats_from_scenarios_in_both_framings(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.root.mkdir()
    scenarios = "raw/crisis_scenarios/s.jsonl"
    code, output = invoke(
        store, "generate", "scenarios", "--seed", "s", "--per-category", "2", "--out", scenarios
    )
    assert code == 0, output
    code, output = invoke(store, "generate", "chats", "--scenarios", scenarios)
    assert code == 0, output
    path = store.root / "raw" / "crisis_chats" / "s-therapist.jsonl"
    lines = [codec.loads(line) for line in path.read_bytes().splitlines()]
    holdout = store.root / "raw" / "crisis_holdout" / "s-therapist.jsonl"
    held = [codec.loads(line) for line in holdout.read_bytes().splitlines()]
    # the default holdout share (0.1) of scenario groups, whole groups only
    assert len(lines) + len(held) == 38 and 0 < len(held) < 10
    assert f"{len(lines)} chats; wrote" in output and f"{len(held)} chats; wrote" in output
    assert {x["group_id"] for x in lines}.isdisjoint({x["group_id"] for x in held})
    first = lines[0]
    assert first["messages"][0]["role"] == "user" and first["assistant_role"] == "therapist"
    assert first["group_id"].startswith("grp-") and first["generator"]["backend"] == "template"
    again = path.read_bytes()
    code, output = invoke(store, "generate", "chats", "--scenarios", scenarios)
    assert code == 0 and "already there (same bytes)" in output and path.read_bytes() == again
    code, output = invoke(
        store, "generate", "chats", "--scenarios", scenarios, "--assistant-role", "client"
    )
    assert code == 0, output
    client = [
        codec.loads(line)
        for line in (store.root / "raw/crisis_chats_client/s-client.jsonl")
        .read_bytes()
        .splitlines()
    ]
    assert client[0]["messages"][0]["role"] == "system"
    code, output = invoke(
        store, "generate", "chats", "--scenarios", scenarios, "--backend", "openai"
    )
    assert code == 2 and "needs --base-url and --model" in output
    code, output = invoke(store, "generate", "chats", "--scenarios", scenarios, "--backend", "x")
    assert code == 2 and "template or openai" in output
    code, output = invoke(
        store, "generate", "chats", "--scenarios", scenarios, "--holdout-share", "1"
    )
    assert code == 2 and "holdout share" in output
