"""The ``chatml`` adapter: ChatML objects, optionally with renamed roles."""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import require_object
from mhds.records.adapters.turns import (
    ROLE_BY_NAME,
    build_conversation,
    check_common_options,
    lower_keys,
    read_extras,
    read_turns,
)


class ChatMLAdapter:
    """``{"messages": [{"role": ..., "content": ...}]}`` with roles system/user/assistant.

    Roles match case-insensitively (``User`` is ``user``); ``options.roles`` may add renames
    (``{"human": "user"}``); any other role is UNKNOWN_ROLE.
    """

    name: ClassVar[str] = "chatml"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"object"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError for options this adapter cannot use."""
        check_common_options(options)

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one ChatML object to one conversation."""
        self.check_options(options)
        obj = require_object(item)
        table = lower_keys({**ROLE_BY_NAME, **(options.roles or {})})
        turns = read_turns(obj, "messages", "role", "content", table)
        group_key, attributes = read_extras(obj, options)
        return [build_conversation(turns, options, group_key=group_key, attributes=attributes)]
