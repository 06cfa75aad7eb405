"""``mhds audit verify`` takes the path or URL that ingest prints and finds the store from it;
the key form with ``--store`` keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.audit import AuditLog
from mhds.cli import app
from mhds.store import LocalStore, S3Settings, S3Store, Store

runner = CliRunner()
KEY = "audit/20261125T111507Z.jsonl"


def flat(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


def write_log(store: Store, entries: int = 3) -> None:
    log = AuditLog.open(store, KEY)
    for n in range(entries):
        log.append("ingest", counts={"records": n})


def test_verify_takes_the_local_path_ingest_prints(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    write_log(store)
    printed = store.url_for(KEY)  # what `mhds ingest` prints after "audit log:"
    assert Path(printed).is_absolute()
    result = runner.invoke(app, ["audit", "verify", printed])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output and "3 entries" in result.output
    # the same log through its key and --store (the form that worked before)
    keyed = runner.invoke(app, ["audit", "verify", KEY, "--store", str(tmp_path / "store")])
    assert keyed.exit_code == 0, keyed.output
    assert "3 entries" in keyed.output


def test_verify_from_a_path_still_catches_tampering(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    write_log(store)
    path = Path(store.url_for(KEY))
    path.write_bytes(path.read_bytes().replace(b'"records":1', b'"records":7'))
    result = runner.invoke(app, ["audit", "verify", str(path)])
    assert result.exit_code == 1
    assert "broken" in result.output and "hash mismatch at entry 1" in flat(result.output)


def test_verify_takes_the_s3_url_ingest_prints(
    s3_bucket: str, s3_settings: S3Settings, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    store = S3Store(s3_bucket, "datasets/", s3_settings)
    write_log(store, entries=2)
    printed = store.url_for(KEY)
    assert printed == f"s3://{s3_bucket}/datasets/{KEY}"
    result = runner.invoke(app, ["audit", "verify", printed])
    assert result.exit_code == 0, result.output
    assert "2 entries" in result.output
    keyed = runner.invoke(app, ["audit", "verify", KEY, "--store", f"s3://{s3_bucket}/datasets"])
    assert keyed.exit_code == 0, keyed.output
    # a URL under a prefix that holds no store is refused, not passed
    missing = runner.invoke(app, ["audit", "verify", f"s3://{s3_bucket}/other/{KEY}"])
    assert missing.exit_code == 4
    assert "no store at" in flat(missing.output) and "other" in flat(missing.output)
    # a URL in the store that names no log is reported, not passed
    absent = runner.invoke(app, ["audit", "verify", f"s3://{s3_bucket}/datasets/audit/x.jsonl"])
    assert absent.exit_code == 1
    assert "audit log not found" in flat(absent.output)


def test_verify_refuses_a_path_it_cannot_place(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", str(tmp_path / "logs" / "x.jsonl")])
    assert result.exit_code == 2
    assert "not under an 'audit' folder" in flat(result.output)
    assert "Traceback" not in result.output
    store = LocalStore(tmp_path / "store")
    write_log(store)
    elsewhere = runner.invoke(
        app, ["audit", "verify", store.url_for(KEY), "--store", str(tmp_path / "other")]
    )
    assert elsewhere.exit_code == 2
    assert "is not inside the store" in flat(elsewhere.output)
