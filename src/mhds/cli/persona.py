"""``mhds persona``: lecture transcripts to a style profile (more persona steps to come)."""

from __future__ import annotations

from typing import Annotated

import typer

from mhds.cli.common import RegistryOpt, StoreOpt, console, open_store_and_registry, run

app = typer.Typer(help="Voice and persona: transcripts to a style profile.", no_args_is_help=True)


@app.command("profile")
def profile(
    prefix: Annotated[
        str,
        typer.Option(
            help="Folder of transcripts in --store, laid out <prefix><Channel>/<Title>.txt."
        ),
    ],
    out: Annotated[
        str | None,
        typer.Option(help="Key to write (default: profiles/<prefix name>-<digest>.json)."),
    ] = None,
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Measure a speaker's style from their transcripts: sentence starters, transition,
    empathy, normalising and analogy phrases, function-word rates, sentence lengths,
    type-token ratio and the top n-grams, each with the transcripts it came from. Tool
    banners, timestamps, links and ids are removed first, never counted. The JSON is
    deterministic (the same transcripts give the same bytes) and written once.

    Example: `mhds persona profile --prefix tier4_voice_persona/ --store s3://bucket/datasets`
    """
    import hashlib

    from mhds.errors import ConfigError
    from mhds.persona.profile import build_profile, profile_bytes
    from mhds.persona.transcripts import TEXT_SUFFIX, clean_transcript, parse_key

    st, _ = run(lambda: open_store_and_registry(store, registry))
    folder = prefix if prefix.endswith("/") else prefix + "/"

    def go() -> tuple[str, bool, int, int]:
        keys = sorted(o.key for o in st.list(folder) if o.key.endswith(TEXT_SUFFIX))
        if not keys:
            raise ConfigError(f"no transcript (.txt) under {st.url_for(folder)}")
        transcripts: dict[str, list[str]] = {}
        for key in keys:
            parse_key(key, folder)  # the layout is checked: an InputError names the key
            try:
                text = st.read_bytes(key).decode("utf-8")
            except UnicodeDecodeError:
                raise ConfigError(f"{st.url_for(key)} is not UTF-8 text") from None
            paragraphs = clean_transcript(text).paragraphs
            if paragraphs:
                transcripts[key.removeprefix(folder)] = paragraphs
        if not transcripts:
            raise ConfigError(f"every transcript under {st.url_for(folder)} is empty once cleaned")
        data = profile_bytes(build_profile(transcripts))
        digest = hashlib.sha256(data).hexdigest()[:12]
        name = folder.rstrip("/").rsplit("/", 1)[-1] or "transcripts"
        key = out or f"profiles/{name}-{digest}.json"
        if st.exists(key):
            if st.read_bytes(key) != data:
                raise ConfigError(f"{st.url_for(key)} holds another profile (choose another --out)")
            return key, False, len(transcripts), len(keys)
        st.put_if_absent(key, data)
        return key, True, len(transcripts), len(keys)

    key, written, used, found = run(go)
    verb = "wrote" if written else "already there (same bytes)"
    console.print(
        f"profile of {used} transcripts ({found} found); {verb}: [bold]{st.url_for(key)}[/bold]"
    )
