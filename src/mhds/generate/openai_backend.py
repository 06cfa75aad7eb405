"""The backend for any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp's server,
hosted APIs), through the official ``openai`` client. One attempt per call: the client's own
retries are off by default, ``GenerationClient`` retries.

The API key is read from an environment variable and handed to the client only: it is in no
attribute, ``repr``, ``describe()``, log or error. Errors carry the HTTP status and a
text-free detail, never the response body (a server may echo the prompt there).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from mhds.errors import ConfigError
from mhds.generate.backend import Completion, GenerationParams, Message, estimate_tokens
from mhds.generate.errors import GenerationError, GenerationReason
from mhds.store.uri import redact_uri

if TYPE_CHECKING:
    import openai

#: The key sent when the variable is unset: local servers accept any.
NO_KEY = "not-needed"
HTTP_TIMEOUT = 408
HTTP_TOO_MANY_REQUESTS = 429
HTTP_SERVER_ERROR = 500


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible endpoint.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``.
        model: the model asked for when the request's parameters name none.
        api_key_env: the environment variable holding the key; unset means ``not-needed``.
        timeout: seconds to wait for an answer (each attempt).
        max_retries: the ``openai`` client's own retries; keep 0 and let
            ``GenerationClient`` retry (its policy, backoff and accounting).
        name: the backend's name (cache folder).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60,
        max_retries: int = 0,
        name: str = "openai",
    ) -> None:
        import openai

        endpoint = redact_uri(base_url).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url {endpoint!r} is not an http(s) URL")
        if not model:
            raise ConfigError("model must not be empty")
        if timeout <= 0 or max_retries < 0:
            raise ConfigError("timeout must be > 0 and max_retries >= 0")
        self._name = name
        self._model = model
        self._endpoint = endpoint
        self._timeout = float(timeout)
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=os.environ.get(api_key_env) or NO_KEY,
            timeout=self._timeout,
            max_retries=max_retries,
        )

    def __repr__(self) -> str:
        return f"OpenAIBackend({self._endpoint!r}, model={self._model!r})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def model(self) -> str:
        return self._model

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self._name,
            "kind": "openai",
            "base_url": self._endpoint,
            "model": self._model,
            "timeout": self._timeout,
        }

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        import openai

        model = params.model or self._model
        try:
            response = self._client.chat.completions.create(
                model=model,
                messages=cast(Any, [{"role": m.role, "content": m.content} for m in messages]),
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seed=params.seed if params.seed is not None else openai.omit,
                stop=list(params.stop) if params.stop else openai.omit,
            )
        except openai.APIError as exc:
            raise self._translate(exc) from None
        except json.JSONDecodeError:
            raise self._malformed("the body is not valid JSON") from None
        return self._parse(response, model, messages)

    def _translate(self, exc: openai.APIError) -> GenerationError:
        """One attempt's failure as a text-free ``GenerationError`` (no body, no key)."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return self._error(
                GenerationReason.TIMEOUT, f"no answer within {self._timeout:g}s", retryable=True
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = type(exc.__cause__).__name__ if exc.__cause__ else type(exc).__name__
            return self._error(GenerationReason.CONNECTION, cause, retryable=True)
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc.status_code, exc.response.headers.get("retry-after"))
        return self._malformed(f"the response does not parse ({type(exc).__name__})")

    def _status_error(self, status: int, retry_after: str | None) -> GenerationError:
        if status == HTTP_TOO_MANY_REQUESTS:
            reason, retryable = GenerationReason.RATE_LIMITED, True
        elif status == HTTP_TIMEOUT:
            reason, retryable = GenerationReason.TIMEOUT, True
        elif status >= HTTP_SERVER_ERROR:
            reason, retryable = GenerationReason.SERVER_ERROR, True
        else:
            reason, retryable = GenerationReason.HTTP_4XX, False
        return GenerationError(
            reason,
            backend=self._name,
            status=status,
            retryable=retryable,
            retry_after=_seconds(retry_after),
        )

    def _parse(self, response: object, model: str, messages: Sequence[Message]) -> Completion:
        """Check the answer's shape (the client builds it without validation)."""
        if isinstance(response, str):
            raise self._malformed("the body is not JSON (its content type is not JSON)")
        choices = _field(response, "choices")
        if not isinstance(choices, list) or not choices:
            what = "no choices" if isinstance(choices, list) else "no choices list"
            raise self._malformed(f"{what} ({type(response).__name__} body)")
        choice = choices[0]
        message = _field(choice, "message")
        content = _field(message, "content")
        finish_reason = _field(choice, "finish_reason")
        if not isinstance(content, str):
            raise self._malformed(
                f"choice 0 has no text content ({type(content).__name__}), "
                f"finish_reason={finish_reason!r}"
            )
        if not content.strip():
            raise self._malformed(f"choice 0 content is empty, finish_reason={finish_reason!r}")
        usage = _field(response, "usage")
        prompt_tokens = _field(usage, "prompt_tokens")
        completion_tokens = _field(usage, "completion_tokens")
        counted = _is_count(prompt_tokens) and _is_count(completion_tokens)
        answered_by = _field(response, "model")
        return Completion(
            text=content,
            model=answered_by if isinstance(answered_by, str) and answered_by else model,
            finish_reason=finish_reason if isinstance(finish_reason, str) else None,
            prompt_tokens=(
                cast(int, prompt_tokens)
                if counted
                else sum(estimate_tokens(m.content) for m in messages)
            ),
            completion_tokens=cast(int, completion_tokens) if counted else estimate_tokens(content),
            tokens_estimated=not counted,
        )

    def _malformed(self, detail: str) -> GenerationError:
        return self._error(GenerationReason.MALFORMED, detail, retryable=False)

    def _error(self, reason: GenerationReason, detail: str, *, retryable: bool) -> GenerationError:
        return GenerationError(reason, backend=self._name, detail=detail, retryable=retryable)


def _field(obj: object, name: str) -> object:
    """``obj.name`` or ``obj[name]`` (unvalidated answers may hold plain dicts), else None."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds (the HTTP-date form is ignored)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
