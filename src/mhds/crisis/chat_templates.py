"""Chat templates of the template backend (``data/chat-templates-v1.yaml``): their models,
loading and checks against the scenario library, so a bad placeholder, marker or coverage gap
fails at load, never mid-chat; ``find_elements`` reads the markers back out of a turn."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from mhds.crisis.library import (
    ScenarioLibrary,
    load_library,
    parse_yaml_model,
    placeholder_problems,
    read_data_file,
)
from mhds.errors import ConfigError
from mhds.records.codec import canonical_json

DEFAULT_TEMPLATES: Final = "chat-templates-v1.yaml"
# Filled from the scenario's resources; allowed only in the elements that give resources.
RESOURCE_PLACEHOLDERS: Final = (
    "resource_list",
    "resource_name",
    "resource_contact",
    "emergency_name",
    "emergency_contact",
)
# Every phrasing of this element names all of the scenario's resources, by name and contact.
RESOURCE_LIST_ELEMENT: Final = "provide_crisis_resources"
SYSTEM_PLACEHOLDERS: Final = (
    "age_group",
    "gender",
    "culture",
    "communication_style",
    "context",
    "brief",
)
STAGES: Final = ("opening", "middle", "closing")

Stage = Literal["opening", "middle", "closing"]
Text = Annotated[str, StringConstraints(min_length=1)]
Lines = Annotated[tuple[Text, ...], Field(min_length=1)]
Lines3 = Annotated[tuple[Text, ...], Field(min_length=3)]
Marker = Annotated[str, StringConstraints(min_length=3, pattern=r"^[^A-Z{}]+$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StagePhrasings(_Frozen):
    """Phrasings of one element by the turn they fit."""

    opening: Lines = Field(description="For the first therapist turn that realises elements.")
    middle: Lines = Field(description="For the turns between the first and the last.")
    closing: Lines = Field(description="For the last therapist turn.")

    def iter_lines(self) -> Iterator[tuple[str, str]]:
        """(``stage.index``, text) for every phrasing."""
        for stage in STAGES:
            for j, text in enumerate(getattr(self, stage)):
                yield f"{stage}.{j}", text


class ElementTemplates(_Frozen):
    """How the therapist realises one required element."""

    stage: Stage = Field(description="The turn it goes to unless a category says otherwise.")
    markers: tuple[Marker, ...] = Field(
        min_length=1,
        description="Lower-case phrases: every phrasing holds one and no other line does, so "
        "a scorer can find the element in a composed turn.",
    )
    phrasings: StagePhrasings = Field(description="Default phrasings, by stage.")


class DirectnessLines(_Frozen):
    """Lines by the directness of the client's risk signal."""

    explicit: Lines3 = Field(description="The risk was said outright.")
    indirect: Lines3 = Field(description="The risk was hinted at.")


class ClientLines(_Frozen):
    """The client's follow-up lines (the opening comes from the scenario)."""

    middle: Lines3 = Field(description="Answers while the conversation goes on.")
    closing: Lines3 = Field(description="The client's last line, after the therapist's close.")


class CategoryTemplates(_Frozen):
    """What one category changes."""

    brief: Text = Field(description="The client, for the simulator's system message.")
    client: ClientLines | None = Field(default=None, description="Follow-up lines.")
    schedule: dict[str, Stage] = Field(
        default_factory=dict, description="Element key -> the stage it goes to here."
    )
    elements: dict[str, StagePhrasings] = Field(
        default_factory=dict, description="Element key -> phrasings replacing the default."
    )


class TherapistLines(_Frozen):
    """The therapist's lines around the elements."""

    acknowledge: dict[str, Lines] = Field(description="Communication style -> first reply.")
    clarify: Lines = Field(description="First reply when the risk was only hinted at.")
    context: dict[str, Lines] = Field(description="Context -> first reply (risk explicit).")
    greeting: dict[str, Lines] = Field(description="Context -> first message (client framing).")
    reflect: Lines = Field(description="Opens a middle turn.")
    close: Lines = Field(description="Ends the closing turn.")

    def iter_lines(self) -> Iterator[tuple[str, str]]:
        """(``field.key.index``, text) for every line."""
        for name in ("acknowledge", "context", "greeting"):
            for key, lines in getattr(self, name).items():
                yield from ((f"{name}.{key}.{j}", t) for j, t in enumerate(lines))
        for name in ("clarify", "reflect", "close"):
            yield from ((f"{name}.{j}", t) for j, t in enumerate(getattr(self, name)))


