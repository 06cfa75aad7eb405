"""Dual persona, two kinds (``mhds persona dual``):

- **answers** (family ``dual_persona``, the assistant is the therapist): the same listener's
  question answered by two named personas: the transcript's speaker, in their own words (the
  chunk), and a template persona of ``personas-v1.yaml`` (the clinical counsellor by
  default), whose answer is composed from its lines with the chunk's topic. The two lines
  share the chunk's group id (so one split, and the split of the rest of the transcript), a
  ``pair_id``, and name their persona in ``persona_id`` and a system turn. Optional preference
  pairs take the speaker's own answer as chosen and the other persona's as rejected.
- **simulator** (family ``simulator_dual_persona``, the assistant is the client): a trainee
  therapist (a template persona) talks to a simulated client of ``client-archetypes-v1.yaml``;
  the system turn tells the model which client to play (background, concerns, style,
  defences), the user turns are the therapist's, the assistant turns the client's. One group
  per archetype: the client's side is what the model learns, so all of one client's chats
  share a split whoever the therapist is.

Every choice is drawn from sha256(seed, what is chosen), so a rerun gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from mhds.errors import ConfigError, InputError
from mhds.generate.errors import GenerationError
from mhds.persona.cards import ClientArchetype, ClientArchetypes, PersonaCard, PersonaCards
from mhds.persona.chats import ATTRIBUTE_FIELDS as CHAT_FIELDS
from mhds.persona.chats import (
    PersonaChatConfig,
    PersonaSource,
    QuestionMaker,
    check_holdout_personas,
    is_dual_chunk,
    persona_line,
)
from mhds.persona.corpus import ProfileRef, Transcript
from mhds.persona.profile import StyleMarkers
from mhds.persona.questions import QuestionTemplates, chunk_topic
from mhds.records import codec
from mhds.steps.dedup.config import DedupConfig
from mhds.steps.dedup.minhash import (
    band_keys,
    exact_jaccard,
    normalise_content,
    shingles,
    signatures,
)

DUAL_GENERATOR: Final = "mhds.persona.dual/v1"
SIMULATOR_GENERATOR: Final = "mhds.persona.simulator/v1"
DEFAULT_OTHER: Final = "clinical_counsellor"
ATTEMPTS: Final = 8  # draws of a template answer before a chunk is left out
OWN_SYSTEM: Final = "You are the speaker of these talks, answering in your own words."
NO_TOPIC: Final = "this"
# The persona conversations' fields, and the pair.
ATTRIBUTE_FIELDS: Final = (*CHAT_FIELDS, "pair_id")
SIMULATOR_FIELDS: Final = ("persona_id", "therapist_persona", "age_group", "conversation_kind")
_SIMULATOR_SYSTEM: Final = (
    "You are playing a client in a counselling session with a trainee therapist. Stay in "
    "role as this client: {label}; age group {age_group}; {culture}. What brings you: "
    "{concerns}. How you talk: {style}. How you protect yourself: {defences}. Answer as the "
    "client only, in one to three sentences, and never play the therapist."
)


class NearGuard:
    """Admits a text unless it is a near duplicate of one it admitted before, by the build's
    de-duplication rule (``DedupConfig``: normalised user and assistant text, word shingles,
    LSH band keys for candidates, exact Jaccard at the threshold)."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._bands: dict[int, list[int]] = {}
        self._shingles: list[Any] = []

    def admit(self, text: str) -> bool:
        """Whether ``text`` is admitted (and remembered)."""
        c = self.config
        normal = normalise_content(text)
        sig = signatures([normal], num_perm=c.num_perm, shingle_size=c.shingle_size, seed=c.seed)
        keys = [int(k) for k in band_keys(sig, c.bands, c.rows)[0]]
        found = shingles(normal, c.shingle_size)
        for other in sorted({i for k in keys for i in self._bands.get(k, ())}):
            if exact_jaccard(found, self._shingles[other]) >= c.threshold:
                return False
        for k in keys:
            self._bands.setdefault(k, []).append(len(self._shingles))
        self._shingles.append(found)
        return True


