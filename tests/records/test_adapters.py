"""Tests for the format adapters: exact messages on the happy paths, reason and field on errors."""

from __future__ import annotations

import csv
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mhds.errors import ConfigError, InputError
from mhds.records.adapters import ADAPTERS, AdapterOptions, FieldMapping, get_adapter
from mhds.records.adapters.paths import get_path
from mhds.records.schema import Message
from mhds.records.validate import Reason

# Content that must never show up in an error message or its context.
SECRET = "SECRET-TEXT-never-in-errors"


def msgs(*pairs: tuple[str, str]) -> tuple[Message, ...]:
    return tuple(Message(role=role, content=content) for role, content in pairs)  # type: ignore[arg-type]


def convert_one(adapter: str, item: Any, **options: Any) -> Any:
    conversations = get_adapter(adapter).convert(item, AdapterOptions(**options))
    assert len(conversations) == 1
    return conversations[0]


def convert_error(adapter: str, item: Any, **options: Any) -> InputError:
    with pytest.raises(InputError) as info:
        get_adapter(adapter).convert(item, AdapterOptions(**options))
    exc = info.value
    # Errors never carry text, and survive a process pool.
    assert SECRET not in str(exc)
    assert SECRET not in repr(exc.context)
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.reason, copy.field) == (exc.reason, exc.field)
    return exc


# --- registry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_get_adapter_returns_named_adapter(name: str) -> None:
    adapter = get_adapter(name)
    assert adapter.name == name
    assert adapter.accepts and adapter.accepts <= {"object", "row", "text"}


@pytest.mark.parametrize("name", sorted(set(ADAPTERS) - {"mapped"}))
def test_check_options_accepts_defaults(name: str) -> None:
    get_adapter(name).check_options(AdapterOptions())  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("chatml", {"system_prompt": "  "}),
        ("sharegpt", {"group_field": "meta..id"}),
        ("alpaca", {"attribute_fields": ("source.",)}),
        ("pairs", {"user_field": "q"}),
        ("pairs", {"assistant_field": "a"}),
        ("transcript", {"assistant_role": "teacher"}),
        ("transcript", {"text_field": ".text"}),
        ("counselchat", {"attribute_fields": ("therapistURL",)}),
        ("mapped", {"roles": {"usr": "user"}}),
        (
            "mapped",
            {
                "roles": {"usr": "user"},
                "mapping": {"messages_field": "dialog", "role_field": "", "content_field": "c"},
            },
        ),
    ],
)
def test_check_options_rejects_bad_options(name: str, options: dict[str, Any]) -> None:
    """The registry loader calls ``check_options`` so bad options fail before any item is read."""
    with pytest.raises(ConfigError):
        get_adapter(name).check_options(AdapterOptions(**options))  # type: ignore[attr-defined]


def test_get_adapter_unknown_lists_known_names() -> None:
    with pytest.raises(ConfigError) as info:
        get_adapter("nope")
    for name in ("alpaca", "chatml", "counselchat", "mapped", "pairs", "sharegpt", "transcript"):
        assert name in str(info.value)


# --- paths ------------------------------------------------------------------------------------

NESTED = {"a": {"b": [{"c": "x"}, {"c": 2}]}, "n": None, "s": "text"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a.b.0.c", "x"), ("a.b.1.c", 2), ("n", None), ("a.b.1", {"c": 2})],
)
def test_get_path_finds_values(path: str, expected: Any) -> None:
    assert get_path(NESTED, path) == expected


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("missing", Reason.MISSING_FIELD),
        ("a.x", Reason.MISSING_FIELD),
        ("a.b.5.c", Reason.MISSING_FIELD),
        ("a.b.first", Reason.WRONG_TYPE),
        ("s.len", Reason.WRONG_TYPE),
        ("n.x", Reason.WRONG_TYPE),
    ],
)
def test_get_path_errors_name_the_path(path: str, reason: Reason) -> None:
    with pytest.raises(InputError) as info:
        get_path(NESTED, path)
    assert (info.value.reason, info.value.field) == (reason, path)
    assert "text" not in str(info.value)


def test_get_path_where_prefixes_field() -> None:
    with pytest.raises(InputError) as info:
        get_path({}, "speaker", where="dialog[3]")
    assert info.value.field == "dialog[3].speaker"


def test_get_path_rejects_empty_segment() -> None:
    with pytest.raises(ConfigError):
        get_path(NESTED, "a..b")


# --- chatml -----------------------------------------------------------------------------------


