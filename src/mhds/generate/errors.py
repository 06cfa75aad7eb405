"""Why a generation request failed: one error with a stable reason code, and the codes.

A backend raises ``GenerationError`` for one attempt (``retryable`` says whether another try
could help); ``GenerationClient`` retries and raises the final one, whose ``reason`` the caller
quarantines with. No message ever holds prompt or reply text, a response body or a key.
"""

from __future__ import annotations

from enum import StrEnum

from mhds.errors import MhdsError


class GenerationReason(StrEnum):
    """Reason codes of ``GenerationError``.

    Final reasons (what a caller quarantines with): ``retries_exhausted``, ``timeout``,
    ``malformed``, ``http_4xx``, ``invalid_request``, ``cache_corrupt``. Per-attempt reasons,
    kept in ``cause`` of a final error: ``rate_limited``, ``server_error``, ``connection``,
    ``timeout``.
    """

    RETRIES_EXHAUSTED = "retries_exhausted"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    HTTP_4XX = "http_4xx"
    INVALID_REQUEST = "invalid_request"
    CACHE_CORRUPT = "cache_corrupt"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    CONNECTION = "connection"


class GenerationError(MhdsError):
    """A generation request failed.

    Attributes:
        reason: a ``GenerationReason`` value.
        backend: the backend's name.
        request_hash: the request's hash (its cache key), once the client knows it.
        attempts: how many requests were made (0: none, e.g. an invalid request).
        status: the HTTP status of the last answer, when there was one.
        cause: the reason of the last attempt, when it differs from ``reason``
            (``rate_limited`` under ``retries_exhausted``).
        detail: a short, text-free explanation (status, types, counts: never content).
        retryable: whether another attempt could succeed (429, 5xx, timeout, connection).
        retry_after: seconds the server asked to wait (``Retry-After``), when it did.
    """

    def __init__(
        self,
        reason: str,
        *,
        backend: str,
        request_hash: str | None = None,
        attempts: int = 1,
        status: int | None = None,
        cause: str | None = None,
        detail: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        text = f"generation with backend {backend!r}"
        if request_hash:
            text += f" (request {request_hash[:12]})"
        text += f" failed: {reason}"
        if cause and cause != reason:
            text += f" (last: {cause})"
        text += f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        if status is not None:
            text += f", HTTP {status}"
        if detail:
            text += f": {detail}"
        super().__init__(
            text,
            reason=reason,
            backend=backend,
            request_hash=request_hash,
            attempts=attempts,
            status=status,
            cause=cause,
            detail=detail,
            retryable=retryable,
            retry_after=retry_after,
        )
        self.reason = reason
        self.backend = backend
        self.request_hash = request_hash
        self.attempts = attempts
        self.status = status
        self.cause = cause
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after
