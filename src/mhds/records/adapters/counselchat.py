"""The ``counselchat`` adapter: one CounselChat CSV row (one therapist answer) per conversation.

Columns: an unnamed index, questionID, questionTitle, questionText, questionLink, topic,
therapistInfo, therapistURL, answerText, upvotes, views, split. The therapist's name and URL
and the question link identify people: they never reach messages or attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import AdapterOptions, Conversation, InputKind, Scalar
from mhds.records.adapters.paths import (
    get_path,
    get_str,
    read_attributes,
    read_group_key,
    require_object,
    type_name,
)
from mhds.records.adapters.turns import Turn, build_conversation, check_common_options
from mhds.records.validate import Reason

#: The columns of the published CounselChat CSV, in order (the first is an unnamed index).
COLUMNS: tuple[str, ...] = (
    "",
    "questionID",
    "questionTitle",
    "questionText",
    "questionLink",
    "topic",
    "therapistInfo",
    "therapistURL",
    "answerText",
    "upvotes",
    "views",
    "split",
)
IDENTIFYING_COLUMNS = frozenset({"therapistInfo", "therapistURL", "questionLink"})
DEFAULT_GROUP_FIELD = "questionID"
# The scrape indents continuation lines of questionText ("...here.\n   I've never...").
_INDENTED_BREAK = re.compile(r"[ \t]*\n[ \t]*")


class CounselChatAdapter:
    """Question (title + text) -> user, answer -> assistant, grouped by ``questionID``.

    Attributes: ``topic``, ``upvotes`` and ``views`` (ints), ``source_split`` (the dataset's
    own ``split`` column), plus any ``options.attribute_fields`` that are not identifying.
    """

    name: ClassVar[str] = "counselchat"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"row", "object"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError when options would copy an identifying column."""
        check_common_options(options)
        chosen = {*options.attribute_fields, options.group_field or DEFAULT_GROUP_FIELD}
        leaked = sorted(chosen & IDENTIFYING_COLUMNS)
        if leaked:
            raise ConfigError(f"counselchat adapter: identifying columns cannot be used: {leaked}")

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one row to one conversation."""
        self.check_options(options)
        row = require_object(item)
        title = get_str(row, "questionTitle").strip()
        text = _normalise(get_str(row, "questionText"))
        answer = get_str(row, "answerText").strip()
        if not answer:
            raise InputError(Reason.EMPTY_CONTENT, field="answerText")
        turns = [
            Turn("user", _question(title, text), content_field="questionText"),
            Turn("assistant", answer, content_field="answerText"),
        ]
        attributes: dict[str, Scalar] = {
            "topic": get_str(row, "topic").strip() or None,
            "upvotes": _read_int(row, "upvotes"),
            "views": _read_int(row, "views"),
            "source_split": get_str(row, "split").strip() or None,
        }
        attributes.update(read_attributes(row, options.attribute_fields))
        group_key = read_group_key(row, options.group_field or DEFAULT_GROUP_FIELD)
        return [build_conversation(turns, options, group_key=group_key, attributes=attributes)]


def _question(title: str, text: str) -> str:
    """Title and text joined by a blank line; only one when the other is empty or repeats it."""
    if not title or text.startswith(title):
        return text
    if not text:
        return title
    return f"{title}\n\n{text}"


def _normalise(value: str) -> str:
    return _INDENTED_BREAK.sub("\n", value.strip())


def _read_int(row: Mapping[str, Any], column: str) -> int | None:
    """An integer column: CSV gives digits as text, JSON gives numbers; empty is None."""
    value = get_path(row, column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise InputError(
        Reason.WRONG_TYPE, field=column, detail=f"expected integer, got {type_name(value)}"
    )
