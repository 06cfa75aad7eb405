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
from mhds.crisis.judge import NOT_JUDGED, judge_chat
from mhds.crisis.library import ScenarioLibrary
from mhds.crisis.model_chats import model_chat
from mhds.crisis.scenarios import Scenario, read_scenarios
from mhds.errors import ConfigError, InputError, ObjectExistsError
from mhds.generate.backend import GenerationParams
from mhds.generate.client import GenerationClient
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


def model_maker(
    client: GenerationClient,
    params: GenerationParams,
    library: ScenarioLibrary,
    templates: ChatTemplates,
    *,
    assistant_role: AssistantRole = "therapist",
    seed: str | None = None,
) -> ChatMaker:
    """The openai backend as a ``ChatMaker``: each turn asked of ``client`` (``model_chat``)."""

    def make(scenario: Scenario) -> tuple[list[ChatMessage], dict[str, Any]]:
        return model_chat(
            scenario, client, params, library, templates, assistant_role=assistant_role, seed=seed
        )

    return make


def judged_maker(
    make: ChatMaker,
    client: GenerationClient,
    library: ScenarioLibrary,
    *,
    assistant_role: AssistantRole = "therapist",
) -> ChatMaker:
    """``make`` with the endpoint's verdict on each chat against its category's safety rules
    kept in the provenance (``generator["judge"]``). The judge advises: a request that fails
    is recorded as the verdict ``error`` with its reason, never a reason to drop the chat."""

    def judged(scenario: Scenario) -> tuple[list[ChatMessage], dict[str, Any]]:
        messages, generator = make(scenario)
        try:
            verdict = judge_chat(client, library, scenario, messages, assistant_role=assistant_role)
        except GenerationError as exc:
            verdict = {"verdict": "error", "reason": f"generation:{exc.reason}"}
        return messages, {**generator, "judge": verdict}

    return judged


def drawn_scenarios(store: Store, key: str, library: ScenarioLibrary) -> list[Scenario]:
    """The scenarios of ``key`` in ``store``, drawn from ``library``.

    Raises:
        ConfigError: a scenario was drawn from another library (its digest differs).
        InputError: a line of ``key`` is no scenario (``read_scenarios``).
    """
    drawn = read_scenarios(store.read_bytes(key), key=key)
    stale = {s.library_digest for s in drawn} - {library.digest()}
    if stale:
        raise ConfigError(
            f"{key} was drawn from another library ({', '.join(sorted(stale))[:80]}): "
            "pass it with --library"
        )
    return drawn


def write_chat_sources(
    store: Store,
    source: ChatSource,
    *,
    scenarios_key: str,
    main_key: str,
    holdout_key: str,
    left_out_key: str,
) -> list[tuple[str, int, bool]]:
    """Write both sides of ``source`` (made from the scenarios of ``scenarios_key``) once
    (``write_chat_source``), and the list of scenarios left out to ``left_out_key`` (an
    earlier run's list is removed when none is left out now); (key, chats, whether written
    now) for each side that holds chats.

    Raises:
        ConfigError: no chat was made at all (the reasons are named, the list written), or
            a key holds another source.
    """
    if source.left_out:
        entries = source.quarantine_lines()
        store.write_bytes(left_out_key, b"".join(codec.dumps(e) + b"\n" for e in entries))
    elif store.exists(left_out_key):
        store.delete(left_out_key)
    if not source.lines and not source.holdout:
        reasons = sorted({reason for _, reason, _ in source.left_out})
        raise ConfigError(
            f"no chat could be made from {scenarios_key} (reasons: {', '.join(reasons) or 'none'}"
            f"; listed in {store.url_for(left_out_key)})"
        )
    sides = (
        (main_key, source.lines, source.data()),
        (holdout_key, source.holdout, source.holdout_data()),
    )
    return [
        (key, len(lines), write_chat_source(store, key, data))
        for key, lines, data in sides
        if lines
    ]


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