def persona_answer(card: PersonaCard, topic: str | None, *, seed: str, where: str) -> str:
    """A template persona's answer about ``topic``: one line of each part, in order."""
    if card.kind != "template":
        raise ConfigError(f"persona {card.id!r} answers from transcripts, not templates")
    lines = [
        _pick(lines, seed, card.id, where, name).format(topic=topic or NO_TOPIC)
        for name, lines in card.parts().items()
    ]
    return " ".join(lines)


def dual_answers(
    transcripts: Sequence[Transcript],
    profiles: Mapping[str, ProfileRef],
    ask: QuestionMaker,
    cards: PersonaCards,
    templates: QuestionTemplates,
    config: PersonaChatConfig,
    *,
    other: str = DEFAULT_OTHER,
    markers: StyleMarkers | None = None,
    dedup: DedupConfig | None = None,
) -> tuple[PersonaSource, list[bytes]]:
    """The dual-persona answers of the chunks ``is_dual_chunk`` picks, and their preference
    pairs (chosen: the speaker's own answer; rejected: the other persona's).

    The other persona's answers are composed from a small pool of lines, so two of them on
    one topic can be near duplicates, and the build's de-duplication would then drop one
    half of a pair. Each is drawn again (``ATTEMPTS`` times at most) while it is near an
    answer already made, by the build's own rule (``dedup``: shingles, band keys, Jaccard
    threshold); a chunk with no distinct draw is left out (``dual_answer_repetitive``)."""
    check_holdout_personas(transcripts, config)
    card = cards.card(other)
    guard = NearGuard(dedup or DedupConfig())
    source = PersonaSource()
    preferences: list[bytes] = []
    for transcript in sorted(transcripts, key=lambda t: t.key):
        profile = profiles.get(transcript.persona_id)
        for chunk in transcript.chunks(config.chunk):
            if not is_dual_chunk(transcript, chunk.index, config):
                continue
            where = f"{transcript.relative}#{chunk.index}"
            try:
                question = ask(chunk.text)
            except (InputError, GenerationError) as exc:
                source.left_out.append((where, str(exc.reason), type(exc).__name__))
                continue
            pair_id = f"{transcript.transcript_id}-{chunk.index}"
            topic = chunk_topic(chunk.text, templates, markers)
            answer = _distinct_answer(card, topic, question.text, guard, config.seed, where)
            if answer is None:
                detail = f"every draw near an earlier answer ({ATTEMPTS} tries)"
                source.left_out.append((where, "dual_answer_repetitive", detail))
                continue
            base = {
                "name": DUAL_GENERATOR,
                "parameters": {"seed": config.seed, "other_persona": card.id},
                **question.generator,
                "transcript": {"id": transcript.transcript_id, "sha256": transcript.sha256},
                "paragraphs": chunk.paragraphs,
                "persona_cards": cards.digest(),
            }
            own = [("system", OWN_SYSTEM), ("user", question.text), ("assistant", chunk.text)]
            theirs = [
                ("system", f"You are {card.name.lower()}: {card.description}"),
                ("user", question.text),
                ("assistant", answer),
            ]
            try:  # both halves or neither
                pair = [
                    persona_line(
                        messages,
                        transcript,
                        chunk.index,
                        chunk.paragraphs,
                        "dual_answer",
                        prof,
                        {**base},
                        markers,
                        persona_id=persona,
                        pair_id=pair_id,
                    )
                    for messages, persona, prof in (
                        (own, transcript.persona_id, profile),
                        (theirs, card.id, None),
                    )
                ]
            except InputError as exc:
                source.left_out.append((where, str(exc.reason), type(exc).__name__))
                continue
            source.lines += pair
            preferences.append(
                codec.dumps(
                    {
                        "prompt": [{"role": "user", "content": question.text}],
                        "chosen": [{"role": "assistant", "content": chunk.text}],
                        "rejected": [{"role": "assistant", "content": answer}],
                        "group_id": transcript.group,
                        "pair_id": pair_id,
                        "chosen_persona": transcript.persona_id,
                        "rejected_persona": card.id,
                    }
                )
            )
    return source, preferences