def test_chatml_happy_path_strips_and_keeps_system() -> None:
    item = {
        "messages": [
            {"role": "system", "content": " You are a counsellor. "},
            {"role": "user", "content": "I can't sleep.\n"},
            {"role": "assistant", "content": "\nWhat keeps you awake?", "weight": 1},
        ],
        "meta": {"session": 7, "topic": "sleep"},
    }
    conversation = convert_one(
        "chatml",
        item,
        system_prompt="ignored: the item has a system turn",
        group_field="meta.session",
        attribute_fields=("meta.topic",),
    )
    assert conversation.messages == msgs(
        ("system", "You are a counsellor."),
        ("user", "I can't sleep."),
        ("assistant", "What keeps you awake?"),
    )
    assert conversation.group_key == "7"
    assert conversation.attributes == {"meta.topic": "sleep"}


def test_chatml_roles_map_renames_and_system_prompt_prepends() -> None:
    item = {"messages": [{"role": "Human", "content": "hi"}, {"role": "bot", "content": "hello"}]}
    conversation = convert_one(
        "chatml", item, roles={"human": "user", "BOT": "assistant"}, system_prompt="Be kind."
    )
    assert conversation.messages == msgs(
        ("system", "Be kind."), ("user", "hi"), ("assistant", "hello")
    )
    assert conversation.group_key is None
    assert conversation.attributes == {}


