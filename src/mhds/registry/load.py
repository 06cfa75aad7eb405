"""Load a registry file: YAML in, a validated Registry out, or one ConfigError naming every
failing field path (``registry.yaml: families[2].stage: unknown stage 'stage9'``).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mhds.errors import ConfigError, MhdsError
from mhds.records import codec
from mhds.registry.schema import Registry, Source

DEFAULT_NAME = "<registry>"
# Which adapter input kind each declared container format produces.
_INPUT_KIND = {"jsonl": "object", "json": "object", "csv": "row", "tsv": "row", "text": "text"}


def load_registry(path_or_text: str | Path) -> Registry:
    """Load and validate a registry from a file or from YAML text.

    A ``Path``, or a one-line string that ends in ``.yaml``/``.yml`` or names an existing
    file, is read as a file; any other string is parsed as YAML text.

    Raises:
        ConfigError: the file is missing, is not valid YAML, or fails validation; the message
            names the file and each failing field path.
    """
    if isinstance(path_or_text, Path) or _looks_like_path(path_or_text):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read registry: {exc.strerror}", source=str(path)) from None
        except UnicodeDecodeError:
            raise ConfigError("registry is not UTF-8 text", source=str(path)) from None
        return parse_registry(text, name=path.name)
    return parse_registry(path_or_text)


def parse_registry(text: str, *, name: str = DEFAULT_NAME) -> Registry:
    """Parse registry YAML ``text``; ``name`` labels error messages (usually the file name)."""
    data = _parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ConfigError(
            "the registry must be a YAML mapping (stages, families, sources)", source=name
        )
    try:
        registry = Registry.model_validate(data)
    except ValidationError as exc:
        raise _config_error(_describe(exc).split("\n"), name) from None
    problems = _check_locations(registry) + _check_adapters(registry)
    if problems:
        raise _config_error(problems, name)
    return registry


def registry_hash(registry: Registry) -> str:
    """``sha256:`` + hex digest of the registry's canonical JSON (goes into manifests).

    An unset ``allowed_licenses`` is left out, so registries written before that field
    existed keep their hash.
    """
    unset = {"allowed_licenses"} if registry.allowed_licenses is None else None
    canonical = codec.canonical_json(registry.model_dump(mode="json", exclude=unset))
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def default_registry_path() -> Path:
    """The packaged example registry (``mhds/examples/registry.yaml``)."""
    return Path(str(resources.files("mhds").joinpath("examples", "registry.yaml")))


def _config_error(problems: list[str], name: str) -> ConfigError:
    """One ConfigError, one line per problem, each line naming the file."""
    return ConfigError(f"\n{name}: ".join(problems), source=name)


def _looks_like_path(value: str) -> bool:
    if "\n" in value or not value.strip():
        return False
    return value.endswith((".yaml", ".yml")) or Path(value).is_file()


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (YAML keeps the last)."""


def _no_duplicate_keys(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _no_duplicate_keys,
)


def _parse_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        # problem/context and marks only: str(exc) would quote lines of the file.
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = exc.problem or "invalid YAML"
        if exc.context:
            what += f" ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                what += f" started at line {exc.context_mark.line + 1}"
            what += ")"
        raise ConfigError(f"{where}YAML syntax error: {what}", source=name) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {type(exc).__name__}", source=name) from None


def _describe(exc: ValidationError) -> str:
    """One line per failing field: ``families[2].stage: message`` (never the input value)."""
    lines: list[str] = []
    for error in exc.errors(include_input=False, include_url=False):
        path = _field_path(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        # Registry-level checks already name their field path on each line.
        for part in message.split("\n"):
            lines.append(f"{path}: {part}" if path else part)
    return "\n".join(lines)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _check_locations(registry: Registry) -> list[str]:
    """Prefixes end in '/'; sources do not point into areas mhds writes to or ignores."""
    problems = [
        f"layout.{field}: prefix {value!r} must be relative and end with '/'"
        for field, value in registry.layout.model_dump().items()
        if not _is_prefix(value)
    ]
    problems += [
        f"ignore_prefixes[{i}]: prefix {value!r} must be relative and end with '/'"
        for i, value in enumerate(registry.ignore_prefixes)
        if not _is_prefix(value)
    ]
    reserved = [(p, "layout") for p in registry.layout.own_prefixes()]
    reserved += [(p, "ignore_prefixes") for p in registry.ignore_prefixes]
    for i, source in enumerate(registry.sources):
        for field, locations in (("keys", source.keys), ("prefixes", source.prefixes)):
            for j, location in enumerate(locations):
                hit = next(((p, why) for p, why in reserved if location.startswith(p)), None)
                if hit:
                    problems.append(
                        f"sources[{i}].{field}[{j}]: {location!r} lies under {hit[0]!r} "
                        f"({hit[1]}), which inventory does not read as a source"
                    )
    return problems


def _is_prefix(value: str) -> bool:
    return value.endswith("/") and not value.startswith("/") and "://" not in value


def _check_adapters(registry: Registry) -> list[str]:
    """Every adapter is known, accepts the declared format, and accepts its options."""
    from mhds.records.adapters import get_adapter

    problems = []
    for i, source in enumerate(registry.sources):
        try:
            adapter = get_adapter(source.adapter)
        except ConfigError as exc:
            problems.append(f"sources[{i}].adapter: {exc.message}")
            continue
        kind = _INPUT_KIND.get(source.format)
        if kind is not None and kind not in adapter.accepts:
            accepted = ", ".join(sorted(adapter.accepts))
            problems.append(
                f"sources[{i}].format: adapter {source.adapter!r} does not read "
                f"{source.format!r} input (it reads: {accepted})"
            )
        problems += _check_options(registry, source, adapter, f"sources[{i}].adapter_options")
    return problems


def _check_options(registry: Registry, source: Source, adapter: Any, path: str) -> list[str]:
    # Adapters may declare a check_options(options) hook for adapter-specific rules
    # (the mapped adapter needs a mapping, pairs needs both fields or neither ...).
    try:
        options = registry.adapter_options(source)
        check = getattr(adapter, "check_options", None)
        if callable(check):
            check(options)
    except ValidationError as exc:
        return [f"{path}: {line}" for line in _describe(exc).split("\n")]
    except MhdsError as exc:
        return [f"{path}: {exc.message}"]
    return []
