"""The ``mhds`` command line: parse, resolve config, call one library function, render."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mhds import __version__
from mhds.errors import MhdsError

T = TypeVar("T")

app = typer.Typer(
    name="mhds",
    help="Build safe, traceable, training-ready releases of mental-health conversation data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
registry_app = typer.Typer(help="Check the registry of families and sources.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
release_app = typer.Typer(help="List, inspect, verify and clean releases.", no_args_is_help=True)
app.add_typer(release_app, name="release")
audit_app = typer.Typer(help="Check hash-chained audit logs.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
pii_app = typer.Typer(help="Find and redact personal identifiers in JSONL.", no_args_is_help=True)
app.add_typer(pii_app, name="pii")

console = Console(stderr=False)
err_console = Console(stderr=True)
_STATE: dict[str, bool] = {"debug": False}

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


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """mhds: S3-first pipeline for mental-health conversation datasets."""
    _STATE["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)
    if version:
        console.print(f"mhds {__version__}")
        raise typer.Exit()


@registry_app.command("validate")
def registry_validate(
    path: Annotated[
        Path | None, typer.Argument(help="Registry YAML (default: packaged example).")
    ] = None,
) -> None:
    """Validate a registry file and summarise it.

    Example: `mhds registry validate registry.yaml`
    """
    from mhds.registry import load_registry, registry_hash

    registry = _run(lambda: load_registry(_registry_path(path)))
    console.print(
        f"[green]valid[/green] {_registry_path(path)}: {len(registry.stages)} stages, "
        f"{len(registry.families)} families "
        f"({sum(f.required for f in registry.families)} required), "
        f"{len(registry.sources)} sources; hash {registry_hash(registry)}"
    )


@app.command()
def inventory(store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """List the store, map objects to sources and families, and write the coverage matrix.

    Writes `inventory/<timestamp>/{inventory.json,coverage.json,coverage.md}` in the store.

    Example: `mhds inventory --store s3://my-bucket/datasets --registry registry.yaml`
    """
    folder, coverage = _run(lambda: _inventory(store, registry))
    _print_coverage(coverage)
    console.print(f"coverage matrix: [bold]{folder}[/bold]")


@app.command()
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
    run = _run(lambda: _ingest(store, registry, source or [], all_sources, config, force))
    _print_ingest(run)


@app.command()
def demo(
    store: Annotated[
        str, typer.Option("--store", "-s", help="Where to build the demo store.")
    ] = "./demo-store",
    shared_data: Annotated[
        Path | None,
        typer.Option(help="Folder with counsel_chat.csv (default: ../shared/data if present)."),
    ] = None,
) -> None:
    """Seed a store with the demo sources and build a release from them.

    Uses the real CounselChat CSV from `../shared/data` when present, synthetic data
    otherwise; then runs the whole build (ingest, PII, dedup, splits, gates, publish) and
    writes the coverage matrix. Prints where the release and the coverage matrix are.

    Example: `mhds demo --store ./demo-store`
    """
    release, folder = _run(lambda: _demo(store, shared_data))
    console.print(f"demo store: [bold]{store}[/bold]")
    console.print(f"coverage matrix: [bold]{folder}[/bold]")
    console.print(f"release: [bold]{release}[/bold]")


ExecutorOpt = Annotated[
    str, typer.Option(help="Where per-shard stages run: local (process pool), inline, dask.")
]


@app.command()
def build(
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Release config YAML (BuildConfig).")
    ] = None,
    executor: ExecutorOpt = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, with --executor dask.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
) -> None:
    """Build a release: ingest, redact, de-duplicate, split, gate, and publish.

    Nothing is published unless every gate passes or carries a waiver in the release config;
    a failed build exits with code 5 and says where the gate reports are. A killed build
    resumes where it stopped.

    Example: `mhds build --store s3://bucket/datasets --config release.yaml --executor dask
    --scheduler tcp://10.0.0.5:8786`
    """
    result, uri = _run(lambda: _build(store, registry, config, executor, scheduler, workers))
    _print_verdicts(result.verdicts)
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items())
    console.print(f"stages: {stages}")
    console.print(f"release: [bold]{uri}[/bold]")


@release_app.command("ls")
def release_ls(store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """List published releases (newest last) with their record counts.

    Example: `mhds release ls --store s3://bucket/datasets`
    """
    from mhds.release.manifest import read_manifest
    from mhds.release.version import list_versions, release_prefix

    st, reg = _run(lambda: _open(store, registry))
    table = Table(title="releases")
    for column in ("version", "created", "train", "val", "test", "gates"):
        table.add_column(column)
    for version in _run(lambda: list_versions(st, reg.layout.releases)):
        folder = release_prefix(reg.layout.releases, version)
        m = _run(lambda: read_manifest(st, folder))  # noqa: B023 - called at once
        waived = sum(1 for g in m.gates if g.get("waiver"))
        gates = f"{len(m.gates)} passed" + (f" ({waived} waived)" if waived else "")
        table.add_row(
            version, m.created, *(str(m.total_records(s)) for s in ("train", "val", "test")), gates
        )
    console.print(table)


@release_app.command("show")
def release_show(
    version: Annotated[str, typer.Argument(help="Release version (vYYYY-MM-DD[.N]).")],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Show one release: counts per family and split, gates, waivers, files.

    Example: `mhds release show v2026-11-25 --store ./demo-store`
    """
    from mhds.release.manifest import read_manifest
    from mhds.release.version import release_prefix

    st, reg = _run(lambda: _open(store, registry))
    m = _run(lambda: read_manifest(st, release_prefix(reg.layout.releases, version)))
    console.print(
        f"[bold]{m.version}[/bold] created {m.created}, mhds {m.code_version}, "
        f"previous {m.previous_release or '-'}"
    )
    console.print(f"content {m.content_digest}")
    table = Table(title="records (tokens estimate)")
    for column in ("family", "train", "val", "test"):
        table.add_column(column)
    for family, splits in sorted(m.counts.items()):
        cells = [
            f"{c.records} ({c.tokens_estimate})" if (c := splits.get(s)) else "-"
            for s in ("train", "val", "test")
        ]
        table.add_row(family, *cells)
    console.print(table)
    _print_verdicts(m.gates)
    for waiver in m.waivers:
        console.print(f"waiver: {waiver}")
    console.print(f"{len(m.shards)} shards; holdout families: {', '.join(m.holdout_families)}")


