"""The quarantine sink: every rejected input, with where it was and why.

Entries go to ``quarantine/<build-id>/<source-id>.jsonl`` in the store (the store is where the
raw data lives, with the same access rules); logs and summaries only ever see reason counts.
Each entry names the input (``source_key`` as printed, ``key`` in the store, ``line``,
``locator``, ``field``), the reason, and holds the raw parsed item (``item``, None when it
could not be parsed): ``mhds quarantine`` lists, shows and explains them.
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from typing import Any

from mhds.errors import InputError
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter
from mhds.store.uri import join_key


class QuarantineWriter:
    """Lazily opens one JSONL object and appends an entry per rejected input."""

    def __init__(self, store: Store, prefix: str, build_id: str, source_id: str) -> None:
        self.store = store
        self.key = join_key(prefix, build_id, f"{source_id}.jsonl")
        self.source_id = source_id
        self.reasons: Counter[str] = Counter()
        self._stack = ExitStack()
        self._writer: JsonlWriter | None = None

    def __enter__(self) -> QuarantineWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stack.__exit__(*exc_info)

    @property
    def count(self) -> int:
        """How many inputs were quarantined."""
        return sum(self.reasons.values())

    def add(self, error: InputError, *, source_uri: str, locator: str, item: Any = None) -> None:
        """Record one rejected input; ``item`` is the raw parsed input when there is one."""
        if self._writer is None:
            self._writer = self._stack.enter_context(JsonlWriter(self.store, self.key))
        self.reasons[error.reason] += 1
        self._writer.write(
            {
                "source_id": self.source_id,
                "source_key": source_uri,
                "key": error.key,
                "line": error.line,
                "locator": locator,
                "field": error.field,
                "reason": str(error.reason),
                "detail": error.detail,
                "item": item,
            }
        )
