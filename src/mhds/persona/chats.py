"""Persona conversations from lecture transcripts (family ``voice_persona``): one
conversation per chunk, the listener's question as the user turn (template or endpoint
backend, ``mhds.persona.questions``) and the speaker's own cleaned chunk as the assistant's
answer; and, through the endpoint backend, answers generated in the persona's voice from a
system prompt built from its style profile (``persona_conditioned``).

Every line names its group (persona and series: a transcript's chunks, and a series' parts,
share a split), its persona, the transcript (by id) and paragraphs it came from, the
answer's style distance from the persona's profile, and a ``generator`` with the backend,
seed, chunk settings, request hashes and the profile's digest (``generator.style``).

Whole personas (``holdout_personas``) or a share of transcript groups (``holdout_share``) go
to the holdout side only, the test-only ``voice_persona_holdout`` family; nothing is built
from a held-out transcript on the training side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mhds.errors import ConfigError, InputError
from mhds.generate.backend import GenerationParams, Message, request_seed
from mhds.generate.client import GenerationClient
from mhds.generate.errors import GenerationError
from mhds.persona.corpus import ProfileRef, Transcript
from mhds.persona.profile import StyleMarkers
from mhds.persona.questions import Question
from mhds.persona.style import MIN_WORDS, style_distance
from mhds.persona.transcripts import ChunkConfig
from mhds.records import codec
from mhds.steps.split import split_position

GENERATOR_NAME: Final = "mhds.persona.chats/v1"
CONDITIONED_PROMPT_VERSION: Final = "persona-voice-prompts/v1"
HOLDOUT_SEED: Final = "mhds-persona-holdout"
DUAL_SEED: Final = "mhds-persona-dual"
# What a registry source names as attribute_fields (scalars only; no free text).
ATTRIBUTE_FIELDS: Final = (
    "persona_id",
    "conversation_kind",
    "transcript_id",
    "part",
    "chunk",
    "paragraphs",
    "style_distance",
)

# The user turn of a chunk: its text in, its question out (InputError/GenerationError when
# none can be made).
QuestionMaker = Callable[[str], Question]


class PersonaChatConfig(BaseModel):
    """How transcripts become persona conversations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chunk: ChunkConfig = Field(default_factory=ChunkConfig, description="Chunk sizes.")
    seed: str = Field(default="persona", min_length=1, description="Seed of every choice.")
    holdout_share: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="Share of transcript groups (persona and series) held out for test.",
    )
    holdout_personas: tuple[str, ...] = Field(
        default=(),
        description="Personas held out whole (every transcript, for test): persona ids or "
        "channel names.",
    )
    dual_share: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of training-side chunks answered by two personas (the "
        "dual-persona family) instead of one: a chunk is in one family, never both.",
    )

    @field_validator("holdout_personas")
    @classmethod
    def _sorted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))


@dataclass
class PersonaSource:
    """The lines of one generated source: the training side, the holdout, and the chunks
    left out (where, reason, a text-free detail)."""

    lines: list[bytes] = field(default_factory=list)
    holdout: list[bytes] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)

    def data(self) -> bytes:
        """The training side's JSONL bytes."""
        return b"".join(line + b"\n" for line in self.lines)

    def holdout_data(self) -> bytes:
        """The holdout's JSONL bytes."""
        return b"".join(line + b"\n" for line in self.holdout)

    def quarantine_lines(self) -> list[dict[str, str]]:
        """One entry per chunk left out: where it was, the reason, a text-free detail."""
        return [{"chunk": where, "reason": r, "detail": d} for where, r, d in self.left_out]


def is_held_out(transcript: Transcript, config: PersonaChatConfig) -> bool:
    """Whether a transcript is test-only: its persona is held out whole, or its group's
    split position (``split_position`` with ``HOLDOUT_SEED``) is below the share. Every
    transcript of a group (a series' parts) is held out together."""
    if {transcript.persona_id, transcript.meta.channel} & set(config.holdout_personas):
        return True
    return split_position(transcript.group, HOLDOUT_SEED) < config.holdout_share


def is_dual_chunk(transcript: Transcript, chunk: int, config: PersonaChatConfig) -> bool:
    """Whether a training-side chunk goes to the dual-persona family: its split position
    (``DUAL_SEED``) is below ``dual_share``."""
    if not config.dual_share or is_held_out(transcript, config):
        return False
    return split_position(f"{transcript.relative}#{chunk}", DUAL_SEED) < config.dual_share


