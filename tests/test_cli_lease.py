"""`mhds lease`: who holds the store, breaking a dead writer's lease; writers refuse a held
store with exit code 6 and the holder's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mhds.cli import app
from mhds.records import codec
from mhds.store import LocalStore, create_store
from mhds.store.lease import StoreLease, read_lease

runner = CliRunner()


@pytest.fixture()
def local(tmp_path: Path) -> str:
    uri = str(tmp_path / "store")
    create_store(uri)
    return uri


def test_lease_commands_have_help_with_an_example() -> None:
    for command in (["lease", "show", "--help"], ["lease", "break", "--help"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0
        assert "Example: mhds lease" in " ".join(result.output.split())


def test_show_and_break(local: str) -> None:
    free = runner.invoke(app, ["lease", "show", "--store", local])
    assert free.exit_code == 0 and "free" in free.output
    store = LocalStore(local)
    holder = StoreLease(store, "build-x", "build")
    holder.acquire()
    try:
        shown = runner.invoke(app, ["lease", "show", "--store", local])
        assert shown.exit_code == 6 and "build build-x" in shown.output
        as_json = runner.invoke(app, ["lease", "show", "--store", local, "--json"])
        assert codec.loads(as_json.output)["owner"] == "build-x"
        for writer in (["ingest", "--all"], ["build"], ["release", "gc"]):
            refused = runner.invoke(app, [*writer, "--store", local])
            assert refused.exit_code == 6, writer
            assert "another writer holds this store" in refused.output
            assert "build build-x" in refused.output
        alive = runner.invoke(app, ["lease", "break", "--store", local])
        assert alive.exit_code == 6 and "--force" in alive.output
        assert read_lease(store) is not None
        other = runner.invoke(app, ["lease", "break", "--store", local, "--owner", "build-y"])
        assert other.exit_code == 6 and read_lease(store) is not None
        broken = runner.invoke(
            app, ["lease", "break", "--store", local, "--owner", "build-x", "--force"]
        )
        assert broken.exit_code == 0 and "broke the lease of build build-x" in broken.output
        assert read_lease(store) is None
    finally:
        holder.release()
    nothing = runner.invoke(app, ["lease", "break", "--store", local])
    assert nothing.exit_code == 0 and "no lease" in nothing.output
