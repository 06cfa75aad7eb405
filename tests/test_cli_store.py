"""The CLI refuses mistakes instead of succeeding silently: typo'd and missing stores, empty
licences, an ingest that ingested nothing; `mhds init` creates a store; unexpected errors are
one line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.records import codec
from mhds.store import STORE_MARKER_KEY, LocalStore
from mhds.store.s3 import make_client
from mhds.store.settings import S3Settings

runner = CliRunner()

READ_COMMANDS = [
    ["inventory"],
    ["ingest", "--all"],
    ["build"],
    ["release", "ls"],
    ["release", "show", "v2026-01-01"],
    ["release", "gc", "--dry-run"],
]


def test_init_has_help_with_an_example() -> None:
    result = runner.invoke(app, ["init", "--help"])
    assert result.exit_code == 0
    assert "Example: mhds init --store s3://" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("uri", "suggestion"),
    [
        ("s3//mh-data", "s3://mh-data"),
        ("s3:/mh-data", "s3://mh-data"),
        ("s3:mh-data", "s3://mh-data"),
        ("S3://mh-data/raw", "s3://mh-data/raw"),
    ],
)
def test_typod_store_uri_fails_with_a_hint(
    uri: str, suggestion: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["inventory"], ["init"]):
        result = runner.invoke(app, [*command, "--store", uri])
        assert result.exit_code == 2, result.output
        assert f"did you mean {suggestion}?" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: "-".join(c))
def test_read_commands_refuse_a_missing_local_store(command: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    result = runner.invoke(app, [*command, "--store", str(folder)])
    assert result.exit_code == 4, result.output
    assert result.output.strip() == (
        f"error: no store at {folder}: the folder does not exist; "
        f"create it with `mhds init --store {folder}`"
    )
    assert not folder.exists()


def test_init_creates_a_local_store_that_inventory_then_reads(tmp_path: Path) -> None:
    folder = tmp_path / "new-store"
    created = runner.invoke(app, ["init", "--store", str(folder)])
    assert created.exit_code == 0, created.output
    assert f"created store {folder}" in " ".join(created.output.split())
    assert (folder / STORE_MARKER_KEY).is_file()
    again = runner.invoke(app, ["init", "--store", str(folder)])
    assert again.exit_code == 0
    assert "already exists: nothing to do" in again.output

    listed = runner.invoke(app, ["inventory", "--store", str(folder)])
    assert listed.exit_code == 0, listed.output
    [report] = sorted((folder / "inventory").iterdir())
    coverage = codec.loads((report / "coverage.json").read_bytes())
    assert coverage["unmapped"] == []  # the marker is mhds's own object


def test_s3_prefix_typo_is_refused_and_init_makes_the_prefix_exist(
    s3_endpoint: str, s3_bucket: str, s3_settings: S3Settings
) -> None:
    env = {"AWS_ENDPOINT_URL": s3_endpoint}
    client = make_client(s3_settings)
    client.put_object(Bucket=s3_bucket, Key="datasets/raw/a.jsonl", Body=b"{}\n")
    typo = f"s3://{s3_bucket}/datasetz"

    refused = runner.invoke(app, ["inventory", "--store", typo], env=env)
    assert refused.exit_code == 4, refused.output
    line = refused.output.strip()
    assert line.startswith(f"error: no store at {typo}: bucket '{s3_bucket}' holds no object")
    assert f"did you mean s3://{s3_bucket}/datasets?" in line
    assert f"`mhds init --store {typo}`" in line
    listing = client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [o["Key"] for o in listing] == ["datasets/raw/a.jsonl"]  # nothing was written

    created = runner.invoke(app, ["init", "--store", typo], env=env)
    assert created.exit_code == 0, created.output
    marker = client.get_object(Bucket=s3_bucket, Key=f"datasetz/{STORE_MARKER_KEY}")
    assert codec.loads(marker["Body"].read())["mhds_store"] == 1
    listed = runner.invoke(app, ["inventory", "--store", typo], env=env)
    assert listed.exit_code == 0, listed.output


def test_init_refuses_a_bucket_that_does_not_exist(s3_endpoint: str) -> None:
    env = {"AWS_ENDPOINT_URL": s3_endpoint}
    result = runner.invoke(app, ["init", "--store", "s3://no-such-bucket-at-all/x"], env=env)
    assert result.exit_code == 4
    assert "bucket 'no-such-bucket-at-all' does not exist on the S3 endpoint" in result.output
    assert "(from AWS_ENDPOINT_URL)" in result.output


def _registry(tmp_path: Path, licence: str, allowed: str = "") -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(
        "stages: [{id: s1, order: 1}]\n"
        "families: [{name: f, stage: s1}]\n"
        f"{allowed}\n"
        "sources:\n"
        "  - {id: a, family: f, prefixes: [raw/a/], adapter: chatml, license: MIT}\n"
        f"  - {{id: b, family: f, prefixes: [raw/b/], adapter: chatml, license: {licence!r}}}\n"
    )
    return path


@pytest.mark.parametrize("licence", ["", "   "])
def test_registry_validate_rejects_an_empty_licence(tmp_path: Path, licence: str) -> None:
    result = runner.invoke(app, ["registry", "validate", str(_registry(tmp_path, licence))])
    assert result.exit_code == 2
    assert "registry.yaml: sources[1].license: licence is empty" in result.output


def test_registry_validate_checks_the_allowed_licences(tmp_path: Path) -> None:
    allowed = "allowed_licenses: [MIT, CC-BY-4.0]"
    refused = runner.invoke(
        app, ["registry", "validate", str(_registry(tmp_path, "GPL-3.0", allowed))]
    )
    assert refused.exit_code == 2
    assert (
        "sources[1].license: 'GPL-3.0' is not an allowed licence "
        "(allowed_licenses: MIT, CC-BY-4.0)" in refused.output
    )
    ok = runner.invoke(
        app, ["registry", "validate", str(_registry(tmp_path, "CC-BY-4.0", allowed))]
    )
    assert ok.exit_code == 0, ok.output
    assert "licences: 2 allowed (MIT, CC-BY-4.0)" in ok.output
    open_ = runner.invoke(app, ["registry", "validate", str(_registry(tmp_path, "GPL-3.0"))])
    assert open_.exit_code == 0, open_.output
    assert "every non-empty licence is accepted" in open_.output


def test_packaged_registry_has_an_allowed_list_covering_its_sources() -> None:
    result = runner.invoke(app, ["registry", "validate"])
    assert result.exit_code == 0, result.output
    assert "licences: " in result.output and " allowed (" in result.output


def test_ingest_with_every_item_quarantined_fails_and_says_why(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    bad = [b'{"messages": [', b'{"messages": [{"role": "narrator", "content": "x"}]}'] * 2
    store.write_bytes("raw/chats/a.jsonl.gz", gzip.compress(b"\n".join(bad) + b"\n", mtime=0))
    registry = tmp_path / "registry.yaml"
    registry.write_text(
        "stages: [{id: s1, order: 1}]\nfamilies: [{name: therapy, stage: s1}]\nsources:\n"
        "  - {id: chats, family: therapy, prefixes: [raw/chats/], adapter: chatml,"
        " license: MIT, approval: approved}\n"
    )
    args = ["ingest", "--source", "chats", "--store", store.uri, "--registry", str(registry)]
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "written" not in result.output
    [quarantine] = (store.root / "quarantine").rglob("chats.jsonl")
    assert (
        "error: nothing was ingested from source 'chats': all 4 items were quarantined "
        f"(top reasons: malformed_json=2, unknown_role=2); see {quarantine}" in result.output
    )
    assert "narrator" not in result.output  # reason codes only, never the items
    assert not (store.root / "processed").exists()  # no manifest: a rerun is not up to date
    again = runner.invoke(app, args)
    assert again.exit_code == 3


def test_unexpected_error_is_one_line_without_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mhds.registry

    def broken(path: object) -> None:
        raise ValueError("Jane Doe, 555-0100, said something private")

    monkeypatch.setattr(mhds.registry, "load_registry", broken)
    result = runner.invoke(app, ["registry", "validate"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: unexpected ValueError (its message is not shown: it may quote data); "
        "rerun with --debug for the traceback"
    )
    debug = runner.invoke(app, ["--debug", "registry", "validate"])
    assert isinstance(debug.exception, ValueError)
    assert "Jane Doe" in str(debug.exception)
