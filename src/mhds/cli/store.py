"""``mhds init``, ``mhds inventory`` and ``mhds ingest``: making a store, what it holds, and
reading it in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mhds.cli.common import (
    RegistryOpt,
    StoreOpt,
    console,
    err_console,
    open_store_and_registry,
    print_coverage,
    progress,
    run,
)


def init(store: StoreOpt = None) -> None:
    """Create a store: a local folder, or a marker object in an existing S3 bucket.

    Commands that read a store refuse one that does not exist, so a typo in `--store` fails
    instead of writing somewhere new. The S3 bucket must exist already. Running it again on
    an existing store changes nothing.

    Example: `mhds init --store s3://my-bucket/datasets`
    """
    uri, created = run(lambda: _init(store))
    if created:
        console.print(f"[green]created[/green] store {uri}")
    else:
        console.print(f"store {uri} already exists: nothing to do")


def inventory(store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """List the store, map objects to sources and families, and write the coverage matrix.

    Writes `inventory/<timestamp>/{inventory.json,coverage.json,coverage.md}` in the store.

    Example: `mhds inventory --store s3://my-bucket/datasets --registry registry.yaml`
    """
    folder, coverage = run(lambda: take_inventory_report(store, registry))
    print_coverage(coverage)
    console.print(f"coverage matrix: [bold]{folder}[/bold]")


def ingest(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Source id (repeatable).")
    ] = None,
    all_sources: Annotated[
        bool, typer.Option("--all", help="Ingest every approved source.")
    ] = False,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    allow_pending: Annotated[
        bool, typer.Option(help="Also ingest sources whose approval is pending.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Re-ingest even when inputs are unchanged.")] = False,
    records_per_shard: Annotated[int, typer.Option(help="Records per processed shard.")] = 50_000,
) -> None:
    """Read registry sources and write canonical ChatML records to `processed/<family>/`.

    Bad items go to `quarantine/<build-id>/` with file, line, field and reason.

    Example: `mhds ingest --source counsel_chat --store ./store`
    """
    from mhds.ingest import IngestConfig

    config = IngestConfig(records_per_shard=records_per_shard, allow_pending=allow_pending)
    result = run(lambda: _ingest(store, registry, source or [], all_sources, config, force))
    _print_ingest(result)


def take_inventory_report(store_uri: str | None, registry_path: Path | None) -> tuple[str, Any]:
    """Take the inventory, write its report; return where it is and the coverage matrix."""
    from mhds.registry import compute_coverage, take_inventory, write_inventory_report

    store, registry = open_store_and_registry(store_uri, registry_path)
    with err_console.status(f"listing {store.uri} ..."):
        inv = take_inventory(store, registry)
    coverage = compute_coverage(inv, registry)
    folder = write_inventory_report(store, inv, coverage)
    return store.url_for(folder), coverage


def _init(store_uri: str | None) -> tuple[str, bool]:
    from mhds.store import initialise_store, open_store

    store = open_store(store_uri)
    return store.uri, initialise_store(store)


def _ingest(
    store_uri: str | None,
    registry_path: Path | None,
    source_ids: list[str],
    all_sources: bool,
    config: Any,
    force: bool,
) -> Any:
    from mhds.ingest import ingest_sources, ingestible_sources
    from mhds.store.lease import StoreLease

    store, registry = open_store_and_registry(store_uri, registry_path)
    if all_sources:
        source_ids = ingestible_sources(registry, config)
    # One writer per store: a build or another ingest holding it refuses this one at once.
    with StoreLease(store, f"ingest-{os.getpid()}", "ingest"), progress() as bars:
        tasks: dict[str, Any] = {}

        def update(source_id: str, items: int) -> None:
            if source_id not in tasks:
                tasks[source_id] = bars.add_task(f"ingest {source_id}", total=None)
            bars.update(tasks[source_id], completed=items)

        result = ingest_sources(
            store, registry, source_ids, config=config, force=force, progress=update
        )
        for one in result.results:
            if one.source_id in tasks:
                done = max(one.items, 1)
                bars.update(tasks[one.source_id], completed=done, total=done)
    result.audit_key = store.url_for(result.audit_key)
    return result


def _print_ingest(result: Any) -> None:
    table = Table(title="ingest")
    for column in ("source", "family", "objects", "records", "quarantined", "reasons", "status"):
        table.add_column(column)
    for r in result.results:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(r.quarantined.items()))
        table.add_row(
            r.source_id,
            r.family,
            str(r.objects),
            "-" if r.up_to_date else str(r.records),
            "-" if r.up_to_date else str(sum(r.quarantined.values())),
            reasons,
            "up to date" if r.up_to_date else "written",
        )
    console.print(table)
    for r in result.results:
        if r.quarantine_key:
            console.print(f"quarantine: {r.quarantine_key}")
    console.print(f"audit log: {result.audit_key}")
