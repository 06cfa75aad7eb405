"""``mhds persona``: lecture transcripts to style profiles, persona conversations, dual
personas and simulator chats."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from mhds.cli.common import RegistryOpt, StoreOpt, console, open_store_and_registry, run
from mhds.cli.generate import (
    ApiKeyEnvOpt,
    BaseUrlOpt,
    ConcurrencyOpt,
    MaxTokensOpt,
    ModelOpt,
    RetriesOpt,
    TemperatureOpt,
    TimeoutOpt,
    print_usage,
)
from mhds.errors import ConfigError

app = typer.Typer(
    help="Voice and persona: transcripts to style profiles, persona conversations, dual "
    "personas and simulator chats.",
    no_args_is_help=True,
)


@app.command("profile")
def profile(
    prefix: Annotated[
        str,
        typer.Option(
            help="Folder of transcripts in --store, laid out <prefix><Channel>/<Title>.txt."
        ),
    ],
    persona: Annotated[
        str | None,
        typer.Option(help="Only this persona (a channel's name or persona id)."),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Measure each speaker's style from their transcripts (one profile per channel):
    sentence starters, transition, empathy, normalising and analogy phrases, function-word
    rates, sentence lengths, type-token ratio and the top n-grams, each with the transcripts
    it came from. Tool banners, timestamps, links and ids are removed first, never counted.
    The JSON is deterministic (the same transcripts give the same bytes) and written once
    to profiles/<persona>-<digest>.json.

    Example: `mhds persona profile --prefix tier4_voice_persona/ --store s3://bucket/datasets`
    """
    from mhds.persona.corpus import by_persona, read_transcripts, write_profile

    st, _ = run(lambda: open_store_and_registry(store, registry))

    def go() -> list[tuple[str, str, int, str, bool]]:
        transcripts = read_transcripts(st, prefix)
        grouped = by_persona(transcripts)
        channels = {pid: own[0].meta.channel for pid, own in grouped.items()}
        if persona is not None and persona not in {*channels, *channels.values()}:
            listed = ", ".join(sorted(channels.values()))
            raise ConfigError(f"--persona {persona!r}: no such channel (channels: {listed})")
        made = []
        for persona_id, own in grouped.items():
            if persona in (None, persona_id, channels[persona_id]):
                ref, written = write_profile(st, persona_id, own)
                made.append((persona_id, channels[persona_id], len(own), ref.key, written))
        return made

    for persona_id, channel, count, key, written in run(go):
        verb = "wrote" if written else "already there (same bytes)"
        console.print(
            f"persona {persona_id} ({channel}): profile of {count} transcripts; {verb}: "
            f"[bold]{st.url_for(key)}[/bold]"
        )


