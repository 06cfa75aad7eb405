"""``mhds registry``: check the registry of families and sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mhds.cli.common import console, registry_path, run

app = typer.Typer(help="Check the registry of families and sources.", no_args_is_help=True)


@app.command("validate")
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="Registry YAML (default: packaged example).")
    ] = None,
) -> None:
    """Validate a registry file and summarise it.

    Example: `mhds registry validate registry.yaml`
    """
    from mhds.registry import load_registry, registry_hash

    registry = run(lambda: load_registry(registry_path(path)))
    console.print(
        f"[green]valid[/green] {registry_path(path)}: {len(registry.stages)} stages, "
        f"{len(registry.families)} families "
        f"({sum(f.required for f in registry.families)} required), "
        f"{len(registry.sources)} sources; hash {registry_hash(registry)}"
    )
    console.print(_licence_line(registry.allowed_licenses), highlight=False)


def _licence_line(allowed: tuple[str, ...] | None) -> str:
    if allowed is None:
        return (
            "licences: no allowed_licenses list, so every non-empty licence is accepted "
            "(add allowed_licenses to the registry to restrict them)"
        )
    return f"licences: {len(allowed)} allowed ({', '.join(allowed)})"
