"""``mhds quarantine ls|show|readmit`` end to end on a local store: ids and codes in listings,
raw text only from ``show`` (behind a warning, controls escaped), decisions that the audit
command verifies from the path readmit prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.cli import quarantine as quarantine_cli
from mhds.store import LocalStore
from tests.quarantine.cases import (
    FALSE_POSITIVE,
    INGEST_BUILD,
    INPUT_KEY,
    MARKER,
    PII_KEY,
    RAW_KEY,
    Scenario,
    seed,
)

runner = CliRunner()
# Registered here until the root app does it (``app.add_typer(quarantine.app, ...)``).
if not any(group.typer_instance is quarantine_cli.app for group in app.registered_groups):
    app.add_typer(quarantine_cli.app, name="quarantine")


@pytest.fixture()
def seeded(tmp_path: Path) -> tuple[str, Scenario]:
    root = tmp_path / "store"
    return str(root), seed(LocalStore(root))


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["quarantine", *args])
    return result.exit_code, result.stdout, result.output


@pytest.mark.parametrize("command", ["ls", "show", "readmit"])
def test_every_quarantine_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "Example" in out


def test_ls_lists_ids_keys_and_reasons_never_text(seeded: tuple[str, Scenario]) -> None:
    store, scenario = seeded
    code, out, output = invoke("ls", "--store", store)
    assert code == 0, output
    assert f"build {INGEST_BUILD}" in out
    assert f"{INPUT_KEY}:1  input  source=therapy_chats  reason=role_order" in out
    assert "field=messages[1].role" in out
    assert f"at={LocalStore(store).url_for(RAW_KEY)}:3" in out
    assert f"{PII_KEY}:1  record  source=therapy_chats  record={scenario.held_id}" in out
    assert "reason=pii_residual" in out
    for reason in ("role_order", "malformed_json", "pii_residual"):
        assert reason in out.split("quarantined items by source and reason", 1)[1]
    assert "3 items (2 input, 1 record)" in out
    assert MARKER not in output and "mom.listen" not in output and "WARNING" not in output


def test_ls_filters_and_limit(seeded: tuple[str, Scenario]) -> None:
    store, _ = seeded
    _, out, _ = invoke("ls", "--store", store, "--reason", "pii_residual")
    assert f"{PII_KEY}:1" in out and INPUT_KEY not in out
    _, out, _ = invoke("ls", "--store", store, "--build", INGEST_BUILD)
    assert f"{INPUT_KEY}:2" in out and PII_KEY not in out
    code, out, _ = invoke("ls", "--store", store, "--source", "nope")
    assert code == 0 and "nothing quarantined for source nope" in out
    _, out, _ = invoke("ls", "--store", store, "--limit", "1")
    assert f"{INPUT_KEY}:1" in out and f"{INPUT_KEY}:2" not in out
    assert "2 more items not listed (--limit 0 lists all)" in out
    assert "3 items" in out  # counts stay complete


def test_show_prints_raw_text_behind_a_warning(seeded: tuple[str, Scenario]) -> None:
    store, scenario = seeded
    code, out, output = invoke("show", scenario.held_id, "--store", store)
    assert code == 0, output
    assert out.splitlines()[0].startswith("WARNING: raw, unredacted data")
    assert f"item      {PII_KEY}:1" in out
    assert f"content   {scenario.held_hash}" in out
    assert FALSE_POSITIVE in out
    code, out, _ = invoke("show", f"{INPUT_KEY}:1", "--store", store)
    assert code == 0 and f"{MARKER} one" in out and "reason    role_order" in out


def test_show_escapes_terminal_controls(seeded: tuple[str, Scenario]) -> None:
    store, _ = seeded
    code, out, _ = invoke("show", f"{INPUT_KEY}:2", "--store", store)
    assert code == 0
    assert "raw source line, not parseable" in out
    assert MARKER in out and "\\u001b[2J" in out and "\x1b" not in out


def test_show_unknown_item_is_one_line(seeded: tuple[str, Scenario]) -> None:
    store, _ = seeded
    code, _, output = invoke("show", "therapy_chats-nothere", "--store", store)
    assert code == 1
    assert "no quarantined record with this id" in " ".join(output.split())
    assert "Traceback" not in output


def test_readmit_refuses_an_input_error_with_the_fix(seeded: tuple[str, Scenario]) -> None:
    store, _ = seeded
    code, _, output = invoke(
        "readmit", f"{INPUT_KEY}:1", "--who", "dr-a", "--why", "fine", "--store", store
    )
    flat = " ".join(output.split())
    assert code == 1
    assert "cannot be re-admitted" in flat and "Fix the source item at" in flat
    assert "field messages[1].role and re-ingest it" in flat
    assert "Traceback" not in output and MARKER not in output


def test_readmit_then_audit_verify_then_readmit_again(seeded: tuple[str, Scenario]) -> None:
    store, scenario = seeded
    why = "mom.listen is a missing space after a full stop"
    code, out, output = invoke(
        "readmit", scenario.held_id, "--who", "dr-a", "--why", why, "--store", store
    )
    assert code == 0, output
    assert f"re-admitted {scenario.held_id} ({scenario.held_hash})" in out
    digest = scenario.held_hash.removeprefix("sha256:")
    decision = LocalStore(store).url_for(f"quarantine/readmitted/{scenario.held_id}/{digest}.json")
    assert f"decision: {decision}" in out
    [audit_log] = [line.split(": ", 1)[1] for line in out.splitlines() if "audit log: " in line]
    verified = runner.invoke(app, ["audit", "verify", audit_log])
    assert verified.exit_code == 0, verified.output
    assert "1 entries" in verified.output
    _, listed, _ = invoke("ls", "--store", store, "--reason", "pii_residual")
    assert "READMITTED" in listed
    _, shown, _ = invoke("show", scenario.held_id, "--store", store)
    assert "decision  re-admitted by dr-a at " in shown and why in shown
    code, _, output = invoke(
        "readmit", scenario.held_id, "--who", "dr-b", "--why", "again", "--store", store
    )
    assert code == 1
    assert "already re-admitted by dr-a" in " ".join(output.split())
