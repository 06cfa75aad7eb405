"""The adapter contract: one raw input item in, zero or more ChatML conversations out.

Readers (``mhds.store.streams``) turn bytes into items: a dict per JSONL line or JSON array
element, a ``{column: value}`` dict per CSV row, or a ``str`` for a whole text object. An
adapter maps one item to conversations, or raises ``InputError`` (reason + field, never the
text) which sends the item to quarantine. Adapters are pure: no I/O, no global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mhds.records.schema import AssistantRole, Message, Role

Scalar = str | int | float | bool | None
InputKind = Literal["object", "row", "text"]
LeadingAssistant = Literal["keep", "drop"]


class FieldMapping(BaseModel):
    """Declarative mapping for dialogue JSON that no built-in adapter knows.

    Reads ESConv-style ``{"dialog": [{"speaker": "usr", "content": "..."}]}`` with
    ``messages_field: dialog, role_field: speaker, content_field: content,
    roles: {usr: user, sys: assistant}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    messages_field: str = Field(description="Dotted path of the list of turns in an item.")
    role_field: str = Field(description="Field of a turn that names the speaker.")
    content_field: str = Field(description="Field of a turn that holds the text.")
    group_field: str | None = Field(
        None, description="Dotted path of a value that groups items into one split group."
    )
    system_field: str | None = Field(
        None, description="Dotted path of a value used as the system turn."
    )
    attribute_fields: tuple[str, ...] = Field(
        (), description="Dotted paths of scalar values kept in metadata.attributes."
    )
    merge_consecutive: bool = Field(
        False,
        description="Join consecutive turns of the same role with a blank line instead of "
        "quarantining the item for role order.",
    )


class AdapterOptions(BaseModel):
    """Per-source adapter options, from the registry's ``adapter_options``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assistant_role: AssistantRole = Field(
        "therapist", description="Which side the model learns to play (from the family)."
    )
    roles: dict[str, Role] | None = Field(
        None,
        description="Explicit speaker label -> ChatML role map (case-insensitive keys); "
        "replaces the adapter's default table.",
    )
    system_prompt: str | None = Field(None, description="A system turn to put first.")
    user_field: str | None = Field(None, description="Pairs adapter: the user-side field.")
    assistant_field: str | None = Field(
        None, description="Pairs adapter: the assistant-side field."
    )
    text_field: str | None = Field(
        None, description="Transcript adapter on JSON input: the field holding the transcript."
    )
    group_field: str | None = Field(
        None, description="Dotted path of the value that groups items (default per adapter)."
    )
    attribute_fields: tuple[str, ...] = Field(
        (), description="Dotted paths of scalar values kept in metadata.attributes."
    )
    group_namespace: str | None = Field(
        None,
        pattern=r"^[a-z0-9_\-]+$",
        description="Sources that name the same namespace share group ids: a record's "
        "group_id is '<namespace>:<group>' instead of '<source id>:<group>', so the records "
        "of one group (a transcript's chunks in the persona and dual-persona sources) share "
        "a split across sources. Unset: groups are the source's own.",
    )
    generator_field: str | None = Field(
        None,
        description="Dotted path of an object in each item with how that item was generated "
        "(name, backend, model, parameters, request hashes ...), as `mhds generate chats` "
        "writes it: recorded in the record's provenance.generator, over the source's "
        "registry `generator`.",
    )
    mapping: FieldMapping | None = Field(None, description="For the 'mapped' adapter.")
    leading_assistant: LeadingAssistant = Field(
        "keep",
        description="Assistant turns before the first user turn (ESConv dialogs often open "
        "with the supporter): 'keep' them (the record starts with the assistant) or 'drop' "
        "them. Applies to every adapter.",
    )


@dataclass(frozen=True)
class Conversation:
    """What an adapter produces: turns, an optional group key and safe attributes.

    ``group_key`` is the source's own grouping value (a question id, a transcript id); the
    ingest step turns it into ``metadata.group_id``. ``attributes`` must never hold free text
    that could identify a person (names, URLs): only labels such as a topic.
    ``dropped_turns`` counts the leading assistant turns removed by ``leading_assistant: drop``;
    ingest sums them per source into its manifest and audit entry
    (``dropped_leading_assistant_turns``), so the removal is never silent.
    """

    messages: tuple[Message, ...]
    group_key: str | None = None
    attributes: dict[str, Scalar] = field(default_factory=dict)
    dropped_turns: int = 0


class Adapter(Protocol):
    """Maps one input item to conversations."""

    name: ClassVar[str]
    accepts: ClassVar[frozenset[InputKind]]

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError when ``options`` cannot work for this adapter (registry load)."""
        ...

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Return the conversations in ``item``; raise InputError when it is unusable."""
        ...
