"""Persona cards and client archetypes: the data files of the dual-persona families
(``data/personas-v1.yaml``, ``data/client-archetypes-v1.yaml``; see ``data/PERSONAS.md``).

A persona card is a named therapist-side voice: ``transcript`` personas answer with a
speaker's own chunks, ``template`` personas with lines composed from their openers, frames,
suggestions, questions and closings (``{topic}`` the only placeholder). A client archetype is
a simulated client: background, concerns, communication style, defences and lines in its
voice.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mhds.errors import ConfigError
from mhds.persona.profile import load_data_model

PERSONAS_FILE: Final = "personas-v1.yaml"
ARCHETYPES_FILE: Final = "client-archetypes-v1.yaml"
AgeGroup = Literal["18-24", "25-34", "35-49", "50-64", "65+"]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ID = r"^[a-z0-9_]+$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonaCard(_Frozen):
    """A named therapist-side persona."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    kind: Literal["transcript", "template"]
    description: str = Field(min_length=1)
    style_guide: str = Field(min_length=1)
    openers: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    closings: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _lines_fit_the_kind(self) -> PersonaCard:
        parts = self.parts()
        if self.kind == "template" and not all(parts.values()):
            empty = ", ".join(name for name, lines in parts.items() if not lines)
            raise ValueError(f"a template persona needs lines in every part (empty: {empty})")
        if self.kind == "transcript" and any(parts.values()):
            raise ValueError("a transcript persona answers with transcript chunks: no lines")
        for name, lines in parts.items():
            for n, line in enumerate(lines):
                if any(p != "topic" for p in _PLACEHOLDER.findall(line)):
                    raise ValueError(f"{name}[{n}]: only {{topic}} may be a placeholder")
        return self

    def parts(self) -> dict[str, tuple[str, ...]]:
        """The template lines by part, in answer order."""
        return {
            "openers": self.openers,
            "frames": self.frames,
            "suggestions": self.suggestions,
            "questions": self.questions,
            "closings": self.closings,
        }


class PersonaCards(_Frozen):
    """The packaged persona cards."""

    version: str = Field(min_length=1)
    personas: tuple[PersonaCard, ...] = Field(min_length=1)

    def card(self, persona_id: str) -> PersonaCard:
        """The card ``persona_id``.

        Raises:
            ConfigError: unknown id (the message lists the known ones).
        """
        for card in self.personas:
            if card.id == persona_id:
                return card
        known = ", ".join(c.id for c in self.personas)
        raise ConfigError(f"unknown persona {persona_id!r} (known: {known})")

    def digest(self) -> str:
        """sha256 of the cards' canonical JSON."""
        return "sha256:" + hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class WorkCited(_Frozen):
    """A work that informed the archetypes' fields."""

    id: str = Field(pattern=_ID)
    citation: str = Field(min_length=1)
    used_for: str = Field(min_length=1)


class ClientArchetype(_Frozen):
    """A simulated client: who they are and lines in their voice."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    age_group: AgeGroup
    culture: str = Field(min_length=1)
    concerns: tuple[str, ...] = Field(min_length=1)
    communication_style: str = Field(min_length=1)
    defences: tuple[str, ...] = Field(min_length=1)
    openings: tuple[str, ...] = Field(min_length=1)
    guarded: tuple[str, ...] = Field(min_length=1)
    opening_up: tuple[str, ...] = Field(min_length=1)
    pushback: tuple[str, ...] = Field(min_length=1)
    closing: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_placeholders(self) -> ClientArchetype:
        for name in ("openings", "guarded", "opening_up", "pushback", "closing"):
            for n, line in enumerate(getattr(self, name)):
                if _PLACEHOLDER.search(line):
                    raise ValueError(f"{name}[{n}]: client lines take no placeholders")
        return self


class ClientArchetypes(_Frozen):
    """The packaged client archetypes and the works that informed them."""

    version: str = Field(min_length=1)
    sources: tuple[WorkCited, ...] = Field(min_length=1)
    archetypes: tuple[ClientArchetype, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> ClientArchetypes:
        ids = [a.id for a in self.archetypes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"archetype ids repeated: {', '.join(repeated)}")
        return self

    def digest(self) -> str:
        """sha256 of the archetypes' canonical JSON."""
        return "sha256:" + hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def load_persona_cards() -> PersonaCards:
    """The packaged persona cards (ConfigError naming the field when invalid)."""
    return load_data_model(PERSONAS_FILE, PersonaCards)


def load_client_archetypes() -> ClientArchetypes:
    """The packaged client archetypes (ConfigError naming the field when invalid)."""
    return load_data_model(ARCHETYPES_FILE, ClientArchetypes)
