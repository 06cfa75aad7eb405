"""Deterministic expansion of the scenario library into scenario records.

Every choice a scenario makes (persona, context, turns, directness, opening, region) is read
from sha256(seed, category, draw, axis), never from ``random`` or from dict or set order: the
same library, seed and count give the same scenarios, in the same order, on any machine. A
category's scenarios are distinct: a draw that repeats an earlier variant is skipped. Variants
that share a category, persona and context share a ``group_id`` (independent of the seed), so
that later steps can keep a group in one split.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import msgspec

from mhds.crisis.library import VALUE_AXES, Category, Directness, ScenarioLibrary
from mhds.errors import ConfigError, InputError, ObjectExistsError
from mhds.records.codec import canonical_json, dumps
from mhds.store.base import Store

# Below this share of the variant space, draws are rejection-sampled; above it, every variant
# is ranked by hash, so that asking for most of a small space never loops for long.
_DENSE_SHARE = 0.5


class _Variant(NamedTuple):
    """What distinguishes two scenarios of one category."""

    age_group: str
    gender: str
    culture: str
    communication_style: str
    context: str
    turns: int
    directness: Directness
    opening_index: int
    region: str


class ScenarioResource(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A crisis or support contact resolved for the scenario's region and category."""

    name: str
    contact: str
    kind: str
    url: str | None = None


