"""What every command shares: the consoles, the store and registry options, the one-line
error mapping, progress bars and the tables more than one command prints."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mhds.errors import MhdsError

T = TypeVar("T")

console = Console(stderr=False)
err_console = Console(stderr=True)
STATE: dict[str, bool] = {"debug": False}

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Store root: s3://bucket/prefix or a folder. Default: $MHDS_STORE, else "
        "s3://$DATASET_S3_BUCKET (or $OVH_S3_BUCKET), else ./store.",
        show_default=False,
    ),
]
RegistryOpt = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        "-r",
        help="Registry YAML. Default: $MHDS_REGISTRY, else the packaged example registry.",
        show_default=False,
    ),
]


def run(call: Callable[[], T]) -> T:
    """Call the library; map every error to one line and an exit code.

    mhds errors print their message (it never holds record text or secrets) and exit with
    their code. Any other exception prints only its class name, because its message may
    quote data, and exits 1. With ``--debug`` everything is raised with its traceback.
    """
    try:
        return call()
    except MhdsError as exc:
        if STATE["debug"]:
            raise
        # soft_wrap: the message stays one line, whatever the terminal width (logs, grep).
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
        raise
    except Exception as exc:
        if STATE["debug"]:
            raise
        err_console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__} (its message is not shown: it "
            "may quote data); rerun with --debug for the traceback",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def registry_path(path: Path | None) -> Path:
    """The registry file: ``path``, else ``$MHDS_REGISTRY``, else the packaged example."""
    from mhds.registry import default_registry_path

    if path is not None:
        return path
    env = os.environ.get("MHDS_REGISTRY")
    return Path(env) if env else default_registry_path()


def open_store_and_registry(store: str | None, registry: Path | None) -> tuple[Any, Any]:
    """The store and the registry named by the common options.

    The registry is checked first (no network); the store must exist: a missing folder,
    bucket or an empty S3 prefix is one StoreNotFoundError naming the fix (``mhds init``).
    """
    from mhds.registry import load_registry
    from mhds.store import open_existing_store

    loaded = load_registry(registry_path(registry))
    return open_existing_store(store), loaded


def progress() -> Progress:
    """The progress display of long commands (on stderr)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        console=err_console,
    )


def print_coverage(coverage: Any) -> None:
    """The coverage matrix of an inventory."""
    table = Table(title="coverage")
    for column in ("family", "required", "status", "records", "next action"):
        table.add_column(column)
    colours = {"present": "green", "partial": "yellow", "missing": "red"}
    for row in coverage.families:
        records = "?" if row.records is None else f"{row.records} / {row.min_records}"
        if row.records_basis == "estimate":
            records += " (est.)"
        table.add_row(
            row.family,
            "yes" if row.required else "",
            f"[{colours[row.status]}]{row.status}[/]",
            records,
            row.next_action,
        )
    console.print(table)
    if coverage.unmapped:
        console.print(f"{len(coverage.unmapped)} unmapped objects (listed in coverage.md)")