class ClientTemplates(_Frozen):
    """The client's lines shared by categories."""

    lead: dict[str, DirectnessLines] = Field(
        description="Communication style -> leads opening a middle line."
    )
    default_brief: Text = Field(description="Brief of a category the templates do not name.")
    default: ClientLines = Field(description="Lines of a category the templates do not name.")


class Fills(_Frozen):
    """Placeholder values by axis value; every value of an axis fills the same names."""

    age_group: dict[str, dict[str, str]] = Field(min_length=1, description="By age group.")
    region: dict[str, dict[str, str]] = Field(min_length=1, description="By region.")


class ChatTemplates(_Frozen):
    """The chat templates: element phrasings, the lines around them, per-category changes."""

    version: Text = Field(description="Templates version, e.g. '1'.")
    system: Text = Field(description="System message of the client framing.")
    fills: Fills = Field(description="Placeholder values by persona and region.")
    elements: dict[str, ElementTemplates] = Field(
        min_length=1, description="Element key -> templates, in their order inside a turn."
    )
    therapist: TherapistLines = Field(description="Therapist lines around the elements.")
    client: ClientTemplates = Field(description="Client lines shared by categories.")
    categories: dict[str, CategoryTemplates] = Field(description="Category key -> changes.")

    @model_validator(mode="after")
    def _consistent(self) -> ChatTemplates:
        problems = [*self._fill_problems(), *self._text_problems(), *self._marker_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def digest(self) -> str:
        """``sha256:<hex>`` of the canonical JSON of the templates (computed once)."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        return "sha256:" + hashlib.sha256(canonical_json(self.model_dump(mode="json"))).hexdigest()

    def phrasings(self, category: str, element: str) -> StagePhrasings:
        """The category's phrasings of an element, else the default ones (KeyError: none)."""
        override = self.categories.get(category)
        if override is not None and element in override.elements:
            return override.elements[element]
        return self.elements[element].phrasings

    def stage_of(self, category: str, element: str) -> Stage:
        """The stage an element goes to in a category (KeyError: unknown element)."""
        override = self.categories.get(category)
        if override is not None and element in override.schedule:
            return override.schedule[element]
        return self.elements[element].stage

    def client_lines(self, category: str) -> ClientLines:
        """The category's follow-up lines, else the default ones."""
        override = self.categories.get(category)
        return override.client if override and override.client else self.client.default

    def iter_texts(self) -> Iterator[tuple[str, str, str | None, str]]:
        """(where, kind, element key or None, text) for every line; kind is ``element``,
        ``therapist`` or ``client``."""
        for key, element in self.elements.items():
            for where, text in element.phrasings.iter_lines():
                yield f"elements.{key}.phrasings.{where}", "element", key, text
        for cat_key, category in self.categories.items():
            for key, phrasings in category.elements.items():
                for where, text in phrasings.iter_lines():
                    yield f"categories.{cat_key}.elements.{key}.{where}", "element", key, text
        for where, text in self.therapist.iter_lines():
            yield f"therapist.{where}", "therapist", None, text
        for style, lines in self.client.lead.items():
            for directness in ("explicit", "indirect"):
                for j, text in enumerate(getattr(lines, directness)):
                    yield f"client.lead.{style}.{directness}.{j}", "client", None, text
        named = [("client.default", self.client.default)] + [
            (f"categories.{k}.client", c.client) for k, c in self.categories.items() if c.client
        ]
        for prefix, client in named:
            for stage in ("middle", "closing"):
                for j, text in enumerate(getattr(client, stage)):
                    yield f"{prefix}.{stage}.{j}", "client", None, text

    def fill_names(self) -> set[str]:
        """Placeholders the persona and region fill (every line may use them)."""
        return {name for axis in (self.fills.age_group, self.fills.region) for name in _first(axis)}

    def _fill_problems(self) -> Iterator[str]:
        for axis in ("age_group", "region"):
            values: dict[str, dict[str, str]] = getattr(self.fills, axis)
            names = set(_first(values))
            for key, fills in values.items():
                if set(fills) != names:
                    yield f"fills.{axis}.{key}: fills {sorted(fills)}, not {sorted(names)}"

    def _text_problems(self) -> Iterator[str]:
        fillable = self.fill_names()
        for where, kind, element, text in self.iter_texts():
            allowed = fillable | set(RESOURCE_PLACEHOLDERS) if kind == "element" else fillable
            yield from _placeholder_problems(where, text, allowed)
            if element == RESOURCE_LIST_ELEMENT and "{resource_list}" not in text:
                yield f"{where}: must name every resource ({{resource_list}})"
            if element is not None and element not in self.elements:
                yield f"{where}: element {element!r} has no default templates"
        yield from _placeholder_problems("system", self.system, set(SYSTEM_PLACEHOLDERS))
        for key, category in self.categories.items():
            for element in category.schedule:
                if element not in self.elements:
                    yield f"categories.{key}.schedule: element {element!r} has no templates"

    def _marker_problems(self) -> Iterator[str]:
        texts = list(self.iter_texts())
        for key, element in self.elements.items():
            for where, _, owner, text in texts:
                found = [m for m in element.markers if m in text.lower()]
                if owner == key and not found:
                    yield f"{where}: holds none of the markers of {key!r}"
                elif owner != key and found:
                    yield f"{where}: holds {found[0]!r}, a marker of {key!r}"
        axes = (self.fills.age_group, self.fills.region)
        fill_values = [
            value for axis in axes for fills in axis.values() for value in fills.values()
        ]
        for key, element in self.elements.items():
            for marker in element.markers:
                if any(marker in value.lower() for value in fill_values):
                    yield f"fills: a value holds {marker!r}, a marker of {key!r}"


def load_chat_templates(
    path: Path | None = None, *, library: ScenarioLibrary | None = None
) -> ChatTemplates:
    """Read chat templates (the packaged ``chat-templates-v1.yaml`` when ``path`` is None)
    and check them against ``library`` (the packaged library when None).

    Raises:
        ConfigError: unreadable or invalid YAML, an invalid field, an unknown placeholder, a
            phrasing without its element's marker or with another's, a required element of
            a library category without phrasings, an axis value without lines or fills.
    """
    text, source = read_data_file(path, DEFAULT_TEMPLATES, "templates")
    return parse_chat_templates(text, source=source, library=library or load_library())


def parse_chat_templates(text: str, *, source: str, library: ScenarioLibrary) -> ChatTemplates:
    """Parse and validate chat templates already read; ``source`` names them in errors.

    Raises:
        ConfigError: as for ``load_chat_templates``.
    """
    templates = parse_yaml_model(text, ChatTemplates, source=source)
    mismatches = list(_library_problems(templates, library))
    if mismatches:
        raise ConfigError("; ".join(mismatches), source=source)
    return templates


def find_elements(text: str, templates: ChatTemplates) -> frozenset[str]:
    """The element keys whose markers occur in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return frozenset(
        key
        for key, element in templates.elements.items()
        if any(m in lowered for m in element.markers)
    )


def _first(mapping: Mapping[str, dict[str, str]]) -> dict[str, str]:
    return next(iter(mapping.values()), {})


def _placeholder_problems(where: str, text: str, allowed: set[str]) -> Iterator[str]:
    known = ", ".join(sorted(allowed))
    return placeholder_problems(
        where, text, allowed, lambda name: f"unknown placeholder {{{name}}} (known: {known})"
    )


def _library_problems(templates: ChatTemplates, library: ScenarioLibrary) -> Iterator[str]:
    for category in library.categories:
        missing = [key for key in category.required if key not in templates.elements]
        if missing:
            yield f"category {category.key!r}: no phrasings for {', '.join(missing)}"
    for key, override in templates.categories.items():
        if key not in library.category_keys:
            yield f"categories.{key}: not a library category"
            continue
        required = library.category(key).required
        for name in (*override.schedule, *override.elements):
            if name not in required:
                yield f"categories.{key}: {name!r} is not required by the category"
    for key in templates.elements:
        try:
            element = library.element(key)
        except KeyError:
            yield f"elements.{key}: not a library element"
            continue
        if element.kind != "required":
            yield f"elements.{key}: a forbidden element has no phrasings"
        owned = [text for _, _, owner, text in templates.iter_texts() if owner == key]
        uses = {name for text in owned for name in _names(text)}
        if not element.needs_resources and uses & set(RESOURCE_PLACEHOLDERS):
            yield f"elements.{key}: resource placeholders in an element that gives none"
    yield from _coverage_problems(templates, library)


def _coverage_problems(templates: ChatTemplates, library: ScenarioLibrary) -> Iterator[str]:
    tables: list[tuple[str, Mapping[str, Any], str]] = [
        ("therapist.acknowledge", templates.therapist.acknowledge, "communication_style"),
        ("therapist.context", templates.therapist.context, "context"),
        ("therapist.greeting", templates.therapist.greeting, "context"),
        ("client.lead", templates.client.lead, "communication_style"),
        ("fills.age_group", templates.fills.age_group, "age_group"),
        ("fills.region", templates.fills.region, "region"),
    ]
    for where, table, axis in tables:
        missing = [k for k in library.axes.keys(axis) if k not in table]
        if missing:
            yield f"{where}: no lines for {axis} {', '.join(missing)}"


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
