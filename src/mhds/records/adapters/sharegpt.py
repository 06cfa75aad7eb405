"""The ``sharegpt`` adapter: ``{"conversations": [{"from": "human", "value": ...}]}``."""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.errors import InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import get_list, get_str, require_object
from mhds.records.adapters.turns import (
    Turn,
    build_conversation,
    check_common_options,
    lower_keys,
    read_extras,
)
from mhds.records.schema import Role
from mhds.records.validate import Reason

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
        turns: list[Turn] = []
        for index, raw in enumerate(get_list(obj, "conversations")):
            where = f"conversations[{index}]"
            turn = require_object(raw, where)
            speaker = get_str(turn, "from", where=where)
            role = table.get(speaker.strip().casefold())
            if role is None:
                raise InputError(Reason.UNKNOWN_ROLE, field=f"{where}.from", detail=speaker[:40])
            content = get_str(turn, "value", where=where)
            turns.append(Turn(role, content, f"{where}.from", f"{where}.value"))
        group_key, attributes = read_extras(obj, options)
        return [
            build_conversation(
                turns, options, group_key=group_key, attributes=attributes, field="conversations"
            )
        ]
