"""The QA flow on the command line: build -> candidate -> reviewers -> sample -> reviews
imported (JSONL and Label Studio) -> status -> sign-off -> release publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mhds.cli import app
from mhds.qa.run import read_run
from mhds.records import codec
from mhds.release.version import list_versions
from mhds.store.local import LocalStore
from tests.pipeline.build_cases import fast_config, make_registry, seed_store

runner = CliRunner()
FOUNDATION = (
    "therapeutic_accuracy",
    "clinical_appropriateness",
    "empathy_warmth",
    "boundary_maintenance",
    "cultural_sensitivity",
)


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


def setup_candidate(tmp_path: Path) -> tuple[LocalStore, list[str], str]:
    store = LocalStore(tmp_path / "store")
    seed_store(store, {"therapy": 12, "counselling": 10, "crisis": 6})
    registry = tmp_path / "registry.yaml"
    registry.write_text(codec.dumps(make_registry().model_dump(mode="json")).decode())
    config = tmp_path / "release.yaml"
    settings = fast_config(signoff="required", qa={"per_stratum": 2})
    config.write_text(codec.dumps(settings.model_dump(mode="json")).decode())
    args = ["--store", str(store.root), "--registry", str(registry)]
    built = invoke("build", *args, "--config", str(config), "--executor", "inline")
    assert built.exit_code == 0, built.output
    text = " ".join(built.output.split())
    assert "waits for clinician sign-off" in text
    build_id = text.split("candidate: ")[1].split()[0]
    assert list_versions(store, "releases/") == []
    return store, args, build_id


def test_the_whole_qa_flow_on_the_command_line(tmp_path: Path) -> None:
    store, args, build_id = setup_candidate(tmp_path)
    tokens = {}
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "adjudicator")):
        added = invoke("qa", "reviewer", "add", name, "--role", role, *args)
        assert added.exit_code == 0, added.output
        tokens[name] = added.stdout.strip().splitlines()[-1]
    assert all(len(t) >= 40 for t in tokens.values())
    listed = invoke("qa", "reviewer", "ls", *args)
    assert "carol" in listed.output and tokens["carol"] not in listed.output

    sampled = invoke("qa", "sample", build_id, *args)
    assert sampled.exit_code == 0, sampled.output
    assert "bound the failure rate below" in " ".join(sampled.output.split())
    run = read_run(store, "qa/", build_id)

    blocked = invoke("release", "publish", build_id, *args)
    assert blocked.exit_code == 5 and "no clinician sign-off" in " ".join(blocked.output.split())

    lines = [
        {
            "item_id": item.item_id,
            "reviewer": name,
            "kind": "review",
            "scores": dict.fromkeys(FOUNDATION, 8.0 if name == "alice" else 9.0),
        }
        for item in run.items
        for name in item.reviewers
    ]
    reviews = tmp_path / "reviews.jsonl"
    reviews.write_bytes(b"".join(codec.dumps(line) + b"\n" for line in lines))
    imported = invoke("qa", "import", build_id, str(reviews), *args)
    assert imported.exit_code == 0, imported.output
    assert f"imported {len(lines)} decision(s)" in imported.output

    status = invoke("qa", "status", build_id, *args)
    assert status.exit_code == 0, status.output
    assert "ready for sign-off" in status.output
    assert "pass/fail raw_agreement" in " ".join(status.output.split())

    refused = invoke("qa", "signoff", build_id, "--by", "alice", *args)
    assert refused.exit_code == 5 and "adjudicator signs off" in refused.output
    signed = invoke("qa", "signoff", build_id, "--by", "carol", *args)
    assert signed.exit_code == 0, signed.output
    published = invoke("release", "publish", build_id, *args)
    assert published.exit_code == 0, published.output
    assert len(list_versions(store, "releases/")) == 1
    shown = invoke("release", "ls", *args)
    assert "published as" in " ".join(shown.output.split())


def test_a_bad_import_line_names_file_line_and_field_and_writes_nothing(tmp_path: Path) -> None:
    store, args, build_id = setup_candidate(tmp_path)
    for name in ("alice", "bob"):
        assert invoke("qa", "reviewer", "add", name, *args).exit_code == 0
    assert invoke("qa", "sample", build_id, *args).exit_code == 0
    run = read_run(store, "qa/", build_id)
    good = {
        "item_id": run.items[0].item_id,
        "reviewer": "alice",
        "kind": "review",
        "scores": dict.fromkeys(FOUNDATION, 9.0),
    }
    bad = {**good, "scores": {**good["scores"], "empathy_warmth": 12}}
    path = tmp_path / "reviews.jsonl"
    path.write_bytes(codec.dumps(good) + b"\n" + codec.dumps(bad) + b"\n")
    result = invoke("qa", "import", build_id, str(path), *args)
    assert result.exit_code == 2
    assert f"{path}:2: field 'scores'" in " ".join(result.output.split())
    assert not list((store.root / "qa" / build_id).glob("decisions/**/*.json"))


def test_label_studio_round_trip(tmp_path: Path) -> None:
    store, args, build_id = setup_candidate(tmp_path)
    for name in ("alice", "bob"):
        assert invoke("qa", "reviewer", "add", name, *args).exit_code == 0
    assert invoke("qa", "sample", build_id, *args).exit_code == 0
    out = tmp_path / "ls"
    exported = invoke("qa", "export", build_id, "--out", str(out), *args)
    assert exported.exit_code == 0, exported.output
    tasks = codec.loads((out / "foundation.tasks.json").read_bytes())
    config = (out / "foundation.label_config.xml").read_text()
    assert '<Number name="empathy_warmth"' in config and 'name="pii_found"' in config
    assert tasks[0]["data"]["dialogue"][0]["role"] in ("user", "system")
    # What Label Studio's JSON export gives back: annotations with numeric user ids.
    users = {"alice": 11, "bob": 12}
    for task in tasks:
        task["annotations"] = [
            {
                "completed_by": users[name],
                "was_cancelled": False,
                "result": [
                    *(
                        {"from_name": key, "type": "number", "value": {"number": 9}}
                        for key in FOUNDATION
                    ),
                    {"from_name": "pii_found", "type": "choices", "value": {"choices": ["no"]}},
                ],
            }
            for name in task["data"]["assigned"]
        ]
    export = tmp_path / "export.json"
    export.write_bytes(codec.dumps(tasks))
    unmapped = invoke("qa", "import", build_id, str(export), "--label-studio", *args)
    assert unmapped.exit_code == 2 and "maps to no reviewer" in unmapped.output
    mapped = invoke(
        "qa",
        "import",
        build_id,
        str(export),
        "--label-studio",
        "--reviewer",
        "11=alice",
        "--reviewer",
        "12=bob",
        *args,
    )
    assert mapped.exit_code == 0, mapped.output
    status = invoke("qa", "status", build_id, *args)
    assert "ready for sign-off" in status.output


def test_serve_refuses_a_non_loopback_bind_without_the_flag(tmp_path: Path) -> None:
    store, args, build_id = setup_candidate(tmp_path)
    for name in ("alice", "bob"):
        assert invoke("qa", "reviewer", "add", name, *args).exit_code == 0
    assert invoke("qa", "sample", build_id, *args).exit_code == 0
    refused = invoke("qa", "serve", build_id, "--host", "0.0.0.0", *args)
    assert refused.exit_code == 2 and "--allow-remote" in refused.output
    unknown = invoke("qa", "serve", "no-such-run", *args)
    assert unknown.exit_code == 2 and "no QA run 'no-such-run'" in unknown.output


def test_audit_verify_of_a_qa_run_catches_a_changed_or_removed_decision(tmp_path: Path) -> None:
    store, args, build_id = setup_candidate(tmp_path)
    for name in ("alice", "bob"):
        assert invoke("qa", "reviewer", "add", name, *args).exit_code == 0
    assert invoke("qa", "sample", build_id, *args).exit_code == 0
    run = read_run(store, "qa/", build_id)
    lines = [
        {
            "item_id": item.item_id,
            "reviewer": name,
            "kind": "review",
            "scores": dict.fromkeys(FOUNDATION, 9.0),
        }
        for item in run.items
        for name in item.reviewers
    ]
    reviews = tmp_path / "reviews.jsonl"
    reviews.write_bytes(b"".join(codec.dumps(line) + b"\n" for line in lines))
    assert invoke("qa", "import", build_id, str(reviews), *args).exit_code == 0
    log = store.root / "qa" / build_id / "audit.jsonl"
    ok = invoke("audit", "verify", str(log))
    assert ok.exit_code == 0, ok.output
    [first, second, *_] = sorted((store.root / "qa" / build_id / "decisions").rglob("*.json"))
    first.write_bytes(first.read_bytes().replace(b"9.0", b"2.0", 1))
    second.unlink()
    broken = invoke("audit", "verify", f"qa/{build_id}/audit.jsonl", *args[:2])
    text = " ".join(broken.output.split())
    assert broken.exit_code == 1
    assert "changed since it was logged" in text and "logged but missing" in text
