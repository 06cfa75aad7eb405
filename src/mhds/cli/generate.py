"""``mhds generate``: generated families, starting with crisis scenarios from the library."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.progress import Progress
from rich.table import Table

from mhds.cli.common import RegistryOpt, StoreOpt, console, open_store_and_registry, run
from mhds.records import codec
from mhds.store.uri import key_part

if TYPE_CHECKING:
    from mhds.crisis.library import ScenarioLibrary
    from mhds.crisis.scenarios import Scenario
    from mhds.generate import GenerationClient, GenerationParams
    from mhds.registry.schema import Registry
    from mhds.store.base import Store

app = typer.Typer(
    help="Generate crisis scenarios and chats from the scenario library.", no_args_is_help=True
)

DEFAULT_OUT = "raw/crisis_scenarios/scenarios-{seed}-{digest}.jsonl"
LibraryOpt = Annotated[
    str | None,
    typer.Option(help="Library YAML as a key in --store (default: the packaged library)."),
]
# The openai backend's options, shared by every command that generates (generate, persona).
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        envvar="MHDS_GENERATE_BASE_URL",
        help="openai backend: the API root, e.g. http://127.0.0.1:8000/v1.",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(envvar="MHDS_GENERATE_MODEL", help="openai backend: the model to ask for."),
]
ApiKeyEnvOpt = Annotated[
    str, typer.Option(help="openai backend: the environment variable holding the key.")
]
TemperatureOpt = Annotated[float, typer.Option(help="openai backend: sampling temperature.")]
MaxTokensOpt = Annotated[int, typer.Option(help="openai backend: most tokens a reply has.")]
ConcurrencyOpt = Annotated[
    int, typer.Option(help="openai backend: most requests in flight at once.")
]
TimeoutOpt = Annotated[
    float, typer.Option(help="openai backend: seconds to wait for each attempt.")
]
RetriesOpt = Annotated[
    int, typer.Option(help="openai backend: further attempts after a 429, 5xx or timeout.")
]


@app.command("scenarios")
def scenarios(
    seed: Annotated[str, typer.Option(help="Seed of the expansion (same seed, same scenarios).")],
    per_category: Annotated[int, typer.Option(help="Scenarios per category.")] = 20,
    category: Annotated[
        list[str] | None, typer.Option(help="Only this category (repeatable; default: all).")
    ] = None,
    library: LibraryOpt = None,
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
    from mhds.crisis.scenarios import expand_scenarios, write_scenarios

    st, _ = run(lambda: open_store_and_registry(store, registry))

    def go() -> tuple[str, bool, Counter[str], int]:
        lib = _library(st, library)
        drawn = expand_scenarios(lib, seed=seed, per_category=per_category, categories=category)
        digest = lib.digest().removeprefix("sha256:")[:12]
        key = out or DEFAULT_OUT.format(seed=key_part(seed), digest=digest)
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


def _library(st: Store, key: str | None) -> ScenarioLibrary:
    """The packaged library, or the one at ``key`` in the store."""
    from mhds.crisis.library import load_library, parse_library

    if key is None:
        return load_library()
    return parse_library(st.read_bytes(key).decode("utf-8"), source=st.url_for(key))


@app.command("chats")
def chats(
    scenarios: Annotated[
        str, typer.Option(help="Key of a scenarios JSONL in --store (mhds generate scenarios).")
    ],
    backend: Annotated[
        str,
        typer.Option(
            help="template: offline, deterministic; openai: any OpenAI-compatible endpoint "
            "(--base-url, --model)."
        ),
    ] = "template",
    assistant_role: Annotated[
        str,
        typer.Option(help="therapist: the assistant counsels; client: it plays the client."),
    ] = "therapist",
    seed: Annotated[str | None, typer.Option(help="Seed of the phrasing choices.")] = None,
    holdout_share: Annotated[
        float,
        typer.Option(
            help="Share of scenario groups written to --holdout-out (the test-only "
            "crisis_holdout family); the same groups in every framing and backend."
        ),
    ] = 0.1,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    temperature: TemperatureOpt = 0.7,
    max_tokens: MaxTokensOpt = 256,
    concurrency: ConcurrencyOpt = 4,
    timeout: TimeoutOpt = 120.0,
    retries: RetriesOpt = 4,
    judge: Annotated[
        bool,
        typer.Option(
            help="Also ask the endpoint (--base-url, --model) to judge each chat against the "
            "category's safety rules; its verdict is recorded, the rules still decide."
        ),
    ] = False,
    library: LibraryOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            help="Key to write (default: raw/crisis_chats/<scenarios>-therapist.jsonl; the "
            "client framing: raw/crisis_chats_client/<scenarios>-client.jsonl)."
        ),
    ] = None,
    holdout_out: Annotated[
        str | None,
        typer.Option(
            help="Key of the holdout (default: raw/crisis_holdout/<scenarios>-therapist.jsonl; "
            "the client framing: raw/crisis_holdout_client/...)."
        ),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Turn scenarios into multi-turn chats: ChatML lines with each scenario's group id,
    attributes (category, risk level, directness, region, persona, context) and generator
    provenance, written once into the store as sources the build ingests with the chatml
    adapter. A share of scenario groups goes to a separate holdout source. A scenario whose
    chat fails (a request that failed for good, a blank reply) is left out, listed with its
    reason in quarantine/generate/, and never written as half a chat.

    The openai backend caches every reply in the store (cache/generate/): a rerun asks
    nothing twice. Its key is read from --api-key-env and never written anywhere.

    Example: `mhds generate chats --scenarios raw/crisis_scenarios/scenarios-pilot-1-X.jsonl
    --backend openai --base-url http://127.0.0.1:8000/v1 --model qwen2.5-7b-instruct
    --store ./store`
    """
    from mhds.crisis.chat_templates import load_chat_templates
    from mhds.crisis.sources import (
        ChatMaker,
        chat_source,
        drawn_scenarios,
        judged_maker,
        model_maker,
        template_maker,
        write_chat_sources,
    )
    from mhds.errors import ConfigError

    st, reg = run(lambda: open_store_and_registry(store, registry))
    role = run(lambda: _assistant_role(assistant_role))
    name = scenarios.rsplit("/", 1)[-1].removesuffix(".jsonl")
    # The client framing has folders of its own: a source for it says assistant_role client
    # (the example registry's crisis sources are the therapist framing).
    suffix = "" if role == "therapist" else "_client"
    main_key = out or f"raw/crisis_chats{suffix}/{name}-{role}.jsonl"
    holdout_key = holdout_out or f"raw/crisis_holdout{suffix}/{name}-{role}.jsonl"
    left_out_key = f"{reg.layout.quarantine}generate/{main_key.rsplit('/', 1)[-1]}"

    def prepare() -> tuple[list[Scenario], ChatMaker, GenerationClient | None]:
        lib = _library(st, library)
        drawn = drawn_scenarios(st, scenarios, lib)
        templates = load_chat_templates(library=lib)
        if backend not in ("template", "openai"):
            raise ConfigError(f"--backend {backend!r}: template or openai")
        make = template_maker(templates, assistant_role=role, seed=seed)
        if backend == "template" and not judge:
            return drawn, make, None
        client, params = openai_client(
            st,
            base_url=base_url,
            model=model,
            api_key_env=api_key_env,
            temperature=temperature,
            max_tokens=max_tokens,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
        )
        if backend == "openai":
            make = model_maker(client, params, lib, templates, assistant_role=role, seed=seed)
        if judge:
            make = judged_maker(make, client, lib, assistant_role=role)
        return drawn, make, client

    drawn, make, client = run(prepare)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("chats", total=len(drawn))
        source = run(
            lambda: chat_source(
                drawn,
                make,
                assistant_role=role,
                holdout_share=holdout_share,
                workers=client.max_concurrency if client else 1,
                progress=lambda done: bar.update(task, completed=done),
            )
        )
    written = run(
        lambda: write_chat_sources(
            st,
            source,
            scenarios_key=scenarios,
            main_key=main_key,
            holdout_key=holdout_key,
            left_out_key=left_out_key,
        )
    )
    for key, count, fresh in written:
        verb = "wrote" if fresh else "already there (same bytes)"
        console.print(f"{count} chats; {verb}: [bold]{st.url_for(key)}[/bold]")
    if client is not None:
        print_usage(client)
    if source.left_out:
        reasons = Counter(reason for _, reason, _ in source.left_out)
        listed = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
        console.print(
            f"[yellow]left out {len(source.left_out)} scenario(s)[/yellow] ({listed}): "
            f"{st.url_for(left_out_key)}"
        )