@release_app.command("verify")
def release_verify(
    uri: Annotated[
        str, typer.Argument(help="Release URI: s3://bucket/prefix/releases/vX or a folder.")
    ],
) -> None:
    """Re-read every shard: hashes, counts, schema, split rules, holdouts only in test.

    Exit code 0 only when everything holds.

    Example: `mhds release verify s3://bucket/datasets/releases/v2026-11-25`
    """
    from mhds.release.verify import verify_release
    from mhds.store import open_store

    parent, _, version = uri.rstrip("/").rpartition("/")
    report = _run(lambda: verify_release(open_store(parent), version + "/"))
    if report.ok:
        console.print(f"[green]ok[/green] {uri}: {report.shards} shards, {report.records} records")
        return
    for problem in report.problems[:50]:
        err_console.print(
            f"[red]{problem.problem}[/red] {problem.key}"
            + (f":{problem.line}" if problem.line else "")
            + (f" {problem.detail}" if problem.detail else "")
        )
    raise typer.Exit(1)


@release_app.command("gc")
def release_gc(
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be removed.")] = False,
) -> None:
    """Remove the leftovers of aborted publishes (version folders without a manifest).

    Published releases are never touched. Run it when no build is publishing.

    Example: `mhds release gc --store s3://bucket/datasets --dry-run`
    """
    from mhds.release.publish import gc_releases

    st, reg = _run(lambda: _open(store, registry))
    removed = _run(lambda: gc_releases(st, reg.layout.releases, dry_run=dry_run))
    verb = "would remove" if dry_run else "removed"
    console.print(f"{verb} {len(removed)} objects")


