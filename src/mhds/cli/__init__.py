"""The ``mhds`` command line: parse, resolve config, call one library function, render.

One module per command group (``registry``, ``store``, ``build``, ``release``, ``qa``, ``generate``,
``persona``, ``quarantine``, ``audit``, ``pii``); the options and error mapping they share live in
``common``, the gate and funnel tables in ``report``. The app is assembled here, explicitly.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from mhds import __version__
from mhds.cli import (
    audit,
    build,
    generate,
    lease,
    persona,
    pii,
    qa,
    quarantine,
    registry,
    release,
    store,
)
from mhds.cli.common import STATE, console
from mhds.logsafe import configure_logging

app = typer.Typer(
    name="mhds",
    help="Build safe, traceable, training-ready releases of mental-health conversation data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """mhds: S3-first pipeline for mental-health conversation datasets."""
    STATE["debug"] = debug
    # Every root handler redacts credentials, whichever library logs (botocore's debug log
    # prints signed request headers).
    configure_logging(logging.DEBUG if debug else logging.WARNING)
    if version:
        console.print(f"mhds {__version__}")
        raise typer.Exit()


app.add_typer(registry.app, name="registry")
app.command()(store.init)
app.command()(store.inventory)
app.command()(store.ingest)
app.command()(build.build)
app.command()(build.demo)
app.add_typer(release.app, name="release")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(audit.app, name="audit")
app.add_typer(pii.app, name="pii")
app.add_typer(lease.app, name="lease")
app.add_typer(qa.app, name="qa")
app.add_typer(generate.app, name="generate")
app.add_typer(persona.app, name="persona")

__all__ = ["app"]
