"""Crisis chats from scenarios: deterministic template turns that realise every required
element, name exactly the scenario's resources, never hold method, secrecy or minimising
words, alternate roles in both framings and make valid, provenance-complete records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec
import pytest

from mhds.crisis.chat_templates import ChatTemplates, find_elements, load_chat_templates
from mhds.crisis.chats import (
    ChatMessage,
    ChatRole,
    TurnSpec,
    chat_record,
    client_system_message,
    compose_chat,
    plan_chat,
    template_chat_record,
    template_generator,
)
from mhds.crisis.library import ScenarioLibrary, load_library
from mhds.crisis.scenarios import Scenario, expand_scenarios
from mhds.errors import ConfigError, InputError
from mhds.records.schema import Record
from mhds.records.validate import validate_record
from mhds.registry.schema import Registry
from mhds.steps.provenance import check_record_provenance

SEED = "t"
FAMILY = "crisis_edge"
SOURCE_ID = "crisis_chats_template"
SCENARIOS_KEY = "raw/crisis_scenarios/scenarios-t-abc123.jsonl"
FRAMINGS: tuple[ChatRole, ...] = ("therapist", "client")
# Never in any message: method, means or lethality words (whole words, case-insensitive)
# and promises of secrecy.
NEVER_WORDS = (
    "pills",
    "overdose on",
    "rope",
    "gun",
    "jump",
    "bleach",
    "knife",
    "noose",
    "lethal",
    "blade",
    "razor",
    "hang",
    "hanging",
    "poison",
    "tablets",
    "bridge",
    "dose",
    "cutting",
    "cut deep",
    "how many",
    "stockpile",
    "calories",
    "bmi",
)
NEVER = re.compile(r"\b(" + "|".join(re.escape(w) for w in NEVER_WORDS) + r")\b", re.I)
SECRECY = ("i won't tell anyone", "this stays between us", "just between us", "i promise not to")
# Never in a therapist turn (the resource names, which may say "Eating Disorders", removed).
THERAPIST_NEVER = (
    "you'll be fine",
    "not that bad",
    "everyone feels",
    "could be worse",
    "calm down",
    "overreacting",
    "your own fault",
    "stop taking",
    "keep taking",
    "depression",
    "bipolar",
    "psychosis",
    "psychotic",
    "schizophreni",
    "anorexi",
    "bulimi",
    "ptsd",
    "disorder",
    "manic",
)


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return load_library()


@pytest.fixture(scope="module")
def templates(library: ScenarioLibrary) -> ChatTemplates:
    return load_chat_templates(library=library)


@pytest.fixture(scope="module")
def scenarios(library: ScenarioLibrary) -> list[Scenario]:
    return expand_scenarios(library, seed=SEED, per_category=3)


@pytest.fixture(scope="module")
def chats(
    scenarios: list[Scenario], templates: ChatTemplates
) -> list[tuple[Scenario, ChatRole, list[ChatMessage]]]:
    return [
        (scenario, role, compose_chat(scenario, templates, assistant_role=role))
        for scenario in scenarios
        for role in FRAMINGS
    ]


def therapist_turns(chat: Sequence[ChatMessage], role: ChatRole) -> list[str]:
    speaker = "assistant" if role == "therapist" else "user"
    return [content for who, content in chat if who == speaker]


def client_turns(chat: Sequence[ChatMessage], role: ChatRole) -> list[str]:
    speaker = "user" if role == "therapist" else "assistant"
    return [content for who, content in chat if who == speaker]


def all_resource_names(library: ScenarioLibrary) -> set[str]:
    return {r.name for listed in library.resources.values() for r in listed}


def make_record(scenario: Scenario, templates: ChatTemplates, role: ChatRole) -> Record:
    return template_chat_record(
        scenario,
        templates,
        family=FAMILY,
        source_id=SOURCE_ID,
        scenarios_key=SCENARIOS_KEY,
        assistant_role=role,
    )


# -- the plan ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", FRAMINGS)
def test_roles_alternate_from_the_user_in_both_framings(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]],
    templates: ChatTemplates,
    role: ChatRole,
) -> None:
    for scenario, framing, chat in chats:
        if framing != role:
            continue
        turns = chat[1:] if role == "client" else chat
        assert len(turns) == scenario.turns
        assert [who for who, _ in turns] == ["user", "assistant"] * (scenario.turns // 2)
        if role == "therapist":
            assert chat[0] == ("user", scenario.opening)
        else:
            assert chat[0] == ("system", client_system_message(scenario, templates))
            assert chat[2] == ("assistant", scenario.opening)


def test_client_framing_may_leave_out_the_system_message(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    chat = compose_chat(scenarios[0], templates, assistant_role="client", system_message=False)
    assert chat[0][0] == "user" and len(chat) == scenarios[0].turns
    assert chat[1] == ("assistant", scenarios[0].opening)


def test_system_message_names_the_client_and_forbids_graphic_content(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    scenario = scenarios[0]
    text = client_system_message(scenario, templates)
    assert scenario.persona.age_group.replace("_", " ") in text
    assert templates.categories[scenario.category].brief in text
    assert "never describe a method" in text and "crisis contacts" in text


def test_plan_spreads_elements_by_stage(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    plan_scenario = next(s for s in scenarios if s.category == "suicidal_ideation_plan")
    eight = msgspec.structs.replace(plan_scenario, turns=8)
    plan = plan_chat(eight, templates)
    therapist = [spec for spec in plan if spec.speaker == "therapist"]
    assert [spec.stage for spec in therapist] == ["opening", "middle", "middle", "closing"]
    # imminent risk: emergency help and resources come first (the category's schedule)
    assert {"encourage_emergency_help", "provide_crisis_resources"} <= set(therapist[0].elements)
    assert "assess_plan_and_intent" not in therapist[0].elements
    assert all(spec.elements for spec in therapist)
    assert [spec.stage for spec in plan if spec.speaker == "client"] == ["opening"] + ["middle"] * 3


def test_two_turns_put_every_element_in_the_one_reply(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    scenario = msgspec.structs.replace(scenarios[0], turns=2)
    plan = plan_chat(scenario, templates)
    assert [spec.speaker for spec in plan] == ["client", "therapist"]
    assert set(plan[1].elements) == set(scenario.required_elements)
    client_plan = plan_chat(scenario, templates, assistant_role="client")
    assert [(s.speaker, s.stage, s.elements) for s in client_plan] == [
        ("therapist", "greeting", ()),
        ("client", "opening", ()),
    ]
    with pytest.raises(InputError, match="chat_too_short"):
        plan_chat(msgspec.structs.replace(scenario, turns=1), templates)
    with pytest.raises(ConfigError, match="assistant_role"):
        plan_chat(scenario, templates, assistant_role="teacher")  # type: ignore[arg-type]


# -- the elements, resources and words ----------------------------------------------------


def test_every_category_realises_all_its_required_elements(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]],
    templates: ChatTemplates,
    library: ScenarioLibrary,
) -> None:
    seen = set()
    for scenario, role, chat in chats:
        found: set[str] = set()
        for text in therapist_turns(chat, role):
            found |= find_elements(text, templates)
        assert set(scenario.required_elements) <= found, (scenario.category, role)
        seen.add(scenario.category)
    assert seen == set(library.category_keys)


def test_each_therapist_turn_realises_its_planned_elements(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    for scenario in scenarios:
        for role in FRAMINGS:
            plan = plan_chat(scenario, templates, assistant_role=role)
            chat = compose_chat(scenario, templates, assistant_role=role, system_message=False)
            for spec, (_, text) in zip(plan, chat, strict=True):
                if spec.speaker == "therapist":
                    assert set(spec.elements) <= find_elements(text, templates)


def test_resources_named_are_exactly_the_scenarios(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]], library: ScenarioLibrary
) -> None:
    every_name = all_resource_names(library)
    checked = 0
    for scenario, role, chat in chats:
        text = " ".join(therapist_turns(chat, role))
        own = [r.name for r in scenario.resources]
        if "provide_crisis_resources" in scenario.required_elements:
            for resource in scenario.resources:
                assert f"{resource.name} ({resource.contact})" in text
            checked += 1
        for name in every_name:
            if name in text:
                assert any(name in mine for mine in own), (scenario.region, name)
    assert checked >= 13 * 3 * 2


def test_every_template_line_is_non_graphic(templates: ChatTemplates) -> None:
    texts = [text for _, _, _, text in templates.iter_texts()]
    texts += [templates.system, templates.client.default_brief]
    texts += [c.brief for c in templates.categories.values()]
    for text in texts:
        assert not NEVER.search(text), text
        assert not any(phrase in text.lower() for phrase in SECRECY), text


def test_no_method_secrecy_minimising_or_diagnosis(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]],
) -> None:
    for scenario, role, chat in chats:
        for _, text in chat:
            assert not NEVER.search(text), (scenario.category, text)
            assert not any(phrase in text.lower() for phrase in SECRECY), text
        for text in therapist_turns(chat, role):
            for resource in scenario.resources:
                text = text.replace(resource.name, "")
            assert not any(phrase in text.lower() for phrase in THERAPIST_NEVER), text


def test_client_framing_assistant_turns_are_client_lines(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]], templates: ChatTemplates
) -> None:
    for scenario, role, chat in chats:
        if role != "client":
            continue
        lines = [content for who, content in chat if who == "assistant"]
        assert lines[0] == scenario.opening
        for text in lines:
            for resource in scenario.resources:
                assert resource.name not in text and resource.contact not in text
        for text in lines[1:]:
            assert find_elements(text, templates) == frozenset(), text


def test_client_follow_ups_vary_with_style_and_category(
    chats: list[tuple[Scenario, ChatRole, list[ChatMessage]]],
) -> None:
    follow_ups = [client_turns(chat, role)[1:] for _, role, chat in chats if role == "therapist"]
    flat = [line for lines in follow_ups for line in lines]
    assert len(set(flat)) > len(flat) // 2
    for lines in follow_ups:
        assert len(set(lines)) == len(lines)  # never the same line twice in one chat


# -- determinism and variation ------------------------------------------------------------


def test_same_scenario_and_seed_give_the_same_record_bytes(
    scenarios: list[Scenario], library: ScenarioLibrary
) -> None:
    fresh = load_chat_templates(library=library)
    again = load_chat_templates(library=library)
    for scenario in scenarios[::7]:
        for role in FRAMINGS:
            assert make_record(scenario, fresh, role).to_json() == (
                make_record(scenario, again, role).to_json()
            )


def test_another_seed_changes_phrasings_somewhere(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    sample = scenarios[::4]
    first = [compose_chat(s, templates) for s in sample]
    other = [compose_chat(s, templates, seed="another seed") for s in sample]
    assert first != other
    assert all(a[0] == b[0] for a, b in zip(first, other, strict=True))  # same opening
    record_a = make_record(sample[0], templates, "therapist")
    record_b = template_chat_record(
        sample[0],
        templates,
        family=FAMILY,
        source_id=SOURCE_ID,
        scenarios_key=SCENARIOS_KEY,
        seed="another seed",
    )
    assert record_a.metadata.id != record_b.metadata.id
    assert record_b.metadata.provenance.generator is not None
    assert record_b.metadata.provenance.generator["seed"] == "another seed"


def test_first_assistant_turns_vary_within_a_category(
    scenarios: list[Scenario], templates: ChatTemplates, library: ScenarioLibrary
) -> None:
    for category in library.category_keys:
        three = [s for s in scenarios if s.category == category]
        assert len(three) == 3
        firsts = {compose_chat(s, templates)[1][1] for s in three}
        assert len(firsts) >= 2, category


# -- the records -------------------------------------------------------------------------


def make_registry() -> Registry:
    return Registry.model_validate(
        {
            "stages": [{"id": "stage3_edge_crisis", "order": 3}],
            "families": [{"name": FAMILY, "stage": "stage3_edge_crisis"}],
            "sources": [
                {
                    "id": SOURCE_ID,
                    "family": FAMILY,
                    "prefixes": ["raw/crisis_scenarios/"],
                    "adapter": "chatml",
                    "license": "internal-synthetic",
                    "approval": "approved",
                    "generator": {"name": "mhds.crisis.chats/v1", "parameters": {}},
                }
            ],
        }
    )


@pytest.mark.parametrize("role", FRAMINGS)
def test_records_are_canonical_and_provenance_complete(
    scenarios: list[Scenario], templates: ChatTemplates, role: ChatRole
) -> None:
    registry = make_registry()
    ids = set()
    for scenario in scenarios:
        record = make_record(scenario, templates, role)
        validate_record(record)
        assert Record.from_json(record.to_json()) == record
        meta = record.metadata
        ids.add(meta.id)
        assert meta.group_id == scenario.group_id
        assert meta.assistant_role == role
        assert meta.family == FAMILY and meta.license_tag == "internal-synthetic"
        assert meta.pii_status == "unscanned"
        assert meta.source_key == f"{SCENARIOS_KEY}#{scenario.scenario_id}"
        assert meta.id.startswith(f"{SOURCE_ID}-")
        assert meta.attributes["crisis_category"] == scenario.category
        assert meta.attributes["scenario_id"] == scenario.scenario_id
        assert meta.attributes["persona"] == "/".join(msgspec.structs.astuple(scenario.persona))
        assert all(isinstance(v, str) for v in meta.attributes.values())
        generator = meta.provenance.generator
        assert generator is not None
        assert generator["backend"] == "template" and generator["model"] == "template"
        assert generator["seed"] == SEED and generator["assistant_role"] == role
        assert generator["library_digest"] == scenario.library_digest
        assert generator["templates_digest"] == templates.digest()
        assert check_record_provenance(record, registry) == []
    assert len(ids) == len(scenarios)


def test_the_two_framings_of_a_scenario_are_two_records_in_one_group(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    therapist = make_record(scenarios[0], templates, "therapist")
    client = make_record(scenarios[0], templates, "client")
    assert therapist.metadata.id != client.metadata.id
    assert therapist.metadata.group_id == client.metadata.group_id


def test_chat_record_refuses_a_bad_key_or_generator(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    scenario = scenarios[0]
    chat = compose_chat(scenario, templates)
    generator = template_generator(templates, scenario, assistant_role="therapist")
    common: dict[str, Any] = {"family": FAMILY, "source_id": SOURCE_ID}
    with pytest.raises(ConfigError, match="store-relative"):
        chat_record(
            scenario,
            chat,
            scenarios_key="s3://bucket/raw/x.jsonl",
            assistant_role="therapist",
            generator=generator,
            **common,
        )
    for bad in ({"name": "x"}, {**generator, "assistant_role": "client"}):
        with pytest.raises(ConfigError, match="generator"):
            chat_record(
                scenario,
                chat,
                scenarios_key=SCENARIOS_KEY,
                assistant_role="therapist",
                generator=bad,
                **common,
            )
    with pytest.raises(InputError, match="role_order"):
        chat_record(
            scenario,
            [chat[0], chat[0], chat[1]],
            scenarios_key=SCENARIOS_KEY,
            assistant_role="therapist",
            generator=generator,
            **common,
        )


# -- failures never become half chats -------------------------------------------------------


def test_a_failing_or_empty_composer_gives_no_chat(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    histories: list[int] = []

    def flaky(scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec) -> str:
        histories.append(len(history))
        if spec.index == 3:
            raise TimeoutError("backend timed out")
        return "text"

    with pytest.raises(TimeoutError):
        compose_chat(scenarios[0], templates, composer=flaky)
    assert histories == [0, 1, 2, 3]

    def empty(scenario: Scenario, history: Sequence[ChatMessage], spec: TurnSpec) -> str:
        return "  " if spec.speaker == "therapist" else "text"

    with pytest.raises(InputError, match="empty_turn"):
        compose_chat(scenarios[0], templates, composer=empty)


def test_a_scenario_without_its_resources_is_an_input_error(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    scenario = next(s for s in scenarios if "provide_crisis_resources" in s.required_elements)
    bare = msgspec.structs.replace(scenario, resources=())
    with pytest.raises(InputError, match="scenario_without_resources"):
        compose_chat(bare, templates)


def test_unknown_values_are_input_errors_and_new_categories_use_defaults(
    scenarios: list[Scenario], templates: ChatTemplates
) -> None:
    scenario = next(s for s in scenarios if s.category == "therapy_resistance")
    odd = msgspec.structs.replace(scenario, region="NZ")
    with pytest.raises(InputError, match="unknown_scenario_value"):
        compose_chat(odd, templates)
    unknown = msgspec.structs.replace(scenario, required_elements=("no_such_element",))
    with pytest.raises(InputError, match="no_phrasings"):
        compose_chat(unknown, templates)
    with pytest.raises(InputError, match="no_required_elements"):
        compose_chat(msgspec.structs.replace(scenario, required_elements=()), templates)
    new = msgspec.structs.replace(scenario, category="new_category", turns=6)
    chat = compose_chat(new, templates, assistant_role="client")
    assert templates.client.default_brief in chat[0][1]
    assert chat[-1][1] in templates.client.default.closing