def _chat(*pairs: tuple[Any, Any]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": content} for role, content in pairs]}


@pytest.mark.parametrize(
    ("item", "reason", "field"),
    [
        (_chat(("user", SECRET), ("therapist", SECRET)), Reason.UNKNOWN_ROLE, "messages[1].role"),
        (_chat(("Bot", SECRET), ("assistant", SECRET)), Reason.UNKNOWN_ROLE, "messages[0].role"),
        (_chat(("user", SECRET), (3, SECRET)), Reason.WRONG_TYPE, "messages[1].role"),
        (
            _chat(("user", [SECRET]), ("assistant", SECRET)),
            Reason.WRONG_TYPE,
            "messages[0].content",
        ),
        (_chat(("user", SECRET), ("assistant", "  ")), Reason.EMPTY_CONTENT, "messages[1].content"),
        (
            _chat(("user", SECRET), ("assistant", SECRET), ("assistant", SECRET)),
            Reason.ROLE_ORDER,
            "messages[2].role",
        ),
        (_chat(("user", SECRET), ("system", SECRET)), Reason.ROLE_ORDER, "messages[1].role"),
        (_chat(("user", SECRET)), Reason.NO_ASSISTANT_TURN, "messages"),
        (_chat(("assistant", SECRET)), Reason.NO_USER_TURN, "messages"),
        (_chat(), Reason.EMPTY_CONVERSATION, "messages"),
        (
            _chat(("user", SECRET + "\x00"), ("assistant", SECRET)),
            Reason.CONTROL_CHARACTERS,
            "messages[0].content",
        ),
        ({"messages": {"role": "user"}}, Reason.WRONG_TYPE, "messages"),
        ({"messages": [SECRET]}, Reason.WRONG_TYPE, "messages[0]"),
        ({"turns": []}, Reason.MISSING_FIELD, "messages"),
        ({"messages": [{"role": "user"}]}, Reason.MISSING_FIELD, "messages[0].content"),
        ([SECRET], Reason.NOT_AN_OBJECT, None),
    ],
)
def test_chatml_errors(item: Any, reason: Reason, field: str | None) -> None:
    exc = convert_error("chatml", item)
    assert (exc.reason, exc.field) == (reason, field)


def test_chatml_unknown_role_detail_is_truncated_label() -> None:
    exc = convert_error("chatml", _chat(("user", SECRET), ("x" * 100, SECRET)))
    assert exc.detail == "x" * 40


def test_chatml_blank_system_prompt_is_config_error() -> None:
    with pytest.raises(ConfigError):
        convert_one("chatml", _chat(("user", "a"), ("assistant", "b")), system_prompt="  ")


def test_chatml_system_prompt_not_added_to_empty_conversation() -> None:
    exc = convert_error("chatml", _chat(), system_prompt="Be kind.")
    assert (exc.reason, exc.field) == (Reason.EMPTY_CONVERSATION, "messages")


# --- sharegpt ---------------------------------------------------------------------------------


def _share(*pairs: tuple[Any, Any], **extra: Any) -> dict[str, Any]:
    return {"conversations": [{"from": who, "value": text} for who, text in pairs], **extra}


@pytest.mark.parametrize(
    ("speakers", "expected_roles"),
    [
        (("human", "gpt"), ("user", "assistant")),
        (("Human", "GPT"), ("user", "assistant")),
        (("user", "assistant"), ("user", "assistant")),
        (("human", "chatgpt"), ("user", "assistant")),
        (("human", "bing"), ("user", "assistant")),
        (("human", "bard"), ("user", "assistant")),
        (("user", "model"), ("user", "assistant")),
    ],
)
def test_sharegpt_default_table(speakers: tuple[str, str], expected_roles: tuple[str, str]) -> None:
    conversation = convert_one("sharegpt", _share((speakers[0], " q "), (speakers[1], "a\n")))
    assert conversation.messages == msgs((expected_roles[0], "q"), (expected_roles[1], "a"))


def test_sharegpt_system_turn_group_and_attributes() -> None:
    item = _share(
        ("system", "You listen."),
        ("human", "I feel low."),
        ("gpt", "Tell me more."),
        ("human", "Since my move."),
        ("gpt", "That is a big change."),
        id="conv-9",
        lang="en",
    )
    conversation = convert_one(
        "sharegpt", item, group_field="id", attribute_fields=("lang",), system_prompt="unused"
    )
    assert conversation.messages == msgs(
        ("system", "You listen."),
        ("user", "I feel low."),
        ("assistant", "Tell me more."),
        ("user", "Since my move."),
        ("assistant", "That is a big change."),
    )
    assert (conversation.group_key, conversation.attributes) == ("conv-9", {"lang": "en"})


def test_sharegpt_roles_replace_default_table() -> None:
    roles = {"Patient": "user", "doctor": "assistant"}
    conversation = convert_one("sharegpt", _share(("patient", "p"), ("DOCTOR", "d")), roles=roles)
    assert conversation.messages == msgs(("user", "p"), ("assistant", "d"))
    exc = convert_error("sharegpt", _share(("human", SECRET), ("doctor", SECRET)), roles=roles)
    assert (exc.reason, exc.field, exc.detail) == (
        Reason.UNKNOWN_ROLE,
        "conversations[0].from",
        "human",
    )


@pytest.mark.parametrize(
    ("item", "reason", "field"),
    [
        (
            _share(("human", SECRET), ("robot", SECRET)),
            Reason.UNKNOWN_ROLE,
            "conversations[1].from",
        ),
        (_share(("human", SECRET), ("gpt", "")), Reason.EMPTY_CONTENT, "conversations[1].value"),
        (_share(("human", SECRET), ("gpt", None)), Reason.WRONG_TYPE, "conversations[1].value"),
        (
            _share(("human", SECRET), ("human", SECRET), ("gpt", SECRET)),
            Reason.ROLE_ORDER,
            "conversations[1].from",
        ),
        (_share(("human", SECRET)), Reason.NO_ASSISTANT_TURN, "conversations"),
        (_share(), Reason.EMPTY_CONVERSATION, "conversations"),
        ({"messages": []}, Reason.MISSING_FIELD, "conversations"),
        ({"conversations": [{"value": SECRET}]}, Reason.MISSING_FIELD, "conversations[0].from"),
    ],
)
def test_sharegpt_errors(item: Any, reason: Reason, field: str) -> None:
    exc = convert_error("sharegpt", item)
    assert (exc.reason, exc.field) == (reason, field)


def test_sharegpt_error_field_ignores_prepended_system_prompt() -> None:
    item = _share(("human", SECRET), ("gpt", " "))
    exc = convert_error("sharegpt", item, system_prompt="Be kind.")
    assert (exc.reason, exc.field) == (Reason.EMPTY_CONTENT, "conversations[1].value")


def test_sharegpt_missing_group_field_is_reported() -> None:
    exc = convert_error("sharegpt", _share(("human", "a"), ("gpt", "b")), group_field="meta.id")
    assert (exc.reason, exc.field) == (Reason.MISSING_FIELD, "meta.id")


# --- alpaca -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "user"),
    [
        (
            {"instruction": "Reflect this.", "input": "I failed.", "output": "o"},
            "Reflect this.\n\nI failed.",
        ),
        ({"instruction": " Reflect this. ", "input": "", "output": "o"}, "Reflect this."),
        ({"instruction": "Reflect this.", "input": None, "output": "o"}, "Reflect this."),
        ({"instruction": "Reflect this.", "output": "o"}, "Reflect this."),
        ({"instruction": "", "input": "Only input.", "output": "o"}, "Only input."),
    ],
)
def test_alpaca_happy_path(item: dict[str, Any], user: str) -> None:
    conversation = convert_one("alpaca", item)
    assert conversation.messages == msgs(("user", user), ("assistant", "o"))