def simulator_chats(
    archetypes: ClientArchetypes,
    cards: PersonaCards,
    *,
    therapists: Sequence[str] = (DEFAULT_OTHER, "peer_supporter"),
    per_pair: int = 3,
    seed: str = "persona",
) -> PersonaSource:
    """``per_pair`` simulator chats for every (archetype, therapist persona) pair."""
    if per_pair < 1:
        raise ConfigError("per_pair must be at least 1")
    source = PersonaSource()
    for archetype in archetypes.archetypes:
        for therapist_id in therapists:
            card = cards.card(therapist_id)
            if card.kind != "template":
                raise ConfigError(f"persona {card.id!r} has no template lines to talk with")
            for n in range(per_pair):
                messages = simulator_chat(archetype, card, seed=seed, number=n)
                line = {
                    "messages": [{"role": r, "content": c} for r, c in messages],
                    # One group per archetype: the client's lines are the archetype's
                    # whoever the therapist is, so every chat of a client shares a split.
                    "group_id": f"simulator/{archetype.id}",
                    "persona_id": archetype.id,
                    "therapist_persona": card.id,
                    "age_group": archetype.age_group,
                    "conversation_kind": "simulator",
                    "generator": {
                        "name": SIMULATOR_GENERATOR,
                        "backend": "template",
                        "parameters": {"seed": seed, "number": n},
                        "archetypes": archetypes.digest(),
                        "persona_cards": cards.digest(),
                    },
                }
                source.lines.append(codec.dumps(line))
    return source


def simulator_chat(
    archetype: ClientArchetype, card: PersonaCard, *, seed: str, number: int
) -> list[tuple[str, str]]:
    """One simulator chat: the client's system turn, then five exchanges (the therapist
    opens and asks; the client opens, holds back, opens up, pushes back, closes)."""
    where = f"{archetype.id}/{number}"
    concern = _pick(archetype.concerns, seed, card.id, where, "concern")
    system = _SIMULATOR_SYSTEM.format(
        label=archetype.label.lower(),
        age_group=archetype.age_group,
        culture=archetype.culture,
        concerns=", ".join(archetype.concerns),
        style=archetype.communication_style,
        defences=", ".join(d.replace("_", " ") for d in archetype.defences),
    )

    def say(part: str) -> str:
        return _pick(card.parts()[part], seed, card.id, where, part).format(topic=concern)

    def client(part: str) -> str:
        return _pick(getattr(archetype, part), seed, archetype.id, where, part)

    return [
        ("system", system),
        ("user", "What brings you here today?"),
        ("assistant", client("openings")),
        ("user", f"{say('openers')} {say('questions')}"),
        ("assistant", client("guarded")),
        ("user", say("frames")),
        ("assistant", client("opening_up")),
        ("user", say("suggestions")),
        ("assistant", client("pushback")),
        ("user", say("closings")),
        ("assistant", client("closing")),
    ]


def _distinct_answer(
    card: PersonaCard, topic: str | None, question: str, guard: NearGuard, seed: str, where: str
) -> str | None:
    """The first of ``ATTEMPTS`` draws of ``card``'s answer that ``guard`` admits."""
    for attempt in range(ATTEMPTS):
        answer = persona_answer(card, topic, seed=seed, where=f"{where}~{attempt}")
        if guard.admit(f"{question}\n{answer}"):
            return answer
    return None


def _pick(lines: Sequence[str], *material: str) -> str:
    digest = hashlib.sha256("\0".join(material).encode()).digest()
    return lines[int.from_bytes(digest[:4], "big") % len(lines)]
