"""``mhds generate``: generated families, starting with crisis scenarios from the library."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from mhds.cli.common import RegistryOpt, StoreOpt, console, open_store_and_registry, run

app = typer.Typer(
    help="Generate crisis scenarios (and, later, chats) from data.", no_args_is_help=True
)

DEFAULT_OUT = "raw/crisis_scenarios/scenarios-{seed}-{digest}.jsonl"


@app.command("scenarios")
def scenarios(
    seed: Annotated[str, typer.Option(help="Seed of the expansion (same seed, same scenarios).")],
    per_category: Annotated[int, typer.Option(help="Scenarios per category.")] = 20,
    category: Annotated[
        list[str] | None, typer.Option(help="Only this category (repeatable; default: all).")
    ] = None,
    library: Annotated[
        str | None,
        typer.Option(help="Library YAML as a key in --store (default: the packaged library)."),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            help="Key to write (default: raw/crisis_scenarios/scenarios-SEED-DIGEST.jsonl)."
        ),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Expand the crisis scenario library into scenario records (category, risk level,
    persona, context, turns, directness, region, the client's opening, the region's crisis
    resources, the required and forbidden response elements, a scenario group id), seeded
    and deterministic, written once into the store as JSONL.

    Example: `mhds generate scenarios --seed pilot-1 --per-category 50 --store ./store`
    """
    from mhds.crisis.library import load_library, parse_library
    from mhds.crisis.scenarios import expand_scenarios, write_scenarios

    st, _ = run(lambda: open_store_and_registry(store, registry))

    def go() -> tuple[str, bool, Counter[str], int]:
        if library is None:
            lib = load_library()
        else:
            lib = parse_library(st.read_bytes(library).decode("utf-8"), source=st.url_for(library))
        drawn = expand_scenarios(lib, seed=seed, per_category=per_category, categories=category)
        digest = lib.digest().removeprefix("sha256:")[:12]
        key = out or DEFAULT_OUT.format(seed=_slug(seed), digest=digest)
        written = write_scenarios(st, key, drawn)
        groups = len({s.group_id for s in drawn})
        return key, written, Counter(s.category for s in drawn), groups

    key, written, counts, groups = run(go)
    table = Table(title=f"{sum(counts.values())} scenarios in {groups} scenario groups")
    for column in ("category", "scenarios"):
        table.add_column(column)
    for name, n in counts.items():
        table.add_row(name, str(n))
    console.print(table)
    verb = "wrote" if written else "already there (same bytes)"
    console.print(f"{verb}: [bold]{st.url_for(key)}[/bold]")


def _slug(text: str) -> str:
    """A seed as a key part: letters, digits, '-', '_' and '.', the rest as '-'."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)[:40] or "seed"


@app.command("chats")
def chats(
    scenarios: Annotated[
        str, typer.Option(help="Key of a scenarios JSONL in --store (mhds generate scenarios).")
    ],
    backend: Annotated[
        str, typer.Option(help="template (offline, deterministic); openai comes next.")
    ] = "template",
    assistant_role: Annotated[
        str,
        typer.Option(help="therapist: the assistant counsels; client: it plays the client."),
    ] = "therapist",
    seed: Annotated[str | None, typer.Option(help="Seed of the phrasing choices.")] = None,
    library: Annotated[
        str | None,
        typer.Option(help="Library YAML as a key in --store (default: the packaged library)."),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(help="Key to write (default: raw/crisis_chats/<scenarios>-<role>.jsonl)."),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Turn scenarios into multi-turn chats: ChatML lines with each scenario's group id and
    attributes (category, risk level, directness, region, persona, context), written once
    into the store as a source the build ingests with the chatml adapter. A scenario whose
    chat cannot be composed is left out and listed with its reason.

    Example: `mhds generate chats --scenarios raw/crisis_scenarios/scenarios-pilot-1-X.jsonl
    --store ./store`
    """
    from mhds.crisis.chat_templates import load_chat_templates
    from mhds.crisis.library import load_library, parse_library
    from mhds.crisis.scenarios import read_scenarios
    from mhds.crisis.sources import chat_source, write_chat_source
    from mhds.errors import ConfigError

    st, _ = run(lambda: open_store_and_registry(store, registry))

    def go() -> tuple[str, bool, int, list[tuple[str, str]]]:
        if backend != "template":
            raise ConfigError(f"backend {backend!r}: only 'template' is available yet")
        if assistant_role not in ("therapist", "client"):
            raise ConfigError(f"--assistant-role {assistant_role!r}: therapist or client")
        if library is None:
            lib = load_library()
        else:
            lib = parse_library(st.read_bytes(library).decode("utf-8"), source=st.url_for(library))
        drawn = read_scenarios(st.read_bytes(scenarios), key=scenarios)
        stale = {s.library_digest for s in drawn} - {lib.digest()}
        if stale:
            raise ConfigError(
                f"{scenarios} was drawn from another library ({', '.join(sorted(stale))[:80]}): "
                "pass it with --library"
            )
        templates = load_chat_templates(library=lib)
        source = chat_source(drawn, templates, assistant_role=assistant_role, seed=seed)  # type: ignore[arg-type]
        name = scenarios.rsplit("/", 1)[-1].removesuffix(".jsonl")
        key = out or f"raw/crisis_chats/{name}-{assistant_role}.jsonl"
        written = write_chat_source(st, key, source)
        return key, written, len(source.lines), source.left_out

    key, written, count, left_out = run(go)
    verb = "wrote" if written else "already there (same bytes)"
    console.print(f"{count} chats; {verb}: [bold]{st.url_for(key)}[/bold]")
    for scenario_id, reason in left_out:
        console.print(f"[yellow]left out[/yellow] {scenario_id}: {reason}")
