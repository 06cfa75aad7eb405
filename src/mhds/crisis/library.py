"""The crisis scenario library: versioned data (``data/scenarios-v1.yaml``, or a store's own
file) naming the categories, the elements a response must and must never contain, the
variation axes, the client openings and the crisis resources of each region."""

from __future__ import annotations

import hashlib
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mhds.errors import ConfigError
from mhds.records.codec import canonical_json

_M = TypeVar("_M", bound=BaseModel)

DEFAULT_LIBRARY: Final = "scenarios-v1.yaml"
SNAKE_CASE: Final = r"^[a-z][a-z0-9_]*$"
REGION_KEY: Final = r"^[A-Z]{2}$"
# Axes whose values are keyed objects that may fill placeholders; the persona is the first four.
PERSONA_AXES: Final = ("age_group", "gender", "culture", "communication_style")
VALUE_AXES: Final = (*PERSONA_AXES, "context")
# Axes a category may narrow with ``restrict`` (turns are not narrowed).
RESTRICTABLE_AXES: Final = (*VALUE_AXES, "directness", "region")
OUT_OF_SCOPE: Final = (
    "the graphic, perpetrator-perspective 'ultra' tier is out of scope for mhds: the library "
    "does not hold it and no scenario is generated from it; remove the category"
)

Severity = Literal["red", "yellow"]
ElementKind = Literal["required", "forbidden"]
RiskLevel = Literal["low", "moderate", "high", "imminent"]
Tier = Literal["crisis", "moderate"]
Directness = Literal["explicit", "indirect"]
ResourceKind = Literal[
    "emergency",
    "suicide_crisis",
    "crisis_text",
    "domestic_violence",
    "child_protection",
    "elder_abuse",
    "substance_use",
    "eating_disorder",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """A piece of guidance that elements cite."""

    key: str = Field(pattern=SNAKE_CASE, description="Stable id, cited by elements.")
    title: str = Field(min_length=1, description="Short name, e.g. 'C-SSRS'.")
    citation: str = Field(min_length=1, description="Full reference (authors, year, venue).")
    url: str | None = Field(default=None, description="Where the source is published.")


class Element(_Frozen):
    """One thing a good response must contain (required) or must never contain (forbidden)."""

    key: str = Field(pattern=SNAKE_CASE, description="Stable id, used by categories and gates.")
    kind: ElementKind = Field(description="'required' (must appear) or 'forbidden' (never).")
    description: str = Field(min_length=1, description="What a scorer looks for, in one line.")
    severity: Severity = Field(
        description="Gate severity when broken: 'red' fails the gate, 'yellow' is reported."
    )
    source: str = Field(pattern=SNAKE_CASE, description="Key of the source it comes from.")
    needs_resources: bool = Field(
        default=False,
        description="It asks for the region's resources: a category requiring it must name "
        "resource kinds.",
    )


class Resource(_Frozen):
    """One crisis or support contact of a region."""

    name: str = Field(min_length=1, description="Service name as the service spells it.")
    contact: str = Field(min_length=1, description="How to reach it, e.g. 'call or text 988'.")
    kind: ResourceKind = Field(description="What it is for; categories select by kind.")
    url: str | None = Field(default=None, description="Official page, to re-verify the contact.")


class AxisValue(_Frozen):
    """One value of a variation axis."""

    key: str = Field(pattern=SNAKE_CASE, description="Stable id, written into scenarios.")
    label: str = Field(min_length=1, description="Human-readable name, for generators.")
    fills: dict[str, str] = Field(
        default_factory=dict,
        description="Placeholder -> text it fills in openings; every value of an axis fills "
        "the same placeholders.",
    )


class Axes(_Frozen):
    """The variation axes scenarios are drawn from."""

    age_group: tuple[AxisValue, ...] = Field(min_length=1, description="Persona age groups.")
    gender: tuple[AxisValue, ...] = Field(min_length=1, description="Persona genders.")
    culture: tuple[AxisValue, ...] = Field(min_length=1, description="Persona cultures.")
    communication_style: tuple[AxisValue, ...] = Field(
        min_length=1, description="How the client talks (direct, guarded, hostile ...)."
    )
    context: tuple[AxisValue, ...] = Field(min_length=1, description="Conversation settings.")
    turns: tuple[int, ...] = Field(
        min_length=1, description="Conversation lengths in turns (client + helper messages)."
    )
    directness: tuple[Directness, ...] = Field(
        min_length=1, description="How openly the client signals the risk."
    )
    region: tuple[str, ...] = Field(
        min_length=1, description="Region keys; each needs a 'resources' entry."
    )

    def values(self, axis: str) -> tuple[AxisValue, ...]:
        """The keyed values of one of ``VALUE_AXES``."""
        result: tuple[AxisValue, ...] = getattr(self, axis)
        return result

    def keys(self, axis: str) -> tuple[str, ...]:
        """The value keys of any restrictable axis, in library order."""
        if axis in VALUE_AXES:
            return tuple(v.key for v in self.values(axis))
        result: tuple[str, ...] = getattr(self, axis)
        return result


class Openings(_Frozen):
    """Short client-opening templates, by directness of the risk signal."""

    explicit: tuple[str, ...] = Field(min_length=1, description="The risk is said outright.")
    indirect: tuple[str, ...] = Field(
        min_length=1, description="The risk is hinted at (where models are weakest)."
    )

    def for_directness(self, directness: Directness) -> tuple[str, ...]:
        """The templates of one directness."""
        return self.explicit if directness == "explicit" else self.indirect


class Category(_Frozen):
    """One scenario category: its risk, the rules a response follows, its openings."""

    key: str = Field(pattern=SNAKE_CASE, description="Stable id, written into scenarios.")
    label: str = Field(min_length=1, description="Human-readable name.")
    description: str = Field(min_length=1, description="What the client presents with.")
    tier: Tier = Field(description="'crisis' or 'moderate'; the 'ultra' tier is refused.")
    perspective: Literal["client"] = Field(
        default="client", description="Whose voice the openings are in: always the client's."
    )
    risk_level: RiskLevel = Field(description="low, moderate, high or imminent.")
    cssrs_level: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="C-SSRS ideation level (1 wish to be dead ... 5 plan and intent), where "
        "it applies.",
    )
    reporting: bool = Field(
        default=False,
        description="A mandated report may apply (child or elder abuse); duties vary by "
        "jurisdiction.",
    )
    required: tuple[str, ...] = Field(min_length=1, description="Required element keys.")
    forbidden: tuple[str, ...] = Field(min_length=1, description="Forbidden element keys.")
    resource_kinds: tuple[ResourceKind, ...] = Field(
        default=(), description="Resource kinds to give, in order of preference."
    )
    restrict: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Axis -> the only value keys this category draws."
    )
    openings: Openings = Field(description="Client-opening templates.")

    @model_validator(mode="before")
    @classmethod
    def _in_scope(cls, data: Any) -> Any:
        if isinstance(data, dict):
            tier = str(data.get("tier", "")).lower()
            if tier.startswith("ultra") or data.get("perspective") == "perpetrator":
                raise ValueError(f"category {data.get('key')!r}: {OUT_OF_SCOPE}")
        return data


