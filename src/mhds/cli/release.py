"""``mhds release``: list, inspect, verify, publish (a signed-off candidate) and clean
releases."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from mhds.cli.common import (
    RegistryOpt,
    StoreOpt,
    console,
    err_console,
    open_store_and_registry,
    run,
)
from mhds.cli.report import print_funnel, print_verdicts
from mhds.errors import MhdsError
from mhds.gates.base import outcome

app = typer.Typer(help="List, inspect, verify, publish and clean releases.", no_args_is_help=True)


@app.command("ls")
def ls(store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """List published releases (newest last) with their record counts.

    Example: `mhds release ls --store s3://bucket/datasets`
    """
    from mhds.release.manifest import read_manifest
    from mhds.release.version import list_versions, release_prefix

    st, reg = run(lambda: open_store_and_registry(store, registry))
    table = Table(title="releases")
    for column in ("version", "created", "train", "val", "test", "gates"):
        table.add_column(column)
    for version in run(lambda: list_versions(st, reg.layout.releases)):
        folder = release_prefix(reg.layout.releases, version)
        m = run(lambda: read_manifest(st, folder))  # noqa: B023 - called at once
        statuses = [outcome(g) for g in m.gates]
        waived = statuses.count("waived")
        gates = f"{statuses.count('pass')} passed" + (f", {waived} waived" if waived else "")
        table.add_row(
            version, m.created, *(str(m.total_records(s)) for s in ("train", "val", "test")), gates
        )
    console.print(table)
    _print_candidates(st, reg)


def _print_candidates(st: Any, reg: Any) -> None:
    """Candidates apart: builds that passed their gates and wait for (or had) sign-off."""
    from mhds.release.candidate import list_candidates, published_as, read_candidate

    builds = run(lambda: list_candidates(st, reg.layout.builds))
    if not builds:
        return
    table = Table(title="candidates (not visible to readers until published)")
    for column in ("build id", "created", "records", "content digest", "status"):
        table.add_column(column)
    for build_id in builds:
        try:
            c = read_candidate(st, reg.layout.builds, build_id)
        except MhdsError as exc:  # one bad candidate does not hide the others
            table.add_row(build_id, "-", "-", "-", f"[red]invalid[/red]: {escape(exc.message)}")
            continue
        version = run(lambda: published_as(st, reg.layout.builds, build_id))  # noqa: B023
        status = f"published as {version}" if version else "waiting for sign-off"
        table.add_row(build_id, c.created, str(c.records()), c.content_digest[:19], status)
    console.print(table)


@app.command("publish")
def publish(
    build_id: Annotated[
        str, typer.Argument(help="The candidate's build id (mhds build prints it).")
    ],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Publish a candidate once its clinician sign-off is valid: the signoff gate checks the
    decision record against the candidate's content digest and every decision behind it;
    records that failed review are left out and listed in the manifest. Nothing is published
    when the gate fails.

    Example: `mhds release publish 20261129T101500Z-a1b2c3 --store ./demo-store`
    """
    from mhds.cli.report import print_verdicts
    from mhds.pipeline.candidate import publish_candidate
    from mhds.pipeline.result import GateFailure

    st, reg = run(lambda: open_store_and_registry(store, registry))

    def go() -> Any:
        try:
            return publish_candidate(st, reg, build_id)
        except GateFailure as failure:
            print_verdicts(failure.verdicts)
            raise

    done = run(go)
    folder = st.url_for(f"{reg.layout.releases}{done.version}")
    console.print(
        f"published {done.version} from candidate {build_id}: {done.manifest.total_records()} "
        f"records, {len(done.excluded)} excluded by review"
    )
    console.print(f"release: [bold]{folder}[/bold]")


@app.command("show")
def show(
    version: Annotated[str, typer.Argument(help="Release version (vYYYY-MM-DD[.N]).")],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Show one release: counts per family and split, gates, waivers, files.

    Example: `mhds release show v2026-11-25 --store ./demo-store`
    """
    from mhds.release.manifest import read_manifest
    from mhds.release.version import release_prefix

    st, reg = run(lambda: open_store_and_registry(store, registry))
    m = run(lambda: read_manifest(st, release_prefix(reg.layout.releases, version)))
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
    print_verdicts(m.gates)
    for waiver in m.waivers:
        console.print(
            f"waiver: gate {waiver['gate']}, scope {waiver['scope']}, by {waiver['who']}: "
            f"{waiver['reason']}"
        )
    print_funnel(m.funnel)
    console.print(f"{len(m.shards)} shards; holdout families: {', '.join(m.holdout_families)}")


@app.command("verify")
def verify(
    release: Annotated[
        str,
        typer.Argument(
            help="A version (vYYYY-MM-DD[.N]) in --store, or a release URI: "
            "s3://bucket/prefix/releases/vX or a folder."
        ),
    ],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Re-read every shard: hashes, counts, schema, split rules, holdouts only in test.

    Exit code 0 only when everything holds.

    Example: `mhds release verify v2026-11-25 --store s3://bucket/datasets` (or
    `mhds release verify s3://bucket/datasets/releases/v2026-11-25`)
    """
    from mhds.errors import ConfigError
    from mhds.release.verify import verify_release
    from mhds.release.version import is_version, release_prefix
    from mhds.store import open_existing_store, redact_uri

    def go() -> tuple[str, Any]:
        name = release.strip("/").rpartition("/")[2]
        if store is not None and ("://" in release or release.startswith("/")):
            raise ConfigError(
                f"give a version ({name}) with --store, or the release URI without --store"
            )
        if store is not None or is_version(release.strip("/")):
            st, reg = open_store_and_registry(store, registry)
            folder = release_prefix(reg.layout.releases, name)
            return st.url_for(folder.rstrip("/")), verify_release(st, folder)
        parent, _, version = release.rstrip("/").rpartition("/")
        return redact_uri(release), verify_release(open_existing_store(parent), version + "/")

    uri, report = run(go)
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


@app.command("gc")
def gc(
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be removed.")] = False,
) -> None:
    """Remove the leftovers of aborted publishes (version folders without a manifest).

    Published releases are never touched. It takes the store's lease, so it refuses to run
    while a build or an ingest holds the store.

    Example: `mhds release gc --store s3://bucket/datasets --dry-run`
    """
    from mhds.release.publish import gc_releases
    from mhds.store.lease import StoreLease

    st, reg = run(lambda: open_store_and_registry(store, registry))

    def collect() -> list[str]:
        if dry_run:  # only reads: no lease to take
            return gc_releases(st, reg.layout.releases, dry_run=True)
        with StoreLease(st, f"gc-{os.getpid()}", "release gc"):
            return gc_releases(st, reg.layout.releases)

    removed = run(collect)
    verb = "would remove" if dry_run else "removed"
    console.print(f"{verb} {len(removed)} objects")