def test_alpaca_system_prompt_and_csv_row() -> None:
    row = {"instruction": "Say hi.", "input": "", "output": " Hi. ", "source": "s1"}
    conversation = convert_one(
        "alpaca", row, system_prompt="You are a therapist.", attribute_fields=("source",)
    )
    assert conversation.messages == msgs(
        ("system", "You are a therapist."), ("user", "Say hi."), ("assistant", "Hi.")
    )
    assert conversation.attributes == {"source": "s1"}


@pytest.mark.parametrize(
    ("item", "reason", "field"),
    [
        ({"input": SECRET, "output": SECRET}, Reason.MISSING_FIELD, "instruction"),
        ({"instruction": SECRET}, Reason.MISSING_FIELD, "output"),
        ({"instruction": SECRET, "output": 5}, Reason.WRONG_TYPE, "output"),
        ({"instruction": SECRET, "input": [SECRET], "output": SECRET}, Reason.WRONG_TYPE, "input"),
        ({"instruction": SECRET, "output": "\n"}, Reason.EMPTY_CONTENT, "output"),
        ({"instruction": " ", "input": "", "output": SECRET}, Reason.EMPTY_CONTENT, "instruction"),
    ],
)
def test_alpaca_errors(item: Any, reason: Reason, field: str) -> None:
    exc = convert_error("alpaca", item)
    assert (exc.reason, exc.field) == (reason, field)


# --- pairs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        {"prompt": "q", "response": "a"},
        {"input": "q", "output": "a"},
        {"question": "q", "answer": "a"},
        {"context": "q", "response": "a"},
        {"prompt": "q", "response": "a", "input": "no", "output": "no"},
        {"input": "q", "output": "a", "question": "no", "answer": "no"},
        {"question": "q", "answer": "a", "context": "no"},
        {"response": "a", "context": "q", "output": "no"},
    ],
)
def test_pairs_detects_first_pair_present(item: dict[str, Any]) -> None:
    assert convert_one("pairs", item).messages == msgs(("user", "q"), ("assistant", "a"))


def test_pairs_explicit_dotted_fields() -> None:
    item = {"q": {"body": " Why? "}, "replies": [{"body": "Because."}], "prompt": "ignored"}
    conversation = convert_one(
        "pairs",
        item,
        user_field="q.body",
        assistant_field="replies.0.body",
        system_prompt="S",
    )
    assert conversation.messages == msgs(
        ("system", "S"), ("user", "Why?"), ("assistant", "Because.")
    )


@pytest.mark.parametrize(
    ("item", "options", "reason", "field"),
    [
        ({"prompt": SECRET}, {}, Reason.MISSING_FIELD, "response"),
        ({"answer": SECRET}, {}, Reason.MISSING_FIELD, "question"),
        ({"text": SECRET}, {}, Reason.MISSING_FIELD, "prompt"),
        ({"prompt": SECRET, "response": 1}, {}, Reason.WRONG_TYPE, "response"),
        ({"question": [SECRET], "answer": SECRET}, {}, Reason.WRONG_TYPE, "question"),
        ({"prompt": SECRET, "response": ""}, {}, Reason.EMPTY_CONTENT, "response"),
        (
            {"q": SECRET},
            {"user_field": "q", "assistant_field": "a.text"},
            Reason.MISSING_FIELD,
            "a.text",
        ),
    ],
)
def test_pairs_errors(item: Any, options: dict[str, Any], reason: Reason, field: str) -> None:
    exc = convert_error("pairs", item, **options)
    assert (exc.reason, exc.field) == (reason, field)


def test_pairs_one_explicit_field_is_config_error() -> None:
    with pytest.raises(ConfigError):
        convert_one("pairs", {"q": "x", "a": "y"}, user_field="q")


# --- transcript -------------------------------------------------------------------------------

SESSION = """Therapist: Welcome back. How was your week?
Client: Hard. I skipped work twice.
  I just couldn't face it.
Note: client arrived late
Therapist: What made it hard to go in?
Client: The deadlines.
Client: And my manager.
Counsellor: That sounds like a lot of pressure.
"""


