"""The CLI end to end: exit codes, one-line errors, the demo, and --help examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.records import codec

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [["inventory"], ["ingest"], ["demo"], ["registry", "validate"]],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_registry_validate_ok_and_bad(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["registry", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [{id: s1, order: 1}]\nfamilies: [{name: f, stage: nope}]\n")
    result = runner.invoke(app, ["registry", "validate", str(bad)])
    assert result.exit_code == 2
    assert "nope" in result.output
    assert "Traceback" not in result.output


def test_ingest_unknown_source_is_a_config_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "--source", "nope", "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown source 'nope'" in result.output


def test_demo_builds_store_and_reports_coverage(tmp_path: Path, shared_data: Path) -> None:
    store = tmp_path / "demo-store"
    result = runner.invoke(app, ["demo", "--store", str(store), "--shared-data", str(shared_data)])
    assert result.exit_code == 0, result.output
    folders = sorted((store / "inventory").iterdir())
    assert len(folders) == 1
    assert str(folders[0]) in result.output.replace("\n", "")
    coverage = codec.loads((folders[0] / "coverage.json").read_bytes())
    assert (folders[0] / "coverage.md").is_file()
    manifest = codec.loads(
        (store / "processed/professional_therapeutic/counsel_chat/_manifest.json").read_bytes()
    )
    assert manifest["records"] == 2129
    assert "professional_therapeutic" in codec.dumps(coverage).decode()
    # the deliberately broken demo items are quarantined, not dropped
    assert list((store / "quarantine").rglob("*.jsonl"))
    # a second run is idempotent: inputs unchanged, nothing re-ingested or rewritten
    manifests = {p: p.read_bytes() for p in (store / "processed").rglob("_manifest.json")}
    again = runner.invoke(app, ["demo", "--store", str(store), "--shared-data", str(shared_data)])
    assert again.exit_code == 0, again.output
    assert {p: p.read_bytes() for p in (store / "processed").rglob("_manifest.json")} == manifests
    assert len(list((store / "inventory").iterdir())) == 2


def test_demo_without_shared_data_uses_synthetic_sources(tmp_path: Path) -> None:
    store = tmp_path / "demo-store"
    result = runner.invoke(
        app, ["demo", "--store", str(store), "--shared-data", str(tmp_path / "absent")]
    )
    assert result.exit_code == 0, result.output
    assert "synthetic only" in result.output
    manifest = codec.loads(
        (store / "processed/professional_therapeutic/counsel_chat/_manifest.json").read_bytes()
    )
    assert 0 < manifest["records"] < 200
    assert manifest["quarantined"] == 0


def test_ingest_writes_an_audit_log_that_verifies_and_detects_tampering(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert runner.invoke(app, ["demo", "--store", str(store)]).exit_code == 0
    [log] = sorted((store / "audit").glob("*.jsonl"))
    key = f"audit/{log.name}"
    ok = runner.invoke(app, ["audit", "verify", key, "--store", str(store)])
    assert ok.exit_code == 0, ok.output
    lines = log.read_bytes().splitlines()
    assert len(lines) == 5  # one entry per demo source
    lines[1] = lines[1].replace(b'"records":', b'"records":1', 1)
    log.write_bytes(b"\n".join(lines) + b"\n")
    broken = runner.invoke(app, ["audit", "verify", key, "--store", str(store)])
    assert broken.exit_code == 1
    assert "entry 1" in broken.output
