"""Scenario expansion: deterministic (same seed, same bytes, on any machine and whatever the
category order), distinct variants, group ids shared by persona + context, openings fully
filled and free of method or lethality words, resources matching the region."""

from __future__ import annotations

import collections
import itertools
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from mhds.crisis.library import ScenarioLibrary, load_library
from mhds.crisis.scenarios import (
    Persona,
    Scenario,
    compute_group_id,
    count_variants,
    expand_scenarios,
    read_scenarios,
    scenarios_to_jsonl,
)
from mhds.errors import ConfigError, InputError

# What the library must never contain in a client opening: method, means or lethality words
# (WHO/IASP safe messaging). Matched as whole words, case-insensitive.
NEVER_IN_OPENINGS = (
    "pills",
    "overdose on",
    "rope",
    "gun",
    "jump",
    "bleach",
    "cut deep",
    "how many",
    "knife",
    "blade",
    "razor",
    "noose",
    "hang",
    "hanging",
    "poison",
    "tablets",
    "bridge",
    "lethal",
    "dose",
    "cutting",
    "stockpile",
)
NEVER = re.compile(r"\b(" + "|".join(re.escape(w) for w in NEVER_IN_OPENINGS) + r")\b", re.I)
PLACEHOLDER = re.compile(r"[{}]")
SEED = "crisis-v1-test"


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return load_library()


@pytest.fixture(scope="module")
def many(library: ScenarioLibrary) -> list[Scenario]:
    return expand_scenarios(library, seed=SEED, per_category=60)