def print_usage(client: GenerationClient) -> None:
    """One line of what a run asked of the endpoint: requests, retries, cache hits, tokens."""
    usage = client.usage()
    console.print(
        f"requests {usage.requests} (retries {usage.retries}), cache hits "
        f"{usage.cache_hits}, tokens {usage.prompt_tokens} in / "
        f"{usage.completion_tokens} out"
    )


def _assistant_role(value: str) -> Literal["therapist", "client"]:
    from mhds.errors import ConfigError

    if value == "therapist":
        return "therapist"
    if value == "client":
        return "client"
    raise ConfigError(f"--assistant-role {value!r}: therapist or client")


def openai_client(
    st: Store,
    *,
    base_url: str | None,
    model: str | None,
    api_key_env: str,
    temperature: float,
    max_tokens: int,
    concurrency: int,
    timeout: float,
    retries: int,
) -> tuple[GenerationClient, GenerationParams]:
    """The openai backend's client (replies cached in ``st``) and parameters, from the
    options every generating command shares (``mhds generate``, ``mhds persona``).

    Raises:
        ConfigError: no --base-url or --model, or parameters out of range.
    """
    from mhds.errors import ConfigError
    from mhds.generate import GenerationClient, GenerationParams, OpenAIBackend

    if not base_url or not model:
        raise ConfigError(
            "--backend openai needs --base-url and --model (or MHDS_GENERATE_BASE_URL and "
            "MHDS_GENERATE_MODEL)"
        )
    try:
        params = GenerationParams(temperature=temperature, max_tokens=max_tokens)
    except ValueError as exc:
        raise ConfigError(f"generation parameters: {exc}") from None
    backend = OpenAIBackend(base_url, model, api_key_env=api_key_env, timeout=timeout)
    client = GenerationClient(backend, st, max_concurrency=concurrency, retries=retries)
    return client, params