def check_holdout_personas(transcripts: Sequence[Transcript], config: PersonaChatConfig) -> None:
    """Every held-out persona names a persona of the transcripts.

    Raises:
        ConfigError: a holdout persona that no transcript speaks for (a typo holds nothing).
    """
    known = {t.persona_id for t in transcripts} | {t.meta.channel for t in transcripts}
    unknown = sorted(set(config.holdout_personas) - known)
    if unknown:
        raise ConfigError(
            f"holdout persona(s) {', '.join(unknown)} match no channel or persona id "
            f"(channels: {', '.join(sorted({t.meta.channel for t in transcripts}))})"
        )


def transcript_chats(
    transcripts: Sequence[Transcript],
    profiles: Mapping[str, ProfileRef],
    ask: QuestionMaker,
    config: PersonaChatConfig,
    *,
    markers: StyleMarkers | None = None,
    progress: Callable[[int], None] | None = None,
) -> PersonaSource:
    """One conversation per chunk (see the module docstring), in key and chunk order."""
    check_holdout_personas(transcripts, config)
    source = PersonaSource()
    done = 0
    for transcript in sorted(transcripts, key=lambda t: t.key):
        side = source.holdout if is_held_out(transcript, config) else source.lines
        profile = profiles.get(transcript.persona_id)
        for chunk in transcript.chunks(config.chunk):
            if is_dual_chunk(transcript, chunk.index, config):
                continue  # answered by two personas in the dual-persona family
            where = f"{transcript.relative}#{chunk.index}"
            try:
                question = ask(chunk.text)
                generator = {
                    "name": GENERATOR_NAME,
                    "parameters": {"seed": config.seed, **_chunking(config)},
                    **question.generator,
                    "transcript": _transcript_ref(transcript),
                    "paragraphs": chunk.paragraphs,
                }
                line = persona_line(
                    [("user", question.text), ("assistant", chunk.text)],
                    transcript,
                    chunk.index,
                    chunk.paragraphs,
                    "transcript_chunk",
                    profile,
                    generator,
                    markers,
                )
            except (InputError, GenerationError) as exc:
                source.left_out.append((where, str(exc.reason), _detail(exc)))
                continue
            side.append(line)
            done += 1
            if progress is not None:
                progress(done)
    return source


def conditioned_chats(
    transcripts: Sequence[Transcript],
    profiles: Mapping[str, ProfileRef],
    ask: QuestionMaker,
    client: GenerationClient,
    params: GenerationParams,
    config: PersonaChatConfig,
    *,
    system_prompts: Mapping[str, str],
    markers: StyleMarkers | None = None,
) -> PersonaSource:
    """Answers generated in the persona's voice (the endpoint backend): for each chunk of a
    training-side transcript, its question is answered by the model from
    ``system_prompts[persona]`` (``persona_system_prompt``); the line keeps the chunk's group,
    so it shares the chunk's split. Held-out transcripts are never used here."""
    check_holdout_personas(transcripts, config)
    source = PersonaSource()
    resolved = client.resolve(params).model_dump(mode="json")
    resolved.pop("seed")  # per request: request_seed(seed, transcript, chunk)
    for transcript in sorted(transcripts, key=lambda t: t.key):
        if is_held_out(transcript, config):
            continue
        system = system_prompts[transcript.persona_id]
        for chunk in transcript.chunks(config.chunk):
            where = f"{transcript.relative}#{chunk.index}"
            try:
                question = ask(chunk.text)
                seed = request_seed(config.seed, transcript.relative, chunk.index)
                completion = client.complete(
                    [Message("system", system), Message("user", question.text)],
                    params.model_copy(update={"seed": seed}),
                )
                answer = completion.text.strip()
                if not answer:
                    raise InputError("answer_blank", detail="the model's answer is blank")
                generator = {
                    "name": GENERATOR_NAME,
                    "parameters": {**resolved, "seed": config.seed, **_chunking(config)},
                    **question.generator,
                    "backend": client.backend.describe(),
                    "model": completion.model,
                    "prompt_version": CONDITIONED_PROMPT_VERSION,
                    "request_hashes": [completion.request_hash],
                    "transcript": _transcript_ref(transcript),
                    "paragraphs": chunk.paragraphs,
                    "system_prompt_sha256": _sha(system),
                }
                line = persona_line(
                    [("user", question.text), ("assistant", answer)],
                    transcript,
                    chunk.index,
                    chunk.paragraphs,
                    "persona_conditioned",
                    profiles.get(transcript.persona_id),
                    generator,
                    markers,
                )
            except (InputError, GenerationError) as exc:
                source.left_out.append((where, str(exc.reason), _detail(exc)))
                continue
            source.lines.append(line)
    return source


