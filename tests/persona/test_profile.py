"""The style profile: deterministic bytes whatever the order or the store, tool output never
counted, phrase and sentence measures that add up, and the CLI that writes it once."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mhds.cli import app
from mhds.persona.corpus import persona_id_of
from mhds.persona.profile import build_profile, load_markers, profile_bytes
from mhds.persona.transcripts import clean_transcript
from mhds.store.local import LocalStore
from tests.persona.test_transcripts import CAPTION_EXPORT, SRT_EXPORT

runner = CliRunner()
LECTURE = (
    "So let's say you walk into a room and your heart starts racing. It's like an alarm. "
    "A lot of people feel this, and it makes sense.\n\n"
    "For example, think of it as a smoke alarm. So the alarm is loud. So what do we do?"
)


def transcripts() -> dict[str, list[str]]:
    return {
        "Dr Lane/Why Anxiety Feels Physical.txt": clean_transcript(CAPTION_EXPORT).paragraphs,
        "Dr Lane/Grief We Carry (Part 2).txt": clean_transcript(SRT_EXPORT).paragraphs,
        "Dr Lane/Alarms.txt": clean_transcript(LECTURE).paragraphs,
    }


def test_the_same_transcripts_give_the_same_bytes_in_any_order() -> None:
    given = transcripts()
    forward = profile_bytes(build_profile(given))
    backward = profile_bytes(build_profile(dict(reversed(list(given.items())))))
    assert forward == backward == profile_bytes(build_profile(given))


def test_tool_output_is_never_counted() -> None:
    profile = build_profile(transcripts())
    counted = json.dumps(
        [profile["sentence_starters"], profile["ngrams"], profile["inputs"]["words"]]
    )
    for tool in ("captions", "dlp", "youtube", "watch", "music", "applause", "webvtt",
                 "language", "00"):  # fmt: skip
        assert tool not in counted.lower(), tool


def test_phrases_sentences_and_vocabulary_are_measured() -> None:
    profile = build_profile({"Dr Lane/Alarms.txt": clean_transcript(LECTURE).paragraphs})
    markers = {
        name: {m["text"]: m["count"] for m in items} for name, items in profile["markers"].items()
    }
    assert markers["analogy"]["let's say"] == 1 and markers["analogy"]["it's like"] == 1
    assert markers["analogy"]["for example"] == 1 and markers["analogy"]["think of it as"] == 1
    assert markers["normalising"]["a lot of people"] == 1
    assert markers["empathy"]["it makes sense"] == 1
    assert markers["transitions"]["so"] == 3  # "So let's", "So the", "So what"
    # every phrase of the markers file is listed, said or not: profiles compare item by item
    assert len(profile["markers"]["analogy"]) == len(set(load_markers().analogy))
    starters = {s["text"]: s["count"] for s in profile["sentence_starters"]}
    assert starters["so let's"] == 1 and starters["so what"] == 1
    lengths = profile["sentence_lengths"]
    assert lengths["count"] == 6 and sum(lengths["histogram"].values()) == 6
    assert lengths["quantiles"]["p50"] == 5  # 4, 5, 5, 9, 10, 13 words
    assert lengths["quantiles"]["p90"] == 13 and lengths["mean"] == round(46 / 6, 3)
    vocabulary = profile["vocabulary"]
    assert vocabulary["tokens"] == profile["inputs"]["words"] == 46
    assert 0 < vocabulary["type_token_ratio"] < 1 and vocabulary["mattr"] is None
    assert profile["function_words"]["the"] == round(1000 * 1 / 46, 3)


def test_cli_writes_the_profile_once_and_another_store_gets_the_same_bytes(
    tmp_path: Path,
) -> None:
    written = []
    for name in ("one", "two"):
        store = LocalStore(tmp_path / name)
        for key, paragraphs in reversed(list(transcripts().items())):
            store.write_bytes(f"tier4_voice_persona/{key}", "\n\n".join(paragraphs).encode())
        args = ["persona", "profile", "--prefix", "tier4_voice_persona", "--store", str(store.root)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        persona = persona_id_of("Dr Lane")
        assert f"persona {persona} (Dr Lane): profile of 3 transcripts; wrote" in " ".join(
            result.output.split()
        )
        again = runner.invoke(app, args)
        assert again.exit_code == 0
        assert "already there (same bytes)" in " ".join(again.output.split())
        [path] = (store.root / "profiles").iterdir()
        assert path.name.startswith(f"{persona}-")
        written.append((path.name, path.read_bytes()))
    assert written[0] == written[1]  # the same ids and bytes wherever the store is
    profile = json.loads(written[0][1])
    assert profile["profile_version"] == 1 and len(profile["inputs"]["transcripts"]) == 3


def test_cli_names_a_transcript_outside_the_layout(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.write_bytes("talks/Dr Lane/Alarms.txt", LECTURE.encode())
    store.write_bytes("talks/stray.txt", LECTURE.encode())
    result = runner.invoke(
        app, ["persona", "profile", "--prefix", "talks/", "--store", str(store.root)]
    )
    assert result.exit_code != 0
    assert "transcript_key" in result.output and "talks/stray.txt" in " ".join(
        result.output.split()
    )
