"""The style distance: a speaker's own held-out words sit near their profile, another voice
and written counselling answers sit farther, too-short texts are not scored, and the gate's
scoring reads the profile a record's generator names."""

from __future__ import annotations

import csv
import random
import statistics
from pathlib import Path

import pytest

from mhds.errors import ConfigError
from mhds.persona.corpus import (
    by_persona,
    find_profile,
    persona_id_of,
    read_transcripts,
    write_profile,
)
from mhds.persona.style import (
    MIN_WORDS,
    STYLE_SPEC,
    StyleConfig,
    profile_digest,
    profile_vector,
    style_distance,
)
from mhds.store.local import LocalStore
from tests.persona.conftest import PREFIX, put_lectures

EDUCATOR = persona_id_of("Open Door Psychology")
SUPERVISOR = persona_id_of("Counselling Skills Studio")


@pytest.fixture(scope="module")
def personas(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, dict]:  # type: ignore[type-arg]
    store = LocalStore(tmp_path_factory.mktemp("lectures"))
    put_lectures(store)
    return store, by_persona(read_transcripts(store, PREFIX))


def test_own_held_out_chunks_are_nearer_than_another_voice(personas) -> None:  # type: ignore[no-untyped-def]
    store, grouped = personas
    own, other = [], []
    educator = grouped[EDUCATOR]
    for i, held in enumerate(educator):  # leave one transcript out of the profile
        ref, _ = write_profile(store, f"loo{i}", [t for t in educator if t is not held])
        own += [style_distance(c.text, ref.vector).distance for c in held.chunks()]  # type: ignore[union-attr]
    ref, _ = write_profile(store, EDUCATOR, educator)
    for transcript in grouped[SUPERVISOR]:
        other += [style_distance(c.text, ref.vector).distance for c in transcript.chunks()]  # type: ignore[union-attr]
    assert statistics.median(own) + 0.08 < statistics.median(other)
    default = StyleConfig()
    assert sum(d <= default.target_distance for d in own) >= 0.9 * len(own)
    assert all(d <= default.max_distance for d in own)


def test_real_counselling_answers_are_farther_than_the_speakers_own(  # type: ignore[no-untyped-def]
    personas, shared_data: Path
) -> None:
    store, grouped = personas
    ref, _ = write_profile(store, EDUCATOR, grouped[EDUCATOR])
    with (shared_data / "counsel_chat.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r["answerText"] for r in csv.DictReader(handle) if len(r["answerText"]) > 400]
    random.Random(3).shuffle(rows)
    scores = [s.distance for text in rows[:200] if (s := style_distance(text, ref.vector))]
    own = [
        style_distance(c.text, ref.vector).distance  # type: ignore[union-attr]
        for t in grouped[EDUCATOR]
        for c in t.chunks()
    ]
    assert statistics.median(scores) > statistics.median(own) + 0.1


def test_a_short_text_is_not_scored_and_parts_add_up(personas) -> None:  # type: ignore[no-untyped-def]
    store, grouped = personas
    ref, _ = write_profile(store, EDUCATOR, grouped[EDUCATOR])
    assert style_distance("So here's the thing.", ref.vector) is None
    text = grouped[EDUCATOR][0].chunks()[0].text
    score = style_distance(text, ref.vector)
    assert score is not None and score.words >= MIN_WORDS
    parts = 0.5 * score.function_words + 0.25 * score.markers + 0.25 * score.sentence_length
    assert score.distance == pytest.approx(parts, abs=2e-4)
    assert score.to_dict()["spec"] == STYLE_SPEC
    # a list of clinical terms, no function words: as far as the measure goes on that part
    terms = "Formulation. Rapport. Assessment. Psychoeducation. Exposure. " * 12
    far = style_distance(terms, ref.vector)
    assert far is not None and far.function_words == 1.0 and far.distance > 0.6


def test_profiles_are_found_by_digest_and_checked(tmp_path: Path, personas) -> None:  # type: ignore[no-untyped-def]
    _, grouped = personas
    store = LocalStore(tmp_path / "store")
    ref, written = write_profile(store, EDUCATOR, grouped[EDUCATOR])
    assert written and ref.key.startswith(f"profiles/{EDUCATOR}-")
    again, written_again = write_profile(store, EDUCATOR, list(reversed(grouped[EDUCATOR])))
    assert not written_again and again.sha256 == ref.sha256
    assert find_profile(store, ref.sha256).vector == ref.vector
    assert profile_digest({"style": {"profile_sha256": ref.sha256}}) == ref.sha256
    assert profile_digest({"name": "x"}) is None and profile_digest(None) is None
    with pytest.raises(ConfigError, match="no style profile"):
        find_profile(store, "sha256:" + "0" * 64)
    with pytest.raises(ConfigError, match="64 hex"):
        find_profile(store, "sha256:nothex")
    store.write_bytes(ref.key, store.read_bytes(ref.key) + b" ")
    with pytest.raises(ConfigError, match="changed"):
        find_profile(store, ref.sha256)


def test_a_profile_without_words_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a style profile"):
        profile_vector({"inputs": {}})
    empty = {
        "inputs": {"words": 0},
        "function_words": {},
        "markers": {"transitions": [], "empathy": [], "normalising": [], "analogy": []},
        "sentence_lengths": {"mean": None},
    }
    with pytest.raises(ConfigError, match="no words"):
        profile_vector(empty)


def test_style_config_names_only_known_families() -> None:
    known = frozenset({"voice_persona", "dual_persona"})
    assert EDUCATOR.startswith("persona_") and len(EDUCATOR) == len("persona_") + 10
    assert StyleConfig().scored_families(known) == ("voice_persona",)
    with pytest.raises(ConfigError, match="unknown families nope"):
        StyleConfig(families=("nope",)).scored_families(known)
    with pytest.raises(ConfigError, match="unknown families typo"):
        StyleConfig(family_target_distance={"typo": 0.3}).scored_families(known)
    assert StyleConfig(family_target_distance={"dual_persona": 0.3}).target("dual_persona") == 0.3