@app.command("chats")
def chats(
    prefix: Annotated[
        str,
        typer.Option(
            help="Folder of transcripts in --store, laid out <prefix><Channel>/<Title>.txt."
        ),
    ],
    backend: Annotated[
        str,
        typer.Option(
            help="Who writes the listener's questions. template: offline, deterministic; "
            "openai: any OpenAI-compatible endpoint (--base-url, --model)."
        ),
    ] = "template",
    seed: Annotated[str, typer.Option(help="Seed of every choice.")] = "persona",
    min_chars: Annotated[int, typer.Option(help="A chunk's length at least (chars).")] = 400,
    max_chars: Annotated[int, typer.Option(help="A chunk's length at most (chars).")] = 2000,
    holdout_share: Annotated[
        float,
        typer.Option(
            help="Share of transcript groups (a channel's series) held out for test only "
            "(the voice_persona_holdout family)."
        ),
    ] = 0.2,
    holdout_persona: Annotated[
        list[str] | None,
        typer.Option(
            help="Hold out this persona whole (repeatable; a channel's name or persona id)."
        ),
    ] = None,
    dual_share: Annotated[
        float,
        typer.Option(
            help="Share of chunks answered by two personas (dual_persona family) instead "
            "of one, with preference pairs."
        ),
    ] = 0.3,
    other_persona: Annotated[
        str, typer.Option(help="The second persona of dual answers (personas-v1.yaml).")
    ] = "clinical_counsellor",
    conditioned: Annotated[
        bool,
        typer.Option(
            help="openai backend: also answer each question in the persona's voice from a "
            "system prompt built from its profile (raw/voice_persona_generated/)."
        ),
    ] = False,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = "OPENAI_API_KEY",
    temperature: TemperatureOpt = 0.7,
    max_tokens: MaxTokensOpt = 400,
    concurrency: ConcurrencyOpt = 4,
    timeout: TimeoutOpt = 120.0,
    retries: RetriesOpt = 4,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Turn lecture transcripts into persona conversations: each chunk (whole paragraphs,
    --min-chars to --max-chars) becomes a listener's question and the speaker's own words,
    with the transcript and paragraphs it came from and its style distance from the
    persona's profile. Writes each persona's profile, then raw/voice_persona/,
    raw/voice_persona_holdout/ (held-out transcripts or personas, test only) and, with
    --dual-share, raw/dual_persona/ and raw/persona_preferences/, each once. Chunks whose
    question could not be made are listed in quarantine/generate/ with their reason.

    Example: `mhds persona chats --prefix tier4_voice_persona/ --holdout-share 0.2
    --dual-share 0.3 --store s3://bucket/datasets`
    """
    from mhds.cli.generate import openai_client
    from mhds.persona.chats import PersonaChatConfig
    from mhds.persona.sources import make_persona_sources
    from mhds.persona.transcripts import ChunkConfig

    st, reg = run(lambda: open_store_and_registry(store, registry))

    def prepare() -> PersonaChatConfig:
        if backend not in ("template", "openai"):
            raise ConfigError(f"--backend {backend!r}: template or openai")
        try:
            return PersonaChatConfig(
                chunk=ChunkConfig(min_chars=min_chars, max_chars=max_chars),
                seed=seed,
                holdout_share=holdout_share,
                holdout_personas=tuple(holdout_persona or ()),
                dual_share=dual_share,
            )
        except ValueError as exc:
            raise ConfigError(f"persona chats: {exc}") from None

    config = run(prepare)
    client = params = None
    if backend == "openai":
        client, params = run(
            lambda: openai_client(
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
        )
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("chunks", total=None)
        made = run(
            lambda: make_persona_sources(
                st,
                prefix,
                config,
                quarantine_prefix=reg.layout.quarantine,
                client=client,
                params=params,
                conditioned=conditioned,
                other=other_persona,
                progress=lambda done: bar.update(task, completed=done),
            )
        )
    for ref, written in made.profiles:
        verb = "wrote" if written else "already there"
        console.print(
            f"persona {ref.persona_id} ({made.channels[ref.persona_id]}): profile of "
            f"{ref.transcripts} transcripts ({verb}) {st.url_for(ref.key)}"
        )
    for key, count, written in made.outputs:
        verb = "wrote" if written else "already there (same bytes)"
        console.print(f"{count} lines; {verb}: [bold]{st.url_for(key)}[/bold]")
    if client is not None:
        print_usage(client)
    if made.left_out_key:
        console.print(
            f"[yellow]left out {len(made.left_out)} chunk(s)[/yellow]: "
            f"{st.url_for(made.left_out_key)}"
        )


@app.command("simulator")
def simulator(
    therapist: Annotated[
        list[str] | None,
        typer.Option(
            help="Therapist persona of personas-v1.yaml (repeatable; default: "
            "clinical_counsellor and peer_supporter)."
        ),
    ] = None,
    per_pair: Annotated[
        int, typer.Option(help="Chats per (client archetype, therapist persona) pair.")
    ] = 3,
    seed: Annotated[str, typer.Option(help="Seed of every choice.")] = "persona",
    out: Annotated[
        str | None, typer.Option(help="Key to write (default: raw/simulator/<seed>.jsonl).")
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Simulator chats for the simulator_dual_persona family: a therapist persona talks to
    each client archetype of client-archetypes-v1.yaml (background, concerns, communication
    style, defences); the system turn says which client to play, the therapist's turns are
    the user's and the client's the assistant's. One split group per (archetype, therapist).

    Example: `mhds persona simulator --per-pair 5 --seed pilot-1 --store ./store`
    """
    from mhds.crisis.sources import write_chat_source
    from mhds.persona.cards import load_client_archetypes, load_persona_cards
    from mhds.persona.dual import DEFAULT_OTHER, simulator_chats
    from mhds.store.uri import key_part

    st, _ = run(lambda: open_store_and_registry(store, registry))
    key = out or f"raw/simulator/{key_part(seed)}.jsonl"

    def go() -> tuple[int, bool]:
        therapists = tuple(therapist or (DEFAULT_OTHER, "peer_supporter"))
        made = simulator_chats(
            load_client_archetypes(),
            load_persona_cards(),
            therapists=therapists,
            per_pair=per_pair,
            seed=seed,
        )
        return len(made.lines), write_chat_source(st, key, made.data())

    count, written = run(go)
    verb = "wrote" if written else "already there (same bytes)"
    console.print(f"{count} simulator chats; {verb}: [bold]{st.url_for(key)}[/bold]")
