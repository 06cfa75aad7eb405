"""Loading a registry: the packaged example, and errors that name the file and field path."""

from __future__ import annotations

import copy
import hashlib
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

from mhds.errors import ConfigError
from mhds.records import codec
from mhds.registry import (
    default_registry_path,
    load_registry,
    parse_registry,
    registry_hash,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "registry"

BASE: dict[str, Any] = {
    "stages": [{"id": "stage1_foundation", "order": 1}, {"id": "stage2", "order": 2}],
    "families": [
        {"name": "professional_therapeutic", "stage": "stage1_foundation", "required": True},
        {"name": "clinical_reasoning", "stage": "stage2"},
    ],
    "sources": [
        {
            "id": "counsel_chat",
            "family": "professional_therapeutic",
            "keys": ["raw/counsel_chat/counsel_chat.csv"],
            "adapter": "counselchat",
            "format": "csv",
            "license": "MIT",
            "approval": "approved",
        },
        {
            "id": "reasoning",
            "family": "clinical_reasoning",
            "prefixes": ["raw/reasoning/"],
            "adapter": "chatml",
            "license": "internal-synthetic",
        },
    ],
}


def _text(change: Any = None) -> str:
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_registry(text, name="registry.yaml")
    return str(info.value)


def test_example_registry_loads() -> None:
    registry = load_registry(default_registry_path())
    stages = [s.id for s in registry.stages]
    assert stages == [
        "stage1_foundation",
        "stage2_therapeutic_expertise",
        "stage3_edge_crisis",
        "stage4_voice_persona",
    ]
    required = {f.name for f in registry.families if f.required}
    assert required == {
        "professional_therapeutic",
        "clinical_reasoning",
        "crisis_edge",
        "voice_persona",
    }
    assert registry.family("simulator_dual_persona").assistant_role == "client"
    assert registry.family("clinical_reasoning").assistant_role == "teacher"
    holdouts = {f.name for f in registry.families if f.holdout == "test_only"}
    assert holdouts == {"crisis_holdout", "voice_persona_holdout", "long_running_therapy"}
    consent = {f.name for f in registry.families if f.consent_required}
    assert consent == {"voice_persona", "voice_persona_holdout", "dual_persona"}
    fed = {s.family for s in registry.sources if s.family in consent}
    assert fed == consent and all(s.consent for s in registry.sources if s.family in consent)
    esconv = registry.adapter_options(registry.source("demo_esconv"))
    assert esconv.mapping is not None and esconv.mapping.messages_field == "dialog"
    assert registry.source("counsel_chat").matches("raw/counsel_chat/counsel_chat.csv")


def test_registry_hash_is_stable_and_sensitive() -> None:
    first = registry_hash(parse_registry(_text()))
    assert first == registry_hash(load_registry(_text()))
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    changed = registry_hash(
        parse_registry(_text(lambda d: d["sources"][1].update(approval="approved")))
    )
    assert changed != first


def test_load_from_file(tmp_path: Path) -> None:
    registry = load_registry(DATA / "small.yaml")
    assert [s.id for s in registry.sources] == ["counsel_chat", "crisis"]
    assert load_registry(str(DATA / "small.yaml")) == registry


def test_error_names_file_and_field_path() -> None:
    with pytest.raises(ConfigError) as info:
        load_registry(DATA / "bad_stage.yaml")
    assert str(info.value).startswith(
        "bad_stage.yaml: families[2].stage: unknown stage 'stage9' (known: stage1_foundation)"
    )
    assert info.value.exit_code == 2
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def _set(path: str, value: Any) -> Any:
    """A change that sets ``section[index].field`` of the base registry."""
    section, index, field = path.split(".")

    def change(data: dict[str, Any]) -> None:
        data[section][int(index)][field] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("families.1.stage", "stage9"), "families[1].stage: unknown stage 'stage9'"),
        (_set("sources.1.family", "nope"), "sources[1].family: unknown family 'nope'"),
        (
            _set("families.1.name", "professional_therapeutic"),
            "families[1].name: duplicate name 'professional_therapeutic' (also families[0])",
        ),
        (_set("sources.1.id", "counsel_chat"), "sources[1].id: duplicate id 'counsel_chat'"),
        (_set("stages.1.id", "stage1_foundation"), "stages[1].id: duplicate id"),
        (
            _set("sources.1.prefixes", ["raw/reasoning"]),
            "sources[1].prefixes: prefix 'raw/reasoning' must be relative and end with '/'",
        ),
        (
            _set("sources.0.keys", ["/abs/counsel_chat.csv"]),
            "sources[0].keys: key '/abs/counsel_chat.csv' must be a relative object key",
        ),
        (
            _set("sources.0.keys", ["s3://bucket/raw/x.csv"]),
            "sources[0].keys: key 's3://bucket/raw/x.csv' must be a relative object key",
        ),
        (_set("sources.1.adapter", "nope"), "sources[1].adapter: unknown adapter 'nope'"),
        (
            _set("sources.1.adapter_options", {"bogus": 1}),
            "sources[1].adapter_options.bogus: Extra inputs are not permitted",
        ),
        (
            _set("sources.1.adapter_options", {"roles": {"usr": "patient"}}),
            "sources[1].adapter_options.roles.usr: Input should be",
        ),
        (
            _set("sources.1.format", "csv"),
            "sources[1].format: adapter 'chatml' does not read 'csv' input",
        ),
        (
            _set("sources.1.prefixes", ["processed/reasoning/"]),
            "sources[1].prefixes[0]: 'processed/reasoning/' lies under 'processed/'",
        ),
        (
            lambda d: d.update(ignore_prefixes=["tmp"]),
            "ignore_prefixes[0]: prefix 'tmp' must be relative and end with '/'",
        ),
        (
            lambda d: d.update(layout={"inventory": "reports"}),
            "layout.inventory: prefix 'reports' must be relative and end with '/'",
        ),
        (
            lambda d: d.update(ignore_prefixes=["raw/"]),
            "sources[1].prefixes[0]: 'raw/reasoning/' lies under 'raw/' (ignore_prefixes)",
        ),
        (_set("sources.0.approval", "yes"), "sources[0].approval: Input should be 'approved'"),
        (_set("families.0.colour", "blue"), "families[0].colour: Extra inputs are not permitted"),
        (_set("families.0.min_records", -1), "families[0].min_records: Input should be greater"),
        (_set("sources.0.license", None), "sources[0].license: Input should be a valid string"),
        (_set("sources.1.license", ""), "sources[1].license: licence is empty"),
        (_set("sources.1.license", " \t"), "sources[1].license: licence is empty"),
        (
            lambda d: d.update(allowed_licenses=["MIT", "CC-BY-4.0"]),
            "sources[1].license: 'internal-synthetic' is not an allowed licence "
            "(allowed_licenses: MIT, CC-BY-4.0)",
        ),
        (
            lambda d: d.update(allowed_licenses=[]),
            "allowed_licenses: an empty list allows no source",
        ),
        (
            lambda d: d.update(allowed_licenses=["MIT", "internal-synthetic", "MIT"]),
            "allowed_licenses[2]: duplicate 'MIT' (also allowed_licenses[0])",
        ),
    ],
)
def test_invalid_registry_names_field_path(change: Any, expected: str) -> None:
    message = _error(_text(change))
    assert message.startswith("registry.yaml: ")
    assert expected in message


