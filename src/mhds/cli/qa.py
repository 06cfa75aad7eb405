"""``mhds qa``: clinical review of a candidate or release: reviewers, sample, review page,
status and agreement, import and export, sign-off."""

from __future__ import annotations

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
    run,
)

app = typer.Typer(
    help="Clinical QA: sample a candidate, review it in the browser, agree, sign off.",
    no_args_is_help=True,
)
reviewer_app = typer.Typer(help="Register reviewers and adjudicators.", no_args_is_help=True)
app.add_typer(reviewer_app, name="reviewer")

RunArg = Annotated[str, typer.Argument(help="The QA run (by default named after its target).")]


@reviewer_app.command("add")
def reviewer_add(
    name: Annotated[str, typer.Argument(help="Reviewer name (a-z, 0-9, . _ -).")],
    role: Annotated[
        str,
        typer.Option("--role", help="reviewer (scores items) or adjudicator (resolves, signs)."),
    ] = "reviewer",
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Register a reviewer and print their login token, once (only its hash is stored).

    Example: `mhds qa reviewer add alice --role reviewer --store ./demo-store`
    """
    from mhds.qa.reviewers import add_reviewer

    st, reg = run(lambda: open_store_and_registry(store, registry))
    token = run(lambda: add_reviewer(st, reg.layout.qa, name, role))  # type: ignore[arg-type]
    err_console.print(f"reviewer {name} ({role}) added; their login token, shown only now:")
    console.print(token, highlight=False, soft_wrap=True)


@reviewer_app.command("ls")
def reviewer_ls(store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """List reviewers and their roles (never tokens).

    Example: `mhds qa reviewer ls --store ./demo-store`
    """
    from mhds.qa.reviewers import load_reviewers

    st, reg = run(lambda: open_store_and_registry(store, registry))
    table = Table(title="reviewers")
    for column in ("name", "role", "added"):
        table.add_column(column)
    for r in run(lambda: load_reviewers(st, reg.layout.qa)).values():
        table.add_row(r.name, r.role, r.created)
    console.print(table)


@app.command("sample")
def sample(
    target: Annotated[str, typer.Argument(help="A candidate's build id or a release version.")],
    qa_run: Annotated[str | None, typer.Option("--run", help="Name of the QA run.")] = None,
    reviewers: Annotated[
        str | None,
        typer.Option(help="Comma-separated reviewers to assign (default: every 'reviewer')."),
    ] = None,
    per_stratum: Annotated[
        int | None, typer.Option(help="Items per stratum (default: the release config's).")
    ] = None,
    overlap: Annotated[int | None, typer.Option(help="Reviewers per item.")] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Draw the QA sample of a candidate or release: strata family x split (and crisis
    category, persona, flagged identity groups), seeded by the content digest; assign each
    item to `overlap` reviewers; write the QA plan under `qa/RUN/`.

    Example: `mhds qa sample 20261129T101500Z-a1b2c3 --store ./demo-store`
    """
    from mhds.qa.config import QAConfig
    from mhds.qa.run import create_run, open_target

    st, reg = run(lambda: open_store_and_registry(store, registry))
    names = [n.strip() for n in reviewers.split(",") if n.strip()] if reviewers else None
    updates = {
        k: v for k, v in (("per_stratum", per_stratum), ("overlap", overlap)) if v is not None
    }

    def draw() -> Any:
        config = None
        if updates:
            base = open_target(st, reg, target).qa
            config = QAConfig.model_validate({**base.model_dump(), **updates})
        return create_run(st, reg, target, run=qa_run, reviewers=names, config=config)

    qa = run(draw)
    plan = qa.plan["sampling"]
    table = Table(title=f"QA run {qa.name}: {plan['items']} items, {plan['records']} records")
    for column in ("stratum", "population", "drawn", "supports"):
        table.add_column(column)
    for stratum, facts in plan["strata"].items():
        table.add_row(stratum, str(facts["population"]), str(facts["drawn"]), facts["statement"])
    console.print(table)
    console.print(f"reviewers: {', '.join(qa.plan['reviewers'])}; overlap {qa.plan['overlap']}")
    console.print(plan["statement"])
    console.print(f"next: mhds qa serve {qa.name}", highlight=False)


@app.command("status")
def status(qa_run: RunArg, store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """Progress per reviewer, agreement per criterion and on pass/fail, the adjudication
    queue, pass rates, and what still blocks sign-off.

    Example: `mhds qa status 20261129T101500Z-a1b2c3 --store ./demo-store`
    """
    from mhds.qa.review import run_status
    from mhds.qa.run import read_run
    from mhds.qa.signoff import readiness

    st, reg = run(lambda: open_store_and_registry(store, registry))
    qa = run(lambda: read_run(st, reg.layout.qa, qa_run))
    state = run(lambda: run_status(st, reg.layout.qa, qa))
    progress = state.progress()
    console.print(
        f"[bold]{qa.name}[/bold] ({qa.plan['target']['kind']} {qa.plan['target']['name']}): "
        f"{progress['reviews_done']}/{progress['reviews_due']} reviews, "
        f"{progress['queued']} queued for adjudication, {progress['adjudicated']} adjudicated, "
        f"{progress['passed']} passed, {progress['failed']} failed, "
        f"{progress['pii_flagged']} identifier flag(s)"
    )
    people = Table(title="reviewers")
    for column in ("reviewer", "done", "assigned"):
        people.add_column(column)
    for name, row in progress["reviewers"].items():
        people.add_row(name, str(row["done"]), str(row["assigned"]))
    console.print(people)
    _print_agreement(state.agreement.to_dict())
    queue = Table(title="adjudication queue")
    for column in ("item", "family", "reasons"):
        queue.add_column(column)
    for s in state.queue():
        queue.add_row(s.item.item_id, s.item.family, ", ".join(s.reasons))
    console.print(queue)
    for family, (passed, decided) in state.pass_rates().items():
        console.print(f"{family}: {passed}/{decided} passed")
    blockers = run(lambda: readiness(st, reg.layout.qa, state))
    if blockers:
        console.print("[yellow]not ready for sign-off:[/yellow] " + "; ".join(blockers))
    else:
        console.print(
            "[green]ready for sign-off[/green]: mhds qa signoff " + qa.name + " --by NAME"
        )


def _print_agreement(agreement: dict[str, Any]) -> None:
    table = Table(title="agreement")
    for column in ("measure", "value", "items", "method"):
        table.add_column(column)
    for key, stat in agreement["criteria"].items():
        table.add_row(key, _value(stat["value"]), str(stat["items"]), stat["method"])
    for key, stat in agreement["outcome"].items():
        table.add_row(f"pass/fail {key}", _value(stat["value"]), str(stat["items"]), stat["method"])
    console.print(table)


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command("import")
def import_(
    qa_run: RunArg,
    file: Annotated[Path, typer.Argument(help="JSONL of decisions, or a Label Studio export.")],
    label_studio: Annotated[
        bool, typer.Option("--label-studio", help="FILE is Label Studio's JSON export.")
    ] = False,
    reviewer: Annotated[
        list[str] | None,
        typer.Option(help="Label Studio user (id or e-mail) = reviewer name; repeatable."),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Import reviews done offline: JSONL in the decision schema (item_id, reviewer, kind,
    scores, outcome, pii_found, pii_span, notes), or Label Studio's JSON export of the tasks
    `mhds qa export` wrote. Every line is checked before anything is written.

    Example: `mhds qa import RUN reviews.jsonl --store ./demo-store`
    """
    from mhds.errors import ConfigError
    from mhds.qa.interchange import import_decisions
    from mhds.qa.run import read_run

    mapping: dict[str, str] = {}
    for pair in reviewer or []:
        key, sep, name = pair.partition("=")
        if not sep or not key or not name:
            run(lambda: _raise(ConfigError(f"--reviewer {pair!r}: expected USER=NAME")))  # noqa: B023
        mapping[key] = name
    st, reg = run(lambda: open_store_and_registry(store, registry))
    qa = run(lambda: read_run(st, reg.layout.qa, qa_run))
    written = run(
        lambda: import_decisions(
            st, reg.layout.qa, qa, file, label_studio=label_studio, reviewer_map=mapping
        )
    )
    console.print(f"imported {len(written)} decision(s) into {qa.name}")


def _raise(error: Exception) -> None:
    raise error


@app.command("export")
def export(
    qa_run: RunArg,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tasks into.")],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Write the sample as Label Studio tasks with a labelling interface per review (the
    files hold the sample's redacted text: keep them where the store's data may go).

    Example: `mhds qa export RUN --out ./ls-tasks --store ./demo-store`
    """
    from mhds.qa.interchange import export_label_studio
    from mhds.qa.run import read_run

    st, reg = run(lambda: open_store_and_registry(store, registry))
    qa = run(lambda: read_run(st, reg.layout.qa, qa_run))
    for path in run(lambda: export_label_studio(st, reg.layout.qa, qa, out)):
        console.print(str(path), highlight=False)


@app.command("signoff")
def signoff(
    qa_run: RunArg,
    by: Annotated[str, typer.Option("--by", help="The adjudicator who signs.")],
    exception: Annotated[
        list[str] | None, typer.Option(help="A known exception to record; repeatable.")
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Sign the QA run off: refused until every item is reviewed, every disagreement and
    identifier flag adjudicated, the decisions intact and every family at its pass rate; then
    writes the decision record (write-once) and logs it.

    Example: `mhds qa signoff RUN --by carol --store ./demo-store`
    """
    from mhds.qa.signoff import sign_off

    st, reg = run(lambda: open_store_and_registry(store, registry))
    record = run(lambda: sign_off(st, reg.layout.qa, qa_run, by, exceptions=exception or ()))
    console.print(
        f"signed off {record['run']} by {record['signed_by']}: content {record['content_digest']}, "
        f"{len(record['excluded'])} record(s) excluded by review"
    )
    target = record["target"]
    if target["kind"] == "candidate":
        console.print(f"next: mhds release publish {target['name']}", highlight=False)


@app.command("serve")
def serve(
    qa_run: RunArg,
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="Allow binding to a non-loopback address."),
    ] = False,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Serve the review page of a QA run: reviewers log in with their token and score their
    items; adjudicators resolve the disagreement queue. Binds 127.0.0.1 unless told otherwise.

    Example: `mhds qa serve RUN --store ./demo-store --port 8765`
    """
    from mhds.errors import ConfigError
    from mhds.qa.run import read_run

    try:
        from mhds.qa.web.app import WebSettings, check_bind
        from mhds.qa.web.app import serve as serve_app
    except ImportError:
        run(
            lambda: _raise(
                ConfigError("the review page needs the review extra: pip install 'mhds[review]'")
            )
        )
        return
    st, reg = run(lambda: open_store_and_registry(store, registry))
    run(lambda: read_run(st, reg.layout.qa, qa_run))
    settings = run(
        lambda: WebSettings(
            store=st,
            qa_prefix=reg.layout.qa,
            run=qa_run,
            host=host,
            port=port,
            allow_remote=allow_remote,
        )
    )
    run(lambda: check_bind(settings))
    err_console.print(f"review page: http://{host}:{port}/ (Ctrl+C stops)")
    run(lambda: serve_app(settings))
