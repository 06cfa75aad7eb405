"""The generation contract: a request (messages, parameters), a ``Completion``, the small
``Backend`` protocol every backend implements, and the request hash the cache is keyed by.

Backends only make one attempt; ``GenerationClient`` wraps the cache, retries, concurrency
and token accounting around any of them once.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mhds.records.codec import canonical_json
from mhds.records.schema import Message as Message  # the one ChatML turn (role, content)

# Room for stop sequences in the OpenAI chat API.
MAX_STOP = 4


class GenerationParams(BaseModel):
    """Sampling parameters of one request; all of them are hashed into its cache key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = Field(
        default=None,
        min_length=1,
        description="Model to ask for; None: the backend's default model.",
    )
    temperature: float = Field(
        default=0.7, ge=0.0, le=2.0, description="Sampling temperature (0: greedy)."
    )
    top_p: float = Field(
        default=1.0, gt=0.0, le=1.0, description="Nucleus sampling: keep this probability mass."
    )
    max_tokens: int = Field(default=512, ge=1, description="Most tokens the reply may have.")
    seed: int | None = Field(
        default=None,
        description=(
            "Sampling seed, passed to the backend. Part of the cache key: ask for another "
            "sample of the same prompt with another seed."
        ),
    )
    stop: tuple[str, ...] = Field(
        default=(),
        max_length=MAX_STOP,
        description="Sequences that end the reply (at most 4, none empty).",
    )

    @field_validator("stop")
    @classmethod
    def _no_empty_stop(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item for item in value):
            raise ValueError("stop sequences must not be empty")
        return value


@dataclass(frozen=True, slots=True)
class Completion:
    """One reply.

    Attributes:
        text: the reply's text.
        model: the model that answered, as the backend reports it.
        finish_reason: why it stopped (``stop``, ``length`` ...), when the backend says.
        prompt_tokens: tokens of the request.
        completion_tokens: tokens of the reply.
        cached: read from the response cache (no request was made for it).
        tokens_estimated: the token counts are ``estimate_tokens`` estimates (the backend
            reported none).
        request_hash: the request's hash (its cache key); set by ``GenerationClient``.
    """

    text: str
    model: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached: bool = False
    tokens_estimated: bool = False
    request_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """What the cache stores: everything but ``cached`` and ``request_hash``."""
        return {
            "text": self.text,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens_estimated": self.tokens_estimated,
        }


@runtime_checkable
class Backend(Protocol):
    """One way to get a reply: a single attempt, no cache, no retries.

    ``complete`` raises ``GenerationError`` (with ``retryable`` set for throttling, server
    errors, timeouts and dropped connections) and nothing else on purpose.
    """

    @property
    def name(self) -> str:
        """Short name; the cache folder (``cache/generate/<name>/``), so ``[a-z0-9_.-]``."""
        ...

    @property
    def model(self) -> str:
        """The model asked for when ``GenerationParams.model`` is None."""
        ...

    @property
    def endpoint(self) -> str:
        """Where requests go, without secrets (a base URL stripped of user-info and query);
        offline backends give a label that changes whenever their output would. Hashed into
        every request."""
        ...

    def describe(self) -> dict[str, Any]:
        """What provenance records about the backend; never a key or other secret."""
        ...

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """Make one attempt; ``params.model`` is already resolved."""
        ...


def estimate_tokens(text: str) -> int:
    """Tokens of ``text``, estimated as ``ceil(characters / 4)``.

    The same estimate as ``mhds.gates.distribution.estimate_tokens`` (generation sits below
    the gates and cannot import it; a test keeps the two equal).
    """
    return math.ceil(len(text) / 4)


def request_seed(*parts: object) -> int:
    """A request's sampling seed drawn from what it is for: 31 bits of sha256 of ``parts``
    joined by NUL (so a rerun asks the same question with the same seed, and the response
    cache answers it)."""
    material = "\0".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:4], "big") >> 1


def request_hash(
    backend_name: str, endpoint: str, messages: Sequence[Message], params: GenerationParams
) -> str:
    """The SHA-256 (hex) of the request's canonical JSON: backend, endpoint (no secrets),
    messages and parameters. Equal requests hash equal on every machine."""
    return hashlib.sha256(
        canonical_json(request_document(backend_name, endpoint, messages, params))
    ).hexdigest()


def request_document(
    backend_name: str, endpoint: str, messages: Sequence[Message], params: GenerationParams
) -> dict[str, Any]:
    """The request as the cache stores it and ``request_hash`` hashes it."""
    return {
        "backend": backend_name,
        "endpoint": endpoint,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "params": params.model_dump(mode="json"),
    }
