"""A transcript folder in the store to the persona sources a build ingests
(``mhds persona chats``): the personas' profiles, the persona conversations and their
holdout, the dual-persona answers and their preference pairs, each written once.

Outputs (``<name>`` = the prefix's last folder and a digest of the config and the cleaned
transcripts, so another config or another transcript never overwrites a source):

- ``profiles/<persona>-<digest>.json``: one per persona, from its training-side transcripts
  (a persona held out whole: from all of its transcripts);
- ``raw/voice_persona/<name>.jsonl`` (family ``voice_persona``);
- ``raw/voice_persona_holdout/<name>.jsonl`` (``voice_persona_holdout``, test only);
- ``raw/dual_persona/<name>.jsonl`` (``dual_persona``) and
  ``raw/persona_preferences/<name>.jsonl`` when ``dual_share`` > 0;
- ``<quarantine>generate/persona-<name>.jsonl``: chunks left out, with reasons.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mhds.crisis.sources import write_chat_source
from mhds.errors import ConfigError, InputError
from mhds.generate.backend import GenerationParams
from mhds.generate.client import GenerationClient
from mhds.generate.errors import GenerationError
from mhds.persona.cards import load_persona_cards
from mhds.persona.chats import (
    PersonaChatConfig,
    PersonaSource,
    QuestionMaker,
    check_holdout_personas,
    conditioned_chats,
    is_held_out,
    persona_system_prompt,
    transcript_chats,
)
from mhds.persona.corpus import ProfileRef, Transcript, by_persona, read_transcripts, write_profile
from mhds.persona.dual import DEFAULT_OTHER, dual_answers
from mhds.persona.profile import StyleMarkers, load_markers
from mhds.persona.questions import (
    Question,
    QuestionTemplates,
    load_question_templates,
    model_question,
    template_question,
)
from mhds.records import codec
from mhds.store.base import Store
from mhds.store.uri import key_part

CHATS = "raw/voice_persona/{name}.jsonl"
HOLDOUT = "raw/voice_persona_holdout/{name}.jsonl"
DUAL = "raw/dual_persona/{name}.jsonl"
PREFERENCES = "raw/persona_preferences/{name}.jsonl"
CONDITIONED = "raw/voice_persona_generated/{name}.jsonl"


@dataclass
class PersonaRun:
    """What ``make_persona_sources`` wrote: profiles and sources (key, lines, fresh), and
    the chunks left out (where, reason, detail)."""

    name: str
    profiles: list[tuple[ProfileRef, bool]] = field(default_factory=list)
    # persona id -> channel, for the operator (persona ids are opaque on purpose)
    channels: dict[str, str] = field(default_factory=dict)
    outputs: list[tuple[str, int, bool]] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)
    left_out_key: str | None = None


def make_persona_sources(
    store: Store,
    prefix: str,
    config: PersonaChatConfig,
    *,
    quarantine_prefix: str = "quarantine/",
    client: GenerationClient | None = None,
    params: GenerationParams | None = None,
    conditioned: bool = False,
    other: str = DEFAULT_OTHER,
    progress: Callable[[int], None] | None = None,
) -> PersonaRun:
    """Read, profile and write (see the module docstring). With ``client`` the questions
    come from the endpoint; ``conditioned`` (needs ``client``) also writes answers generated
    in each persona's voice to ``raw/voice_persona_generated/<name>.jsonl``.

    Raises:
        ConfigError: no transcripts, a holdout persona no channel speaks for, an unknown
            persona card, ``conditioned`` without a client, or nothing made at all.
    """
    if conditioned and client is None:
        raise ConfigError("persona-conditioned answers need the openai backend")
    params = params or GenerationParams()
    transcripts = read_transcripts(store, prefix)
    check_holdout_personas(transcripts, config)
    cards = load_persona_cards()
    if config.dual_share and cards.card(other).kind != "template":
        # an unknown or transcript persona fails before anything is written
        raise ConfigError(f"persona {other!r} answers from transcripts: choose a template persona")
    markers = load_markers()
    templates = load_question_templates()
    ask = _question_maker(config, client, params, templates, markers)
    if client is not None:  # ask every question at once, --concurrency at a time
        ask = _prefetched(ask, transcripts, config, client.max_concurrency)
    run = PersonaRun(_name(prefix, config, transcripts, client, params, other))
    profiles: dict[str, ProfileRef] = {}
    for persona_id, own in by_persona(transcripts).items():
        run.channels[persona_id] = own[0].meta.channel
        training = [t for t in own if not is_held_out(t, config)] or own
        ref, written = write_profile(store, persona_id, training)
        profiles[persona_id] = ref
        run.profiles.append((ref, written))
    chats = transcript_chats(transcripts, profiles, ask, config, markers=markers, progress=progress)
    outputs: list[tuple[str, PersonaSource | list[bytes], bool]] = [
        (CHATS, chats, False),
        (HOLDOUT, chats, True),
    ]
    run.left_out += chats.left_out
    if config.dual_share:
        dual, preferences = dual_answers(
            transcripts, profiles, ask, cards, templates, config, other=other, markers=markers
        )
        run.left_out += dual.left_out
        outputs += [(DUAL, dual, False), (PREFERENCES, preferences, False)]
    if conditioned:
        assert client is not None  # checked above
        # Built from each persona's own profile only: a card's style guide describes one
        # voice, and every speaker's profile describes theirs.
        prompts = {
            pid: persona_system_prompt(codec.loads(store.read_bytes(ref.key)))
            for pid, ref in profiles.items()
        }
        generated = conditioned_chats(
            transcripts, profiles, ask, client, params, config,
            system_prompts=prompts, markers=markers,
        )  # fmt: skip
        run.left_out += generated.left_out
        outputs.append((CONDITIONED, generated, False))
    for pattern, made, holdout in outputs:
        lines = made if isinstance(made, list) else (made.holdout if holdout else made.lines)
        if lines:
            key = pattern.format(name=run.name)
            data = b"".join(line + b"\n" for line in lines)
            try:
                run.outputs.append((key, len(lines), write_chat_source(store, key, data)))
            except ConfigError:
                raise ConfigError(
                    f"{store.url_for(key)} holds other lines for the same transcripts and "
                    "settings (an endpoint that answered differently: its replies were not "
                    "all cached); generated sources are never overwritten: use another --seed"
                ) from None
    _write_left_out(store, quarantine_prefix, run)
    if not run.outputs:
        reasons = sorted({reason for _, reason, _ in run.left_out})
        raise ConfigError(
            f"no persona conversation could be made from {prefix} "
            f"(reasons: {', '.join(reasons) or 'no chunk'})"
        )
    return run


def _question_maker(
    config: PersonaChatConfig,
    client: GenerationClient | None,
    params: GenerationParams,
    templates: QuestionTemplates,
    markers: StyleMarkers,
) -> QuestionMaker:
    if client is None:
        return lambda text: template_question(text, templates, seed=config.seed, markers=markers)
    return lambda text: model_question(client, params, text, seed=config.seed)


def _prefetched(
    ask: QuestionMaker, transcripts: list[Transcript], config: PersonaChatConfig, workers: int
) -> QuestionMaker:
    """``ask`` with every chunk's question asked up front, ``workers`` at a time; a failed
    question is raised again when its chunk asks."""
    texts = sorted({c.text for t in transcripts for c in t.chunks(config.chunk)})

    def attempt(text: str) -> Question | InputError | GenerationError:
        try:
            return ask(text)
        except (InputError, GenerationError) as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="mhds-persona") as pool:
        answers = dict(zip(texts, pool.map(attempt, texts), strict=True))

    def answer(text: str) -> Question:
        found = answers[text] if text in answers else attempt(text)
        if isinstance(found, Exception):
            raise found
        return found

    return answer


def _name(
    prefix: str,
    config: PersonaChatConfig,
    transcripts: list[Transcript],
    client: GenerationClient | None,
    params: GenerationParams,
    other: str,
) -> str:
    folder = prefix.rstrip("/").rsplit("/", 1)[-1] or "transcripts"
    backend = client.backend.describe() if client is not None else {"name": "template"}
    material = codec.canonical_json(
        {
            "config": config.model_dump(mode="json"),
            "backend": backend,
            "params": client.resolve(params).model_dump(mode="json") if client else None,
            "other_persona": other if config.dual_share else None,
            "transcripts": [[t.relative, t.sha256] for t in transcripts],
        }
    )
    digest = hashlib.sha256(material).hexdigest()[:12]
    return f"{key_part(folder)}-{digest}"


def _write_left_out(store: Store, quarantine_prefix: str, run: PersonaRun) -> None:
    key = f"{quarantine_prefix}generate/persona-{run.name}.jsonl"
    if run.left_out:
        entries = [{"chunk": w, "reason": r, "detail": d} for w, r, d in run.left_out]
        store.write_bytes(key, b"".join(codec.dumps(e) + b"\n" for e in entries))
        run.left_out_key = key
    elif store.exists(key):
        store.delete(key)  # an earlier run's list: nothing is left out now
