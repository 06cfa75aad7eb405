"""Persona cards and client archetypes load and refuse what they cannot use; simulator chats
give the model the client's side (its lines from the archetype), one group per pair."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mhds.errors import ConfigError
from mhds.persona.cards import (
    ClientArchetypes,
    PersonaCard,
    load_client_archetypes,
    load_persona_cards,
)
from mhds.persona.dual import NearGuard, persona_answer, simulator_chat, simulator_chats
from mhds.records import codec
from mhds.steps.dedup.config import DedupConfig


def test_the_packaged_cards_and_archetypes_load() -> None:
    cards = load_persona_cards()
    assert {c.id for c in cards.personas} >= {"educator_voice", "clinical_counsellor"}
    archetypes = load_client_archetypes()
    assert len(archetypes.archetypes) >= 10
    assert {a.age_group for a in archetypes.archetypes} == {
        "18-24",
        "25-34",
        "35-49",
        "50-64",
        "65+",
    }
    assert all(s.citation for s in archetypes.sources)


def test_a_card_that_cannot_answer_is_refused() -> None:
    base = {"id": "x", "name": "X", "description": "d", "style_guide": "g"}
    with pytest.raises(ValidationError, match="needs lines in every part"):
        PersonaCard.model_validate({**base, "kind": "template", "openers": ["Hi."]})
    with pytest.raises(ValidationError, match="no lines"):
        PersonaCard.model_validate({**base, "kind": "transcript", "openers": ["Hi."]})
    parts = {p: ["About {topic}."] for p in ("openers", "frames", "suggestions", "questions")}
    with pytest.raises(ValidationError, match="only \\{topic\\}"):
        PersonaCard.model_validate(
            {**base, "kind": "template", **parts, "closings": ["Bye {name}."]}
        )
    educator = load_persona_cards().card("educator_voice")
    with pytest.raises(ConfigError, match="answers from transcripts"):
        persona_answer(educator, "worry", seed="s", where="w")
    with pytest.raises(ConfigError, match="unknown persona 'nobody'"):
        load_persona_cards().card("nobody")


def test_archetype_ids_are_unique_and_lines_take_no_placeholders() -> None:
    data = load_client_archetypes().model_dump()
    twice = {**data, "archetypes": [data["archetypes"][0], data["archetypes"][0]]}
    with pytest.raises(ValidationError, match="repeated"):
        ClientArchetypes.model_validate(twice)
    broken = dict(data["archetypes"][0], guarded=["I am {name}."])
    with pytest.raises(ValidationError, match="no placeholders"):
        ClientArchetypes.model_validate({**data, "archetypes": [broken]})


def test_simulator_chats_give_the_model_the_clients_side() -> None:
    archetypes, cards = load_client_archetypes(), load_persona_cards()
    archetype, card = archetypes.archetypes[0], cards.card("clinical_counsellor")
    chat = simulator_chat(archetype, card, seed="s", number=0)
    assert chat == simulator_chat(archetype, card, seed="s", number=0)
    roles = [role for role, _ in chat]
    assert roles[0] == "system" and roles[1:] == ["user", "assistant"] * 5
    assert archetype.label.lower() in chat[0][1] and "client" in chat[0][1]
    client_lines = [text for role, text in chat if role == "assistant"]
    assert client_lines[0] in archetype.openings and client_lines[-1] in archetype.closing
    assert client_lines[1] in archetype.guarded and client_lines[3] in archetype.pushback
    source = simulator_chats(archetypes, cards, per_pair=2, seed="s")
    lines = [codec.loads(line) for line in source.lines]
    assert len(lines) == len(archetypes.archetypes) * 2 * 2
    groups: dict[str, set[str]] = {}
    for line in lines:
        groups.setdefault(line["group_id"], set()).add(line["persona_id"])
        assert line["generator"]["archetypes"] == archetypes.digest()
    # one group per client: the client's side (what the model learns) repeats across
    # therapists, so all of one client's chats share a split
    assert len(groups) == len(archetypes.archetypes)
    assert all(len(personas) == 1 for personas in groups.values())
    sides: dict[str, set[str]] = {}
    for line in lines:
        client = "\n".join(m["content"] for m in line["messages"] if m["role"] == "assistant")
        sides.setdefault(client, set()).add(line["group_id"])
    assert all(len(found) == 1 for found in sides.values())
    with pytest.raises(ConfigError, match="no template lines"):
        simulator_chats(archetypes, cards, therapists=("educator_voice",))
    with pytest.raises(ConfigError, match="at least 1"):
        simulator_chats(archetypes, cards, per_pair=0)


def test_the_near_guard_refuses_what_the_build_would_deduplicate() -> None:
    guard = NearGuard(DedupConfig())
    base = " ".join(f"word{n}" for n in range(60))
    assert guard.admit(base)
    assert not guard.admit(base + " and one more")  # a near copy: dedup would drop one
    assert not guard.admit(base.upper())  # normalised as dedup normalises
    assert guard.admit(" ".join(f"other{n}" for n in range(60)))


def test_template_answers_of_a_dual_source_are_never_near_each_other() -> None:
    cards = load_persona_cards()
    card = cards.card("clinical_counsellor")
    guard, made = NearGuard(DedupConfig()), []
    for n in range(300):  # one topic, many chunks: the pool's lines repeat
        answer = persona_answer(card, "worry", seed="s", where=f"t#{n}")
        if guard.admit(f"How do I stop worrying?\n{answer}"):
            made.append(answer)
    assert 0 < len(made) < 300  # some draws were near an earlier one and refused
    check = NearGuard(DedupConfig())
    assert all(check.admit(f"How do I stop worrying?\n{answer}") for answer in made)
