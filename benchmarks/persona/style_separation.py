"""How well style-distance/v1 separates a speaker from other voices.

For each demo speaker (two fictional voices the project wrote, src/mhds/persona/data/
demo-lectures/): the distance of each of their chunks from a profile built without that
chunk's transcript (leave one transcript out), the other speaker's chunks against the full
profile, and real CounselChat answers (licensed therapists, written, independent of this
project; ../shared/data/counsel_chat.csv, answers over 400 characters, seeded sample).

    .venv/bin/python benchmarks/persona/style_separation.py \
        --out benchmarks/results/persona-style-separation.json
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

from mhds.demo import LECTURES
from mhds.persona.corpus import by_persona, read_transcripts, write_profile
from mhds.persona.style import StyleConfig, style_distance
from mhds.store.local import LocalStore

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "counsel_chat.csv"


def quantiles(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    config = StyleConfig()
    return {
        "n": len(ordered),
        "p10": at(0.1),
        "median": at(0.5),
        "p90": at(0.9),
        "max": ordered[-1],
        "within_target": round(sum(v <= config.target_distance for v in ordered) / len(ordered), 3),
        "over_max": sum(v > config.max_distance for v in ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    store = LocalStore(Path(tempfile.mkdtemp()))
    root = files("mhds.persona").joinpath("data").joinpath("demo-lectures")
    for channel in root.iterdir():
        for talk in channel.iterdir() if channel.is_dir() else ():
            store.write_bytes(f"{LECTURES}{channel.name}/{talk.name}", talk.read_bytes())
    grouped = by_persona(read_transcripts(store, LECTURES))
    with SHARED.open(newline="", encoding="utf-8") as handle:
        answers = [r["answerText"] for r in csv.DictReader(handle) if len(r["answerText"]) > 400]
    random.Random(3).shuffle(answers)
    answers = answers[: args.answers]
    results: dict[str, Any] = {"config": StyleConfig().model_dump(), "speakers": {}}
    for persona, own in grouped.items():
        loo = []
        for i, held in enumerate(own):
            ref, _ = write_profile(store, f"loo-{persona}-{i}", [t for t in own if t is not held])
            loo += [d.distance for c in held.chunks() if (d := style_distance(c.text, ref.vector))]
        full, _ = write_profile(store, persona, own)
        others = [
            d.distance
            for other, theirs in grouped.items()
            if other != persona
            for t in theirs
            for c in t.chunks()
            if (d := style_distance(c.text, full.vector))
        ]
        counsel = [d.distance for a in answers if (d := style_distance(a, full.vector))]
        results["speakers"][f"{own[0].meta.channel} ({persona})"] = {
            "own_chunks_leave_one_transcript_out (ours)": quantiles(loo),
            "other_speaker_chunks (ours)": quantiles(others),
            "counselchat_answers (independent, real)": quantiles(counsel),
        }
    text = json.dumps(results, indent=2, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
