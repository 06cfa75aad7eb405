"""Crisis chats from scenarios: who speaks when and which required elements each therapist
turn realises (``plan_chat``), the template backend's turns (``compose_turn``) and the canonical
record (``chat_record``); the templates they read are ``mhds.crisis.chat_templates``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import msgspec

from mhds import __version__
from mhds.crisis.chat_templates import ChatTemplates, Stage
from mhds.crisis.scenarios import Scenario
from mhds.errors import ConfigError, InputError
from mhds.records.codec import canonical_json
from mhds.records.hashing import compute_content_hash, stable_id
from mhds.records.schema import Message, Metadata, Provenance, Record, Role, StepStamp
from mhds.records.validate import validate_record

GENERATOR_NAME: Final = "mhds.crisis.chats/v1"  # bump when the composition changes output
STEP_NAME: Final = "generate_chats"
STEP_VERSION: Final = 1
ADAPTER: Final = "crisis_chats"
LICENSE_TAG: Final = "internal-synthetic"
# The element a turn left without one realises: the first of these the category requires.
_FILLERS: Final[dict[str, tuple[str, ...]]] = {
    "opening": ("validate_feelings",),
    "middle": ("validate_feelings",),
    "closing": ("provide_crisis_resources", "encourage_professional_help", "validate_feelings"),
}

# Role layout (both pass ``mhds.records.validate``): the therapist framing is user = client,
# starting with the scenario's opening, assistant = therapist; the client framing is one system
# message (the client to play), then user = therapist, starting with a greeting, and assistant
# = client, whose first line is the scenario's opening. Either way there are exactly
# ``scenario.turns`` user and assistant messages, alternating, the user first (an odd count
# ends on a user turn; the library's counts are even).
ChatRole = Literal["therapist", "client"]
Speaker = Literal["therapist", "client"]
TurnStage = Literal["greeting", "opening", "middle", "closing"]
ChatMessage = tuple[Role, str]


@dataclass(frozen=True, slots=True)
class TurnSpec:
    """What one turn of a chat must do.

    Attributes:
        index: position among the user and assistant messages (0-based, system not counted).
        speaker: ``therapist`` or ``client`` (the role follows from the framing).
        stage: ``greeting`` (the client framing's first therapist turn), ``opening`` (the
            client's: the scenario's opening; the therapist's: the first reply), ``middle``
            or ``closing``.
        ordinal: how many earlier turns of this speaker share the stage (varies the lines).
        elements: the required element keys a therapist turn realises, in their order.
    """

    index: int
    speaker: Speaker
    stage: TurnStage
    ordinal: int
    elements: tuple[str, ...] = ()


class TurnComposer(Protocol):
    """Writes one turn from the scenario, the messages so far and the turn's spec: the
    template backend (``TemplateComposer``) ignores the history; a model backend reads it."""

    def __call__(
        self, scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec
    ) -> str: ...


class TemplateComposer:
    """The ``template`` backend as a ``TurnComposer`` (pure, offline, deterministic)."""

    def __init__(self, templates: ChatTemplates, *, seed: str | None = None) -> None:
        self.templates = templates
        self.seed = seed

    def __call__(self, scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec) -> str:
        """Compose ``spec``'s turn; ``history`` is not read."""
        return compose_turn(scenario, self.templates, spec, seed=self.seed)


def plan_chat(
    scenario: Scenario, templates: ChatTemplates, *, assistant_role: ChatRole = "therapist"
) -> tuple[TurnSpec, ...]:
    """Lay out ``scenario.turns`` alternating turns and spread the category's required
    elements over the therapist turns: each at its stage (the first therapist turn that
    realises elements is the opening, the last the closing), middle ones in turn over the
    middle turns; a turn left without one realises a filler element. In the client framing
    the therapist's first turn is a greeting and realises none.

    Raises:
        ConfigError: ``assistant_role`` is neither therapist nor client.
        InputError: fewer than 2 turns, no required element, or a required element without
            templates.
    """
    if assistant_role not in ("therapist", "client"):
        raise ConfigError(f"assistant_role: {assistant_role!r} (valid: therapist, client)")
    if scenario.turns < 2:
        raise InputError("chat_too_short", field="turns", detail=f"{scenario.turns} turns")
    if not scenario.required_elements:
        raise InputError("no_required_elements", field="required_elements")
    first: Speaker = "client" if assistant_role == "therapist" else "therapist"
    other: Speaker = "therapist" if first == "client" else "client"
    speakers = [first if i % 2 == 0 else other for i in range(scenario.turns)]
    therapist = [i for i, s in enumerate(speakers) if s == "therapist"]
    working = therapist if assistant_role == "therapist" else therapist[1:]
    stages: list[Stage] = [_stage(k, len(working)) for k in range(len(working))]
    stage_at: dict[int, TurnStage] = dict(zip(working, stages, strict=True))
    elements_at = dict(zip(working, _schedule(scenario, templates, stages), strict=True))
    client = [i for i, s in enumerate(speakers) if s == "client"]
    for n, i in enumerate(client):
        last = assistant_role == "client" and n > 0 and i == scenario.turns - 1
        stage_at[i] = "opening" if n == 0 else "closing" if last else "middle"
    if assistant_role == "client":
        stage_at[0] = "greeting"
    specs: list[TurnSpec] = []
    seen: dict[tuple[str, str], int] = {}
    for i, speaker in enumerate(speakers):
        ordinal = seen.get((speaker, stage_at[i]), 0)
        seen[(speaker, stage_at[i])] = ordinal + 1
        specs.append(TurnSpec(i, speaker, stage_at[i], ordinal, elements_at.get(i, ())))
    return tuple(specs)


def compose_turn(
    scenario: Scenario, templates: ChatTemplates, spec: TurnSpec, *, seed: str | None = None
) -> str:
    """One turn from the templates: every choice is read from sha256(seed, scenario id,
    stage, slot) plus the turn's ordinal, so a line never repeats within a chat while its
    list is long enough. ``seed`` defaults to the scenario's.

    Raises:
        InputError: the scenario has an axis value the templates lack, or a resource
            element but no resources.
    """
    key = (scenario.seed if seed is None else seed, scenario.scenario_id)
    if spec.speaker == "client":
        return _client_turn(scenario, templates, spec, key)
    return _therapist_turn(scenario, templates, spec, key)


def client_system_message(scenario: Scenario, templates: ChatTemplates) -> str:
    """The client framing's system message: the client the assistant plays (persona,
    context, category brief) and the rule of no graphic content, no advice, no contacts."""
    category = templates.categories.get(scenario.category)
    values = {
        **{axis: _words(value) for axis, value in msgspec.structs.asdict(scenario.persona).items()},
        "context": _words(scenario.context),
        "brief": category.brief if category else templates.client.default_brief,
    }
    return templates.system.format_map(values)


def compose_chat(
    scenario: Scenario,
    templates: ChatTemplates,
    *,
    assistant_role: ChatRole = "therapist",
    seed: str | None = None,
    composer: TurnComposer | None = None,
    system_message: bool = True,
) -> list[ChatMessage]:
    """The whole chat of a scenario as (role, content) pairs, or an exception: never a part
    of one. Layout: see the comment above ``ChatRole``; ``system_message`` False leaves out
    the client framing's system message. ``composer`` defaults to the template backend with
    ``seed``.

    Raises:
        InputError: as for ``plan_chat`` and ``compose_turn``; ``empty_turn`` when the
            composer returns blank text.
    """
    plan = plan_chat(scenario, templates, assistant_role=assistant_role)
    compose = composer or TemplateComposer(templates, seed=seed)
    chat: list[ChatMessage] = []
    if assistant_role == "client" and system_message:
        chat.append(("system", client_system_message(scenario, templates)))
    for spec in plan:
        text = compose(scenario, tuple(chat), spec).strip()
        if not text:
            raise InputError("empty_turn", field=f"turns[{spec.index}]", detail=spec.speaker)
        role: Role = "assistant" if spec.speaker == assistant_role else "user"
        chat.append((role, text))
    return chat


def template_generator(
    templates: ChatTemplates,
    scenario: Scenario,
    *,
    assistant_role: ChatRole,
    seed: str | None = None,
) -> dict[str, Any]:
    """The provenance ``generator`` of a template-backend chat: honest that it is templates
    (backend and model ``template``), with the seed, framing, library and templates."""
    templates_digest = templates.digest()
    return {
        "name": GENERATOR_NAME,
        "backend": "template",
        "model": "template",
        "seed": scenario.seed if seed is None else seed,
        "assistant_role": assistant_role,
        "library_version": scenario.library_version,
        "library_digest": scenario.library_digest,
        "templates_version": templates.version,
        "templates_digest": templates_digest,
        # What determines a template backend's output (a model backend: temperature ...).
        "parameters": {
            "templates_version": templates.version,
            "templates_digest": templates_digest,
        },
    }


def chat_record(
    scenario: Scenario,
    messages: Sequence[ChatMessage],
    *,
    family: str,
    source_id: str,
    scenarios_key: str,
    assistant_role: ChatRole,
    generator: Mapping[str, Any],
) -> Record:
    """A canonical Record of one chat, validated.

    ``source_key`` is ``<scenarios_key>#<scenario id>`` (relative to the store root); the id
    is ``<source_id>-`` + 20 hex of sha256(source id, source key, locator, config hash), the
    locator ``<scenario id>:<assistant role>:<seed>`` and the config hash that of the
    generator; ``group_id`` is the scenario's, so a scenario group shares a split.

    Raises:
        ConfigError: a scenarios key that is not store-relative, or a generator without a
            name, parameters or with another assistant role.
        InputError: the messages break the record rules.
    """
    _check_generator(generator, assistant_role)
    if not scenarios_key or scenarios_key.startswith("/") or "://" in scenarios_key:
        raise ConfigError(f"scenarios_key: {scenarios_key!r} is not a store-relative key")
    gen = dict(generator)
    config_hash = "sha256:" + hashlib.sha256(canonical_json(gen)).hexdigest()
    source_key = f"{scenarios_key}#{scenario.scenario_id}"
    locator = f"{scenario.scenario_id}:{assistant_role}:{gen.get('seed', scenario.seed)}"
    turns = tuple(Message(role, content) for role, content in messages)
    persona = "/".join(msgspec.structs.astuple(scenario.persona))
    record = Record(
        messages=turns,
        metadata=Metadata(
            id=f"{source_id}-{stable_id(source_id, source_key, locator, config_hash, length=20)}",
            family=family,
            source_id=source_id,
            source_key=source_key,
            content_hash=compute_content_hash(turns),
            license_tag=LICENSE_TAG,
            assistant_role=assistant_role,
            group_id=scenario.group_id,
            provenance=Provenance(
                source_key=source_key,
                source_format="jsonl",
                adapter=ADAPTER,
                locator=locator,
                pipeline_version=__version__,
                config_hash=config_hash,
                steps=(StepStamp(STEP_NAME, STEP_VERSION, config_hash),),
                generator=gen,
            ),
            attributes={
                "crisis_category": scenario.category,
                "risk_level": scenario.risk_level,
                "directness": scenario.directness,
                "region": scenario.region,
                "context": scenario.context,
                "persona": persona,
                "scenario_id": scenario.scenario_id,
            },
        ),
    )
    validate_record(record)
    return record


def template_chat_record(
    scenario: Scenario,
    templates: ChatTemplates,
    *,
    family: str,
    source_id: str,
    scenarios_key: str,
    assistant_role: ChatRole = "therapist",
    seed: str | None = None,
) -> Record:
    """``compose_chat`` with the template backend, then ``chat_record`` with
    ``template_generator``: one call per scenario and framing.

    Raises:
        ConfigError, InputError: as for ``compose_chat`` and ``chat_record``.
    """
    messages = compose_chat(scenario, templates, assistant_role=assistant_role, seed=seed)
    generator = template_generator(templates, scenario, assistant_role=assistant_role, seed=seed)
    return chat_record(
        scenario,
        messages,
        family=family,
        source_id=source_id,
        scenarios_key=scenarios_key,
        assistant_role=assistant_role,
        generator=generator,
    )


def _check_generator(generator: Mapping[str, Any], assistant_role: ChatRole) -> None:
    name, parameters = generator.get("name"), generator.get("parameters")
    if not isinstance(name, str) or not name or not isinstance(parameters, dict):
        raise ConfigError("generator: needs a name (text) and parameters (a mapping)")
    if generator.get("assistant_role", assistant_role) != assistant_role:
        raise ConfigError(
            f"generator: assistant_role {generator.get('assistant_role')!r}, but the record's "
            f"is {assistant_role!r}"
        )


def _stage(k: int, count: int) -> Stage:
    if k == 0:
        return "opening"
    return "closing" if k == count - 1 else "middle"


def _schedule(
    scenario: Scenario, templates: ChatTemplates, stages: Sequence[Stage]
) -> list[tuple[str, ...]]:
    slots: list[list[str]] = [[] for _ in stages]
    if not slots:
        return []
    middle = [k for k, stage in enumerate(stages) if stage == "middle"]
    spread = 0
    for element in scenario.required_elements:
        try:
            stage = templates.stage_of(scenario.category, element)
        except KeyError:
            raise InputError("no_phrasings", field="required_elements", detail=element) from None
        if stage == "opening" or len(slots) == 1:
            slots[0].append(element)
        elif stage == "closing" or not middle:
            slots[-1].append(element)
        else:
            slots[middle[spread % len(middle)]].append(element)
            spread += 1
    for slot, stage in zip(slots, stages, strict=True):
        if not slot:
            wanted = [e for e in _FILLERS[stage] if e in scenario.required_elements]
            slot.append((*wanted, *scenario.required_elements)[0])
    order = list(templates.elements)
    return [tuple(sorted(set(slot), key=order.index)) for slot in slots]


def _therapist_turn(
    scenario: Scenario, templates: ChatTemplates, spec: TurnSpec, key: tuple[str, str]
) -> str:
    lines = templates.therapist
    if spec.stage == "greeting":
        greetings = _lines(lines.greeting, scenario.context, "context")
        return _fill(_draw(greetings, *key, "greeting"), _fills(scenario, templates), spec)
    parts: list[str] = []
    if spec.stage == "opening":
        style = scenario.persona.communication_style
        parts.append(_draw(_lines(lines.acknowledge, style, "style"), *key, "acknowledge"))
        if scenario.directness == "indirect":
            parts.append(_draw(lines.clarify, *key, "clarify"))
        else:
            parts.append(_draw(_lines(lines.context, scenario.context, "context"), *key, "context"))
    elif spec.stage == "middle":
        parts.append(_draw(lines.reflect, *key, "reflect", offset=spec.ordinal))
    for element in spec.elements:
        try:
            options = getattr(templates.phrasings(scenario.category, element), spec.stage)
        except KeyError:
            raise InputError("no_phrasings", field="required_elements", detail=element) from None
        parts.append(_draw(options, *key, spec.stage, element, offset=spec.ordinal))
    if spec.stage == "closing":
        parts.append(_draw(lines.close, *key, "close"))
    return _fill(
        " ".join(parts), {**_fills(scenario, templates), **_resource_fills(scenario)}, spec
    )


def _client_turn(
    scenario: Scenario, templates: ChatTemplates, spec: TurnSpec, key: tuple[str, str]
) -> str:
    if spec.stage == "opening":
        return scenario.opening
    client = templates.client_lines(scenario.category)
    stage = "closing" if spec.stage == "closing" else "middle"
    line = _draw(getattr(client, stage), *key, "client", stage, offset=spec.ordinal)
    if stage == "middle":
        leads = _lines(templates.client.lead, scenario.persona.communication_style, "style")
        lead = _draw(getattr(leads, scenario.directness), *key, "lead", offset=spec.ordinal)
        line = f"{lead} {line}"
    return _fill(line, _fills(scenario, templates), spec)


def _draw(options: Sequence[str], *parts: str, offset: int = 0) -> str:
    material = "\0".join(parts).encode()
    number = int.from_bytes(hashlib.sha256(material).digest()[:8], "big")
    return options[(number + offset) % len(options)]


def _lines(table: Mapping[str, Any], value: str, axis: str) -> Any:
    try:
        return table[value]
    except KeyError:
        raise InputError("unknown_scenario_value", field=axis, detail=value) from None


def _fills(scenario: Scenario, templates: ChatTemplates) -> dict[str, str]:
    return {
        **_lines(templates.fills.age_group, scenario.persona.age_group, "age_group"),
        **_lines(templates.fills.region, scenario.region, "region"),
    }


def _resource_fills(scenario: Scenario) -> dict[str, str]:
    resources = scenario.resources
    if not resources:
        return {}
    listed = [f"{r.name} ({r.contact})" for r in resources]
    emergency = next((r for r in resources if r.kind == "emergency"), resources[0])
    return {
        "resource_list": listed[0]
        if len(listed) == 1
        else f"{', '.join(listed[:-1])} or {listed[-1]}",
        "resource_name": resources[0].name,
        "resource_contact": resources[0].contact,
        "emergency_name": emergency.name,
        "emergency_contact": emergency.contact,
    }


def _fill(text: str, values: Mapping[str, str], spec: TurnSpec) -> str:
    try:
        return text.format_map(values)
    except KeyError as exc:
        field = f"turns[{spec.index}]"
        raise InputError("scenario_without_resources", field=field, detail=str(exc)) from None


def _words(key: str) -> str:
    return key.replace("_", " ")
