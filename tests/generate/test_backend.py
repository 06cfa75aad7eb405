"""The request contract: parameters are strict and frozen, the request hash is canonical and
changes with anything that changes the reply, and the error pickles with its context."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from mhds.errors import MhdsError
from mhds.gates.distribution import estimate_tokens as gate_estimate
from mhds.generate import (
    GenerationError,
    GenerationParams,
    GenerationReason,
    Message,
    backoff_delay,
    estimate_tokens,
    request_hash,
)

MESSAGES = (Message("system", "You are a client."), Message("user", "Begin."))
PARAMS = GenerationParams(model="m", temperature=0.5, seed=3, stop=("END",))


def test_params_are_strict_and_frozen() -> None:
    with pytest.raises(ValidationError):
        GenerationParams(model="m", temprature=0.1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        GenerationParams(temperature=3.0)
    with pytest.raises(ValidationError):
        GenerationParams(stop=("",))
    with pytest.raises(ValidationError):
        PARAMS.seed = 4  # type: ignore[misc]
    assert GenerationParams.model_fields["seed"].description


def test_request_hash_is_stable_and_sensitive() -> None:
    base = request_hash("openai", "http://h/v1", MESSAGES, PARAMS)
    assert base == request_hash("openai", "http://h/v1", list(MESSAGES), PARAMS.model_copy())
    assert len(base) == 64 and int(base, 16) >= 0
    others = {
        request_hash("vllm", "http://h/v1", MESSAGES, PARAMS),
        request_hash("openai", "http://other/v1", MESSAGES, PARAMS),
        request_hash("openai", "http://h/v1", MESSAGES[:1], PARAMS),
        request_hash("openai", "http://h/v1", MESSAGES, PARAMS.model_copy(update={"seed": 4})),
        request_hash("openai", "http://h/v1", MESSAGES, PARAMS.model_copy(update={"model": "n"})),
        request_hash(
            "openai", "http://h/v1", MESSAGES, PARAMS.model_copy(update={"temperature": 0.6})
        ),
    }
    assert base not in others and len(others) == 6


def test_estimate_tokens_matches_the_distribution_gate() -> None:
    for text in ("", "a", "abcd", "abcde", "é" * 9, "word " * 101):
        assert estimate_tokens(text) == gate_estimate(text)


def test_backoff_is_deterministic_bounded_and_spread() -> None:
    delays = [backoff_delay("abc", attempt, 0.5, 8.0) for attempt in range(1, 8)]
    assert delays == [backoff_delay("abc", attempt, 0.5, 8.0) for attempt in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay("abc", 1, 0.5, 8.0) != backoff_delay("abd", 1, 0.5, 8.0)


def test_generation_error_pickles_with_its_context() -> None:
    error = GenerationError(
        GenerationReason.RETRIES_EXHAUSTED,
        backend="openai",
        request_hash="ab" * 32,
        attempts=5,
        status=503,
        cause=GenerationReason.SERVER_ERROR,
    )
    assert isinstance(error, MhdsError)
    assert str(error) == (
        "generation with backend 'openai' (request abababababab) failed: retries_exhausted "
        "(last: server_error) after 5 attempts, HTTP 503"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is GenerationError and str(copy) == str(error)
    assert (copy.reason, copy.attempts, copy.status, copy.cause) == error_fields(error)


def error_fields(error: GenerationError) -> tuple[object, ...]:
    return (error.reason, error.attempts, error.status, error.cause)
