"""``mhds audit``: check hash-chained audit logs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mhds.cli.common import RegistryOpt, StoreOpt, console, err_console, registry_path, run

if TYPE_CHECKING:
    from mhds.audit import AuditVerification

app = typer.Typer(help="Check hash-chained audit logs.", no_args_is_help=True)


@app.command("verify")
def verify(
    log: Annotated[
        str,
        typer.Argument(
            help="The audit log: the path or URL that ingest and build print, or its key "
            "in --store (audit/BUILD-ID.jsonl).",
            show_default=False,
        ),
    ],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    head: Annotated[
        str | None,
        typer.Option(help="Expected head hash (from a release manifest): detects truncation."),
    ] = None,
) -> None:
    """Verify an audit log's hash chain: any edit, deletion, insertion or reordering fails.

    Give the path or URL that `mhds ingest` prints (`audit log: ...`): the store is the
    folder above the registry layout's `audit/` prefix in it. A key (`audit/x.jsonl`) is
    read from `--store`. Exit code 0 only when the chain (and the head, when given) holds.

    Example: `mhds audit verify s3://bucket/datasets/audit/20261125T111507Z.jsonl`
    """
    from mhds.audit import locate_audit_log, verify_audit_log
    from mhds.registry import load_registry
    from mhds.store import open_existing_store

    def go() -> tuple[str, AuditVerification]:
        prefix = load_registry(registry_path(registry)).layout.audit
        where, key = locate_audit_log(log, store=store, audit_prefix=prefix)
        opened = open_existing_store(where)
        return opened.url_for(key), verify_audit_log(opened, key, expected_head=head)

    shown, result = run(go)
    if result.ok:
        console.print(f"[green]ok[/green] {shown}: {result.entries} entries, head {result.head}")
        return
    err_console.print(f"[red]broken[/red] {shown}: {result.problem}")
    raise typer.Exit(1)
