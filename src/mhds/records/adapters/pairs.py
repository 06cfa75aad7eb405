"""The ``pairs`` adapter: one prompt/response pair per item, field names detected or given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import get_str, require_object
from mhds.records.adapters.turns import (
    Turn,
    build_conversation,
    check_common_options,
    read_extras,
)
from mhds.records.validate import Reason

# Tried in this order; the first pair with both fields present wins.
KNOWN_PAIRS: tuple[tuple[str, str], ...] = (
    ("prompt", "response"),
    ("input", "output"),
    ("question", "answer"),
    ("context", "response"),
)


class PairsAdapter:
    """A single exchange: user field -> user turn, assistant field -> assistant turn.

    ``options.user_field`` and ``options.assistant_field`` (dotted paths, both or neither)
    override the detection of :data:`KNOWN_PAIRS`.
    """

    name: ClassVar[str] = "pairs"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"object", "row"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError unless user_field and assistant_field come together or not at all."""
        if (options.user_field is None) != (options.assistant_field is None):
            raise ConfigError("pairs adapter: set both user_field and assistant_field, or neither")
        check_common_options(options, options.user_field, options.assistant_field)

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one item to one two-turn conversation."""
        self.check_options(options)
        obj = require_object(item)
        user_field, assistant_field = _pick_fields(obj, options)
        turns = [
            Turn("user", get_str(obj, user_field), content_field=user_field),
            Turn("assistant", get_str(obj, assistant_field), content_field=assistant_field),
        ]
        group_key, attributes = read_extras(obj, options)
        return [build_conversation(turns, options, group_key=group_key, attributes=attributes)]


def _pick_fields(obj: Mapping[str, Any], options: AdapterOptions) -> tuple[str, str]:
    """The explicit fields, else the first known pair present (both, then either)."""
    user, assistant = options.user_field, options.assistant_field
    if user is not None and assistant is not None:
        return user, assistant
    for pair in KNOWN_PAIRS:
        if pair[0] in obj and pair[1] in obj:
            return pair
    for pair in KNOWN_PAIRS:
        missing = [name for name in pair if name not in obj]
        if len(missing) == 1:
            raise InputError(
                Reason.MISSING_FIELD, field=missing[0], detail=f"pair {'/'.join(pair)}"
            )
    known = ", ".join("/".join(pair) for pair in KNOWN_PAIRS)
    raise InputError(Reason.MISSING_FIELD, field=KNOWN_PAIRS[0][0], detail=f"none of {known}")
