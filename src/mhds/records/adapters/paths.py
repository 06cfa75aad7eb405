"""Dotted-path lookups into raw items (``a.b.0.c``) with text-free InputErrors.

Every adapter reads its fields through these helpers, so a missing or mistyped field is
reported the same way everywhere: the reason code, the path and the JSON type, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mhds.errors import ConfigError, InputError
from mhds.records.adapters.base import Scalar
from mhds.records.validate import Reason


def type_name(value: Any) -> str:
    """Name the JSON type of ``value`` (``object``, ``array``, ``string`` ...) for errors."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def join_field(where: str | None, path: str) -> str:
    """The field name an error reports: ``path`` below ``where`` (``dialog[3].speaker``)."""
    return f"{where}.{path}" if where else path


def check_path(path: str) -> None:
    """Raise ConfigError when a configured dotted path is malformed (an empty segment)."""
    if not all(path.split(".")):
        raise ConfigError(f"invalid field path {path!r}: empty segment")


def require_object(item: Any, where: str | None = None) -> Mapping[str, Any]:
    """Return ``item`` as a mapping, or raise NOT_AN_OBJECT (top level) / WRONG_TYPE."""
    if isinstance(item, Mapping):
        return item
    if where is None:
        raise InputError(Reason.NOT_AN_OBJECT, detail=f"got {type_name(item)}")
    raise InputError(
        Reason.WRONG_TYPE, field=where, detail=f"expected object, got {type_name(item)}"
    )


def get_path(item: Any, path: str, *, where: str | None = None) -> Any:
    """Look up a dotted path: object keys by name, array elements by index (``a.b.0.c``).

    Args:
        item: the object to read from.
        path: the dotted path; numeric segments index arrays.
        where: how errors name ``item`` itself (``dialog[3]``); the path is appended to it.

    Raises:
        ConfigError: the path has an empty segment.
        InputError: MISSING_FIELD when a key or index is absent, WRONG_TYPE when a segment
            meets a value that is neither an object nor an array.
    """
    if isinstance(item, dict) and path in item and "." not in path:
        return item[path]  # the common case: one key of an object
    field = join_field(where, path)
    check_path(path)
    segments = path.split(".")
    current = item
    for depth, segment in enumerate(segments):
        parent = ".".join(segments[:depth]) or "item"
        if isinstance(current, Mapping):
            if segment not in current:
                raise InputError(Reason.MISSING_FIELD, field=field)
            current = current[segment]
        elif isinstance(current, list | tuple):
            if not segment.isdigit():
                raise InputError(
                    Reason.WRONG_TYPE, field=field, detail=f"{parent!r} is an array, not an object"
                )
            if int(segment) >= len(current):
                raise InputError(
                    Reason.MISSING_FIELD, field=field, detail=f"{parent!r} has {len(current)} items"
                )
            current = current[int(segment)]
        else:
            raise InputError(
                Reason.WRONG_TYPE,
                field=field,
                detail=f"{parent!r} is {type_name(current)}, cannot look up {segment!r}",
            )
    return current


def get_str(item: Any, path: str, *, where: str | None = None) -> str:
    """Look up ``path`` and require a string (WRONG_TYPE otherwise)."""
    value = get_path(item, path, where=where)
    if not isinstance(value, str):
        raise InputError(
            Reason.WRONG_TYPE,
            field=join_field(where, path),
            detail=f"expected string, got {type_name(value)}",
        )
    return value


def get_optional_str(item: Any, path: str, *, where: str | None = None) -> str | None:
    """Like :func:`get_str`, but a missing field or a null gives ``None``."""
    try:
        if get_path(item, path, where=where) is None:
            return None
    except InputError as exc:
        if exc.reason == Reason.MISSING_FIELD:
            return None
        raise
    return get_str(item, path, where=where)


def get_list(item: Any, path: str, *, where: str | None = None) -> list[Any]:
    """Look up ``path`` and require an array (WRONG_TYPE otherwise)."""
    value = get_path(item, path, where=where)
    if not isinstance(value, list | tuple):
        raise InputError(
            Reason.WRONG_TYPE,
            field=join_field(where, path),
            detail=f"expected array, got {type_name(value)}",
        )
    return list(value)


def get_scalar(item: Any, path: str) -> Scalar:
    """Look up ``path`` and require a scalar (string, number, boolean or null)."""
    value = get_path(item, path)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InputError(
        Reason.WRONG_TYPE, field=path, detail=f"expected a scalar, got {type_name(value)}"
    )


def read_attributes(item: Any, paths: Iterable[str]) -> dict[str, Scalar]:
    """Read scalar attributes, keyed by their path; missing or non-scalar values raise."""
    return {path: get_scalar(item, path) for path in paths}


def read_group_key(item: Any, path: str | None) -> str | None:
    """Read the grouping value at ``path`` as a string (``None`` when no path is set).

    Raises:
        InputError: MISSING_FIELD when the value is absent, null or empty; WRONG_TYPE when it
            is not a scalar.
    """
    if path is None:
        return None
    value = get_scalar(item, path)
    if value is None or value == "":
        raise InputError(Reason.MISSING_FIELD, field=path, detail="empty group value")
    return str(value)


def read_generator(item: Any, path: str | None) -> dict[str, Any] | None:
    """The item's generator object at ``path`` (None when no path is set).

    Raises:
        InputError: MISSING_FIELD when it is absent or null; WRONG_TYPE when it is not an
            object with a non-empty ``name``.
    """
    if path is None:
        return None
    value = get_path(item, path)
    if value is None:
        raise InputError(Reason.MISSING_FIELD, field=path)
    if not isinstance(value, Mapping):
        raise InputError(
            Reason.WRONG_TYPE, field=path, detail=f"expected object, got {type_name(value)}"
        )
    name = value.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(Reason.WRONG_TYPE, field=join_field(path, "name"), detail="needs a name")
    return dict(value)
