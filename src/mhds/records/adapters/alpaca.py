"""The ``alpaca`` adapter: instruction (+ input) -> user, output -> assistant."""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind
from mhds.records.adapters.paths import get_optional_str, get_str, require_object
from mhds.records.adapters.turns import (
    Turn,
    build_conversation,
    check_common_options,
    read_extras,
)


class AlpacaAdapter:
    """``{"instruction", "input"?, "output"}`` items (JSON objects or CSV rows).

    The user turn is the instruction, then the input after a blank line when there is one.
    """

    name: ClassVar[str] = "alpaca"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"object", "row"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError for options this adapter cannot use."""
        check_common_options(options)

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one Alpaca item to one two-turn conversation."""
        self.check_options(options)
        obj = require_object(item)
        instruction = get_str(obj, "instruction").strip()
        extra = (get_optional_str(obj, "input") or "").strip()
        prompt = "\n\n".join(part for part in (instruction, extra) if part)
        output = get_str(obj, "output")
        turns = [
            Turn("user", prompt, content_field="instruction"),
            Turn("assistant", output, content_field="output"),
        ]
        group_key, attributes = read_extras(obj, options)
        return [build_conversation(turns, options, group_key=group_key, attributes=attributes)]
