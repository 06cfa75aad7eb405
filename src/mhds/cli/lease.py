"""``mhds lease``: who holds the store (a build, an ingest, a gc), and breaking the lease of
one that died."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from mhds.cli.common import StoreOpt, console, err_console, run
from mhds.records import codec

app = typer.Typer(
    help="Show or break the store's writer lease (one build, ingest or gc at a time).",
    no_args_is_help=True,
)


@app.command("show")
def show(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the lease as JSON.")] = False,
) -> None:
    """Show who holds the store's lease, since when, and whether its heartbeat stopped.

    Exit code 0 when the store is free, 6 when a writer holds it.

    Example: `mhds lease show --store s3://bucket/datasets`
    """
    from mhds.store import open_existing_store
    from mhds.store.lease import lease_dict, read_lease

    st = run(lambda: open_existing_store(store))
    state = run(lambda: read_lease(st))
    if as_json:
        console.print_json(codec.dumps(lease_dict(state) if state else None).decode())
    elif state is None:
        console.print(f"{st.uri}: free (no writer holds it)")
    else:
        console.print(f"{st.uri}: held by {state.describe(datetime.now(UTC))}")
    if state is not None:
        raise typer.Exit(6)


@app.command("break")
def break_(
    store: StoreOpt = None,
    owner: Annotated[
        str | None,
        typer.Option(help="Break it only if this build id holds it (as `lease show` prints)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Break a lease whose heartbeat is still fresh. Its holder then stops before "
            "it publishes; use it only when you know that process is gone.",
        ),
    ] = False,
) -> None:
    """Remove the lease of a writer that died (its heartbeat stopped longer than its ttl ago).

    A live lease is refused unless `--force`. The broken lease is printed and logged.

    Example: `mhds lease break --store s3://bucket/datasets --owner 20261129T101500Z-1a2b3c`
    """
    from mhds.store import open_existing_store
    from mhds.store.lease import break_lease

    st = run(lambda: open_existing_store(store))
    state = run(lambda: break_lease(st, force=force, owner=owner))
    if state is None:
        err_console.print(f"{st.uri}: no lease to break")
        return
    console.print(f"broke the lease of {state.describe(datetime.now(UTC))}")