@app.command("pairs")
def pairs(
    scenarios: Annotated[
        str, typer.Option(help="Key of a scenarios JSONL in --store (mhds generate scenarios).")
    ],
    seed: Annotated[str | None, typer.Option(help="Seed of the phrasing choices.")] = None,
    holdout_share: Annotated[
        float,
        typer.Option(help="Skip the scenario groups `mhds generate chats` holds out (same share)."),
    ] = 0.1,
    out: Annotated[
        str | None,
        typer.Option(help="Key to write (default: raw/crisis_preferences/<scenarios>.jsonl)."),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Safety preference pairs: for each scenario, the chat up to its closing counsellor turn
    as the prompt, a chosen turn that passes the safety rules and a rejected turn that breaks
    one named rule (in the metadata), both checked by the rules before they are written.
    Rejected turns never hold method, lethality or graphic detail. Held-out scenario groups
    are skipped: those --holdout-share draws, and every group id already in a source of a
    test-only family (so a chats run with another share cannot leak into the pairs).

    Example: `mhds generate pairs --scenarios raw/crisis_scenarios/scenarios-pilot-1-X.jsonl
    --store ./store`
    """
    from mhds.crisis.chat_templates import load_chat_templates
    from mhds.crisis.library import load_library
    from mhds.crisis.preferences import preference_pairs
    from mhds.crisis.safety import SafetyChecker, load_safety_rules
    from mhds.crisis.scenarios import read_scenarios
    from mhds.crisis.sources import write_chat_source
    from mhds.errors import ConfigError

    st, reg = run(lambda: open_store_and_registry(store, registry))
    name = scenarios.rsplit("/", 1)[-1].removesuffix(".jsonl")
    key = out or f"raw/crisis_preferences/{name}.jsonl"

    def go() -> tuple[bool, int, list[tuple[str, str, str]]]:
        if not 0.0 <= holdout_share < 1.0:
            raise ConfigError(f"--holdout-share {holdout_share}: needs 0 <= share < 1")
        lib = load_library()
        drawn = read_scenarios(st.read_bytes(scenarios), key=scenarios)
        if {s.library_digest for s in drawn} - {lib.digest()}:
            raise ConfigError(f"{scenarios} was drawn from another library than the packaged one")
        templates = load_chat_templates(library=lib)
        checker = SafetyChecker(lib, load_safety_rules(library=lib), templates)
        held = held_out_groups(st, reg)
        source = preference_pairs(
            drawn, templates, checker, seed=seed, holdout_share=holdout_share, held_out=held
        )
        if not source.lines:
            raise ConfigError(f"no preference pair could be made from {scenarios}")
        return write_chat_source(st, key, source.data()), len(source.lines), source.left_out

    written, count, left_out = run(go)
    verb = "wrote" if written else "already there (same bytes)"
    console.print(f"{count} preference pairs; {verb}: [bold]{st.url_for(key)}[/bold]")
    for scenario_id, reason, detail in left_out:
        console.print(f"[yellow]left out[/yellow] {scenario_id}: {reason} {detail}")


def held_out_groups(st: Store, reg: Registry) -> frozenset[str]:
    """The ``group_id`` of every JSONL line in the sources of the registry's test-only
    families (the held-out crisis chats, whatever share made them)."""
    test_only = {f.name for f in reg.families if f.holdout == "test_only"}
    groups: set[str] = set()
    for source in reg.sources:
        if source.family not in test_only:
            continue
        keys = [*source.keys, *(o.key for p in source.prefixes for o in st.list(p))]
        for key in keys:
            if not key.endswith(".jsonl") or not st.exists(key):
                continue
            for line in st.read_bytes(key).splitlines():
                try:
                    group = codec.loads(line).get("group_id")
                except (ValueError, AttributeError):
                    continue
                if isinstance(group, str):
                    groups.add(group)
    return frozenset(groups)
