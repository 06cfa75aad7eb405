"""The CLI end to end: exit codes, one-line errors, the demo, and --help examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.persona.corpus import persona_id_of
from mhds.records import codec

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [
        ["init"],
        ["inventory"],
        ["ingest"],
        ["demo"],
        ["build"],
        ["registry", "validate"],
        ["release", "ls"],
        ["release", "show"],
        ["release", "verify"],
        ["release", "gc"],
        ["pii", "scan"],
        ["pii", "redact"],
        ["audit", "verify"],
        ["quarantine", "ls"],
        ["quarantine", "show"],
        ["quarantine", "readmit"],
    ],
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


def test_demo_builds_a_release_from_counselchat(tmp_path: Path, shared_data: Path) -> None:
    store = tmp_path / "demo-store"
    result = runner.invoke(app, ["demo", "--store", str(store), "--shared-data", str(shared_data)])
    assert result.exit_code == 0, result.output
    output = result.output.replace("\n", "")
    [folder] = sorted((store / "inventory").iterdir())
    assert str(folder) in output
    assert (folder / "coverage.md").is_file()
    [release] = sorted((store / "releases").iterdir())
    assert str(release) in output
    manifest = codec.loads((release / "manifest.json").read_bytes())
    assert {g["gate"]: g["status"] for g in manifest["gates"]} == {
        **dict.fromkeys(
            (
                "coverage",
                "provenance",
                "pii",
                "leakage",
                "distribution",
                "bias",
                "safety",
                "style",
            ),
            "pass",
        ),
        "signoff": "fail",  # no clinician reviewed the demo: waived, and the manifest says so
    }
    assert manifest["qa"] == {"signoff": "waived"}
    [waiver] = manifest["waivers"]
    assert waiver["gate"] == "signoff" and waiver["scope"] == "check:missing"
    assert "mhds qa sample BUILD_ID" in output and "mhds release publish BUILD_ID" in output
    assert (release / "reports" / "bias_report.md").is_file()
    assert "Bias and cultural report" in (release / "reports" / "overview.html").read_text()
    assert manifest["counts"]["professional_therapeutic"]["train"]["records"] > 1500
    # the crisis families come from the scenario library; the holdout is test only
    crisis, holdout = manifest["counts"]["crisis_edge"], manifest["counts"]["crisis_holdout"]
    assert sum(c["records"] for c in crisis.values()) == 159 and list(holdout) == ["test"]
    safety = codec.loads((release / "reports" / "safety.json").read_bytes())
    assert "190 / 190 crisis chats pass" in safety["summary"]
    # the persona families come from the demo lectures; their holdout is test only
    counts = manifest["counts"]
    for family in ("voice_persona", "dual_persona", "simulator_dual_persona"):
        assert sum(c["records"] for c in counts[family].values()) >= 20, family
    assert list(counts["voice_persona_holdout"]) == ["test"]
    style = (release / "reports" / "style.md").read_text()
    assert f"Style profile of {persona_id_of('Open Door Psychology')}" in style
    ingest = codec.loads(
        (store / "processed/professional_therapeutic/counsel_chat/_manifest.json").read_bytes()
    )
    assert ingest["records"] == 2129
    # the deliberately broken demo items are quarantined, not dropped
    assert list((store / "quarantine").rglob("*.jsonl"))
    verify = runner.invoke(app, ["release", "verify", str(release)])
    assert verify.exit_code == 0, verify.output
    for name in (release.name, release.name + "/", f"releases/{release.name}"):
        by_version = runner.invoke(app, ["release", "verify", name, "--store", str(store)])
        assert by_version.exit_code == 0 and str(release) in by_version.output.replace("\n", "")
    both = runner.invoke(app, ["release", "verify", str(release), "--store", str(store)])
    assert both.exit_code == 2 and "without --store" in both.output
    shown = " ".join(
        runner.invoke(app, ["release", "show", release.name, "-s", str(store)]).output.split()
    )
    assert "8 / 9 gates passed, 1 waived" in shown
    assert "signoff" in shown and "never train on it" in shown
    assert "professional_therapeutic: licences MIT" in shown and "counsel_chat" in shown
    listed = runner.invoke(app, ["release", "ls", "--store", str(store)])
    assert release.name in listed.output

    # a second run reuses every processed and redacted shard and publishes the same content
    processed = {p: p.read_bytes() for p in (store / "processed").rglob("_manifest.json")}
    again = runner.invoke(app, ["demo", "--store", str(store), "--shared-data", str(shared_data)])
    assert again.exit_code == 0, again.output
    assert {p: p.read_bytes() for p in (store / "processed").rglob("_manifest.json")} == processed
    first, second = sorted((store / "releases").iterdir())
    assert second.name == f"{first.name}.1"
    shards = [(s["key"], s["sha256"]) for s in manifest["shards"]]
    second_manifest = codec.loads((second / "manifest.json").read_bytes())
    assert [(s["key"], s["sha256"]) for s in second_manifest["shards"]] == shards
    assert second_manifest["previous_release"] == first.name
    # the same data: equal content digests (version, time, audit and comparisons differ)
    assert second_manifest["content_digest"] == manifest["content_digest"]
    assert manifest["content_digest"].startswith("sha256:")


def test_demo_without_shared_data_publishes_with_a_recorded_waiver(tmp_path: Path) -> None:
    store = tmp_path / "demo-store"
    result = runner.invoke(
        app, ["demo", "--store", str(store), "--shared-data", str(tmp_path / "absent")]
    )
    assert result.exit_code == 0, result.output
    assert "synthetic only" in result.output
    ingest = codec.loads(
        (store / "processed/professional_therapeutic/counsel_chat/_manifest.json").read_bytes()
    )
    assert 0 < ingest["records"] < 200
    [release] = sorted((store / "releases").iterdir())
    manifest = codec.loads((release / "manifest.json").read_bytes())
    waivers = {w["gate"]: w for w in manifest["waivers"]}
    assert sorted(waivers) == ["coverage", "signoff"]
    assert waivers["coverage"]["who"] == "mhds demo"

    # the build's audit log verifies, and any edit breaks it
    [log] = sorted((store / "audit").glob("*.jsonl"))
    key = f"audit/{log.name}"
    ok = runner.invoke(app, ["audit", "verify", key, "--store", str(store)])
    assert ok.exit_code == 0, ok.output
    lines = log.read_bytes().splitlines()
    assert len(lines) >= 9  # 5 sources ingested, record steps, dedup, gates, publish
    lines[1] = lines[1].replace(b'"records":', b'"records":1', 1)
    log.write_bytes(b"\n".join(lines) + b"\n")
    broken = runner.invoke(app, ["audit", "verify", key, "--store", str(store)])
    assert broken.exit_code == 1
    assert "entry 1" in broken.output
