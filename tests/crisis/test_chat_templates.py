"""Chat templates: the packaged ones cover every required element of the library, and
invalid ones are refused at load with the field that is wrong."""

from __future__ import annotations

import copy
import re
from importlib.resources import files
from typing import Any

import pytest
import yaml

from mhds.crisis.chat_templates import ChatTemplates, load_chat_templates, parse_chat_templates
from mhds.crisis.library import ScenarioLibrary, load_library
from mhds.errors import ConfigError


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return load_library()


@pytest.fixture(scope="module")
def templates(library: ScenarioLibrary) -> ChatTemplates:
    return load_chat_templates(library=library)


def test_packaged_templates_cover_every_required_element(
    templates: ChatTemplates, library: ScenarioLibrary
) -> None:
    assert templates.version == "1"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", templates.digest())
    for category in library.categories:
        for key in category.required:
            phrasings = templates.phrasings(category.key, key)
            assert len(phrasings.opening + phrasings.middle + phrasings.closing) >= 3


def raw_templates() -> dict[str, Any]:
    text = files("mhds.crisis").joinpath("data", "chat-templates-v1.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def broken(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("elements.validate_feelings.phrasings.opening.0", "I {wonder}.", "unknown placeholder"),
        ("elements.validate_feelings.phrasings.opening.0", "Okay then.", "none of the markers"),
        ("therapist.reflect.0", "That makes sense.", "a marker of 'validate_feelings'"),
        ("elements.provide_crisis_resources.phrasings.middle.0", "Call {resource_name}.", "every"),
        ("elements.validate_feelings.phrasings.closing.0", "{resource_list}: makes sense", "gives"),
        ("elements.offer_grounding", None, "no phrasings for offer_grounding"),
        ("therapist.acknowledge.hostile", None, "no lines for communication_style hostile"),
        ("fills.region.IE", None, "fills.region: no lines for region IE"),
        ("fills.age_group.adult.daily_place", None, "fills.age_group.adult"),
        ("categories.mania.schedule", {"maintain_boundaries": "opening"}, "not required"),
        ("categories.no_such_category", {"brief": "x"}, "not a library category"),
        ("system", "Play {someone}.", "unknown placeholder {someone}"),
        ("client.lead.direct.explicit", ["Okay."], "at least 3"),
    ],
)
def test_invalid_templates_are_refused_with_the_field(
    library: ScenarioLibrary, path: str, value: Any, message: str
) -> None:
    text = yaml.safe_dump(broken(raw_templates(), path, value), sort_keys=False)
    with pytest.raises(ConfigError) as info:
        parse_chat_templates(text, source="t.yaml", library=library)
    assert str(info.value).startswith("t.yaml: ")
    assert message in str(info.value)