def test_every_problem_is_reported_on_its_own_line() -> None:
    def change(data: dict[str, Any]) -> None:
        data["families"][1]["stage"] = "stage9"
        data["sources"][0]["family"] = "nope"

    lines = _error(_text(change)).splitlines()
    assert lines[0].startswith("registry.yaml: families[1].stage: unknown stage 'stage9'")
    assert lines[1].startswith("registry.yaml: sources[0].family: unknown family 'nope'")


def test_missing_locations_and_required_fields() -> None:
    assert "sources[0]: a source needs at least one of keys or prefixes" in _error(
        _text(lambda d: d["sources"][0].pop("keys"))
    )
    assert "sources[1].license: Field required" in _error(
        _text(lambda d: d["sources"][1].pop("license"))
    )
    assert "stages: Field required" in _error(_text(lambda d: d.pop("stages")))


def test_yaml_syntax_error_names_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_registry(DATA / "bad_syntax.yaml")
    message = str(info.value)
    assert message == (
        "bad_syntax.yaml: line 6, column 9: YAML syntax error: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence started at line 5)"
    )
    assert "- name: crisis_edge" not in message  # the file's lines are never quoted


def test_duplicate_yaml_key_names_line() -> None:
    text = "stages: []\nfamilies: []\nstages: []\n"
    assert _error(text).startswith("registry.yaml: line 3, column 1: YAML syntax error")
    assert "duplicate key 'stages'" in _error(text)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string", ""])
def test_registry_must_be_a_mapping(text: str) -> None:
    assert "the registry must be a YAML mapping" in _error(text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read registry"):
        load_registry(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="cannot read registry"):
        load_registry("absent-registry.yaml")


def test_allowed_licences_accept_listed_ones_and_keep_old_hashes() -> None:
    before = registry_hash(parse_registry(_text()))
    allowed = parse_registry(
        _text(lambda d: d.update(allowed_licenses=["MIT", "internal-synthetic"]))
    )
    assert allowed.allowed_licenses == ("MIT", "internal-synthetic")
    assert parse_registry(_text()).allowed_licenses is None
    # a registry without the list hashes as before the field existed; the list is hashed
    assert before == "sha256:" + hashlib.sha256(codec.canonical_json(_legacy_dump())).hexdigest()
    assert registry_hash(allowed) != before


def _legacy_dump() -> dict[str, Any]:
    data = parse_registry(_text()).model_dump(mode="json")
    del data["allowed_licenses"]
    return data


def test_example_registry_allows_every_licence_the_demo_uses() -> None:
    registry = load_registry(default_registry_path())
    assert registry.allowed_licenses is not None
    assert {s.license for s in registry.sources} <= set(registry.allowed_licenses)
    assert {"MIT", "internal-synthetic"} <= set(registry.allowed_licenses)
