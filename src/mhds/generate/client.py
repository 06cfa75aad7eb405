"""What every backend is wrapped in, once: the response cache in the store, retries with
deterministic backoff, bounded concurrency and token accounting.

A request is looked up in ``cache/generate/<backend>/<hash[:2]>/<hash>.json`` before any call,
so a response is never paid for twice; identical requests in flight at once are made once.
Logs hold hashes, counts and reason codes, never text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from mhds.errors import ConfigError, ObjectExistsError, ObjectNotFoundError
from mhds.generate.backend import (
    Backend,
    Completion,
    GenerationParams,
    Message,
    request_document,
    request_hash,
)
from mhds.generate.errors import GenerationError, GenerationReason
from mhds.records import codec
from mhds.records.schema import ROLES
from mhds.store.base import Store
from mhds.store.uri import check_key

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
DEFAULT_CACHE_PREFIX = "cache/generate/"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")

Request = tuple[Sequence[Message], GenerationParams]


@dataclass(frozen=True)
class GenerationUsage:
    """What a client has done so far (counts only).

    Attributes:
        requests: attempts sent to the backend (each retry counts).
        completions: replies received (paid for).
        cache_hits: replies read from the cache (no request).
        retries: attempts that were retries.
        prompt_tokens: prompt tokens of the paid replies.
        completion_tokens: completion tokens of the paid replies.
        errors: final errors by reason code.
    """

    requests: int = 0
    completions: int = 0
    cache_hits: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain counts, for reports and manifests."""
        return {
            "requests": self.requests,
            "completions": self.completions,
            "cache_hits": self.cache_hits,
            "retries": self.retries,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "errors": dict(sorted(self.errors.items())),
        }


def backoff_delay(key: str, attempt: int, backoff: float, backoff_max: float) -> float:
    """Seconds to wait before retry ``attempt`` (1-based) of the request hashed ``key``.

    Exponential (``backoff * 2**(attempt-1)``, capped at ``backoff_max``) with "equal
    jitter": half fixed, half drawn from the hash of the key and attempt, so concurrent
    retries spread out while every run waits the same (no global random state).
    """
    ceiling = min(backoff_max, backoff * 2.0 ** (attempt - 1))
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return ceiling / 2 + ceiling / 2 * fraction


