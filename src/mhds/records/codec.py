"""The one JSON codec of mhds: parsing input, writing records, and the canonical form.

Everything that turns JSON into bytes goes through here, so the canonical form (sorted keys,
compact separators, UTF-8, no ASCII escaping) is defined in one place.
"""

from __future__ import annotations

from typing import Any

import orjson

DecodeError = orjson.JSONDecodeError


def loads(data: bytes | str) -> Any:
    """Parse one JSON document."""
    return orjson.loads(data)


def dumps(obj: Any, *, indent: bool = False) -> bytes:
    """Serialise ``obj`` with sorted keys (stable output for reports and manifests)."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    return orjson.dumps(obj, option=option, default=_default)


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj``: sorted keys, compact, UTF-8, no trailing newline."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS, default=_default)


def _default(obj: Any) -> Any:
    import msgspec

    if isinstance(obj, msgspec.Struct):
        return msgspec.to_builtins(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")