@pytest.mark.parametrize(
    ("assistant_role", "clinician", "client"),
    [("therapist", "assistant", "user"), ("client", "user", "assistant")],
)
def test_transcript_default_tables(assistant_role: str, clinician: str, client: str) -> None:
    conversation = convert_one("transcript", SESSION, assistant_role=assistant_role)
    assert conversation.messages == msgs(
        (clinician, "Welcome back. How was your week?"),
        (
            client,
            "Hard. I skipped work twice.\n  I just couldn't face it.\nNote: client arrived late",
        ),
        (clinician, "What made it hard to go in?"),
        (client, "The deadlines.\nAnd my manager."),
        (clinician, "That sounds like a lot of pressure."),
    )


@pytest.mark.parametrize("assistant_role", ["therapist", "client"])
def test_transcript_human_assistant_labels_are_fixed(assistant_role: str) -> None:
    text = "Human: I keep worrying.\nassistant: About what?\nHUMAN: Everything.\n\nAssistant: Ok."
    conversation = convert_one("transcript", text, assistant_role=assistant_role)
    assert conversation.messages == msgs(
        ("user", "I keep worrying."),
        ("assistant", "About what?"),
        ("user", "Everything."),
        ("assistant", "Ok."),
    )


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Counselor", "assistant"),
        ("Psychologist", "assistant"),
        ("Doctor", "assistant"),
        ("Patient", "user"),
        ("User", "user"),
    ],
)
def test_transcript_therapist_side_labels(label: str, role: str) -> None:
    other = "Client" if role == "assistant" else "Therapist"
    conversation = convert_one("transcript", f"{label}: one\n{other}: two")
    assert conversation.messages[0] == Message(role=role, content="one")  # type: ignore[arg-type]


def test_transcript_explicit_roles_replace_table() -> None:
    text = "T: How are you?\nC: Tired.\nNote: this one starts a turn\nC: Very tired."
    roles = {"t": "assistant", "c": "user", "NOTE": "user"}
    conversation = convert_one("transcript", text, roles=roles)
    assert conversation.messages == msgs(
        ("assistant", "How are you?"),
        ("user", "Tired.\nthis one starts a turn\nVery tired."),
    )
    exc = convert_error("transcript", "Therapist: hi\nClient: hey", roles=roles)
    assert exc.reason == Reason.UNKNOWN_ROLE
    assert "Therapist" in (exc.detail or "")


def test_transcript_object_with_text_field_and_system_prompt() -> None:
    item = {"id": 12, "modality": "video", "body": {"text": "Client: Hi.\nTherapist: Hello."}}
    conversation = convert_one(
        "transcript",
        item,
        text_field="body.text",
        group_field="id",
        attribute_fields=("modality",),
        system_prompt="Play the therapist.",
    )
    assert conversation.messages == msgs(
        ("system", "Play the therapist."), ("user", "Hi."), ("assistant", "Hello.")
    )
    assert (conversation.group_key, conversation.attributes) == ("12", {"modality": "video"})


@pytest.mark.parametrize(
    ("text", "reason", "detail_part"),
    [
        (f"{SECRET}\nTherapist: hi\nClient: hey", Reason.UNKNOWN_ROLE, "line 1"),
        (f"\n\nSupervisor: {SECRET}\nTherapist: hi", Reason.UNKNOWN_ROLE, "'Supervisor'"),
        (
            f"Extraordinarilylongspeakerlabel Withmorewords Andmore: {SECRET}",
            Reason.UNKNOWN_ROLE,
            repr("Extraordinarilylongspeakerlabel Withmorewords Andmore"[:40]),
        ),
        ("", Reason.EMPTY_CONVERSATION, None),
        (f"Therapist: {SECRET}\nDoctor: {SECRET}", Reason.NO_USER_TURN, None),
        (f"Therapist: {SECRET}\nClient:\n\nTherapist: x", Reason.EMPTY_CONTENT, None),
    ],
)
def test_transcript_errors(text: str, reason: Reason, detail_part: str | None) -> None:
    exc = convert_error("transcript", text)
    assert exc.reason == reason
    if detail_part is not None:
        assert exc.field == "text"
        assert detail_part in (exc.detail or "")


def test_transcript_error_field_names_text_field() -> None:
    exc = convert_error("transcript", {"t": f"Supervisor: {SECRET}"}, text_field="t")
    assert (exc.reason, exc.field) == (Reason.UNKNOWN_ROLE, "t")
    assert exc.detail == "unknown speaker label 'Supervisor' on line 1"


