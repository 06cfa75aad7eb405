"""The listener's question that a transcript chunk answers: the user turn of a persona
conversation, from the template backend (offline, deterministic) or any OpenAI-compatible
endpoint (the generation layer of ``mhds.generate``, shared with the crisis chats).

Template backend: the chunk's topic (its most frequent content bigram said at least twice,
else its most frequent content word of five letters or more; content words are neither
function words, nor stop words, nor shorter than three letters) fills one of the templates of
``question-templates-v1.yaml``, picked by sha256(seed, chunk). A chunk with no topic gets a
template without one.

Endpoint backend (prompt ``QUESTION_PROMPT_VERSION``): the model reads the chunk and writes
the one question a listener might ask that the passage answers; the question only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from mhds.errors import ConfigError, InputError
from mhds.generate.backend import GenerationParams, Message, request_seed
from mhds.generate.client import GenerationClient
from mhds.persona.profile import StyleMarkers, load_data_model, load_markers, sentences_of

TEMPLATES_FILE: Final = "question-templates-v1.yaml"
QUESTION_PROMPT_VERSION: Final = "persona-question-prompts/v1"
NO_TOPIC: Final = "What is the most important idea you want people to take from this?"
_QUESTION_SYSTEM: Final = (
    "You read a passage from a talk by a therapist-educator. Write the one question a "
    "listener might ask that this passage answers. Write it as the listener, in the first "
    "person, in one or two plain sentences ending with a question mark. Reply with the "
    "question only: no preamble, no quotation marks, no names."
)
MAX_QUESTION_CHARS: Final = 400


class QuestionTemplate(BaseModel):
    """One question template; ``{topic}`` is the chunk's topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)


class QuestionTemplates(BaseModel):
    """The packaged question templates and the stop words of topic finding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    templates: tuple[QuestionTemplate, ...] = Field(min_length=1)
    stop_words: tuple[str, ...] = ()

    def digest(self) -> str:
        """sha256 of the templates' canonical JSON: what a generated record names."""
        data = self.model_dump_json().encode()
        return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Question:
    """A chunk's question and how it was made (no text besides the question)."""

    text: str
    generator: dict[str, Any]


def load_question_templates() -> QuestionTemplates:
    """The packaged templates.

    Raises:
        ConfigError: the file is unreadable or invalid (naming the field).
    """
    source = f"mhds/persona/data/{TEMPLATES_FILE}"
    templates = load_data_model(TEMPLATES_FILE, QuestionTemplates)
    for template in templates.templates:
        if "{topic}" not in template.text or template.text.count("{") != 1:
            raise ConfigError(
                f"template {template.id!r}: needs exactly one {{topic}} placeholder", source=source
            )
    return templates


def chunk_topic(
    text: str, templates: QuestionTemplates, markers: StyleMarkers | None = None
) -> str | None:
    """The chunk's topic (see the module docstring), or None."""
    markers = markers or load_markers()
    stop = frozenset(markers.function_words) | frozenset(templates.stop_words)
    bigrams: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for sentence in sentences_of(text):
        content = [w if len(w) >= 3 and w not in stop and "'" not in w else "" for w in sentence]
        for a, b in zip(content, content[1:], strict=False):
            if a and b:
                bigrams[f"{a} {b}"] += 1
        words.update(w for w in content if len(w) >= 5)
    for counts, least in ((bigrams, 2), (words, 1)):
        if counts:
            topic, n = min(counts.items(), key=lambda item: (-item[1], item[0]))
            if n >= least:
                return topic
    return None


def template_question(
    text: str, templates: QuestionTemplates, *, seed: str, markers: StyleMarkers | None = None
) -> Question:
    """The template backend's question for a chunk (deterministic in seed and text)."""
    topic = chunk_topic(text, templates, markers)
    digest = hashlib.sha256(f"{seed}\0{text}".encode()).digest()
    template = templates.templates[int.from_bytes(digest[:4], "big") % len(templates.templates)]
    question = template.text.format(topic=topic) if topic else NO_TOPIC
    return Question(
        question,
        {
            "backend": "template",
            "question_template": template.id if topic else "no_topic",
            "question_templates": f"persona-questions/v{templates.version}",
            "question_templates_digest": templates.digest(),
        },
    )


def question_messages(text: str) -> list[Message]:
    """The endpoint request for a chunk's question."""
    return [Message("system", _QUESTION_SYSTEM), Message("user", text)]


def model_question(
    client: GenerationClient, params: GenerationParams, text: str, *, seed: str
) -> Question:
    """The endpoint's question for a chunk; the request's seed is drawn from (seed, chunk).

    Raises:
        GenerationError: the request failed for good.
        InputError: the reply is blank, has no question mark or is too long
            (``question_unusable``).
    """
    params = params.model_copy(update={"seed": request_seed(seed, text)})
    completion = client.complete(question_messages(text), params)
    question = " ".join(completion.text.split()).strip("\"'“” ")
    if not question or "?" not in question or len(question) > MAX_QUESTION_CHARS:
        raise InputError("question_unusable", detail="blank, no question mark, or too long")
    return Question(
        question,
        {
            "backend": client.backend.describe(),
            "model": completion.model,
            "question_prompt_version": QUESTION_PROMPT_VERSION,
            "question_request_hash": completion.request_hash,
            "usage": {
                "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens,
            },
        },
    )
