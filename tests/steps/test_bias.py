"""Bias annotations: identity-group matching (word boundaries, case, ambiguous words),
flagged wording on the therapist side only, crisis resources, referral, VADER tone, and the
vendored term lists with their sources and licences."""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from mhds.records.schema import Message, Record
from mhds.steps import bias
from mhds.steps.bias import (
    DATA_DIR,
    GROUPS,
    annotate,
    count_flagged,
    find_groups,
    identity_groups,
    mentions_crisis_resource,
    mentions_referral,
    term_sources,
    tone,
)
from tests.cases import make_record

MIRRORS = Path("/work/.mirror")
HB_MIRROR = MIRRORS / "facebookresearch+ResponsibleNLP" / "repo"
RETEXT_MIRROR = MIRRORS / "retextjs+retext-equality" / "repo"
HB_COMMIT = "0ec714eb084217f44cd9ac466d9e988c795302f9"
RETEXT_COMMIT = "192deddf13bc2823540b0d9a0a6e17fb6d995bcd"


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("I am a 16 year old girl", {"age_group", "gender"}),
        ("Services for OLDER ADULTS", {"age_group"}),
        ("services for older-adults", {"age_group"}),
        ("I put it in a folder", set()),
        ("my older brother and my younger sister", set()),
        ("an old friend from school", set()),
        ("young people today", {"age_group"}),
        ("a Black woman", {"race_ethnicity", "gender"}),
        ("black coffee and a white lie", set()),
        ("white people", {"race_ethnicity"}),
        ("my grandmother is Native American", {"race_ethnicity"}),
        ("I am a native speaker", set()),
        ("the American Psychological Association says", set()),
        ("as an American", {"nationality_culture"}),
        ("I am a Christian", {"religion"}),
        ("our Christian faith", {"religion"}),
        ("Christian said he would call", set()),
        ("Christians and Muslims", {"religion"}),
        ("my Bahá’í community", {"religion"}),
        ("Jehovah's Witnesses came by", {"religion"}),
        ("it fell on deaf ears", set()),
        ("I am Deaf", {"disability"}),
        ("a blind spot", set()),
        ("he is blind", {"disability"}),
        ("I'm straight", {"sexual_orientation"}),
        ("give me a straight answer", set()),
        ("I think I'm bi", {"sexual_orientation"}),
        ("bi-weekly sessions", set()),
        ("I'm gay", {"sexual_orientation"}),
        ("LGBTQ+ folks", {"gender", "sexual_orientation"}),
        ("poor sleep and poor choices", set()),
        ("kids from poor families", {"socioeconomic"}),
        ("we broke up", set()),
        ("at risk of relapse", set()),
        ("a rich history", set()),
        ("as an adult", set()),
        ("oh man, what a week", set()),
        ("my mom and my husband", set()),
        ("a man I met", {"gender"}),
        ("my son has autism", {"disability"}),
        ("she is transgender", {"gender"}),
        ("Gen-Z and Millennials", {"age_group"}),
    ],
)
def test_identity_groups_of_text(text: str, groups: set[str]) -> None:
    assert find_groups(text) == groups


def test_groups_are_the_documented_eight() -> None:
    assert GROUPS == (
        "gender",
        "sexual_orientation",
        "race_ethnicity",
        "nationality_culture",
        "religion",
        "age_group",
        "disability",
        "socioeconomic",
    )


def test_identity_groups_read_user_and_assistant_turns_not_the_system_prompt() -> None:
    record = with_messages(
        ("system", "Be respectful of every religion, gender and disability; a Muslim woman."),
        ("user", "I am a teenager."),
        ("assistant", "Being gay is not something to fix."),
    )
    assert identity_groups(record) == {"age_group", "sexual_orientation"}
    assert annotate(record).groups == identity_groups(record)


def test_flagged_wording_is_counted_on_the_therapist_side_only() -> None:
    client_says = make_record("Am I crazy? I feel like a retard.", "You are not alone in this.")
    therapist_says = make_record("Am I okay?", "That sounds crazy and insane.")
    assert annotate(client_says).flagged == 0
    assert annotate(therapist_says).flagged == 2


