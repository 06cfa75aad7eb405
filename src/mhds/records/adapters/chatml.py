"""The ``chatml`` adapter, and the ChatML assembly every adapter ends with.

``build_conversation`` strips turns, prepends the configured system prompt, validates the
ChatML rules and reports a failure under the *source* field (``conversations[2].value``)
when the adapter knows it, so quarantine reports point at the input, not at our output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind, Scalar
from mhds.records.adapters.paths import (
    check_path,
    get_list,
    get_str,
    read_attributes,
    read_group_key,
    require_object,
)
from mhds.records.schema import Message, Role
from mhds.records.validate import Reason, validate_messages

ROLE_BY_NAME: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}
_MESSAGE_FIELD = re.compile(r"messages\[(\d+)\]\.(role|content)")


@dataclass(frozen=True)
class Turn:
    """One turn before validation, with the source fields it came from (for errors)."""

    role: Role
    content: str
    role_field: str | None = None
    content_field: str | None = None


def lower_keys(table: Mapping[str, Role]) -> dict[str, Role]:
    """A label table with case-folded keys, for case-insensitive lookups."""
    return {label.strip().casefold(): role for label, role in table.items()}


def merge_turns(turns: Sequence[Turn], separator: str) -> list[Turn]:
    """Join consecutive turns of the same role with ``separator``.

    Parts are stripped and blank parts dropped before joining; a merged turn keeps the
    source fields of its first part.
    """
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role:
            last = merged[-1]
            parts = (last.content.strip(), turn.content.strip())
            merged[-1] = replace(last, content=separator.join(part for part in parts if part))
        else:
            merged.append(turn)
    return merged


def build_conversation(
    turns: Sequence[Turn],
    options: AdapterOptions,
    *,
    group_key: str | None = None,
    attributes: Mapping[str, Scalar] | None = None,
    field: str = "messages",
) -> Conversation:
    """Strip, add the system prompt, validate, and wrap turns into a Conversation.

    Args:
        turns: the turns in order.
        options: the adapter options (``system_prompt`` is used here).
        group_key: the source's grouping value.
        attributes: safe scalar attributes.
        field: the source field that holds the turns, named by whole-conversation errors.

    Raises:
        InputError: a ChatML rule is broken, naming the source field when it is known.
    """
    stripped = [replace(turn, content=turn.content.strip()) for turn in turns]
    prompt = options.system_prompt
    if prompt is not None and stripped and stripped[0].role != "system":
        stripped.insert(0, Turn("system", prompt.strip()))
    messages = tuple(Message(role=turn.role, content=turn.content) for turn in stripped)
    try:
        validate_messages(messages)
    except InputError as exc:
        relocated = _relocate(exc, stripped, field)
        if relocated is exc:
            raise
        raise relocated from exc
    return Conversation(messages, group_key=group_key, attributes=dict(attributes or {}))


def check_common_options(options: AdapterOptions, *paths: str | None) -> None:
    """The option rules every adapter shares: a non-blank system prompt, well-formed paths.

    Raises:
        ConfigError: naming the bad option.
    """
    if options.system_prompt is not None and not options.system_prompt.strip():
        raise ConfigError("adapter option system_prompt is blank")
    for path in (options.group_field, *options.attribute_fields, *paths):
        if path is not None:
            check_path(path)


def read_extras(item: Any, options: AdapterOptions) -> tuple[str | None, dict[str, Scalar]]:
    """``(group_key, attributes)`` from ``options.group_field`` and ``attribute_fields``."""
    return (
        read_group_key(item, options.group_field),
        read_attributes(item, options.attribute_fields),
    )


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


def _relocate(exc: InputError, turns: Sequence[Turn], field: str) -> InputError:
    """Re-point a ``messages[i].x`` error at the source field of turn ``i``."""
    if exc.field == "messages":
        return InputError(exc.reason, field=field, detail=exc.detail)
    match = _MESSAGE_FIELD.fullmatch(exc.field or "")
    if match is None:
        return exc
    turn = turns[int(match.group(1))]
    source = turn.role_field if match.group(2) == "role" else turn.content_field
    return InputError(exc.reason, field=source or exc.field, detail=exc.detail)