def tiny_library(tmp_path: Path) -> ScenarioLibrary:
    """The packaged library narrowed to two categories with a small variant space."""
    text = files("mhds.crisis").joinpath("data", "scenarios-v1.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    keep = {"boundary_testing", "therapy_resistance"}
    data["categories"] = [c for c in data["categories"] if c["key"] in keep]
    for category in data["categories"]:
        category["restrict"] = {
            "age_group": ["adult"],
            "gender": ["female"],
            "culture": ["mixed"],
            "communication_style": ["direct", "guarded"],
            "context": ["first_session"],
            "region": ["UK"],
        }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_library(path)


# -- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes(library: ScenarioLibrary) -> None:
    first = scenarios_to_jsonl(expand_scenarios(library, seed=SEED, per_category=5))
    second = scenarios_to_jsonl(expand_scenarios(load_library(), seed=SEED, per_category=5))
    assert first == second


def test_another_seed_gives_other_scenarios(library: ScenarioLibrary) -> None:
    first = expand_scenarios(library, seed=SEED, per_category=5)
    other = expand_scenarios(library, seed=SEED + "-other", per_category=5)
    assert scenarios_to_jsonl(first) != scenarios_to_jsonl(other)
    assert {s.scenario_id for s in first}.isdisjoint(s.scenario_id for s in other)


def test_category_order_does_not_matter(library: ScenarioLibrary) -> None:
    keys = ["mania", "child_abuse", "suicidal_ideation_plan"]
    forward = expand_scenarios(library, seed=SEED, per_category=4, categories=keys)
    backward = expand_scenarios(library, seed=SEED, per_category=4, categories=keys[::-1])
    assert scenarios_to_jsonl(forward) == scenarios_to_jsonl(backward)
    assert [s.category for s in forward][::4] == [
        "suicidal_ideation_plan",
        "mania",
        "child_abuse",
    ]


def test_a_category_draws_the_same_scenarios_alone_or_with_others(
    library: ScenarioLibrary, many: list[Scenario]
) -> None:
    alone = expand_scenarios(library, seed=SEED, per_category=60, categories=["self_harm"])
    assert alone == [s for s in many if s.category == "self_harm"]


def test_the_bytes_do_not_depend_on_the_hash_seed(library: ScenarioLibrary) -> None:
    code = (
        "import sys; from mhds.crisis.library import load_library; "
        "from mhds.crisis.scenarios import expand_scenarios, scenarios_to_jsonl; "
        f"sys.stdout.buffer.write(scenarios_to_jsonl(expand_scenarios(load_library(), "
        f"seed={SEED!r}, per_category=3)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, check=True
    ).stdout
    assert other == scenarios_to_jsonl(expand_scenarios(library, seed=SEED, per_category=3))


def test_the_draw_is_pinned(tmp_path: Path) -> None:
    """The sha256-derived choices are part of the contract: a change here changes every
    release's scenarios."""
    scenarios = expand_scenarios(tiny_library(tmp_path), seed="pinned", per_category=3)
    got = [
        (s.category, s.persona.communication_style, s.turns, s.directness, s.opening_index)
        for s in scenarios
    ]
    assert got == PINNED


PINNED = [
    ("boundary_testing", "guarded", 6, "indirect", 0),
    ("boundary_testing", "guarded", 8, "indirect", 2),
    ("boundary_testing", "direct", 6, "explicit", 0),
    ("therapy_resistance", "direct", 8, "explicit", 2),
    ("therapy_resistance", "direct", 8, "indirect", 0),
    ("therapy_resistance", "direct", 4, "indirect", 2),
]


# -- what is drawn -----------------------------------------------------------------------------


def test_counts_per_category_in_library_order(
    library: ScenarioLibrary, many: list[Scenario]
) -> None:
    counts = collections.Counter(s.category for s in many)
    assert counts == {key: 60 for key in library.category_keys}
    order = [key for key, _ in itertools.groupby(s.category for s in many)]
    assert order == list(library.category_keys)


def test_scenarios_of_a_category_are_distinct(many: list[Scenario]) -> None:
    assert len({s.scenario_id for s in many}) == len(many)
    variants = {
        (s.category, s.persona, s.context, s.turns, s.directness, s.opening_index, s.region)
        for s in many
    }
    assert len(variants) == len(many)


def test_both_directness_values_appear_in_every_category(many: list[Scenario]) -> None:
    seen = collections.defaultdict(set)
    for scenario in many:
        seen[scenario.category].add(scenario.directness)
    assert all(values == {"explicit", "indirect"} for values in seen.values())


def test_axis_values_come_from_the_library(library: ScenarioLibrary, many: list[Scenario]) -> None:
    for s in many:
        category = library.category(s.category)
        assert s.persona.age_group in library.axis_keys(category, "age_group")
        assert s.persona.gender in library.axes.keys("gender")
        assert s.persona.culture in library.axes.keys("culture")
        assert s.persona.communication_style in library.axes.keys("communication_style")
        assert s.context in library.axes.keys("context")
        assert s.turns in library.axes.turns
        assert s.region in library.axes.region
        assert (s.risk_level, s.cssrs_level, s.reporting, s.tier) == (
            category.risk_level,
            category.cssrs_level,
            category.reporting,
            category.tier,
        )
        assert s.required_elements == category.required
        assert s.forbidden_elements == category.forbidden
        assert s.library_digest == library.digest() and s.library_version == "1"
        assert s.seed == SEED
    assert {s.persona.age_group for s in many if s.category == "child_abuse"} == {"adolescent"}


def test_group_ids_are_shared_by_persona_and_context_only(many: list[Scenario]) -> None:
    by_key: dict[tuple[str, Persona, str], set[str]] = collections.defaultdict(set)
    for s in many:
        by_key[(s.category, s.persona, s.context)].add(s.group_id)
    assert all(len(ids) == 1 for ids in by_key.values())
    assert len({next(iter(ids)) for ids in by_key.values()}) == len(by_key)
    assert all(re.fullmatch(r"grp-[0-9a-f]{16}", s.group_id) for s in many)


def test_variants_of_one_persona_and_context_share_a_group(library: ScenarioLibrary) -> None:
    # child abuse has 600 persona x context combinations: 200 draws must repeat some.
    drawn = expand_scenarios(library, seed=SEED, per_category=200, categories=["child_abuse"])
    sizes = collections.Counter(s.group_id for s in drawn)
    assert max(sizes.values()) > 1
    shared = next(g for g, n in sizes.items() if n > 1)
    members = [s for s in drawn if s.group_id == shared]
    assert len({(s.persona, s.context) for s in members}) == 1
    assert len({s.scenario_id for s in members}) == len(members)


def test_group_ids_do_not_depend_on_the_seed(library: ScenarioLibrary) -> None:
    scenario = expand_scenarios(library, seed="a", per_category=1)[0]
    assert scenario.group_id == compute_group_id(
        scenario.category, scenario.persona, scenario.context
    )


def test_openings_are_filled(many: list[Scenario]) -> None:
    for s in many:
        assert s.opening and not PLACEHOLDER.search(s.opening), s.scenario_id
        assert s.opening == s.opening.strip()


def test_openings_never_name_a_method_or_lethality(
    library: ScenarioLibrary, many: list[Scenario]
) -> None:
    for s in many:
        assert not NEVER.search(s.opening), (s.category, NEVER.search(s.opening))
    # every template and every text a placeholder can put into one, not just those drawn
    texts = [
        t
        for c in library.categories
        for d in ("explicit", "indirect")
        for t in c.openings.for_directness(d)
    ]
    texts += [
        f
        for axis in ("age_group", "communication_style")
        for v in library.axes.values(axis)
        for f in v.fills.values()
    ]
    found = [t for t in texts if NEVER.search(t)]
    assert not found


def test_resources_match_the_region_and_category(
    library: ScenarioLibrary, many: list[Scenario]
) -> None:
    for s in many:
        category = library.category(s.category)
        expected = [(r.name, r.contact, r.kind) for r in library.resources_for(category, s.region)]
        assert [(r.name, r.contact, r.kind) for r in s.resources] == expected
        assert bool(s.resources) == bool(category.resource_kinds)
    us_plan = next(s for s in many if s.category == "suicidal_ideation_plan" and s.region == "US")
    assert [r.contact for r in us_plan.resources][:2] == ["call 911", "call or text 988"]
    uk_dv = next(s for s in many if s.category == "domestic_violence" and s.region == "UK")
    assert uk_dv.resources[0].contact == "call 0808 2000 247"


def test_all_regions_appear(many: list[Scenario]) -> None:
    assert {s.region for s in many} == {"US", "UK", "CA", "AU", "IE"}


# -- small variant spaces ----------------------------------------------------------------------


def test_a_whole_small_space_is_drawn_without_repeats(tmp_path: Path) -> None:
    library = tiny_library(tmp_path)
    category = library.category("boundary_testing")
    space = count_variants(library, category)
    assert space == 2 * 3 * 6  # styles x turns x openings
    drawn = expand_scenarios(library, seed="x", per_category=space, categories=["boundary_testing"])
    assert len({s.scenario_id for s in drawn}) == space
    again = expand_scenarios(library, seed="x", per_category=space, categories=["boundary_testing"])
    assert drawn == again
    with pytest.raises(
        ConfigError, match=r"per_category: 37, but category 'boundary_testing' has only 36"
    ):
        expand_scenarios(library, seed="x", per_category=space + 1)


# -- bad arguments -----------------------------------------------------------------------------


def test_an_unknown_category_lists_the_valid_ones(library: ScenarioLibrary) -> None:
    with pytest.raises(ConfigError, match=r"categories: unknown ultra_violence \(valid: suicidal"):
        expand_scenarios(library, seed=SEED, per_category=1, categories=["mania", "ultra_violence"])


@pytest.mark.parametrize(("seed", "count", "field"), [("", 1, "seed"), ("s", 0, "per_category")])
def test_bad_arguments_are_config_errors(
    library: ScenarioLibrary, seed: str, count: int, field: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^{field}: "):
        expand_scenarios(library, seed=seed, per_category=count)


# -- JSONL -------------------------------------------------------------------------------------


def test_jsonl_round_trips(many: list[Scenario]) -> None:
    data = scenarios_to_jsonl(many)
    assert data.count(b"\n") == len(many)
    assert read_scenarios(data) == many
    assert read_scenarios(b"\n" + data + b"\n\n") == many
    first = data.split(b"\n", 1)[0]
    assert first.startswith(b'{"category":')  # keys sorted


def test_a_bad_line_is_an_input_error_with_its_line(many: list[Scenario]) -> None:
    good = scenarios_to_jsonl(many[:2])
    with pytest.raises(InputError, match=r"^scenarios.jsonl:3: invalid_scenario") as info:
        read_scenarios(good + b'{"scenario_id": 1}\n', key="scenarios.jsonl")
    assert info.value.line == 3
    bad_field = good.replace(b'"turns":', b'"extra":1,"turns":', 1)
    with pytest.raises(InputError, match="unknown field"):
        read_scenarios(bad_field)
    with pytest.raises(InputError, match=r"<input>:1: invalid_scenario"):
        read_scenarios(b"{not json\n")
