"""``leading_assistant``: dialogs that open with the assistant are kept as they are by default,
or lose the assistant turns before the first user turn with ``drop``, in every adapter."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mhds.errors import InputError
from mhds.records.adapters import AdapterOptions, FieldMapping, get_adapter
from mhds.records.adapters.base import Conversation
from mhds.records.validate import Reason, validate_messages

ESCONV_MAPPING = FieldMapping(
    messages_field="dialog",
    role_field="speaker",
    content_field="content",
    merge_consecutive=True,
)
ESCONV_ROLES = {"usr": "user", "sys": "assistant"}
# An ESConv-style dialog whose supporter speaks first, twice (merged into one turn).
OPENS_WITH_SUPPORTER = {
    "dialog": [
        {"speaker": "sys", "content": "Hello, welcome."},
        {"speaker": "sys", "content": "How can I help today?"},
        {"speaker": "usr", "content": "I cannot sleep."},
        {"speaker": "sys", "content": "That sounds hard."},
    ]
}


def _roles(conversation: Conversation) -> list[str]:
    return [m.role for m in conversation.messages]


def _mapped(item: dict[str, Any], **options: Any) -> Conversation:
    [conversation] = get_adapter("mapped").convert(
        item, AdapterOptions(mapping=ESCONV_MAPPING, roles=ESCONV_ROLES, **options)
    )
    return conversation


def test_default_keeps_a_leading_assistant_turn_and_validation_accepts_it() -> None:
    conversation = _mapped(OPENS_WITH_SUPPORTER)
    assert _roles(conversation) == ["assistant", "user", "assistant"]
    assert conversation.messages[0].content == "Hello, welcome.\n\nHow can I help today?"
    assert conversation.dropped_turns == 0
    validate_messages(conversation.messages)  # kept as it is: not an error today


def test_drop_removes_assistant_turns_before_the_first_user_turn() -> None:
    conversation = _mapped(OPENS_WITH_SUPPORTER, leading_assistant="drop")
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "I cannot sleep."),
        ("assistant", "That sounds hard."),
    ]
    assert conversation.dropped_turns == 1  # the merged opening turn


def test_drop_without_merging_drops_every_leading_turn() -> None:
    mapping = ESCONV_MAPPING.model_copy(update={"merge_consecutive": False})
    [conversation] = get_adapter("mapped").convert(
        OPENS_WITH_SUPPORTER,
        AdapterOptions(mapping=mapping, roles=ESCONV_ROLES, leading_assistant="drop"),
    )
    assert _roles(conversation) == ["user", "assistant"]
    assert conversation.dropped_turns == 2


def test_drop_keeps_the_system_turn_and_the_system_prompt() -> None:
    item = {**OPENS_WITH_SUPPORTER, "prompt": "You listen."}
    mapping = ESCONV_MAPPING.model_copy(update={"system_field": "prompt"})
    [conversation] = get_adapter("mapped").convert(
        item, AdapterOptions(mapping=mapping, roles=ESCONV_ROLES, leading_assistant="drop")
    )
    assert _roles(conversation) == ["system", "user", "assistant"]
    assert conversation.messages[0].content == "You listen."
    chat = {"messages": [{"role": "assistant", "content": "Hi."}, *_turns("user", "assistant")]}
    [prompted] = get_adapter("chatml").convert(
        chat, AdapterOptions(system_prompt="Be kind.", leading_assistant="drop")
    )
    assert _roles(prompted) == ["system", "user", "assistant"]


def test_drop_without_any_user_turn_leaves_the_error_to_validation() -> None:
    item = {"dialog": [{"speaker": "sys", "content": "Hello?"}]}
    with pytest.raises(InputError) as info:
        _mapped(item, leading_assistant="drop")
    assert info.value.reason == Reason.NO_USER_TURN


def test_drop_after_a_user_turn_changes_nothing() -> None:
    item = {"dialog": [{"speaker": "usr", "content": "Hi."}, {"speaker": "sys", "content": "Hi."}]}
    assert _mapped(item, leading_assistant="drop") == _mapped(item)


def _turns(*roles: str) -> list[dict[str, str]]:
    return [{"role": role, "content": f"turn {n}"} for n, role in enumerate(roles)]


# Every adapter, fed an item whose first turn is the assistant's.
LEADING_ASSISTANT_ITEMS: list[tuple[str, Any, dict[str, Any]]] = [
    ("chatml", {"messages": _turns("assistant", "user", "assistant")}, {}),
    (
        "sharegpt",
        {"conversations": [{"from": r, "value": f"turn {n}"} for n, r in enumerate("ghg")]},
        {"roles": {"g": "assistant", "h": "user"}},
    ),
    ("transcript", "Therapist: Welcome.\nClient: I feel low.\nTherapist: Tell me more.", {}),
    ("mapped", OPENS_WITH_SUPPORTER, {"mapping": ESCONV_MAPPING, "roles": ESCONV_ROLES}),
]


@pytest.mark.parametrize(("adapter", "item", "options"), LEADING_ASSISTANT_ITEMS)
def test_every_adapter_keeps_or_drops_by_option(
    adapter: str, item: Any, options: dict[str, Any]
) -> None:
    [kept] = get_adapter(adapter).convert(item, AdapterOptions(**options))
    [dropped] = get_adapter(adapter).convert(
        item, AdapterOptions(leading_assistant="drop", **options)
    )
    assert _roles(kept)[0] == "assistant"
    assert _roles(dropped)[0] == "user"
    assert dropped.messages == kept.messages[1:]
    assert dropped.dropped_turns == 1


def test_unknown_leading_assistant_value_is_refused() -> None:
    with pytest.raises(ValidationError, match="leading_assistant"):
        AdapterOptions(leading_assistant="trim")  # type: ignore[arg-type]


def test_ingest_counts_the_dropped_turns_in_its_manifest_and_audit(tmp_path: Any) -> None:
    from mhds.ingest import ingest_sources
    from mhds.ingest.processed import read_manifest
    from mhds.records import codec
    from mhds.registry.schema import Registry
    from mhds.store import LocalStore

    store = LocalStore(tmp_path / "store")
    store.write_bytes("raw/esconv/a.jsonl", codec.dumps(OPENS_WITH_SUPPORTER) + b"\n")
    options = {
        "mapping": ESCONV_MAPPING.model_dump(),
        "roles": ESCONV_ROLES,
        "leading_assistant": "drop",
    }
    registry = Registry.model_validate(
        {
            "stages": [{"id": "s1", "order": 1}],
            "families": [{"name": "therapy", "stage": "s1"}],
            "sources": [
                {
                    "id": "esconv",
                    "family": "therapy",
                    "prefixes": ["raw/esconv/"],
                    "adapter": "mapped",
                    "adapter_options": options,
                    "license": "CC-BY-NC-4.0",
                    "approval": "approved",
                }
            ],
        }
    )
    run = ingest_sources(store, registry, ["esconv"])
    assert run.results[0].dropped_turns == 1  # the two opening turns, merged into one
    assert read_manifest(store, registry, "esconv")["dropped_leading_assistant_turns"] == 1
    [entry] = [codec.loads(line) for line in store.read_bytes(run.audit_key).splitlines()]
    assert entry["counts"]["dropped_leading_assistant_turns"] == 1
