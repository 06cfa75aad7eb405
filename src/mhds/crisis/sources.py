"""Generated chats as a source the build ingests: one ChatML object per line, with the
scenario's group id and safe attributes beside the messages, written once into the store.

A registry source reads them with the ``chatml`` adapter (``group_field: group_id``,
``attribute_fields`` as in ``ATTRIBUTE_FIELDS``), so generated chats go through the same PII,
dedup, split and gates as acquired data, and all chats of one scenario group share a split. A
scenario whose chat cannot be composed is left out and listed with its reason (never a half
chat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mhds.crisis.chat_templates import ChatTemplates
from mhds.crisis.chats import compose_chat, template_generator
from mhds.crisis.scenarios import Scenario
from mhds.errors import ConfigError, InputError, ObjectExistsError
from mhds.records import codec
from mhds.store.base import Store

AssistantRole = Literal["therapist", "client"]
# What a registry source names as attribute_fields (scalars only; no free text).
ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "scenario_id",
    "crisis_category",
    "risk_level",
    "directness",
    "region",
    "persona",
    "context",
)


@dataclass
class ChatSource:
    """The lines of one generated source, and the scenarios left out (id, reason)."""

    lines: list[bytes] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def data(self) -> bytes:
        """The JSONL bytes."""
        return b"".join(line + b"\n" for line in self.lines)


def chat_source(
    scenarios: Sequence[Scenario],
    templates: ChatTemplates,
    *,
    assistant_role: AssistantRole = "therapist",
    seed: str | None = None,
) -> ChatSource:
    """Compose one chat per scenario with the template backend (see the module docstring)."""
    source = ChatSource()
    for scenario in scenarios:
        try:
            messages = compose_chat(scenario, templates, assistant_role=assistant_role, seed=seed)
        except InputError as exc:
            source.left_out.append((scenario.scenario_id, str(exc.reason)))
            continue
        generator = template_generator(
            templates, scenario, assistant_role=assistant_role, seed=seed
        )
        source.lines.append(codec.dumps(_line(scenario, messages, assistant_role, generator)))
    return source


def write_chat_source(store: Store, key: str, source: ChatSource) -> bool:
    """Write the source once; False when the same bytes were there already.

    Raises:
        ConfigError: nothing to write (every scenario was left out), or ``key`` holds
            another source (generated sources are never overwritten).
    """
    if not source.lines:
        reasons = sorted({reason for _, reason in source.left_out})
        raise ConfigError(f"no chat could be composed (reasons: {', '.join(reasons) or 'none'})")
    data = source.data()
    if store.exists(key) and store.read_bytes(key) == data:
        return False
    try:
        store.put_if_absent(key, data)
    except ObjectExistsError:
        raise ConfigError(
            f"{store.url_for(key)} holds another source: generated sources are never "
            "overwritten (choose another --out)"
        ) from None
    return True


def _line(
    scenario: Scenario,
    messages: Sequence[tuple[str, str]],
    assistant_role: AssistantRole,
    generator: dict[str, Any],
) -> dict[str, Any]:
    persona = scenario.persona
    return {
        "messages": [{"role": role, "content": content} for role, content in messages],
        "group_id": scenario.group_id,
        "scenario_id": scenario.scenario_id,
        "crisis_category": scenario.category,
        "risk_level": scenario.risk_level,
        "directness": scenario.directness,
        "region": scenario.region,
        "persona": "/".join(
            (persona.age_group, persona.gender, persona.culture, persona.communication_style)
        ),
        "context": scenario.context,
        "assistant_role": assistant_role,
        "generator": generator,
    }
