"""Generated chats as a source the build ingests: one ChatML object per line, with the
scenario's group id and safe attributes beside the messages, written once into the store.

A registry source reads them with the ``chatml`` adapter (``group_field: group_id``,
``attribute_fields`` as in ``ATTRIBUTE_FIELDS``), so generated chats go through the same PII,
dedup, split and gates as acquired data, and all chats of one scenario group share a split. A
scenario whose chat cannot be composed is left out and listed with its reason (never a half
chat).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from mhds.crisis.chat_templates import ChatTemplates
from mhds.crisis.chats import ChatMessage, compose_chat, template_generator
from mhds.crisis.judge import NOT_JUDGED
from mhds.crisis.scenarios import Scenario
from mhds.errors import ConfigError, InputError, ObjectExistsError
from mhds.generate.errors import GenerationError
from mhds.records import codec
from mhds.steps.split import split_position
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
    "judge_verdict",
)


# What makes one scenario's chat: its messages and its provenance ``generator``.
ChatMaker = Callable[[Scenario], tuple[list[ChatMessage], dict[str, Any]]]
HOLDOUT_SEED = "mhds-crisis-holdout"


@dataclass
class ChatSource:
    """The lines of one generated source, split into the training side and the holdout
    (whole scenario groups), and the scenarios left out (id, reason, detail)."""

    lines: list[bytes] = field(default_factory=list)
    holdout: list[bytes] = field(default_factory=list)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)

    def data(self) -> bytes:
        """The training side's JSONL bytes."""
        return _jsonl(self.lines)

    def holdout_data(self) -> bytes:
        """The holdout's JSONL bytes."""
        return _jsonl(self.holdout)

    def quarantine_lines(self) -> list[dict[str, str]]:
        """One entry per scenario left out: id, reason and a text-free detail."""
        return [
            {"scenario_id": scenario_id, "reason": reason, "detail": detail}
            for scenario_id, reason, detail in self.left_out
        ]


def template_maker(
    templates: ChatTemplates,
    *,
    assistant_role: AssistantRole = "therapist",
    seed: str | None = None,
) -> ChatMaker:
    """The template backend as a ``ChatMaker``."""

    def make(scenario: Scenario) -> tuple[list[ChatMessage], dict[str, Any]]:
        messages = compose_chat(scenario, templates, assistant_role=assistant_role, seed=seed)
        generator = template_generator(
            templates, scenario, assistant_role=assistant_role, seed=seed
        )
        return messages, generator

    return make


def is_holdout(group_id: str, share: float, seed: str = HOLDOUT_SEED) -> bool:
    """Whether a scenario group is held out: its split position (``split_position``:
    sha256(seed, group id) read as a number in [0, 1)) is below ``share``. The same groups
    in every framing, backend and run."""
    return split_position(group_id, seed) < share


def chat_source(
    scenarios: Sequence[Scenario],
    make: ChatMaker,
    *,
    assistant_role: AssistantRole = "therapist",
    holdout_share: float = 0.0,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ChatSource:
    """One chat per scenario, in the scenarios' order, ``workers`` chats at a time (a model
    backend bounds its own requests); a scenario whose chat fails is left out with its
    reason. Groups drawn by ``is_holdout`` go to the holdout side.

    Raises:
        ConfigError: ``holdout_share`` outside [0, 1) or ``workers`` below 1.
    """
    if not 0.0 <= holdout_share < 1.0 or workers < 1:
        raise ConfigError(
            f"need 0 <= holdout share < 1 and workers >= 1 (got {holdout_share}, {workers})"
        )
    source = ChatSource()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mhds-chats") as pool:
        for done, (scenario, made) in enumerate(
            zip(scenarios, pool.map(partial(_made_or_error, make), scenarios), strict=True), 1
        ):
            if progress is not None:
                progress(done)
            if isinstance(made, (InputError, GenerationError)):
                source.left_out.append((scenario.scenario_id, *_why(made)))
                continue
            messages, generator = made
            line = codec.dumps(_line(scenario, messages, assistant_role, generator))
            held = holdout_share and is_holdout(scenario.group_id, holdout_share)
            (source.holdout if held else source.lines).append(line)
    return source


def write_chat_source(store: Store, key: str, data: bytes) -> bool:
    """Write one side of a source once; False when the same bytes were there already.

    Raises:
        ConfigError: nothing to write, or ``key`` holds another source (generated sources
            are never overwritten).
    """
    if not data:
        raise ConfigError(f"nothing to write to {key}: no chat was made")
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


def _made_or_error(
    make: ChatMaker, scenario: Scenario
) -> tuple[list[ChatMessage], dict[str, Any]] | InputError | GenerationError:
    try:
        return make(scenario)
    except (InputError, GenerationError) as exc:
        return exc


def _why(error: InputError | GenerationError) -> tuple[str, str]:
    """(reason, detail) of a left-out scenario: codes and counts, never text."""
    if isinstance(error, GenerationError):
        return f"generation:{error.reason}", f"after {error.attempts} attempt(s)"
    return str(error.reason), ": ".join(str(p) for p in (error.field, error.detail) if p)


def _jsonl(lines: Sequence[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _line(
    scenario: Scenario,
    messages: Sequence[ChatMessage],
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
        # The optional model judge's verdict (``mhds.crisis.judge``), kept in the generator.
        "judge_verdict": generator.get("judge", {}).get("verdict", NOT_JUDGED),
        "assistant_role": assistant_role,
        "generator": generator,
    }
