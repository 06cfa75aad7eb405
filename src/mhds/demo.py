"""The demo: seed a store with real and synthetic sources, inventory it, ingest it.

The real source is CounselChat from ``../shared/data`` when that folder is present; otherwise
a small synthetic CounselChat-shaped CSV stands in. The other families get deterministic,
template-generated synthetic conversations (seeded), including a few deliberately broken
items so the quarantine has something to show.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mhds.records import codec
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter

SEED = 20261125
_CONCERNS = [
    ("sleep", "I haven't been sleeping well for the past three weeks"),
    ("anxiety", "my chest gets tight every time I open my work email"),
    ("grief", "I keep thinking about my father since he passed in the spring"),
    ("relationships", "my partner and I argue about the same thing every weekend"),
    ("self-esteem", "I feel like everyone at school is better than me"),
    ("panic", "I had what felt like a heart attack in the supermarket"),
    ("stress", "my workload doubled and I can't switch off at night"),
    ("loneliness", "since moving I have nobody to talk to in the evenings"),
]
_REFLECTIONS = [
    "It sounds like {topic} has been weighing on you for a while.",
    "Thank you for telling me. {Topic} can make everything else feel heavier.",
    "I hear how exhausting this has been. Let's slow down and look at the {topic} together.",
]
_QUESTIONS = [
    "When you notice it starting, what goes through your mind?",
    "What have you already tried, and what helped even a little?",
    "On a scale from 0 to 10, how intense is it on a typical day?",
    "Who in your life knows what you're going through?",
]
_FOLLOWUPS = [
    "Usually I just lie there and replay the day.",
    "I tried breathing exercises but I forget to do them.",
    "Maybe a 7 most days, higher on Mondays.",
    "Only my sister, and I don't want to worry her.",
]
_PLANS = [
    "Let's try a small experiment this week: a fixed wind-down time and a worry list before bed.",
    "A CBT thought record could help us catch the thought right when it shows up.",
    "Could we plan one short call with your sister, just to let her know how you are?",
]


def find_counselchat(shared_data: Path | None) -> Path | None:
    """The real CounselChat CSV in ``shared_data``, or None when it is not there."""
    path = shared_data / "counsel_chat.csv" if shared_data else None
    return path if path is not None and path.is_file() else None


def seed_demo_store(store: Store, shared_data: Path | None) -> dict[str, int]:
    """Write the demo's raw sources into ``store``; return items written per source.

    Raw data is never modified once acquired: a store that already holds the demo's raw
    objects is left as it is (so a second demo run finds every source up to date).
    """
    if any(True for _ in store.list("raw/")):
        return {}
    written: dict[str, int] = {}
    counsel = find_counselchat(shared_data)
    if counsel is not None:
        with (
            counsel.open("rb") as src,
            store.open_write("raw/counsel_chat/counsel_chat.csv") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    else:
        store.write_bytes("raw/counsel_chat/counsel_chat.csv", _synthetic_counselchat_csv())
    written["counsel_chat"] = 1
    rng = random.Random(SEED)
    written["demo_clinical_reasoning"] = _write_jsonl(
        store, "raw/demo/clinical_reasoning/part-0.jsonl.zst", _clinical_reasoning(rng, 120)
    )
    written["demo_crisis"] = _write_jsonl(
        store, "raw/demo/crisis/scenarios.jsonl.gz", _crisis(rng, 120)
    )
    for n, text in enumerate(_transcripts(rng, 24)):
        store.write_bytes(f"raw/demo/voice_persona/session-{n:03d}.txt", text.encode())
    written["demo_voice_persona"] = 24
    store.write_bytes(
        "raw/demo/esconv/esconv_sample.json", codec.dumps(_esconv(rng, 60), indent=True)
    )
    written["demo_esconv"] = 1
    # Real buckets hold files no source claims; inventory lists them as unmapped.
    store.write_bytes("raw/notes/README.txt", b"Acquisition notes for the demo bucket.\n")
    return written


def _write_jsonl(store: Store, key: str, items: Iterator[Any]) -> int:
    with JsonlWriter(store, key) as writer:
        for item in items:
            if isinstance(item, bytes):
                writer.write_line(item)  # a deliberately broken line
            else:
                writer.write(item)
    return writer.records


def _conversation(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    topic, concern = rng.choice(_CONCERNS)
    turns = [("user", f"Lately {concern}. I don't really know where to start.")]
    turns.append(
        (
            "assistant",
            rng.choice(_REFLECTIONS).format(topic=topic, Topic=topic.capitalize())
            + " "
            + rng.choice(_QUESTIONS),
        )
    )
    turns.append(("user", rng.choice(_FOLLOWUPS)))
    turns.append(("assistant", rng.choice(_PLANS)))
    return topic, turns


def _clinical_reasoning(rng: random.Random, count: int) -> Iterator[Any]:
    system = "You are a clinical supervisor. Explain your reasoning step by step."
    for n in range(count):
        topic, turns = _conversation(rng)
        messages = [{"role": "system", "content": system}]
        messages += [{"role": r, "content": c} for r, c in turns]
        messages[-1]["content"] += (
            f" Reasoning: the {topic} pattern looks maintained by avoidance; the plan targets it."
        )
        if n == 7:
            messages[2]["content"] = "   "  # empty turn -> quarantine: empty_content
        yield {"messages": messages, "case_id": f"cr-{n:04d}"}
    yield b'{"messages": [{"role": "user", "content": "unterminated'  # malformed_json


def _crisis(rng: random.Random, count: int) -> Iterator[Any]:
    for n in range(count):
        _, turns = _conversation(rng)
        turns.insert(2, ("user", "Sometimes I think everyone would be better off without me."))
        turns.insert(
            3,
            (
                "assistant",
                "I'm really glad you told me. Are you thinking about "
                "ending your life? If you are in danger, call or text 988 now.",
            ),
        )
        merged: list[dict[str, str]] = []
        for role, text in turns:
            who = "human" if role == "user" else "gpt"
            if merged and merged[-1]["from"] == who:
                merged[-1]["value"] += " " + text
            else:
                merged.append({"from": who, "value": text})
        if n == 5:
            merged[0]["from"] = "narrator"  # unknown speaker -> quarantine: unknown_role
        yield {"conversations": merged, "scenario": f"crisis-{n // 3:03d}"}


def _transcripts(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        _, turns = _conversation(rng)
        lines = [f"{'Client' if role == 'user' else 'Therapist'}: {text}" for role, text in turns]
        yield "\n".join(lines) + "\n"


def _esconv(rng: random.Random, count: int) -> list[dict[str, Any]]:
    items = []
    for n in range(count):
        topic, turns = _conversation(rng)
        dialog = [{"speaker": "usr" if r == "user" else "sys", "content": c} for r, c in turns]
        dialog.insert(1, {"speaker": "usr", "content": "It's been hard."})  # consecutive turns
        items.append(
            {
                "emotion_type": "anxiety" if n % 2 else "sadness",
                "problem_type": topic,
                "situation": "synthetic",
                "dialog": dialog,
            }
        )
    return items


def _synthetic_counselchat_csv() -> bytes:
    rng = random.Random(SEED)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "",
            "questionID",
            "questionTitle",
            "questionText",
            "questionLink",
            "topic",
            "therapistInfo",
            "therapistURL",
            "answerText",
            "upvotes",
            "views",
            "split",
        ]
    )
    row = 0
    for qid in range(40):
        topic, concern = rng.choice(_CONCERNS)
        for answer in range(rng.randint(1, 3)):
            writer.writerow(
                [
                    row,
                    qid,
                    f"How do I cope with {topic}?",
                    f"Lately {concern}.",
                    f"https://example.org/questions/{qid}",
                    topic,
                    "Synthetic Therapist, LCSW",
                    "https://example.org/therapists/synthetic",
                    rng.choice(_PLANS) + " " + rng.choice(_QUESTIONS),
                    answer,
                    10 * qid,
                    "train",
                ]
            )
            row += 1
    return out.getvalue().encode()