def test_the_therapist_is_the_user_when_the_assistant_plays_the_client() -> None:
    base = make_record("That sounds crazy. Call 988.", "I feel hopeless.")
    meta = msgspec.structs.replace(base.metadata, assistant_role="client")
    record = msgspec.structs.replace(base, metadata=meta)
    found = annotate(record)
    assert (found.flagged, found.crisis_resource, found.responses) == (1, True, 1)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("You are not crazy.", 1),
        ("He committed suicide last year.", 1),
        ("a wheelchair-bound man", 1),  # HolisticBias and retext-equality: counted once
        ("a housewife", 1),
        ("she is neurodivergent", 0),  # dispreferred in HolisticBias, the community's own term
        ("hang in there, panic attacks pass", 0),  # excluded: idiom, clinical term
        ("you seem depressed; bipolar disorder is treatable", 0),
        ("that masterpiece of manpower", 0),  # generic-masculine gender entries not counted
        ("if you'd like a man in your life", 0),
        ("just simply obviously", 0),  # condescending: tone, not stigma
    ],
)
def test_flagged_wording(text: str, count: int) -> None:
    assert count_flagged(text) == count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please call 988 or text HOME to 741741.", True),
        ("Contact the Samaritans tonight.", True),
        ("Go to the ER if you feel unsafe.", True),
        ("Go to your nearest A&E.", True),
        ("Call your local emergency services.", True),
        ("There is a crisis\nline you can call.", True),
        ("That was an error; there is a chance to learn.", False),
        ("Breathing exercises can help.", False),
    ],
)
def test_crisis_resources(text: str, expected: bool) -> None:
    assert mentions_crisis_resource(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I would refer you to a psychiatrist.", True),
        ("Please talk to your doctor about this.", True),
        ("Working with a licensed therapist could help.", True),
        ("You may want to seek professional help.", True),
        ("Consider counseling together.", True),
        ("What you refer to as love is attachment.", False),
        ("Try journaling every night.", False),
    ],
)
def test_referral(text: str, expected: bool) -> None:
    assert mentions_referral(text) is expected


def test_vader_tone_of_negative_and_positive_answers_differ() -> None:
    positive = ["You did wonderfully, I am so proud of you!", "That is great progress. Well done."]
    negative = ["That is terrible and hopeless.", "I hate that this awful thing hurt you."]
    pos = [tone(text) or 0.0 for text in positive]
    neg = [tone(text) or 0.0 for text in negative]
    assert min(pos) > 0.5 and max(neg) < -0.5
    assert tone("") is None and tone("   ") is None


def test_annotation_counts_words_turns_and_tone() -> None:
    record = make_record("hi", "one two three.", "again", "four five six seven.")
    found = annotate(record)
    assert (found.responses, found.response_words) == (2, 7)
    assert found.tone is not None and -1 <= found.tone <= 1
    empty = annotate(make_record("only the client speaks"))
    assert (empty.responses, empty.response_words, empty.tone) == (0, 0, None)
    assert not (empty.crisis_resource or empty.referral or empty.flagged)