PIIFileArg = Annotated[
    str, typer.Argument(help='JSONL of {"id": ..., "text": ...} lines, or - for stdin.')
]
RecordsOpt = Annotated[
    bool, typer.Option("--records", help="Input lines are canonical records (per message).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
]


@pii_app.command("scan")
def pii_scan(file: PIIFileArg, records: RecordsOpt = False, output: OutputOpt = None) -> None:
    """Write `{"id", "spans": [{"start", "end", "category"}]}` per input line, in order.

    Offsets are character offsets into `text`. Categories: PERSON, LOCATION, DATE, PHONE,
    EMAIL, URL, IP_ADDRESS, ID, AGE. Unreadable lines give `{"id": null, "error": ...}`
    and exit code 3.

    Example: `mhds pii scan notes.jsonl > spans.jsonl`
    """
    from mhds.steps.pii.engine import PIIEngine
    from mhds.steps.pii.textio import scan_stream

    report = _run(
        lambda: _pii_stream(
            file, output, lambda s, o: scan_stream(s, o, PIIEngine(), records=records)
        )
    )
    if report.errors:
        raise typer.Exit(3)


@pii_app.command("redact")
def pii_redact(
    file: PIIFileArg,
    records: RecordsOpt = False,
    output: OutputOpt = None,
    mode: Annotated[
        str, typer.Option(help="placeholder ([PERSON_1]) or surrogate (consistent fake values).")
    ] = "placeholder",
) -> None:
    """Write `{"id", "text"}` with identifiers replaced, per input line, in order.

    Replacements are consistent inside one item (`[PERSON_1]` is the same person in every
    turn of a record). Public crisis lines, clinical terms, relations, weekdays and bare years
    are kept. An item the residual scan does not clear gives `"text": null` with an error and
    exit code 3: unredacted text is never written.

    Example: `mhds pii redact notes.jsonl -o redacted.jsonl`
    """
    from mhds.errors import ConfigError
    from mhds.steps.pii.config import PIIConfig
    from mhds.steps.pii.step import PIIRedactor
    from mhds.steps.pii.textio import redact_stream

    def go() -> Any:
        if mode not in ("placeholder", "surrogate"):
            raise ConfigError(f"unknown mode {mode!r} (placeholder, surrogate)")
        step = PIIRedactor(PIIConfig(mode=mode))
        return _pii_stream(file, output, lambda s, o: redact_stream(s, o, step, records=records))

    if _run(go).errors:
        raise typer.Exit(3)


@audit_app.command("verify")
def audit_verify(
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

    result = _run(lambda: verify_audit_log(open_store(store), key, expected_head=head))
    if result.ok:
        console.print(f"[green]ok[/green] {key}: {result.entries} entries, head {result.head}")
        return
    err_console.print(f"[red]broken[/red] {key}: {result.problem}")
    raise typer.Exit(1)


# --- implementation helpers (thin: they call library functions) ---------------------------


def _run(call: Callable[[], T]) -> T:
    """Call the library; map mhds errors to one line and an exit code."""
    try:
        return call()
    except MhdsError as exc:
        if _STATE["debug"]:
            raise
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(exc.exit_code) from None


def _pii_stream(file: str, output: Path | None, work: Callable[[Any, Any], T]) -> T:
    """Open FILE (or stdin) and the output (or stdout) as binary streams and run ``work``."""
    import sys
    from contextlib import ExitStack

    from mhds.errors import ConfigError

    with ExitStack() as stack:
        if file == "-":
            source = sys.stdin.buffer
        else:
            try:
                source = stack.enter_context(Path(file).open("rb"))
            except OSError as exc:
                raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
        sink = stack.enter_context(output.open("wb")) if output else sys.stdout.buffer
        result = work(source, sink)
        sink.flush()
        return result


def _registry_path(path: Path | None) -> Path:
    from mhds.registry import default_registry_path

    if path is not None:
        return path
    env = os.environ.get("MHDS_REGISTRY")
    return Path(env) if env else default_registry_path()


def _open(store: str | None, registry: Path | None) -> tuple[Any, Any]:
    from mhds.registry import load_registry
    from mhds.store import open_store

    return open_store(store), load_registry(_registry_path(registry))


def _inventory(store_uri: str | None, registry_path: Path | None) -> tuple[str, Any]:
    from mhds.registry import compute_coverage, take_inventory, write_inventory_report

    store, registry = _open(store_uri, registry_path)
    with err_console.status(f"listing {store.uri} ..."):
        inv = take_inventory(store, registry)
    coverage = compute_coverage(inv, registry)
    folder = write_inventory_report(store, inv, coverage)
    return store.url_for(folder), coverage


def _ingest(
    store_uri: str | None,
    registry_path: Path | None,
    source_ids: list[str],
    all_sources: bool,
    config: Any,
    force: bool,
) -> Any:
    from mhds.ingest import ingest_sources, ingestible_sources

    store, registry = _open(store_uri, registry_path)
    if all_sources:
        source_ids = ingestible_sources(registry, config)
    with _progress() as progress:
        tasks: dict[str, Any] = {}

        def update(source_id: str, items: int) -> None:
            if source_id not in tasks:
                tasks[source_id] = progress.add_task(f"ingest {source_id}", total=None)
            progress.update(tasks[source_id], completed=items)

        run = ingest_sources(
            store, registry, source_ids, config=config, force=force, progress=update
        )
        for result in run.results:
            if result.source_id in tasks:
                done = max(result.items, 1)
                progress.update(tasks[result.source_id], completed=done, total=done)
    run.audit_key = store.url_for(run.audit_key)
    return run


def _demo(store_uri: str, shared_data: Path | None) -> tuple[str, str]:
    from mhds.demo import find_counselchat, seed_demo_store
    from mhds.store import open_store

    default_shared = Path.cwd().parent / "shared" / "data"
    data = shared_data or (default_shared if default_shared.is_dir() else None)
    store = open_store(store_uri)
    counsel = find_counselchat(data)
    if seed_demo_store(store, data):
        origin = f"CounselChat from {counsel}" if counsel else "synthetic only"
        console.print(f"seeded {store.uri} ({origin})")
    else:
        console.print(f"{store.uri} already holds raw data: left as it is")
    config = None
    if counsel is None:
        from mhds.build.config import BuildConfig
        from mhds.gates.base import Waiver

        # Without the real CounselChat file the foundation family is a small synthetic
        # stand-in, below its minimum: say so in the release instead of hiding it.
        waiver = Waiver(
            gate="coverage",
            scope="family:professional_therapeutic",
            reason="demo without ../shared/data: synthetic stand-in below min_records",
            who="mhds demo",
        )
        config = BuildConfig(waivers=(waiver,))
    result, uri = _build(store_uri, None, config, "local", None, None)
    _print_verdicts(result.verdicts)
    folder, coverage = _inventory(store_uri, None)
    _print_coverage(coverage)
    return uri, folder


def _build(
    store_uri: str | None,
    registry_path: Path | None,
    config_path: Path | Any,
    executor_kind: str,
    scheduler: str | None,
    workers: int | None,
) -> Any:
    from mhds.build.config import BuildConfig, load_build_config
    from mhds.build.run import build_release
    from mhds.engine.base import make_executor
    from mhds.errors import ConfigError

    store, registry = _open(store_uri, registry_path)
    config = config_path if isinstance(config_path, BuildConfig) else load_build_config(config_path)
    if executor_kind not in ("inline", "local", "dask"):
        raise ConfigError(f"unknown executor {executor_kind!r} (local, inline, dask)")
    executor = make_executor(executor_kind, workers=workers, scheduler=scheduler)  # type: ignore[arg-type]
    try:
        with _progress() as progress:
            tasks: dict[str, Any] = {}

            def tick(stage: str, done: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            result = build_release(store, registry, config, executor=executor, progress=tick)
    finally:
        executor.close()
    manifest = store.url_for(f"{registry.layout.releases}{result.version}/manifest.json")
    return result, manifest.rsplit("/", 1)[0]


def _print_verdicts(verdicts: Any) -> None:
    table = Table(title="gates")
    for column in ("gate", "status", "summary"):
        table.add_column(column)
    colours = {"pass": "green", "fail": "red", "error": "red"}
    for verdict in verdicts:
        v = verdict if isinstance(verdict, dict) else verdict.to_dict()
        status = "waived" if v.get("waiver") and v["status"] == "fail" else v["status"]
        table.add_row(v["gate"], f"[{colours.get(status, 'yellow')}]{status}[/]", v["summary"])
    console.print(table)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        console=err_console,
    )


def _print_ingest(run: Any) -> None:
    results = run.results
    table = Table(title="ingest")
    for column in ("source", "family", "objects", "records", "quarantined", "reasons", "status"):
        table.add_column(column)
    for r in results:
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
    for r in results:
        if r.quarantine_key:
            console.print(f"quarantine: {r.quarantine_key}")
    console.print(f"audit log: {run.audit_key}")


def _print_coverage(coverage: Any) -> None:
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
