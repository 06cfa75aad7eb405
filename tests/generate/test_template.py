"""The template backend: offline, deterministic, estimated token counts, and honest about
being templates; wrapped in the client it is cached like any backend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from mhds.errors import ConfigError
from mhds.generate import (
    Backend,
    Completion,
    GenerationClient,
    GenerationError,
    GenerationParams,
    GenerationReason,
    Message,
    TemplateBackend,
)
from mhds.store import LocalStore

OPENINGS = ("I can't sleep.", "Work is too much.", "I feel alone lately.")


def compose(messages: Sequence[Message], params: GenerationParams) -> str:
    opening = OPENINGS[(params.seed or 0) % len(OPENINGS)]
    return f"{opening} (after {len(messages)} message(s))"


MESSAGES = [Message("system", "Play a client."), Message("user", "Start the session.")]


def test_replies_are_deterministic_and_follow_the_seed() -> None:
    backend = TemplateBackend(compose)
    first = backend.complete(MESSAGES, GenerationParams(seed=1))
    assert first == TemplateBackend(compose).complete(MESSAGES, GenerationParams(seed=1))
    assert first.text == "Work is too much. (after 2 message(s))"
    assert backend.complete(MESSAGES, GenerationParams(seed=2)).text.startswith("I feel alone")


def test_token_counts_are_estimates() -> None:
    reply = TemplateBackend(compose).complete(MESSAGES, GenerationParams(seed=0))
    assert reply.model == "template" and reply.finish_reason == "stop"
    assert reply.tokens_estimated and not reply.cached
    assert reply.completion_tokens == math.ceil(len(reply.text) / 4)
    assert reply.prompt_tokens == sum(math.ceil(len(m.content) / 4) for m in MESSAGES)


def test_describe_says_it_is_templates() -> None:
    backend = TemplateBackend(compose, version="2")
    assert isinstance(backend, Backend)
    described = backend.describe()
    assert described["kind"] == "template" and described["model"] == "template"
    assert described["offline"] is True and "no language model" in described["note"]
    assert described["compose"].endswith("test_template.compose")
    assert described["version"] == "2"
    # Another version or another compose function is another cache scope.
    assert backend.endpoint != TemplateBackend(compose).endpoint
    assert TemplateBackend(lambda m, p: "x").endpoint != TemplateBackend(compose).endpoint


def test_an_empty_reply_is_malformed() -> None:
    with pytest.raises(GenerationError) as caught:
        TemplateBackend(lambda m, p: "  ").complete(MESSAGES, GenerationParams())
    assert caught.value.reason == GenerationReason.MALFORMED and not caught.value.retryable
    with pytest.raises(ConfigError):
        TemplateBackend("not callable")  # type: ignore[arg-type]


def test_the_client_caches_template_replies(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    calls: list[int | None] = []

    def counting(messages: Sequence[Message], params: GenerationParams) -> str:
        calls.append(params.seed)
        return compose(messages, params)

    requests = [(MESSAGES, GenerationParams(seed=s)) for s in range(4)]
    first = GenerationClient(TemplateBackend(counting), store).complete_many(requests)
    again = GenerationClient(TemplateBackend(counting), store).complete_many(requests)
    assert sorted(s for s in calls if s is not None) == [0, 1, 2, 3]
    assert all(isinstance(c, Completion) and c.cached for c in again)
    assert [replace(c, cached=False) for c in again if isinstance(c, Completion)] == first
    keys = [info.key for info in store.list("cache/generate/template/")]
    assert len(keys) == 4
    digest = first[0].request_hash if isinstance(first[0], Completion) else ""
    assert f"cache/generate/template/{digest[:2]}/{digest}.json" in keys


def test_provenance_names_backend_model_params_and_seed(tmp_path: Path) -> None:
    client = GenerationClient(TemplateBackend(compose), LocalStore(tmp_path))
    params = GenerationParams(seed=9, temperature=0.2)
    reply = client.complete(MESSAGES, params)
    provenance = client.provenance(params, reply)
    assert provenance["backend"]["kind"] == "template"
    assert provenance["model"] == "template"
    assert provenance["params"]["seed"] == 9 and provenance["params"]["model"] == "template"
    assert provenance["request_hash"] == reply.request_hash == client.request_hash(MESSAGES, params)
