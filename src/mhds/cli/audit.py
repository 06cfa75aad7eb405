"""``mhds audit``: check hash-chained audit logs."""

from __future__ import annotations

from typing import Annotated

import typer

from mhds.cli.common import StoreOpt, console, err_console, run

app = typer.Typer(help="Check hash-chained audit logs.", no_args_is_help=True)


@app.command("verify")
def verify(
    key: Annotated[str, typer.Argument(help="Key of the audit log in the store.")],
    store: StoreOpt = None,
    head: Annotated[
        str | None,
        typer.Option(help="Expected head hash (from a release manifest): detects truncation."),
    ] = None,
) -> None:
    """Verify an audit log's hash chain: any edit, deletion, insertion or reordering fails.

    Exit code 0 only when the chain (and the head, when given) holds.

    Example: `mhds audit verify audit/20261125T111507Z.jsonl --store s3://bucket/datasets`
    """
    from mhds.audit import verify_audit_log
    from mhds.store import open_store

    result = run(lambda: verify_audit_log(open_store(store), key, expected_head=head))
    if result.ok:
        console.print(f"[green]ok[/green] {key}: {result.entries} entries, head {result.head}")
        return
    err_console.print(f"[red]broken[/red] {key}: {result.problem}")
    raise typer.Exit(1)