def test_annotation_is_deterministic_and_logs_no_text(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Zebulon Quartermaine is a Muslim teenager"
    record = make_record(secret, "You are not crazy; call 988.")
    with caplog.at_level(logging.DEBUG, logger="mhds"):
        first = annotate(record)
    assert annotate(record) == first
    assert "Zebulon" not in caplog.text and "crazy" not in caplog.text


def test_no_import_time_work() -> None:
    code = (
        "import sys, mhds.steps.bias as b\n"
        "assert 'vaderSentiment' not in sys.modules\n"
        "assert b._terms.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_vendored_holistic_bias_file_carries_the_documented_counts() -> None:
    data = json.loads((DATA_DIR / "holistic_bias_descriptors.json").read_text(encoding="utf-8"))
    counts = {group: len(items) for group, items in data["groups"].items()}
    assert counts == {
        "age_group": 68,
        "disability": 38,
        "gender": 65,
        "nationality_culture": 52,
        "race_ethnicity": 32,
        "religion": 49,
        "sexual_orientation": 20,
        "socioeconomic": 17,
    }
    assert set(counts) == set(GROUPS)
    marks = [item["preference"] for items in data["groups"].values() for item in items]
    assert marks.count("dispreferred") == 33 and marks.count("polarizing") == 2
    assert len(data["nouns"]) == 32
    assert data["axes_left_out"] == [
        "body_type",
        "characteristics",
        "nonce",
        "political_ideologies",
    ]
    assert data["source"]["commit"] == HB_COMMIT
    assert data["source"]["license"] == "CC-BY-SA-4.0"


def test_vendored_retext_equality_file_carries_the_documented_counts() -> None:
    data = json.loads((DATA_DIR / "retext_equality_patterns.json").read_text(encoding="utf-8"))
    patterns = data["patterns"]
    assert len(patterns) == 253 and data["left_out"] == {"type_or_entries": 172}
    assert sum(len(p["inconsiderate"]) for p in patterns) == 455
    assert {p["category"] for p in patterns} >= {"ablist", "gender", "lgbtq", "race", "suicide"}
    assert data["source"]["commit"] == RETEXT_COMMIT and data["source"]["license"] == "MIT"


def test_licences_and_notes_sit_beside_the_data() -> None:
    hb = (DATA_DIR / "holistic_bias.LICENSE").read_text(encoding="utf-8")
    assert "Attribution-ShareAlike 4.0 International" in hb and HB_COMMIT in hb
    assert "distributed under CC BY-SA 4.0" in hb
    rt = (DATA_DIR / "retext_equality.LICENSE").read_text(encoding="utf-8")
    assert "The MIT License" in rt and "Titus Wormer" in rt and RETEXT_COMMIT in rt
    note = (DATA_DIR / "HOLISTIC_BIAS.md").read_text(encoding="utf-8")
    assert HB_COMMIT in note and "CC BY-SA 4.0" in note and "ShareAlike" in note
    assert RETEXT_COMMIT in (DATA_DIR / "RETEXT_EQUALITY.md").read_text(encoding="utf-8")
    assert term_sources()["holistic_bias"]["commit"] == HB_COMMIT


@pytest.mark.skipif(
    not (HB_MIRROR.is_dir() and RETEXT_MIRROR.is_dir()), reason="no snapshots of the sources"
)
def test_build_script_rebuilds_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_bias_terms", DATA_DIR / "build_bias_terms.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "OUT", tmp_path)
    assert script.main(str(HB_MIRROR), str(RETEXT_MIRROR)) == 0
    for name in (
        "holistic_bias_descriptors.json",
        "retext_equality_patterns.json",
        "holistic_bias.LICENSE",
        "retext_equality.LICENSE",
    ):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_real_counselchat_data_finds_several_groups(shared_data: Path) -> None:
    with (shared_data / "counsel_chat.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found: set[str] = set()
    crisis = referral = 0
    for row in rows:
        question = f"{row['questionTitle']}\n\n{row['questionText']}"
        annotation = annotate(make_record(question, row["answerText"] or "-"))
        found |= annotation.groups
        crisis += annotation.crisis_resource
        referral += annotation.referral
    assert len(found) >= 5 and found <= set(GROUPS)
    assert crisis > 0 and referral > 0


def with_messages(*turns: tuple[str, str]) -> Record:
    base = make_record("placeholder", "placeholder")
    messages = tuple(Message(role=role, content=text) for role, text in turns)  # type: ignore[arg-type]
    return msgspec.structs.replace(base, messages=messages)


def test_term_tables_load_once() -> None:
    bias._terms()
    before = bias._terms.cache_info().hits
    find_groups("a Muslim woman")
    assert bias._terms.cache_info().hits > before and bias._terms.cache_info().currsize == 1