@pytest.mark.parametrize(
    ("item", "options"),
    [
        ({"text": "Client: a\nTherapist: b"}, {}),
        ("Client: a\nTherapist: b", {"assistant_role": "teacher"}),
    ],
)
def test_transcript_config_errors(item: Any, options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        convert_one("transcript", item, **options)


# --- counselchat ------------------------------------------------------------------------------


def _row(**changes: str) -> dict[str, str]:
    row = {
        "": "0",
        "questionID": "17",
        "questionTitle": "How do I stop overthinking?",
        "questionText": "I replay every conversation.\n   It keeps me up at night.\n ",
        "questionLink": "https://counselchat.com/questions/how-do-i-stop-overthinking",
        "topic": "anxiety",
        "therapistInfo": "Jane Doe, LMFTTherapist",
        "therapistURL": "https://counselchat.com/therapists/jane-doe",
        "answerText": " Try writing the thoughts down before bed. ",
        "upvotes": "3",
        "views": "412",
        "split": "train",
    }
    return {**row, **changes}


def test_counselchat_happy_path() -> None:
    conversation = convert_one("counselchat", _row())
    assert conversation.messages == msgs(
        (
            "user",
            "How do I stop overthinking?\n\nI replay every conversation.\nIt keeps me up at night.",
        ),
        ("assistant", "Try writing the thoughts down before bed."),
    )
    assert conversation.group_key == "17"
    assert conversation.attributes == {
        "topic": "anxiety",
        "upvotes": 3,
        "views": 412,
        "source_split": "train",
    }
    _assert_no_identifiers(conversation, _row())


@pytest.mark.parametrize(
    ("changes", "user"),
    [
        ({"questionTitle": ""}, "I replay every conversation.\nIt keeps me up at night."),
        ({"questionText": "  "}, "How do I stop overthinking?"),
        (
            {"questionText": "How do I stop overthinking? I replay it all."},
            "How do I stop overthinking? I replay it all.",
        ),
    ],
)
def test_counselchat_question_joining(changes: dict[str, str], user: str) -> None:
    assert convert_one("counselchat", _row(**changes)).messages[0] == Message(
        role="user", content=user
    )


def test_counselchat_json_object_with_numbers_and_system_prompt() -> None:
    item: dict[str, Any] = {**_row(), "questionID": 17, "upvotes": 0, "views": None}
    conversation = convert_one("counselchat", item, system_prompt="You are a counsellor.")
    assert conversation.messages[0] == Message(role="system", content="You are a counsellor.")
    assert conversation.group_key == "17"
    assert (conversation.attributes["upvotes"], conversation.attributes["views"]) == (0, None)


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"answerText": "  \n"}, Reason.EMPTY_CONTENT, "answerText"),
        ({"questionTitle": "", "questionText": "\n   "}, Reason.EMPTY_CONTENT, "questionText"),
        ({"upvotes": "many"}, Reason.WRONG_TYPE, "upvotes"),
        ({"views": "-1"}, Reason.WRONG_TYPE, "views"),
        ({"views": "\u00b2"}, Reason.WRONG_TYPE, "views"),
        ({"questionID": ""}, Reason.MISSING_FIELD, "questionID"),
    ],
)
def test_counselchat_errors(changes: dict[str, str], reason: Reason, field: str) -> None:
    exc = convert_error("counselchat", _row(**{"answerText": SECRET, **changes}))
    assert (exc.reason, exc.field) == (reason, field)


@pytest.mark.parametrize(
    "column",
    [
        "questionID",
        "questionTitle",
        "questionText",
        "answerText",
        "topic",
        "upvotes",
        "views",
        "split",
    ],
)
def test_counselchat_missing_column(column: str) -> None:
    row = _row(answerText=SECRET)
    del row[column]
    exc = convert_error("counselchat", row)
    assert (exc.reason, exc.field) == (Reason.MISSING_FIELD, column)