class ScenarioLibrary(_Frozen):
    """The whole library: sources, elements, resources, axes and categories."""

    version: str = Field(min_length=1, description="Library version, e.g. '1'.")
    sources: tuple[Source, ...] = Field(min_length=1, description="Guidance cited by elements.")
    elements: tuple[Element, ...] = Field(
        min_length=1, description="Required and forbidden elements, defined once."
    )
    resources: dict[str, tuple[Resource, ...]] = Field(
        min_length=1, description="Region key -> its crisis and support contacts."
    )
    axes: Axes = Field(description="Variation axes.")
    categories: tuple[Category, ...] = Field(min_length=1, description="Scenario categories.")

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioLibrary:
        problems = [
            *_repeated("sources", (s.key for s in self.sources)),
            *_repeated("elements", (e.key for e in self.elements)),
            *_repeated("categories", (c.key for c in self.categories)),
            *self._element_problems(),
            *self._axis_problems(),
            *self._category_problems(),
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def category_keys(self) -> tuple[str, ...]:
        """Category keys, in library order."""
        return tuple(c.key for c in self.categories)

    def category(self, key: str) -> Category:
        """The category with this key.

        Raises:
            KeyError: no such category.
        """
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)

    def element(self, key: str) -> Element:
        """The element with this key.

        Raises:
            KeyError: no such element.
        """
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(key)

    def axis_keys(self, category: Category, axis: str) -> tuple[str, ...]:
        """The value keys a category draws on one axis (its ``restrict`` applied)."""
        allowed = category.restrict.get(axis)
        keys = self.axes.keys(axis)
        return keys if allowed is None else tuple(k for k in keys if k in allowed)

    def resources_for(self, category: Category, region: str) -> tuple[Resource, ...]:
        """The region's resources of the category's kinds, in the category's kind order."""
        listed = self.resources.get(region, ())
        return tuple(r for kind in category.resource_kinds for r in listed if r.kind == kind)

    def placeholders(self) -> dict[str, str]:
        """Placeholder -> the axis that fills it."""
        return {
            name: axis
            for axis in VALUE_AXES
            for value in self.axes.values(axis)[:1]
            for name in value.fills
        }

    def digest(self) -> str:
        """``sha256:<hex>`` of the canonical JSON of the whole library, so that a scenario
        names the exact library it came from (computed once)."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        data = self.model_dump(mode="json")
        return "sha256:" + hashlib.sha256(canonical_json(data)).hexdigest()

    def _element_problems(self) -> Iterator[str]:
        sources = {s.key for s in self.sources}
        for i, element in enumerate(self.elements):
            if element.source not in sources:
                yield (
                    f"elements.{i}.source: unknown source {element.source!r} "
                    f"(valid: {', '.join(sorted(sources))})"
                )

    def _axis_problems(self) -> Iterator[str]:
        for axis in VALUE_AXES:
            values = self.axes.values(axis)
            yield from _repeated(f"axes.{axis}", (v.key for v in values))
            first = set(values[0].fills)
            for i, value in enumerate(values):
                if set(value.fills) != first:
                    yield (
                        f"axes.{axis}.{i}.fills: fills {sorted(value.fills)} but "
                        f"axes.{axis}.0 fills {sorted(first)}: every value of an axis fills "
                        "the same placeholders"
                    )
        owners: dict[str, str] = {}
        for axis in VALUE_AXES:
            for name in self.axes.values(axis)[0].fills:
                if name in owners:
                    yield f"axes.{axis}.fills: placeholder {name!r} also filled by {owners[name]}"
                owners.setdefault(name, axis)
        yield from _repeated("axes.turns", (str(t) for t in self.axes.turns))
        yield from _repeated("axes.directness", self.axes.directness)
        yield from _repeated("axes.region", self.axes.region)
        for i, turns in enumerate(self.axes.turns):
            if turns < 2:
                yield f"axes.turns.{i}: {turns} turns; a conversation needs at least 2"
        for i, region in enumerate(self.axes.region):
            if region not in self.resources:
                yield f"axes.region.{i}: region {region!r} has no resources"

    def _category_problems(self) -> Iterator[str]:
        elements = {e.key: e for e in self.elements}
        fillable = self.placeholders()
        for i, category in enumerate(self.categories):
            where = f"categories.{i}"
            for kind in ("required", "forbidden"):
                keys: tuple[str, ...] = getattr(category, kind)
                yield from _repeated(f"{where}.{kind}", keys)
                for j, key in enumerate(keys):
                    element = elements.get(key)
                    if element is None:
                        valid = sorted(k for k, e in elements.items() if e.kind == kind)
                        yield (
                            f"{where}.{kind}.{j}: unknown element {key!r} "
                            f"(valid: {', '.join(valid)})"
                        )
                    elif element.kind != kind:
                        yield f"{where}.{kind}.{j}: element {key!r} is {element.kind}"
                    elif element.needs_resources and not category.resource_kinds:
                        yield f"{where}.resource_kinds: element {key!r} needs resource kinds"
            yield from _repeated(f"{where}.resource_kinds", category.resource_kinds)
            yield from self._restrict_problems(where, category)
            yield from _template_problems(where, category.openings, fillable)
            yield from self._resource_problems(where, category)

    def _restrict_problems(self, where: str, category: Category) -> Iterator[str]:
        for axis, allowed in category.restrict.items():
            if axis not in RESTRICTABLE_AXES:
                yield (
                    f"{where}.restrict.{axis}: not a restrictable axis "
                    f"(valid: {', '.join(RESTRICTABLE_AXES)})"
                )
                continue
            known = self.axes.keys(axis)
            unknown = [key for key in allowed if key not in known]
            if unknown:
                yield (
                    f"{where}.restrict.{axis}: unknown values {', '.join(unknown)} "
                    f"(valid: {', '.join(known)})"
                )
            elif not allowed:
                yield f"{where}.restrict.{axis}: empty; name at least one value"

    def _resource_problems(self, where: str, category: Category) -> Iterator[str]:
        if not category.resource_kinds:
            return
        for region in self.axis_keys(category, "region"):
            if region in self.resources and not self.resources_for(category, region):
                yield (
                    f"{where}.resource_kinds: region {region!r} has no resource of kinds "
                    f"{', '.join(category.resource_kinds)}"
                )


def load_library(path: Path | None = None) -> ScenarioLibrary:
    """Read a scenario library YAML, or the packaged ``scenarios-v1.yaml`` when ``path`` is
    None.

    Raises:
        ConfigError: unreadable or invalid YAML, a repeated key, an invalid field, an unknown
            element or placeholder, a region without resources, or an out-of-scope category;
            the message names the file and the field path.
    """
    text, source = read_data_file(path, DEFAULT_LIBRARY, "library")
    return parse_library(text, source=source)


def read_data_file(path: Path | None, packaged: str, what: str) -> tuple[str, str]:
    """The text of ``path``, or of the packaged ``crisis/data/<packaged>`` when None, and
    how errors name it.

    Raises:
        ConfigError: it cannot be read ("cannot read <what>").
    """
    if path is None:
        resource = files("mhds.crisis").joinpath("data").joinpath(packaged)
        source = f"mhds/crisis/data/{packaged}"
    else:
        resource, source = path, str(path)
    try:
        return resource.read_text(encoding="utf-8"), source
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {type(exc).__name__}", source=source) from exc


def parse_library(text: str, *, source: str) -> ScenarioLibrary:
    """Parse and validate library YAML already read (e.g. from the store); ``source`` names
    it in errors.

    Raises:
        ConfigError: as for ``load_library``.
    """
    return parse_yaml_model(text, ScenarioLibrary, source=source)


def parse_yaml_model(text: str, model: type[_M], *, source: str) -> _M:
    """``text`` as YAML (a key repeated in one mapping refused) validated into ``model``.

    Raises:
        ConfigError: invalid YAML, not a mapping, or invalid fields (each with its path),
            naming ``source``.
    """
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {_yaml_problem(exc)}", source=source) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top level", source=source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            _where(e["loc"]) + e["msg"].removeprefix("Value error, ") for e in exc.errors()
        )
        raise ConfigError(problems, source=source) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping (PyYAML keeps the last)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"repeated or unhashable key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        line = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{exc.problem}{line}"
    return type(exc).__name__


def _where(loc: tuple[int | str, ...]) -> str:
    return f"{'.'.join(str(p) for p in loc)}: " if loc else ""


def _repeated(where: str, keys: Iterable[str]) -> Iterator[str]:
    counts = Counter(keys)
    repeated = sorted(k for k, n in counts.items() if n > 1)
    if repeated:
        yield f"{where}: keys repeated: {', '.join(repeated)}"


def _template_problems(where: str, openings: Openings, fillable: dict[str, str]) -> Iterator[str]:
    valid = ", ".join(sorted(fillable)) or "none"

    def unknown(name: str) -> str:
        return f"placeholder {{{name}}} is filled by no axis (fillable: {valid})"

    for directness in ("explicit", "indirect"):
        for j, template in enumerate(openings.for_directness(directness)):
            at = f"{where}.openings.{directness}.{j}"
            yield from placeholder_problems(at, template, set(fillable), unknown)


def placeholder_problems(
    where: str, text: str, allowed: set[str], unknown: Callable[[str], str]
) -> Iterator[str]:
    """What is wrong with the ``{placeholders}`` of a template: it does not parse, a
    placeholder has a format spec or conversion, or it is not in ``allowed`` (described by
    ``unknown(name)``). Each problem starts with ``where``."""
    try:
        fields = [(n, sp, c) for _, n, sp, c in string.Formatter().parse(text) if n is not None]
    except ValueError as exc:
        yield f"{where}: malformed template ({exc})"
        return
    for name, spec, conv in fields:
        if spec or conv:
            yield f"{where}: placeholder {{{name}}} has a format spec or conversion"
        elif name not in allowed:
            yield f"{where}: {unknown(name)}"
