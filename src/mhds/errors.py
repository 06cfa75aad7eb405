"""The error taxonomy shared by every mhds package.

Each exception keeps its context as attributes, builds one message that names the object it is
about, and pickles (it crosses process-pool and Dask workers). None of them ever carries record
text or a credential: callers pass keys, line numbers, field names and reason codes only.
"""

from __future__ import annotations

from typing import Any


class MhdsError(Exception):
    """Root of every error mhds raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.context))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[MhdsError], message: str, context: dict[str, Any]) -> MhdsError:
    error = cls.__new__(cls)
    MhdsError.__init__(error, message, **context)
    for name, value in context.items():
        setattr(error, name, value)
    return error


class ConfigError(MhdsError):
    """A registry, config file or option is invalid; nothing has run."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None) -> None:
        text = f"{source}: {message}" if source else message
        super().__init__(text, source=source)
        self.source = source


class InputError(MhdsError):
    """One input record is unusable; it goes to quarantine with this reason.

    Attributes:
        reason: stable snake_case reason code (see ``mhds.records.validate.Reason``).
        field: the field (or JSON path) at fault, when one is.
        key: the store key of the input object.
        line: 1-based line (JSONL, CSV, text) or item number (JSON arrays).
        detail: a short, text-free explanation (types, counts, roles: never content).
    """

    exit_code = 3

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        key: str | None = None,
        line: int | None = None,
        detail: str | None = None,
    ) -> None:
        where = key or "<input>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: {reason}"
        if field:
            text += f" (field {field!r})"
        if detail:
            text += f": {detail}"
        super().__init__(text, reason=reason, field=field, key=key, line=line, detail=detail)
        self.reason = reason
        self.field = field
        self.key = key
        self.line = line
        self.detail = detail

    def located(self, key: str, line: int | None) -> InputError:
        """Return the same error with the object key and line filled in."""
        return InputError(self.reason, field=self.field, key=key, line=line, detail=self.detail)


class InputLimitError(InputError):
    """An input object broke a read limit (``mhds.store.streams.ReadLimits``).

    ``reason`` says which: ``line_too_long`` (a line, CSV row, JSON item or text object over
    ``max_line_bytes``: it is skipped and the object goes on when the reader can resynchronise),
    ``object_too_large`` or ``compression_ratio`` (the object stops there). The reader never
    holds more than the limit, so memory stays bounded whatever the input.
    """


class StoreError(MhdsError):
    """A store operation failed. The URI is always printed redacted."""

    exit_code = 4

    def __init__(self, message: str, *, uri: str, operation: str) -> None:
        super().__init__(f"{operation} {uri}: {message}", uri=uri, operation=operation)
        self.uri = uri
        self.operation = operation


class RetryableStoreError(StoreError):
    """Throttling, a 5xx or a dropped connection that outlasted every retry."""


class ObjectExistsError(StoreError):
    """A write-once put found the object already there."""


class ObjectNotFoundError(StoreError):
    """The object or prefix does not exist."""


class ShardError(MhdsError):
    """One shard failed; the run reports it and goes on with the others."""

    def __init__(self, message: str, *, shard: str) -> None:
        super().__init__(f"shard {shard}: {message}", shard=shard)
        self.shard = shard


class StoreNotFoundError(StoreError):
    """The store a command reads does not exist (no folder, no bucket, or an empty prefix).

    Attributes:
        reason: what is missing, in words (``the folder does not exist``).
        hint: what to do about it (``create it with `mhds init --store ...```).
    """

    def __init__(self, reason: str, *, uri: str, hint: str) -> None:
        MhdsError.__init__(
            self,
            f"no store at {uri}: {reason}; {hint}",
            uri=uri,
            operation="open",
            reason=reason,
            hint=hint,
        )
        self.uri = uri
        self.operation = "open"
        self.reason = reason
        self.hint = hint


class StoreAccessDeniedError(StoreError):
    """The endpoint refused the credentials or the operation (HTTP 403)."""


class StoreUnreachableError(RetryableStoreError):
    """The endpoint could not be reached (refused, timed out) after every attempt."""


class StoreTLSError(StoreError):
    """The endpoint's TLS handshake failed for good: its certificate is not trusted or not
    issued for that host name, or it does not speak TLS at all. Never retried (it does not
    heal); the message names the endpoint, redacted."""


class NothingIngestedError(MhdsError):
    """A source yielded no record: every item was quarantined, or no item was read at all.

    The message gives counts and reason codes only, never record text.

    Attributes:
        source_id: the registry source.
        items: items read (all of them quarantined); 0 when none was read.
        objects: objects read.
        reasons: quarantine reason code -> count.
        quarantine: where the quarantine file is (store URI), when one was written.
    """

    exit_code = 3

    def __init__(
        self,
        source_id: str,
        *,
        items: int,
        objects: int,
        reasons: dict[str, int],
        quarantine: str | None = None,
    ) -> None:
        super().__init__(
            _nothing_ingested_message(source_id, items, objects, reasons, quarantine),
            source_id=source_id,
            items=items,
            objects=objects,
            reasons=dict(reasons),
            quarantine=quarantine,
        )
        self.source_id = source_id
        self.items = items
        self.objects = objects
        self.reasons = dict(reasons)
        self.quarantine = quarantine


_TOP_REASONS = 3


def _nothing_ingested_message(
    source_id: str, items: int, objects: int, reasons: dict[str, int], quarantine: str | None
) -> str:
    text = f"nothing was ingested from source {source_id!r}: "
    if not items:
        return text + (
            f"no items read from {objects} object(s); check that they are not empty and "
            "that the source's format and items_path match them"
        )
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ", ".join(f"{reason}={count}" for reason, count in ranked[:_TOP_REASONS])
    more = f" and {len(ranked) - _TOP_REASONS} more" if len(ranked) > _TOP_REASONS else ""
    every = f"all {items} items were" if items > 1 else "its only item was"
    text += f"{every} quarantined (top reasons: {top}{more})"
    return text + (f"; see {quarantine}" if quarantine else "")