def persona_system_prompt(profile: Mapping[str, Any], style_guide: str = "") -> str:
    """The system prompt of ``persona_conditioned`` answers, from the persona's profile:
    its most used sentence starters, markers and n-grams, its typical sentence length, and
    the persona card's style guide when there is one."""

    def top(items: Sequence[Mapping[str, Any]], n: int) -> str:
        said = [f'"{item["text"]}"' for item in items if item.get("count")]
        return ", ".join(said[:n]) or "none"

    markers = profile.get("markers", {})
    phrases = {
        name: top(sorted(items, key=lambda i: -i["count"]), 4) for name, items in markers.items()
    }
    mean = profile.get("sentence_lengths", {}).get("mean") or 15
    lines = [
        "You are a therapist-educator answering a listener's question in your own spoken "
        "voice, as in your talks. Answer in 4 to 8 sentences of plain speech: no lists, no "
        "headings, no names.",
        f"Your sentences average about {round(float(mean))} words.",
        f"You often start sentences with: {top(profile.get('sentence_starters', []), 6)}.",
        f"Transitions you use: {phrases.get('transitions', 'none')}.",
        f"How you acknowledge feelings: {phrases.get('empathy', 'none')}.",
        f"How you normalise: {phrases.get('normalising', 'none')}.",
        f"How you open examples and analogies: {phrases.get('analogy', 'none')}.",
    ]
    if style_guide:
        lines.append(style_guide.strip())
    lines.append(
        "Do not give medical instructions; suggest talking to a professional when it fits."
    )
    return "\n".join(lines)


def persona_line(
    messages: Sequence[tuple[str, str]],
    transcript: Transcript,
    chunk: int,
    paragraphs: str,
    kind: str,
    profile: ProfileRef | None,
    generator: dict[str, Any],
    markers: StyleMarkers | None = None,
    *,
    persona_id: str | None = None,
    pair_id: str | None = None,
) -> bytes:
    """One ChatML line of a persona source (see the module docstring).

    Raises:
        InputError: ``too_short_to_score``: a profile is given and the answer is too short
            for the style distance (the gate would refuse it unscored).
    """
    line: dict[str, Any] = {
        "messages": [{"role": role, "content": content} for role, content in messages],
        "group_id": transcript.group,
        "persona_id": persona_id or transcript.persona_id,
        "conversation_kind": kind,
        "transcript_id": transcript.transcript_id,
        "part": transcript.meta.part,
        "chunk": chunk,
        "paragraphs": paragraphs,
        "generator": generator,
    }
    if pair_id is not None:
        line["pair_id"] = pair_id
    line["style_distance"] = None  # scored only against a profile (a template persona has none)
    if profile is not None:
        answer = "\n\n".join(content for role, content in messages if role == "assistant")
        score = style_distance(answer, profile.vector, markers)
        if score is None:
            raise InputError("too_short_to_score", detail=f"the answer has under {MIN_WORDS} words")
        # The profile is named in the generator (provenance), by digest: attributes are text
        # the PII step reads, and a key or a hash may read as a name or a place there.
        line["style_distance"] = score.distance
        generator["style"] = {
            "profile_sha256": profile.sha256,
            **score.to_dict(),
        }
    return codec.dumps(line)


def _transcript_ref(transcript: Transcript) -> dict[str, Any]:
    # An id, not the key: a channel or a title may name a person, and provenance ships.
    return {
        "id": transcript.transcript_id,
        "sha256": transcript.sha256,
        "series_part": transcript.meta.part,
    }


def _chunking(config: PersonaChatConfig) -> dict[str, Any]:
    return {"chunk_min_chars": config.chunk.min_chars, "chunk_max_chars": config.chunk.max_chars}


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _detail(exc: InputError | GenerationError) -> str:
    detail = getattr(exc, "detail", None)
    return str(detail)[:200] if detail else type(exc).__name__
