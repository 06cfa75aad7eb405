"""The ``chatml`` adapter: ChatML objects, optionally with renamed roles."""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.errors import InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import get_list, get_str, require_object
from mhds.records.adapters.turns import (
    ROLE_BY_NAME,
    Turn,
    build_conversation,
    check_common_options,
    lower_keys,
    read_extras,
)
from mhds.records.validate import Reason


class ChatMLAdapter:
    """``{"messages": [{"role": ..., "content": ...}]}`` with roles system/user/assistant.

    ``options.roles`` may rename roles first (``{"human": "user"}``, case-insensitive);
    any role that is still not a ChatML role is UNKNOWN_ROLE.
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
        renames = lower_keys(options.roles or {})
        turns: list[Turn] = []
        for index, raw in enumerate(get_list(obj, "messages")):
            where = f"messages[{index}]"
            message = require_object(raw, where)
            label = get_str(message, "role", where=where)
            role = renames.get(label.strip().casefold()) or ROLE_BY_NAME.get(label)
            if role is None:
                raise InputError(Reason.UNKNOWN_ROLE, field=f"{where}.role", detail=label[:40])
            content = get_str(message, "content", where=where)
            turns.append(Turn(role, content, f"{where}.role", f"{where}.content"))
        group_key, attributes = read_extras(obj, options)
        return [build_conversation(turns, options, group_key=group_key, attributes=attributes)]
