"""The offline backend: replies composed by code from the request, deterministic, for CI and
demos. No model is called, and ``describe()`` says so."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mhds.errors import ConfigError
from mhds.generate.backend import Completion, GenerationParams, Message, estimate_tokens
from mhds.generate.errors import GenerationError, GenerationReason

TEMPLATE_MODEL = "template"

Compose = Callable[[Sequence[Message], GenerationParams], str]


class TemplateBackend:
    """Composes each reply with ``compose(messages, params)``, a pure function of the
    request (use ``params.seed`` for variety), so equal requests get equal replies.

    Token counts are ``estimate_tokens`` estimates. The model is always ``template``. An
    exception raised by ``compose`` propagates: it is a bug, not a generation failure.

    Args:
        compose: builds the reply text from the request.
        name: the backend's name (cache folder).
        version: bump it when ``compose`` changes its output: it is part of ``endpoint``, so
            replies cached under the old version are not reused.
    """

    def __init__(self, compose: Compose, *, name: str = "template", version: str = "1") -> None:
        if not callable(compose):
            raise ConfigError(f"compose must be callable, not {type(compose).__name__}")
        self._compose = compose
        self._name = name
        self._version = version
        self._compose_name = _qualified_name(compose)

    def __repr__(self) -> str:
        return f"TemplateBackend({self._compose_name}, version={self._version!r})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def model(self) -> str:
        return TEMPLATE_MODEL

    @property
    def endpoint(self) -> str:
        return f"template:{self._compose_name}@{self._version}"

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self._name,
            "kind": "template",
            "model": TEMPLATE_MODEL,
            "compose": self._compose_name,
            "version": self._version,
            "offline": True,
            "note": "replies composed by code from templates; no language model was called",
        }

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        text = self._compose(messages, params)
        if not isinstance(text, str) or not text.strip():
            kind = "empty text" if isinstance(text, str) else f"a {type(text).__name__}"
            raise GenerationError(
                GenerationReason.MALFORMED,
                backend=self._name,
                detail=f"compose returned {kind}",
            )
        return Completion(
            text=text,
            model=TEMPLATE_MODEL,
            finish_reason="stop",
            prompt_tokens=sum(estimate_tokens(m.content) for m in messages),
            completion_tokens=estimate_tokens(text),
            tokens_estimated=True,
        )


def _qualified_name(compose: Compose) -> str:
    module = getattr(compose, "__module__", None) or "?"
    name = getattr(compose, "__qualname__", None) or type(compose).__qualname__
    return f"{module}.{name}"
