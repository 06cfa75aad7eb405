"""The ``sharegpt`` adapter: ``{"conversations": [{"from": "human", "value": ...}]}``."""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import require_object
from mhds.records.adapters.turns import (
    build_conversation,
    check_common_options,
    lower_keys,
    read_extras,
    read_turns,
)
from mhds.records.schema import Role

DEFAULT_ROLES: dict[str, Role] = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "model": "assistant",
}


class ShareGPTAdapter:
    """ShareGPT turns; speakers map through a case-insensitive table.

    ``options.roles`` replaces :data:`DEFAULT_ROLES` when given.
    """

    name: ClassVar[str] = "sharegpt"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"object"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError for options this adapter cannot use."""
        check_common_options(options)

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one ShareGPT object to one conversation."""
        self.check_options(options)
        obj = require_object(item)
        table = lower_keys(options.roles if options.roles is not None else DEFAULT_ROLES)
        turns = read_turns(obj, "conversations", "from", "value", table)
        group_key, attributes = read_extras(obj, options)
        return [
            build_conversation(
                turns, options, group_key=group_key, attributes=attributes, field="conversations"
            )
        ]
