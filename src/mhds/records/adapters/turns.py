"""ChatML assembly that every adapter ends with.

``build_conversation`` strips turns, drops leading assistant turns when the source asks for
it (``leading_assistant: drop``), prepends the configured system prompt, validates the
ChatML rules and reports a failure under the *source* field (``conversations[2].value``)
when the adapter knows it, so quarantine reports point at the input, not at our output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, Scalar
from mhds.records.adapters.paths import (
    check_path,
    get_list,
    get_str,
    join_field,
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


def drop_leading_assistant(turns: Sequence[Turn]) -> list[Turn]:
    """``turns`` without the assistant turns that come before the first user turn.

    System turns are kept. Without any user turn nothing is dropped, so validation reports
    the real problem (``no_user_turn``) instead of an empty conversation.
    """
    first_user = next((n for n, turn in enumerate(turns) if turn.role == "user"), None)
    if first_user is None:
        return list(turns)
    return [t for n, t in enumerate(turns) if n >= first_user or t.role != "assistant"]


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
        options: the adapter options (``system_prompt`` and ``leading_assistant`` are
            used here).
        group_key: the source's grouping value.
        attributes: safe scalar attributes.
        field: the source field that holds the turns, named by whole-conversation errors.

    Raises:
        InputError: a ChatML rule is broken, naming the source field when it is known.
    """
    stripped = [Turn(t.role, t.content.strip(), t.role_field, t.content_field) for t in turns]
    dropped = 0
    if options.leading_assistant == "drop":
        kept = drop_leading_assistant(stripped)
        dropped, stripped = len(stripped) - len(kept), kept
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
    return Conversation(
        messages, group_key=group_key, attributes=dict(attributes or {}), dropped_turns=dropped
    )


def check_common_options(options: AdapterOptions, *paths: str | None) -> None:
    """The option rules every adapter shares: a non-blank system prompt, well-formed paths.

    Raises:
        ConfigError: naming the bad option.
    """
    if options.system_prompt is not None and not options.system_prompt.strip():
        raise ConfigError("adapter option system_prompt is blank")
    for path in (options.group_field, options.generator_field, *options.attribute_fields, *paths):
        if path is not None:
            check_path(path)


def read_extras(item: Any, options: AdapterOptions) -> tuple[str | None, dict[str, Scalar]]:
    """``(group_key, attributes)`` from ``options.group_field`` and ``attribute_fields``."""
    return (
        read_group_key(item, options.group_field),
        read_attributes(item, options.attribute_fields),
    )


def read_turns(
    obj: Mapping[str, Any],
    list_field: str,
    role_field: str,
    content_field: str,
    table: Mapping[str, Role],
) -> list[Turn]:
    """Read ``obj[list_field]`` as turns ``{role_field: label, content_field: text}``.

    ``table`` maps case-folded speaker labels to ChatML roles (see :func:`lower_keys`).

    Raises:
        InputError: a missing or mistyped field, or a label not in ``table`` (UNKNOWN_ROLE,
            naming ``list_field[i].role_field``).
    """
    turns: list[Turn] = []
    for index, raw in enumerate(get_list(obj, list_field)):
        where = f"{list_field}[{index}]"
        turn = require_object(raw, where)
        label_field = join_field(where, role_field)
        label = get_str(turn, role_field, where=where)
        role = table.get(label.strip().casefold())
        if role is None:
            raise InputError(Reason.UNKNOWN_ROLE, field=label_field, detail=label[:40])
        content = get_str(turn, content_field, where=where)
        turns.append(Turn(role, content, label_field, join_field(where, content_field)))
    return turns


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
