"""Persona sources from a transcript folder: one conversation per chunk with provenance back
to the paragraphs, held-out transcripts and personas only on the holdout side, dual answers
that take a chunk away from the single-voice family, the same bytes wherever the store is,
and every chunk left out named with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mhds.errors import ConfigError, InputError
from mhds.persona.chats import PersonaChatConfig, is_dual_chunk, is_held_out, transcript_chats
from mhds.persona.corpus import persona_id_of, read_transcripts, write_profile
from mhds.persona.questions import (
    NO_TOPIC,
    Question,
    chunk_topic,
    load_question_templates,
    template_question,
)
from mhds.persona.sources import make_persona_sources
from mhds.persona.style import profile_digest
from mhds.persona.transcripts import ChunkConfig
from mhds.records import codec
from mhds.store.base import Store
from mhds.store.local import LocalStore
from tests.persona.conftest import PREFIX, put_lectures

EDUCATOR = persona_id_of("Open Door Psychology")
SUPERVISOR = persona_id_of("Counselling Skills Studio")


def lines(store: Store, key: str) -> list[dict[str, Any]]:
    return [codec.loads(line) for line in store.read_bytes(key).splitlines()]


def outputs(store: Store, run: Any) -> dict[str, list[dict[str, Any]]]:
    return {key.split("/")[1]: lines(store, key) for key, _, _ in run.outputs}


def test_each_chunk_becomes_a_question_and_the_speakers_own_words(store: Store) -> None:
    put_lectures(store)
    run = make_persona_sources(store, PREFIX, PersonaChatConfig(seed="t"))
    made = outputs(store, run)
    assert set(made) == {"voice_persona"}  # no holdout, no dual share asked for
    transcripts = read_transcripts(store, PREFIX)
    chunks = {(t.transcript_id, c.index): (c, t) for t in transcripts for c in t.chunks()}
    assert len(made["voice_persona"]) == len(chunks)
    for line in made["voice_persona"]:
        chunk, transcript = chunks[(line["transcript_id"], line["chunk"])]
        user, assistant = line["messages"]
        assert user["role"] == "user" and user["content"].endswith("?")
        assert assistant == {"role": "assistant", "content": chunk.text}
        assert line["paragraphs"] == chunk.paragraphs
        assert line["group_id"] == transcript.group and line["persona_id"] == transcript.persona_id
        generator = line["generator"]
        assert generator["transcript"] == {
            "id": transcript.transcript_id,
            "sha256": transcript.sha256,
            "series_part": transcript.meta.part,
        }
        assert generator["parameters"]["chunk_max_chars"] == 2000
        assert generator["backend"] == "template" and generator["question_template"]
        digest = profile_digest(generator)
        assert digest is not None and isinstance(line["style_distance"], float)
        # nothing that names the channel or the title ships: not in provenance, not in the
        # attributes or the group id, not even as a slug
        shipped = codec.dumps({k: v for k, v in line.items() if k != "messages"}).decode()
        for name in (transcript.meta.channel, transcript.meta.title):
            for form in (name, name.lower().replace(" ", "_"), name.lower().replace(" ", "-")):
                assert form.lower() not in shipped.lower(), form
    profiles = {ref.persona_id: ref for ref, _ in run.profiles}
    assert set(profiles) == {EDUCATOR, SUPERVISOR} and all(w for _, w in run.profiles)
    # a series' parts share one group, so one split; other talks have groups of their own
    series = {line["group_id"] for line in made["voice_persona"] if line["part"] is not None}
    assert len(series) == 1 and next(iter(series)).startswith(f"{EDUCATOR}/")
    others = {line["group_id"] for line in made["voice_persona"] if line["part"] is None}
    assert len(others) == len(transcripts) - 3 and not others & series


def test_another_store_and_another_order_give_the_same_bytes(tmp_path: Path) -> None:
    made = []
    for name, reverse in (("one", False), ("two", True)):
        store = LocalStore(tmp_path / name)
        put_lectures(store, "somewhere/else/" if reverse else PREFIX, reverse=reverse)
        prefix = "somewhere/else/" if reverse else PREFIX
        config = PersonaChatConfig(seed="t", holdout_share=0.3, dual_share=0.3)
        run = make_persona_sources(store, prefix, config)
        made.append(
            [(key.split("/", 2)[1], store.read_bytes(key)) for key, _, _ in run.outputs]
            + [(ref.key, store.read_bytes(ref.key)) for ref, _ in run.profiles]
        )
        again = make_persona_sources(store, prefix, config)
        assert not any(fresh for _, _, fresh in again.outputs)  # written once
    # the prefix's last folder names the sources; everything else is equal byte for byte
    assert [data for _, data in made[0]] == [data for _, data in made[1]]


def test_held_out_transcripts_and_personas_never_reach_the_training_side(store: Store) -> None:
    put_lectures(store)
    config = PersonaChatConfig(seed="t", holdout_share=0.35, dual_share=0.5)
    made = outputs(store, make_persona_sources(store, PREFIX, config))
    transcripts = read_transcripts(store, PREFIX)
    held = {t.transcript_id for t in transcripts if is_held_out(t, config)}
    assert held and held != {t.transcript_id for t in transcripts}
    assert {line["transcript_id"] for line in made["voice_persona_holdout"]} == held
    for family in ("voice_persona", "dual_persona"):
        assert not {line["transcript_id"] for line in made[family]} & held
    # every part of a held-out series is held out with it
    groups = {t.group: is_held_out(t, config) for t in transcripts}
    for t in transcripts:
        assert is_held_out(t, config) == groups[t.group]
    # a persona held out whole, named by its channel (or its id)
    whole = PersonaChatConfig(seed="t", holdout_personas=("Counselling Skills Studio",))
    split = outputs(store, make_persona_sources(store, PREFIX, whole))
    assert {line["persona_id"] for line in split["voice_persona_holdout"]} == {SUPERVISOR}
    assert SUPERVISOR not in {line["persona_id"] for line in split["voice_persona"]}


def test_a_dual_chunk_is_answered_by_two_personas_and_leaves_the_single_voice_family(
    store: Store,
) -> None:
    put_lectures(store)
    config = PersonaChatConfig(seed="t", dual_share=0.4)
    made = outputs(store, make_persona_sources(store, PREFIX, config))
    single = {(line["transcript_id"], line["chunk"]) for line in made["voice_persona"]}
    pairs: dict[str, list[dict[str, Any]]] = {}
    for line in made["dual_persona"]:
        pairs.setdefault(line["pair_id"], []).append(line)
        assert (line["transcript_id"], line["chunk"]) not in single
    assert pairs and all(len(pair) == 2 for pair in pairs.values())
    for own, theirs in pairs.values():
        assert own["group_id"] == theirs["group_id"]  # one split for the pair
        assert own["messages"][1] == theirs["messages"][1]  # the same question
        assert {own["persona_id"], theirs["persona_id"]} & {EDUCATOR, SUPERVISOR}
        assert theirs["persona_id"] == "clinical_counsellor"
        assert own["messages"][0]["role"] == theirs["messages"][0]["role"] == "system"
        assert own["messages"][2]["content"] != theirs["messages"][2]["content"]
        assert isinstance(own["style_distance"], float) and theirs["style_distance"] is None
    preferences = made["persona_preferences"]
    assert len(preferences) == len(pairs)
    for pair in preferences:
        assert pair["chosen_persona"] in (EDUCATOR, SUPERVISOR)
        assert pair["rejected_persona"] == "clinical_counsellor"


def test_a_chunk_whose_question_fails_is_left_out_with_its_reason(store: Store) -> None:
    put_lectures(store)
    transcripts = read_transcripts(store, PREFIX)
    profiles = {}
    for t in transcripts:
        profiles.setdefault(t.persona_id, write_profile(store, t.persona_id, [t])[0])
    calls = {"n": 0}

    def ask(text: str) -> Question:
        calls["n"] += 1
        if calls["n"] == 2:
            raise InputError("question_unusable", detail="blank")
        return Question("What is this about?", {"backend": "test"})

    source = transcript_chats(transcripts, profiles, ask, PersonaChatConfig())
    assert len(source.left_out) == 1
    where, reason, detail = source.left_out[0]
    assert reason == "question_unusable" and where.endswith("#1") and detail == "blank"
    assert source.quarantine_lines()[0]["chunk"] == where
    assert len(source.lines) == calls["n"] - 1


def test_a_holdout_persona_no_channel_speaks_for_is_an_error(store: Store) -> None:
    put_lectures(store)
    config = PersonaChatConfig(holdout_personas=("open_dor_psychology",))
    with pytest.raises(ConfigError, match="open_dor_psychology match no channel or persona"):
        make_persona_sources(store, PREFIX, config)
    assert not list(store.list("raw/"))  # nothing written
    with pytest.raises(ConfigError, match="unknown persona 'nobody'"):
        make_persona_sources(store, PREFIX, PersonaChatConfig(dual_share=0.2), other="nobody")
    with pytest.raises(ConfigError, match="choose a template persona"):
        dual = PersonaChatConfig(dual_share=0.2)
        make_persona_sources(store, PREFIX, dual, other="educator_voice")
    assert not list(store.list("profiles/"))  # refused before any profile was written
    with pytest.raises(ConfigError, match="no transcript"):
        make_persona_sources(store, "elsewhere/", PersonaChatConfig())


def test_template_questions_name_the_chunks_topic() -> None:
    templates = load_question_templates()
    text = (
        "So the inner critic is loud. The inner critic talks like a coach who lost the plot. "
        "And here's the thing, the inner critic thinks it is protecting you."
    )
    assert chunk_topic(text, templates) == "inner critic"
    question = template_question(text, templates, seed="s")
    assert "inner critic" in question.text and question.text.endswith("?")
    assert question == template_question(text, templates, seed="s")
    assert question.generator["question_templates_digest"] == templates.digest()
    assert template_question("Yes. And so on.", templates, seed="s").text == NO_TOPIC


def test_dual_chunks_are_a_stable_share(store: Store) -> None:
    put_lectures(store)
    transcripts = read_transcripts(store, PREFIX)
    config = PersonaChatConfig(dual_share=0.3)
    picked = [
        is_dual_chunk(t, c.index, config) for t in transcripts for c in t.chunks(config.chunk)
    ]
    assert 0.1 < sum(picked) / len(picked) < 0.5
    assert not any(is_dual_chunk(t, 0, PersonaChatConfig()) for t in transcripts)


def test_a_chunk_too_short_to_score_is_left_out_not_shipped_unscored(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    sentence = "So here's the thing, a lot of people feel this and it makes sense. "
    long = (sentence * 9)[:590].rsplit(" ", 1)[0] + "."  # one chunk: the next one won't fit
    store.write_bytes(f"{PREFIX}Dr Lane/Talk.txt", f"{long}\n\nThanks for listening.\n".encode())
    store.write_bytes(f"{PREFIX}Dr Lane/Other.txt", f"{long}\n\n{long}\n".encode())
    config = PersonaChatConfig(chunk=ChunkConfig(min_chars=100, max_chars=600))
    run = make_persona_sources(store, PREFIX, config)
    assert [(where, reason) for where, reason, _ in run.left_out] == [
        ("Dr Lane/Talk.txt#1", "too_short_to_score")
    ]
    made = outputs(store, run)
    assert all(isinstance(line["style_distance"], float) for line in made["voice_persona"])