class Persona(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who the client is: the keys of the persona axes."""

    age_group: str
    gender: str
    culture: str
    communication_style: str


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One scenario: a category, the axis values drawn for it and the client's opening.

    Attributes:
        scenario_id: ``scn-`` + 16 hex of the sha256 of the content (all but the id and seed).
        group_id: ``grp-`` + 16 hex of sha256(category, persona, context): variants that must
            share a split.
        category: the category key; ``tier``, ``risk_level``, ``cssrs_level`` and
            ``reporting`` are copied from it.
        opening_index: which template of the category's openings (for that directness).
        opening: the client's first message, every placeholder filled.
        resources: the region's contacts of the category's resource kinds, in its order.
        required_elements, forbidden_elements: the category's element keys (see the library
            for descriptions, severities and sources).
        library_version, library_digest: the library the scenario came from.
        seed: the expansion seed.
    """

    scenario_id: str
    group_id: str
    category: str
    tier: str
    risk_level: str
    cssrs_level: int | None
    reporting: bool
    persona: Persona
    context: str
    turns: int
    directness: Directness
    region: str
    opening_index: int
    opening: str
    resources: tuple[ScenarioResource, ...]
    required_elements: tuple[str, ...]
    forbidden_elements: tuple[str, ...]
    library_version: str
    library_digest: str
    seed: str


def expand_scenarios(
    library: ScenarioLibrary,
    *,
    seed: str,
    per_category: int,
    categories: Sequence[str] | None = None,
) -> list[Scenario]:
    """Draw ``per_category`` distinct scenarios for each chosen category (all when None).

    The result is in library category order, then draw order, whatever the order of
    ``categories``.

    Raises:
        ConfigError: an empty seed, ``per_category`` under 1 or over a category's number of
            distinct variants, or an unknown category (the message lists the valid ones).
    """
    if not seed:
        raise ConfigError("seed: must not be empty")
    if per_category < 1:
        raise ConfigError(f"per_category: {per_category}; must be at least 1")
    chosen = _chosen_categories(library, categories)
    digest = library.digest()
    scenarios: list[Scenario] = []
    for category in chosen:
        for variant in _draw_variants(library, category, seed, per_category):
            scenarios.append(_build(library, category, variant, seed, digest))
    return scenarios


def count_variants(library: ScenarioLibrary, category: Category) -> int:
    """How many distinct scenarios a category can give."""
    sizes = [len(library.axis_keys(category, axis)) for axis in VALUE_AXES]
    openings = sum(
        len(category.openings.for_directness(d)) for d in _directness_keys(library, category)
    )
    regions = len(library.axis_keys(category, "region"))
    return math.prod(sizes) * len(library.axes.turns) * openings * regions


def compute_group_id(category: str, persona: Persona, context: str) -> str:
    """The group of a scenario: its category, persona and context (not the seed)."""
    parts = (category, *msgspec.structs.astuple(persona), context)
    return "grp-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def scenarios_to_jsonl(scenarios: Iterable[Scenario]) -> bytes:
    """JSONL bytes, one scenario a line, keys sorted: the same scenarios give the same bytes."""
    return b"".join(dumps(scenario) + b"\n" for scenario in scenarios)


def read_scenarios(data: bytes, *, key: str | None = None) -> list[Scenario]:
    """Parse scenario JSONL (blank lines skipped); ``key`` names the object in errors.

    Raises:
        InputError: reason ``invalid_scenario`` with the 1-based line and the decoder's
            text-free explanation.
    """
    decoder = msgspec.json.Decoder(Scenario)
    scenarios: list[Scenario] = []
    for line_no, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenarios.append(decoder.decode(line))
        except msgspec.DecodeError as exc:
            raise InputError("invalid_scenario", key=key, line=line_no, detail=str(exc)) from None
    return scenarios


def _chosen_categories(
    library: ScenarioLibrary, categories: Sequence[str] | None
) -> list[Category]:
    if categories is None:
        return list(library.categories)
    wanted = {categories} if isinstance(categories, str) else set(categories)
    unknown = sorted(wanted - set(library.category_keys))
    if unknown:
        raise ConfigError(
            f"categories: unknown {', '.join(unknown)} (valid: {', '.join(library.category_keys)})"
        )
    return [c for c in library.categories if c.key in wanted]


def _directness_keys(library: ScenarioLibrary, category: Category) -> list[Directness]:
    allowed = library.axis_keys(category, "directness")
    return [d for d in library.axes.directness if d in allowed]


def _draw_variants(
    library: ScenarioLibrary, category: Category, seed: str, count: int
) -> list[_Variant]:
    space = count_variants(library, category)
    if count > space:
        raise ConfigError(
            f"per_category: {count}, but category {category.key!r} has only {space} "
            "distinct variants"
        )
    if count > space * _DENSE_SHARE:
        return _ranked_variants(library, category, seed, count)
    seen: set[_Variant] = set()
    drawn: list[_Variant] = []
    for draw in itertools.count():
        variant = _variant(library, category, seed, draw)
        if variant not in seen:
            seen.add(variant)
            drawn.append(variant)
            if len(drawn) == count:
                break
    return drawn


def _variant(library: ScenarioLibrary, category: Category, seed: str, draw: int) -> _Variant:
    def pick(axis: str, options: Sequence[Any]) -> Any:
        material = f"{seed}\0{category.key}\0{draw}\0{axis}".encode()
        number = int.from_bytes(hashlib.sha256(material).digest()[:8], "big")
        return options[number % len(options)]

    age_group, gender, culture, style, context = (
        pick(axis, library.axis_keys(category, axis)) for axis in VALUE_AXES
    )
    directness: Directness = pick("directness", _directness_keys(library, category))
    templates = category.openings.for_directness(directness)
    return _Variant(
        age_group=age_group,
        gender=gender,
        culture=culture,
        communication_style=style,
        context=context,
        turns=pick("turns", library.axes.turns),
        directness=directness,
        opening_index=pick("opening", range(len(templates))),
        region=pick("region", library.axis_keys(category, "region")),
    )


def _ranked_variants(
    library: ScenarioLibrary, category: Category, seed: str, count: int
) -> list[_Variant]:
    axes = [library.axis_keys(category, axis) for axis in VALUE_AXES]
    openings = [
        (d, i)
        for d in _directness_keys(library, category)
        for i in range(len(category.openings.for_directness(d)))
    ]
    regions = library.axis_keys(category, "region")
    variants = [
        _Variant(age_group, gender, culture, style, context, turns, directness, index, region)
        for age_group, gender, culture, style, context in itertools.product(*axes)
        for turns in library.axes.turns
        for directness, index in openings
        for region in regions
    ]

    def rank(variant: _Variant) -> str:
        material = "\0".join([seed, category.key, *map(str, variant)]).encode()
        return hashlib.sha256(material).hexdigest()

    return sorted(variants, key=rank)[:count]


def _build(
    library: ScenarioLibrary, category: Category, variant: _Variant, seed: str, digest: str
) -> Scenario:
    persona = Persona(*variant[:4])
    fills: dict[str, str] = {}
    for axis, value_key in zip(VALUE_AXES, variant[:5], strict=True):
        value = next(v for v in library.axes.values(axis) if v.key == value_key)
        fills.update(value.fills)
    template = category.openings.for_directness(variant.directness)[variant.opening_index]
    resources = tuple(
        ScenarioResource(r.name, r.contact, r.kind, r.url)
        for r in library.resources_for(category, variant.region)
    )
    content: dict[str, Any] = {
        "group_id": compute_group_id(category.key, persona, variant.context),
        "category": category.key,
        "tier": category.tier,
        "risk_level": category.risk_level,
        "cssrs_level": category.cssrs_level,
        "reporting": category.reporting,
        "persona": persona,
        "context": variant.context,
        "turns": variant.turns,
        "directness": variant.directness,
        "region": variant.region,
        "opening_index": variant.opening_index,
        "opening": template.format_map(fills),
        "resources": resources,
        "required_elements": category.required,
        "forbidden_elements": category.forbidden,
        "library_version": library.version,
        "library_digest": digest,
    }
    scenario_id = "scn-" + hashlib.sha256(canonical_json(content)).hexdigest()[:16]
    return Scenario(scenario_id=scenario_id, seed=seed, **content)


def write_scenarios(store: Store, key: str, scenarios: Sequence[Scenario]) -> bool:
    """Write the scenarios' JSONL to ``key`` once. Returns True when written, False when
    the same bytes were there already (a rerun with the same library, seed and count).

    Raises:
        ConfigError: ``key`` holds other scenarios (choose another key: generated sources
            are never overwritten).
    """
    data = scenarios_to_jsonl(scenarios)
    try:
        if store.exists(key) and store.read_bytes(key) == data:
            return False
        store.put_if_absent(key, data)  # a repeat of the same bytes is no conflict
    except ObjectExistsError:
        raise ConfigError(
            f"{store.url_for(key)} holds other scenarios: generated sources are never "
            "overwritten (choose another --out)"
        ) from None
    return True