@pytest.mark.parametrize(
    "options",
    [
        {"attribute_fields": ("therapistInfo",)},
        {"attribute_fields": ("topic", "questionLink")},
        {"group_field": "therapistURL"},
    ],
)
def test_counselchat_refuses_identifying_columns(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        convert_one("counselchat", _row(), **options)


def _assert_no_identifiers(conversation: Any, row: dict[str, str]) -> None:
    for column in ("therapistInfo", "therapistURL", "questionLink"):
        value = row[column].strip()
        assert all(value not in str(v) for v in conversation.attributes.values())
        for message in conversation.messages:
            assert value not in message.content


def _read_counsel_chat(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "counsel_chat.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_counselchat_first_real_rows(shared_data: Path) -> None:
    rows = _read_counsel_chat(shared_data)
    first = convert_one("counselchat", rows[0])
    assert first.messages[0].content == (
        "Can I change my feeling of being worthless to everyone?\n\n"
        "I'm going through some things with my feelings and myself. I barely sleep and I do "
        "nothing but think about how I'm worthless and how I shouldn't be here.\n"
        "I've never tried or contemplated suicide. I've always wanted to fix my issues, but I "
        "never get around to it.\n"
        "How can I change my feeling of being worthless to everyone?"
    )
    assert first.messages[1].content.startswith("If everyone thinks you're worthless")
    assert first.attributes == {
        "topic": "depression",
        "upvotes": 1,
        "views": 2899,
        "source_split": "train",
    }
    # Two answers to one question: same question turn, same group.
    second = convert_one("counselchat", rows[1])
    assert second.messages[0] == first.messages[0]
    assert second.group_key == first.group_key == "0"


def test_counselchat_whole_real_file(shared_data: Path) -> None:
    rows = _read_counsel_chat(shared_data)
    assert len(rows) == 2129
    adapter = get_adapter("counselchat")
    options = AdapterOptions()
    outcomes: Counter[str] = Counter()
    signed = []
    for row in rows:
        try:
            conversations = adapter.convert(row, options)
        except InputError as exc:  # pragma: no cover - the file has no unusable rows today
            outcomes[str(exc.reason)] += 1
            assert exc.reason in {Reason.EMPTY_CONTENT}, exc
            continue
        outcomes["converted"] += 1
        assert len(conversations) == 1
        conversation = conversations[0]
        assert conversation.group_key == row["questionID"]
        assert conversation.attributes["source_split"] == row["split"]
        assert "\n " not in conversation.messages[0].content
        for column in ("therapistInfo", "therapistURL", "questionLink"):
            value = row[column]
            assert all(value not in str(v) for v in conversation.attributes.values())
            in_messages = any(value in m.content for m in conversation.messages)
            # A few therapists sign their answers: the name is then part of the source text
            # itself (left to the PII step); the adapter must never add it.
            if in_messages:
                assert value in row["answerText"], (row[""], column)
                signed.append(row[""])
    assert outcomes == Counter({"converted": 2129})
    assert sorted(signed, key=int) == ["742", "962", "1606"]


# --- mapped (ESConv) --------------------------------------------------------------------------

ESCONV: dict[str, Any] = {
    "experience_type": "Previous Experience",
    "emotion_type": "anxiety",
    "problem_type": "job crisis",
    "situation": "I hope to find a new job soon because my current one does not pay the bills.",
    "survey_score": {
        "seeker": {"initial_emotion_intensity": "4", "empathy": "5", "relevance": "5"},
        "supporter": {"relevance": "5"},
    },
    "dialog": [
        {"speaker": "usr", "annotation": {}, "content": "Hello\n"},
        {
            "speaker": "sys",
            "annotation": {"strategy": "Question"},
            "content": "Hi there, how are you feeling today?",
        },
        {"speaker": "usr", "annotation": {}, "content": "Pretty anxious about work."},
        {
            "speaker": "sys",
            "annotation": {"strategy": "Restatement or Paraphrasing"},
            "content": "It sounds like work is weighing on you.",
        },
        {
            "speaker": "sys",
            "annotation": {"strategy": "Question"},
            "content": "What is worrying you the most?",
        },
        {"speaker": "usr", "annotation": {}, "content": "My pay. I can barely cover rent."},
        {"speaker": "usr", "annotation": {}, "content": "And I have been looking for months."},
        {
            "speaker": "sys",
            "annotation": {"strategy": "Affirmation and Reassurance"},
            "content": "Looking for months takes real persistence. ",
        },
    ],
    "seeker_question1": "The supporter was helpful.",
    "seeker_question2": "",
    "supporter_question1": "",
    "supporter_question2": "",
    "conversation_id": 301,
}
ESCONV_MAPPING = FieldMapping(
    messages_field="dialog",
    role_field="speaker",
    content_field="content",
    group_field="conversation_id",
    attribute_fields=("emotion_type", "problem_type", "experience_type"),
    merge_consecutive=True,
)
ESCONV_ROLES = {"usr": "user", "sys": "assistant"}


def test_mapped_esconv() -> None:
    conversation = convert_one("mapped", ESCONV, mapping=ESCONV_MAPPING, roles=ESCONV_ROLES)
    assert conversation.messages == msgs(
        ("user", "Hello"),
        ("assistant", "Hi there, how are you feeling today?"),
        ("user", "Pretty anxious about work."),
        (
            "assistant",
            "It sounds like work is weighing on you.\n\nWhat is worrying you the most?",
        ),
        ("user", "My pay. I can barely cover rent.\n\nAnd I have been looking for months."),
        ("assistant", "Looking for months takes real persistence."),
    )
    assert conversation.group_key == "301"
    assert conversation.attributes == {
        "emotion_type": "anxiety",
        "problem_type": "job crisis",
        "experience_type": "Previous Experience",
    }


def test_mapped_system_field_and_option_attributes() -> None:
    item = {**ESCONV, "prompt": {"system": "You are a supportive listener."}}
    mapping = ESCONV_MAPPING.model_copy(update={"system_field": "prompt.system"})
    conversation = convert_one(
        "mapped",
        item,
        mapping=mapping,
        roles={"USR": "user", "Sys": "assistant"},
        attribute_fields=("emotion_type", "survey_score.seeker.empathy"),
        system_prompt="not used: the item gives a system turn",
    )
    assert conversation.messages[0] == Message(
        role="system", content="You are a supportive listener."
    )
    assert conversation.messages[1] == Message(role="user", content="Hello")
    assert list(conversation.attributes) == [
        "emotion_type",
        "problem_type",
        "experience_type",
        "survey_score.seeker.empathy",
    ]


def _esconv_with(**changes: Any) -> dict[str, Any]:
    dialog = [dict(turn, content=SECRET) for turn in ESCONV["dialog"]]
    return {**ESCONV, "dialog": dialog, **changes}


@pytest.mark.parametrize(
    ("item", "mapping_changes", "reason", "field"),
    [
        (
            _esconv_with(
                dialog=[
                    {"speaker": "usr", "content": SECRET},
                    {"speaker": "bot", "content": SECRET},
                ]
            ),
            {},
            Reason.UNKNOWN_ROLE,
            "dialog[1].speaker",
        ),
        (
            _esconv_with(
                dialog=[{"speaker": "usr", "content": SECRET}, {"speaker": "sys", "content": 4}]
            ),
            {},
            Reason.WRONG_TYPE,
            "dialog[1].content",
        ),
        (
            _esconv_with(dialog=[{"speaker": "usr", "content": SECRET}, {"content": SECRET}]),
            {},
            Reason.MISSING_FIELD,
            "dialog[1].speaker",
        ),
        (_esconv_with(), {"merge_consecutive": False}, Reason.ROLE_ORDER, "dialog[4].speaker"),
        (
            _esconv_with(),
            {"attribute_fields": ("emotion_type", "survey_score")},
            Reason.WRONG_TYPE,
            "survey_score",
        ),
        (_esconv_with(), {"attribute_fields": ("mood",)}, Reason.MISSING_FIELD, "mood"),
        (_esconv_with(), {"messages_field": "turns"}, Reason.MISSING_FIELD, "turns"),
        (
            _esconv_with(),
            {"group_field": "seeker_question2"},
            Reason.MISSING_FIELD,
            "seeker_question2",
        ),
        (
            _esconv_with(
                dialog=[
                    {"speaker": "sys", "content": SECRET},
                    {"speaker": "sys", "content": SECRET},
                ]
            ),
            {},
            Reason.NO_USER_TURN,
            "dialog",
        ),
        (
            _esconv_with(
                dialog=[{"speaker": "usr", "content": SECRET}, {"speaker": "sys", "content": " "}]
            ),
            {},
            Reason.EMPTY_CONTENT,
            "dialog[1].content",
        ),
    ],
)
def test_mapped_errors(
    item: Any, mapping_changes: dict[str, Any], reason: Reason, field: str
) -> None:
    mapping = ESCONV_MAPPING.model_copy(update=mapping_changes)
    exc = convert_error("mapped", item, mapping=mapping, roles=ESCONV_ROLES)
    assert (exc.reason, exc.field) == (reason, field)


@pytest.mark.parametrize(
    "options",
    [{"roles": ESCONV_ROLES}, {"mapping": ESCONV_MAPPING}],
)
def test_mapped_needs_mapping_and_roles(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        convert_one("mapped", ESCONV, **options)


def test_chatml_roles_match_case_insensitively() -> None:
    [conversation] = get_adapter("chatml").convert(
        _chat(("User", "I feel low."), ("ASSISTANT", "Tell me more.")), AdapterOptions()
    )
    assert [m.role for m in conversation.messages] == ["user", "assistant"]
