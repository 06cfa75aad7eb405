"""The generation layer of the generated families: backends (``template``, offline and
deterministic; ``openai``, any OpenAI-compatible endpoint) behind one small protocol, and
``GenerationClient``, which wraps any of them once with the response cache in the store,
retries, bounded concurrency and token accounting.

    client = GenerationClient(OpenAIBackend("http://127.0.0.1:8000/v1", "qwen2.5-7b"), store)
    reply = client.complete([Message("user", "...")], GenerationParams(seed=7))
"""

from mhds.generate.backend import (
    Backend,
    Completion,
    GenerationParams,
    Message,
    estimate_tokens,
    request_hash,
    request_seed,
)
from mhds.generate.client import GenerationClient, GenerationUsage, backoff_delay
from mhds.generate.errors import GenerationError, GenerationReason
from mhds.generate.openai_backend import OpenAIBackend
from mhds.generate.template import TemplateBackend

__all__ = [
    "Backend",
    "Completion",
    "GenerationClient",
    "GenerationError",
    "GenerationParams",
    "GenerationReason",
    "GenerationUsage",
    "Message",
    "OpenAIBackend",
    "TemplateBackend",
    "backoff_delay",
    "estimate_tokens",
    "request_hash",
    "request_seed",
]
