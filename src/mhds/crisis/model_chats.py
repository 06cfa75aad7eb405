"""Crisis chats through a model endpoint (the ``openai`` backend): the model writes the
assistant's side, turn by turn, from the conversation so far; the other side comes from the
templates, and the client's first message is always the scenario's opening (it carries the
risk signal and its directness, which the scenario fixes).

Prompts (version ``PROMPT_VERSION``):

- the assistant as counsellor: a system message with the client (persona, context) and what
  this turn must do (the required elements the plan gives it, by their library
  descriptions), the region's contacts to give word for word when the turn gives resources,
  and the "never" list (the category's forbidden elements); then the chat so far, the
  client's turns as ``user`` and the counsellor's as ``assistant``;
- the assistant as client: the client framing's system message (who to play, no graphic
  detail) and the chat so far, the therapist's turns as ``user``.

Each request has its own seed, drawn from (seed, scenario id, turn), so a rerun asks the same
questions and the response cache answers all of them. A failed request ends the chat: it is
left out with its reason, never written as half a chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mhds.crisis.chat_templates import ChatTemplates
from mhds.crisis.chats import (
    ChatMessage,
    ChatRole,
    TurnSpec,
    client_system_message,
    compose_chat,
    compose_turn,
    template_generator,
)
from mhds.crisis.library import ScenarioLibrary
from mhds.crisis.scenarios import Scenario
from mhds.generate.backend import GenerationParams, Message
from mhds.generate.backend import request_seed as derived_seed
from mhds.generate.client import GenerationClient

PROMPT_VERSION: Final = "crisis-chat-prompts/v1"

_COUNSELLOR: Final = (
    "You are a warm, careful counsellor in a text conversation with a client. The client: "
    "{persona}; context: {context}.\n"
    "Write your next message only: 2 to 5 short sentences, plain words, no lists, no "
    "headings, no name or signature.\n"
    "In this message:\n{duties}\n"
    "Never: {never}."
)
_RESOURCES: Final = "- give these contacts exactly as written: {resources}."
_CLIENT: Final = (
    "{system}\nWrite the client's next message only: 1 to 3 short sentences, in the "
    "client's voice, reacting to what the counsellor just said."
)


@dataclass
class ChatCalls:
    """What the model calls of one chat cost and came from (no text)."""

    request_hashes: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ModelComposer:
    """A ``TurnComposer``: the model writes ``assistant_role``'s turns (the client's opening
    excepted), the templates the others. One composer per chat: it records that chat's
    calls in ``calls``.

    Raises (from ``__call__``):
        GenerationError: the request failed for good (``GenerationClient`` retried it).
        InputError: as ``compose_turn`` for the templated turns.
    """

    def __init__(
        self,
        client: GenerationClient,
        params: GenerationParams,
        library: ScenarioLibrary,
        templates: ChatTemplates,
        *,
        assistant_role: ChatRole,
        seed: str,
    ) -> None:
        self.client = client
        self.params = params
        self.library = library
        self.templates = templates
        self.assistant_role = assistant_role
        self.seed = seed
        self.calls = ChatCalls()

    def __call__(self, scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec) -> str:
        """The turn ``spec`` asks for (see the class docstring)."""
        if spec.speaker != self.assistant_role or (
            spec.speaker == "client" and spec.stage == "opening"
        ):
            return compose_turn(scenario, self.templates, spec, seed=self.seed)
        messages = self.prompt(scenario, history, spec)
        params = self.params.model_copy(update={"seed": request_seed(self.seed, scenario, spec)})
        completion = self.client.complete(messages, params)
        calls = self.calls
        calls.request_hashes.append(completion.request_hash)
        calls.models.append(completion.model)
        calls.prompt_tokens += completion.prompt_tokens
        calls.completion_tokens += completion.completion_tokens
        return completion.text

    def prompt(
        self, scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec
    ) -> list[Message]:
        """The request of ``spec``'s turn: a system message, then the chat so far from the
        speaker's side (its own turns as ``assistant``)."""
        if spec.speaker == "therapist":
            system = self._counsellor_system(scenario, spec)
        else:
            system = _CLIENT.format(system=client_system_message(scenario, self.templates))
        own = "assistant" if spec.speaker == self.assistant_role else "user"
        messages = [Message("system", system)]
        for role, content in history:
            if role == "system":
                continue
            messages.append(Message("assistant" if role == own else "user", content))
        return messages

    def _counsellor_system(self, scenario: Scenario, spec: TurnSpec) -> str:
        persona = scenario.persona
        described = (
            f"{_words(persona.age_group)}, {_words(persona.gender)}, "
            f"{_words(persona.culture)} background, {_words(persona.communication_style)}"
        )
        duties = [f"- {self.library.element(key).description}" for key in spec.elements]
        if any(self.library.element(key).needs_resources for key in spec.elements):
            listed = "; ".join(f"{r.name}: {r.contact}" for r in scenario.resources)
            duties.append(_RESOURCES.format(resources=listed))
        never = "; ".join(
            self.library.element(key).description.rstrip(".").lower()
            for key in scenario.forbidden_elements
        )
        return _COUNSELLOR.format(
            persona=described,
            context=_words(scenario.context),
            duties="\n".join(duties) or "- respond with care to what the client said",
            never=never,
        )


def request_seed(seed: str, scenario: Scenario, spec: TurnSpec) -> int:
    """The sampling seed of one turn's request: 31 bits of sha256(seed, scenario, turn)."""
    return derived_seed(seed, scenario.scenario_id, spec.index)


def model_chat(
    scenario: Scenario,
    client: GenerationClient,
    params: GenerationParams,
    library: ScenarioLibrary,
    templates: ChatTemplates,
    *,
    assistant_role: ChatRole = "therapist",
    seed: str | None = None,
) -> tuple[list[ChatMessage], dict[str, Any]]:
    """One scenario's chat through the model, and its provenance ``generator``: the
    backend (described, no secrets), the models that answered, the resolved parameters,
    the prompt version, the request hash of every model turn and the tokens.

    Raises:
        GenerationError, InputError: as ``ModelComposer`` and ``compose_chat``.
    """
    seed = scenario.seed if seed is None else seed
    composer = ModelComposer(
        client, params, library, templates, assistant_role=assistant_role, seed=seed
    )
    messages = compose_chat(scenario, templates, assistant_role=assistant_role, composer=composer)
    calls = composer.calls
    resolved = client.resolve(params).model_dump(mode="json")
    resolved.pop("seed")  # per turn: request_seed(seed, scenario, turn)
    models = sorted(set(calls.models)) or [resolved["model"]]
    # The template generator's fields (name, seed, framing, library and templates), with
    # the model's backend, model and parameters over them.
    generator = {
        **template_generator(templates, scenario, assistant_role=assistant_role, seed=seed),
        "backend": client.backend.describe(),
        "model": models[0] if len(models) == 1 else models,
        "prompt_version": PROMPT_VERSION,
        "parameters": {**resolved, "prompt_version": PROMPT_VERSION},
        "request_hashes": calls.request_hashes,
        "usage": {
            "prompt_tokens": calls.prompt_tokens,
            "completion_tokens": calls.completion_tokens,
        },
    }
    return messages, generator


def _words(key: str) -> str:
    return key.replace("_", " ")
