"""The ``mapped`` adapter: dialogue JSON read through a declarative ``FieldMapping``.

ESConv, for example: ``messages_field: dialog, role_field: speaker, content_field: content``
with ``roles: {usr: user, sys: assistant}`` and ``merge_consecutive: true``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mhds.errors import ConfigError
from mhds.records.adapters.base import AdapterOptions, Conversation, FieldMapping, InputKind
from mhds.records.adapters.paths import (
    get_str,
    read_attributes,
    read_group_key,
    require_object,
)
from mhds.records.adapters.turns import (
    Turn,
    build_conversation,
    check_common_options,
    lower_keys,
    merge_turns,
    read_turns,
)
from mhds.records.schema import Role


class MappedAdapter:
    """Turns at ``mapping.messages_field``; speakers mapped by the explicit ``options.roles``.

    Group and attribute paths come from the mapping, else from the options (attribute paths
    of both are kept). ``mapping.system_field`` gives a first system turn.
    """

    name: ClassVar[str] = "mapped"
    accepts: ClassVar[frozenset[InputKind]] = frozenset({"object"})

    def check_options(self, options: AdapterOptions) -> None:
        """Raise ConfigError without a mapping or explicit roles, or with a malformed path."""
        mapping, _ = _require_config(options)
        check_common_options(
            options,
            mapping.messages_field,
            mapping.role_field,
            mapping.content_field,
            mapping.group_field,
            mapping.system_field,
            *mapping.attribute_fields,
        )

    def convert(self, item: Any, options: AdapterOptions) -> list[Conversation]:
        """Map one object to one conversation."""
        self.check_options(options)
        mapping, roles = _require_config(options)
        obj = require_object(item)
        turns = read_turns(
            obj, mapping.messages_field, mapping.role_field, mapping.content_field, roles
        )
        if mapping.merge_consecutive:
            turns = merge_turns(turns, "\n\n")
        if mapping.system_field is not None:
            system = get_str(obj, mapping.system_field)
            turns.insert(0, Turn("system", system, content_field=mapping.system_field))
        paths = dict.fromkeys((*mapping.attribute_fields, *options.attribute_fields))
        return [
            build_conversation(
                turns,
                options,
                group_key=read_group_key(obj, mapping.group_field or options.group_field),
                attributes=read_attributes(obj, paths),
                field=mapping.messages_field,
            )
        ]


def _require_config(options: AdapterOptions) -> tuple[FieldMapping, dict[str, Role]]:
    if options.mapping is None:
        raise ConfigError("mapped adapter needs options.mapping")
    if options.roles is None:
        raise ConfigError("mapped adapter needs explicit options.roles (speaker -> role)")
    return options.mapping, lower_keys(options.roles)
