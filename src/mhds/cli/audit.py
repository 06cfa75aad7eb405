"""``mhds audit``: check hash-chained audit logs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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
            "in --store (audit/BUILD-ID.jsonl, or a QA run's qa/RUN/audit.jsonl).",
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
    read from `--store`. For a QA run's log (`qa/RUN/audit.jsonl`) every object it records
    is checked too: the plan, items, rubric and sample, each decision (changed, removed or
    never logged) and the sign-off. Exit code 0 only when everything holds.

    Example: `mhds audit verify s3://bucket/datasets/audit/20261125T111507Z.jsonl`
    """
    from mhds.audit import locate_audit_log, verify_audit_log
    from mhds.errors import ConfigError
    from mhds.registry import load_registry
    from mhds.store import open_existing_store

    def go() -> tuple[str, AuditVerification, list[str]]:
        layout = load_registry(registry_path(registry)).layout
        try:
            where, key = locate_audit_log(log, store=store, audit_prefix=layout.audit)
        except ConfigError as first:  # or a QA run's log: <qa>/<run>/audit.jsonl
            try:
                where, key = locate_audit_log(log, store=store, audit_prefix=layout.qa)
            except ConfigError:
                raise first from None
        opened = open_existing_store(where)
        result = verify_audit_log(opened, key, expected_head=head)
        objects = _qa_run_problems(opened, layout.qa, key) if result.ok else []
        return opened.url_for(key), result, objects

    shown, result, objects = run(go)
    if result.ok and not objects:
        console.print(f"[green]ok[/green] {shown}: {result.entries} entries, head {result.head}")
        return
    for problem in [result.problem] if not result.ok else objects:
        err_console.print(f"[red]broken[/red] {shown}: {problem}")
    raise typer.Exit(1)


def _qa_run_problems(store: Any, qa_prefix: str, key: str) -> list[str]:
    """For a QA run's log: every object it records (plan, items, rubric, sample, each
    decision, the sign-off) against the sha256 it logged; empty for any other log."""
    from mhds.errors import MhdsError
    from mhds.qa.decisions import AUDIT_NAME, verify_decisions
    from mhds.qa.run import read_run, sample_records
    from mhds.qa.signoff import find_signoff, record_problems

    prefix = qa_prefix.strip("/") + "/"
    name, _, rest = key.removeprefix(prefix).partition("/")
    if not key.startswith(prefix) or rest != AUDIT_NAME:
        return []
    try:
        run = read_run(store, qa_prefix, name)
        sample_records(store, qa_prefix, name)
    except MhdsError as exc:
        return [exc.message]
    problems = [detail for _, detail in verify_decisions(store, qa_prefix, name)]
    signed, _ = find_signoff(store, qa_prefix, run.content_digest)
    for record_key, data in signed:
        if record_key.startswith(prefix + name + "/"):
            from mhds.qa.signoff import record_problems

            problems += [
                detail for _, detail in record_problems(store, qa_prefix, name, record_key, data)
            ]
    return problems
