"""``mhds build`` and ``mhds demo``: from a store to a gated release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from mhds.cli.common import (
    RegistryOpt,
    StoreOpt,
    console,
    open_store_and_registry,
    print_coverage,
    progress,
    run,
)
from mhds.cli.report import print_funnel, print_unused_waivers, print_verdicts
from mhds.cli.store import take_inventory_report

ExecutorOpt = Annotated[
    str, typer.Option(help="Where per-shard stages run: local (process pool), inline, dask.")
]


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
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Reuse no per-shard work of earlier builds (PII and the duplicate search run "
            "on every record); the release is the same as the incremental build's.",
        ),
    ] = False,
) -> None:
    """Build a release: ingest, redact, de-duplicate, split, gate, and publish.

    A build is made against the latest release (or the release config's previous_release):
    its records keep their splits, PII runs only on the sources that changed since, and the
    duplicate search hashes only the shards that changed and verifies only the pairs the last
    search did not check; the manifest lists the records it no longer holds (`removed`).
    `--full` redoes every shard.

    Nothing is published unless every gate passes or carries a waiver in the release config;
    a failed build exits with code 5 and says where the gate reports are. A killed build
    resumes where it stopped. When the release config requires clinician sign-off (the
    default), a build that passes its gates stops as a candidate (`builds/BUILD_ID/`) and prints
    the QA commands; `mhds release publish BUILD_ID` publishes it once signed off.

    Example: `mhds build --store s3://bucket/datasets --config release.yaml --executor dask
    --scheduler tcp://10.0.0.5:8786`
    """
    result, uri = run(
        lambda: run_build(store, registry, config, executor, scheduler, workers, full=full)
    )
    print_build(result)
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items())
    console.print(f"stages: {stages}")
    if result.resumed or result.resumed_phases:
        phases = ", ".join(result.resumed_phases) or "none"
        console.print(
            f"reused: the PII work of {len(result.resumed)} unchanged shards; resumed "
            f"whole-corpus phases: {phases}"
        )
    for row in result.removed:
        console.print(
            f"removed since the previous release: {row['records']} records of "
            f"{row['source_id']} ({row['reason']})",
            highlight=False,
        )
    console.print(f"audit log: {result.audit_key}")
    if result.candidate is None:
        console.print(f"release: [bold]{uri}[/bold]")
        return
    console.print(
        f"candidate: [bold]{result.candidate}[/bold] ({result.content_digest}) waits for "
        f"clinician sign-off (release config signoff: required); readers see nothing yet:\n"
        f"  mhds qa sample {result.candidate}   then   mhds qa serve {result.candidate}\n"
        f"  mhds qa signoff {result.candidate} --by NAME   then   "
        f"mhds release publish {result.candidate}",
        highlight=False,
    )


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
    release, folder = run(lambda: _demo(store, shared_data))
    console.print(f"demo store: [bold]{store}[/bold]")
    console.print(f"coverage matrix: [bold]{folder}[/bold]")
    console.print(f"release: [bold]{release}[/bold]")


def run_build(
    store_uri: str | None,
    registry_path: Path | None,
    config_path: Path | Any,
    executor_kind: str,
    scheduler: str | None,
    workers: int | None,
    *,
    full: bool = False,
) -> Any:
    """Run one build with progress bars; return its result and the release folder's URI."""
    from mhds.engine.base import make_executor
    from mhds.errors import ConfigError
    from mhds.pipeline.config import BuildConfig, load_build_config
    from mhds.pipeline.run import GateFailure, build_release

    store, registry = open_store_and_registry(store_uri, registry_path)
    config = config_path if isinstance(config_path, BuildConfig) else load_build_config(config_path)
    if executor_kind not in ("inline", "local", "dask"):
        raise ConfigError(f"unknown executor {executor_kind!r} (local, inline, dask)")
    executor = make_executor(executor_kind, workers=workers, scheduler=scheduler)  # type: ignore[arg-type]
    try:
        with progress() as bars:
            result = build_release(
                store, registry, config, executor=executor, progress=StageBars(bars), full=full
            )
    except GateFailure as failure:
        # Show what failed and where every item went before the one-line error.
        print_build(failure)
        raise
    finally:
        executor.close()
    result.audit_key = store.url_for(result.audit_key)
    if result.version is None:
        return result, store.url_for(result.reports.rsplit("/", 1)[0])
    manifest = store.url_for(f"{registry.layout.releases}{result.version}/manifest.json")
    return result, manifest.rsplit("/", 1)[0]


class StageBars:
    """The build's progress callback: one bar per stage, and the bars of the stages before
    it marked finished when a new one starts (stages run one after the other), so only the
    stage that is running moves."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            for task in self.tasks.values():
                self._finish(task)
            self.tasks[stage] = self.bars.add_task(stage, total=total)
        self.bars.update(self.tasks[stage], completed=done, total=total)

    def _finish(self, task_id: TaskID) -> None:
        task = next(t for t in self.bars.tasks if t.id == task_id)
        if not task.finished:
            done = int(task.completed)
            self.bars.update(task_id, total=done, completed=done)
            self.bars.stop_task(task_id)


def print_build(outcome: Any) -> None:
    """Gates, funnel and unused waivers of a build (a BuildResult or a GateFailure)."""
    print_verdicts(outcome.verdicts)
    print_funnel(outcome.funnel)
    print_unused_waivers(outcome.unused_waivers)


def _demo(store_uri: str, shared_data: Path | None) -> tuple[str, str]:
    from mhds.demo import find_counselchat, seed_demo_store
    from mhds.store import create_store

    default_shared = Path.cwd().parent / "shared" / "data"
    data = shared_data or (default_shared if default_shared.is_dir() else None)
    store = create_store(store_uri)  # the demo makes its store; other commands never do
    counsel = find_counselchat(data)
    if seed_demo_store(store, data):
        origin = f"CounselChat from {counsel}" if counsel else "synthetic only"
        console.print(f"seeded {store.uri} ({origin})")
    else:
        console.print(f"{store.uri} already holds raw data: left as it is")
    from mhds.gates.base import Waiver
    from mhds.pipeline.config import BuildConfig

    # The demo publishes in one step: no clinician has reviewed it, and the release says so
    # (a recorded waiver of the signoff gate). The real flow is printed at the end.
    waivers = [
        Waiver(
            gate="signoff",
            scope="check:missing",
            reason="demo release: no clinician has reviewed it; never train on it",
            who="mhds demo",
        )
    ]
    if counsel is None:
        # Without the real CounselChat file the foundation family is a small synthetic
        # stand-in, below its minimum: say so in the release instead of hiding it.
        waivers.append(
            Waiver(
                gate="coverage",
                scope="family:professional_therapeutic",
                reason="demo without ../shared/data: synthetic stand-in below min_records",
                who="mhds demo",
            )
        )
    config = BuildConfig(waivers=tuple(waivers))
    result, uri = run_build(store_uri, None, config, "local", None, None)
    print_build(result)
    folder, coverage = take_inventory_report(store_uri, None)
    print_coverage(coverage)
    print_qa_flow(store_uri)
    return uri, folder


def print_qa_flow(store_uri: str) -> None:
    """How the demo's release would be signed off for real (the demo waived it)."""
    store = f" --store {store_uri}"
    console.print(
        "\n[bold]clinical sign-off[/bold] (waived for the demo; the real flow, see docs/qa.md):"
    )
    for line in (
        f"mhds build{store}                         # stops as a candidate: BUILD_ID",
        f"mhds qa reviewer add alice --role reviewer{store}   # prints a token once",
        f"mhds qa reviewer add bob --role reviewer{store}",
        f"mhds qa reviewer add carol --role adjudicator{store}",
        f"mhds qa sample BUILD_ID{store}             # stratified sample, 2 reviewers per item",
        f"mhds qa serve BUILD_ID{store}              # review page on http://127.0.0.1:8765",
        f"mhds qa status BUILD_ID{store}             # progress, agreement, adjudication queue",
        f"mhds qa signoff BUILD_ID --by carol{store}",
        f"mhds release publish BUILD_ID{store}",
    ):
        console.print(f"  {line}", highlight=False, soft_wrap=True)