class GenerationClient:
    """Any backend, with the cache, retries, bounded concurrency and token accounting.

    Args:
        backend: makes one attempt per call.
        store: where the response cache lives.
        cache_prefix: the cache folder in ``store``.
        max_concurrency: most backend calls in flight at once (across threads).
        retries: further attempts after a retryable failure (429, 5xx, timeout, connection).
        backoff: the first retry's delay ceiling, in seconds; doubled each retry.
        backoff_max: the most any delay may be (a server's ``Retry-After`` included).
        sleep: how to wait (tests may pass a fake).
    """

    def __init__(
        self,
        backend: Backend,
        store: Store,
        *,
        cache_prefix: str = DEFAULT_CACHE_PREFIX,
        max_concurrency: int = 4,
        retries: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not _NAME.fullmatch(backend.name):
            raise ConfigError(
                f"backend name {backend.name!r} must match {_NAME.pattern} (it names a folder)"
            )
        if max_concurrency < 1 or retries < 0 or backoff < 0 or backoff_max < backoff:
            raise ConfigError(
                "need max_concurrency >= 1, retries >= 0 and 0 <= backoff <= backoff_max"
            )
        self.backend = backend
        self.store = store
        self.cache_prefix = check_key(cache_prefix.strip("/")) + "/"
        self.max_concurrency = max_concurrency
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}
        self._counts: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"GenerationClient({self.backend!r}, {self.store!r})"

    def resolve(self, params: GenerationParams) -> GenerationParams:
        """``params`` with the model filled in (the backend's default when None): what is
        hashed, sent and recorded in provenance."""
        if params.model is not None:
            return params
        return params.model_copy(update={"model": self.backend.model})

    def request_hash(self, messages: Sequence[Message], params: GenerationParams) -> str:
        """The cache key hash of a request, with its parameters resolved."""
        return request_hash(
            self.backend.name, self.backend.endpoint, messages, self.resolve(params)
        )

    def cache_key(self, digest: str) -> str:
        """The store key of the cached response of the request hashed ``digest``."""
        return f"{self.cache_prefix}{self.backend.name}/{digest[:2]}/{digest}.json"

    def provenance(self, params: GenerationParams, completion: Completion) -> dict[str, Any]:
        """What a generated record's provenance holds about its reply: backend (described,
        no secrets), model that answered, resolved parameters (seed included) and request
        hash. The generator adds its own name and version."""
        return {
            "backend": self.backend.describe(),
            "model": completion.model,
            "params": self.resolve(params).model_dump(mode="json"),
            "request_hash": completion.request_hash,
        }

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """The reply to one request: from the cache, else from the backend (then cached).

        Raises:
            GenerationError: the request is invalid, the reply is malformed, the server
                refused it (4xx) or every attempt failed; ``reason`` says which.
        """
        messages = tuple(messages)
        params = self.resolve(params)
        try:
            _check_messages(messages, self.backend.name)
            digest = request_hash(self.backend.name, self.backend.endpoint, messages, params)
            with self._single_flight(digest):
                return self._complete_once(messages, params, digest)
        except GenerationError as exc:
            self._count_error(exc.reason)
            raise

    def complete_many(self, requests: Sequence[Request]) -> list[Completion | GenerationError]:
        """Replies to many requests, in input order, at most ``max_concurrency`` at once; a
        request that fails holds its ``GenerationError`` (the caller quarantines it)."""
        if not requests:
            return []
        workers = min(self.max_concurrency, len(requests))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mhds-generate") as pool:
            futures = [pool.submit(self._complete_or_error, m, p) for m, p in requests]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def usage(self) -> GenerationUsage:
        """A snapshot of the counts so far."""
        with self._lock:
            counts, errors = dict(self._counts), dict(self._errors)
        return GenerationUsage(errors=errors, **counts)

    def _complete_or_error(
        self, messages: Sequence[Message], params: GenerationParams
    ) -> Completion | GenerationError:
        try:
            return self.complete(messages, params)
        except GenerationError as exc:
            return exc

    def _complete_once(
        self, messages: tuple[Message, ...], params: GenerationParams, digest: str
    ) -> Completion:
        key = self.cache_key(digest)
        cached = self._read_cache(key, digest)
        if cached is not None:
            self._count(cache_hits=1)
            log.debug("generate %s: cache hit", digest[:12])
            return cached
        completion = replace(self._call(messages, params, digest), request_hash=digest)
        entry = {
            "format": CACHE_FORMAT,
            "request_hash": digest,
            "request": request_document(self.backend.name, self.backend.endpoint, messages, params),
            "completion": completion.to_dict(),
        }
        try:
            self.store.put_if_absent(key, codec.dumps(entry))
        except ObjectExistsError:
            # Another process cached this request first: its reply wins, so every run
            # sees the same one.
            log.info("generate %s: cached meanwhile by another writer", digest[:12])
            winner = self._read_cache(key, digest)
            if winner is not None:
                return winner
        return completion

    def _call(
        self, messages: tuple[Message, ...], params: GenerationParams, digest: str
    ) -> Completion:
        """Attempts until a reply, a final error or the last retry."""
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._slots:
                    self._count(requests=1, retries=int(attempt > 1))
                    completion = self.backend.complete(messages, params)
            except GenerationError as exc:
                if not exc.retryable or attempt > self.retries:
                    raise self._final(exc, digest, attempt) from None
                delay = self._delay(digest, attempt, exc.retry_after)
                log.info(
                    "generate %s: %s%s, retry %d of %d in %.2fs",
                    digest[:12],
                    exc.reason,
                    f" (HTTP {exc.status})" if exc.status is not None else "",
                    attempt,
                    self.retries,
                    delay,
                )
                self._sleep(delay)
                continue
            if not isinstance(completion, Completion) or not isinstance(completion.text, str):
                raise GenerationError(
                    GenerationReason.MALFORMED,
                    backend=self.backend.name,
                    request_hash=digest,
                    attempts=attempt,
                    detail=f"the backend returned a {type(completion).__name__}",
                )
            self._count(
                completions=1,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
            )
            return completion

    def _final(self, exc: GenerationError, digest: str, attempts: int) -> GenerationError:
        """The error the caller sees: a retryable failure that outlasted the retries becomes
        ``timeout`` (when the last attempt timed out) or ``retries_exhausted``."""
        reason = exc.reason
        if exc.retryable and reason != GenerationReason.TIMEOUT:
            reason = GenerationReason.RETRIES_EXHAUSTED
        log.warning(
            "generate %s: failed, %s after %d attempt(s)%s",
            digest[:12],
            reason if reason == exc.reason else f"{reason} (last: {exc.reason})",
            attempts,
            f", HTTP {exc.status}" if exc.status is not None else "",
        )
        return GenerationError(
            reason,
            backend=exc.backend,
            request_hash=digest,
            attempts=attempts,
            status=exc.status,
            cause=exc.reason,
            detail=exc.detail,
            retryable=False,
        )

    def _delay(self, digest: str, attempt: int, retry_after: float | None) -> float:
        delay = backoff_delay(digest, attempt, self.backoff, self.backoff_max)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay

    def _read_cache(self, key: str, digest: str) -> Completion | None:
        try:
            data = self.store.read_bytes(key)
        except ObjectNotFoundError:
            return None
        try:
            entry = codec.loads(data)
            if entry["format"] != CACHE_FORMAT or entry["request_hash"] != digest:
                raise ValueError("format or hash mismatch")
            stored = entry["completion"]
            completion = Completion(
                text=stored["text"],
                model=stored["model"],
                finish_reason=stored["finish_reason"],
                prompt_tokens=stored["prompt_tokens"],
                completion_tokens=stored["completion_tokens"],
                tokens_estimated=stored["tokens_estimated"],
                cached=True,
                request_hash=digest,
            )
            if not isinstance(completion.text, str):
                raise ValueError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            raise GenerationError(
                GenerationReason.CACHE_CORRUPT,
                backend=self.backend.name,
                request_hash=digest,
                attempts=0,
                detail=f"unreadable cache entry {key} ({type(exc).__name__})",
            ) from None
        return completion

    @contextmanager
    def _single_flight(self, digest: str) -> Iterator[None]:
        """Hold the request's own lock: identical requests wait for the first one's reply
        (then read it from the cache) instead of paying again."""
        with self._lock:
            flight = self._flights.setdefault(digest, _Flight())
            flight.users += 1
        try:
            with flight.lock:
                yield
        finally:
            with self._lock:
                flight.users -= 1
                if not flight.users:
                    del self._flights[digest]

    def _count(self, **counts: int) -> None:
        with self._lock:
            self._counts.update(counts)

    def _count_error(self, reason: str) -> None:
        with self._lock:
            self._errors[reason] += 1


@dataclass
class _Flight:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


def _check_messages(messages: tuple[Message, ...], backend: str) -> None:
    """A request needs at least one message, each a known role with text content."""
    problem = None
    if not messages:
        problem = "no messages"
    for index, message in enumerate(messages):
        if not isinstance(message, Message):
            problem = f"message {index} is a {type(message).__name__}"
        elif message.role not in ROLES:
            problem = f"message {index} has role {message.role!r} (valid: {', '.join(ROLES)})"
        elif not isinstance(message.content, str):
            problem = f"message {index} content is a {type(message.content).__name__}"
        if problem:
            break
    if problem:
        raise GenerationError(
            GenerationReason.INVALID_REQUEST,
            backend=backend,
            attempts=0,
            detail=problem,
        )
