"""``mhds build`` on the terminal: one bar per stage (only the running one moves), and a
failed build shows its gates, each failure, waived or not, before the one-line error."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from mhds.cli import app
from mhds.cli.build import StageBars
from mhds.gates.base import Waiver
from mhds.records import codec
from mhds.store import LocalStore
from tests.pipeline.build_cases import fast_config, make_registry, seed_store

runner = CliRunner()


def test_a_new_stage_finishes_the_bars_before_it() -> None:
    bars = Progress(console=Console(file=io.StringIO()))
    tick = StageBars(bars)
    tick("ingest therapy", 40, None)
    tick("ingest crisis", 10, None)
    tick("ingest crisis", 20, None)
    state = {t.description: t for t in bars.tasks}
    assert state["ingest therapy"].finished and not state["ingest crisis"].finished
    tick("pii", 1, 3)
    state = {t.description: t for t in bars.tasks}
    assert state["ingest crisis"].finished and state["ingest crisis"].completed == 20
    assert not state["pii"].finished
    tick("pii", 3, 3)
    tick("dedup: map", 2, 4)
    state = {t.description: t for t in bars.tasks}
    assert state["pii"].completed == 3 and [
        t.description for t in bars.tasks if not t.finished
    ] == ["dedup: map"]


def test_a_failed_build_shows_each_failure_and_what_a_waiver_covered(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    # Two required families with minimums they cannot meet: coverage fails for both, and a
    # waiver covers one of them only.
    registry = make_registry().model_dump(mode="json")
    registry["families"][0]["min_records"] = 1000
    registry["families"][1]["required"] = True
    registry["families"][1]["min_records"] = 1000
    path = tmp_path / "registry.yaml"
    path.write_text(codec.dumps(registry).decode())
    waiver = Waiver(
        gate="coverage",
        scope="family:counselling",
        reason="accepted for the pilot",
        who="lead lead",
    )
    config = tmp_path / "release.yaml"
    config.write_text(codec.dumps(fast_config(waivers=(waiver,)).model_dump(mode="json")).decode())

    result = runner.invoke(
        app,
        [
            "build",
            "-s",
            str(store.root),
            "-r",
            str(path),
            "-c",
            str(config),
            "--executor",
            "inline",
        ],
    )

    output = " ".join(result.output.split())
    assert result.exit_code == 5, result.output
    assert "7 / 8 gates passed, 0 waived, 1 failed" in output
    assert "waived by lead lead (scope family:counselling)" in output
    assert "waived: required_family (counselling)" in output
    assert "failing: required_family (therapy)" in output
    assert "nothing published: gate(s) coverage did not pass" in output
    assert "Traceback" not in result.output
