"""The ``transcript`` adapter: labelled text such as ``Therapist: ...`` / ``Client: ...``.

A line that starts with a label from the table (``Label:``) opens a new turn; every other
line, including ``Note: ...`` lines whose word is not in the table, continues the current one.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind, Scalar
from mhds.records.adapters.paths import get_str, require_object
from mhds.records.adapters.turns import (
    Turn,
    build_conversation,
    check_common_options,
    lower_keys,
    merge_turns,
    read_extras,
)
from mhds.records.schema import Role
from mhds.records.validate import Reason

_CLINICIANS = ("therapist", "counselor", "counsellor", "psychologist", "doctor")
_CLIENTS = ("client", "patient")
# Human/Assistant (and User) name the same side whichever role the model plays.
_GENERIC: dict[str, Role] = {"human": "user", "user": "user", "assistant": "assistant"}
_AS_ASSISTANT: dict[str, Role] = dict.fromkeys(_CLINICIANS, "assistant")
_AS_USER: dict[str, Role] = dict.fromkeys(_CLINICIANS, "user")
LABELS_BY_ASSISTANT_ROLE: dict[str, dict[str, Role]] = {
    "therapist": {**_AS_ASSISTANT, **dict.fromkeys(_CLIENTS, "user"), **_GENERIC},
    "client": {**_AS_USER, **dict.fromkeys(_CLIENTS, "assistant"), **_GENERIC},
}
# Up to three words before a colon: "Therapist:", "Dr. Lee:", "Client 2:".
_LABEL = re.compile(r"\s*([A-Za-z][\w.'-]*(?: [\w.'-]+){0,2})\s*:(.*)")
_MAX_LABEL = 40


class TranscriptAdapter:
    """A whole labelled transcript (text object, or ``options.text_field`` of a JSON object).

    The label table follows ``options.assistant_role`` (see :data:`LABELS_BY_ASSISTANT_ROLE`);
    ``options.roles`` replaces it. Consecutive turns of one role merge with a newline.
    """

    name: ClassVar[str] = "transcript"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"text", "object"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError when no label table applies or an option is malformed."""
        check_common_options(options, options.text_field)
        _label_table(options)

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Split one transcript into turns and map it to one conversation."""
        self.check_options(options)
        group_key: str | None = None
        attributes: dict[str, Scalar] = {}
        if isinstance(item, str):
            text, field = item, "text"
        else:
            if options.text_field is None:
                raise ConfigError("transcript adapter on JSON input needs options.text_field")
            obj = require_object(item)
            field = options.text_field
            text = get_str(obj, field)
            group_key, attributes = read_extras(obj, options)
        turns = merge_turns(parse_turns(text, _label_table(options), field), "\n")
        return [
            build_conversation(
                turns, options, group_key=group_key, attributes=attributes, field=field
            )
        ]


def parse_turns(text: str, table: dict[str, Role], field: str) -> list[Turn]:
    """Split ``text`` into turns at lines that start with a label of ``table``.

    Raises:
        InputError: UNKNOWN_ROLE when text comes before the first known label; the detail
            names the label (at most 40 characters) or the line number, never the text.
    """
    turns: list[Turn] = []
    role: Role | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LABEL.match(line)
        label = match.group(1).casefold() if match else None
        if match is not None and label in table:
            if role is not None:
                turns.append(Turn(role, "\n".join(lines)))
            role, lines = table[label], [match.group(2)]
        elif role is not None:
            lines.append(line)
        elif match is not None:
            detail = f"unknown speaker label {match.group(1)[:_MAX_LABEL]!r} on line {number}"
            raise InputError(Reason.UNKNOWN_ROLE, field=field, detail=detail)
        elif line.strip():
            detail = f"text before the first speaker label, line {number}"
            raise InputError(Reason.UNKNOWN_ROLE, field=field, detail=detail)
    if role is not None:
        turns.append(Turn(role, "\n".join(lines)))
    return turns


def _label_table(options: AdapterOptions) -> dict[str, Role]:
    if options.roles is not None:
        return lower_keys(options.roles)
    table = LABELS_BY_ASSISTANT_ROLE.get(options.assistant_role)
    if table is None:
        known = ", ".join(LABELS_BY_ASSISTANT_ROLE)
        raise ConfigError(
            f"transcript adapter has no default labels for assistant_role "
            f"{options.assistant_role!r} (known: {known}); set options.roles"
        )
    return table
