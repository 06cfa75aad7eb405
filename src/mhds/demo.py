"""The demo: seed a store with real and synthetic sources, inventory it, ingest it.

The real source is CounselChat from ``../shared/data`` when that folder is present; otherwise
a small synthetic CounselChat-shaped CSV stands in. The crisis families are generated from the
packaged scenario library by the template backend, as ``mhds generate`` does; the persona
families from the packaged demo lectures, as ``mhds persona chats`` and ``mhds persona
simulator`` do. The other
families get deterministic, template-generated synthetic conversations (seeded), including a
few deliberately broken items so the quarantine has something to show.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from mhds.crisis.chat_templates import load_chat_templates
from mhds.crisis.library import load_library
from mhds.crisis.scenarios import expand_scenarios, write_scenarios
from mhds.crisis.sources import chat_source, template_maker, write_chat_source
from mhds.persona.cards import load_client_archetypes, load_persona_cards
from mhds.persona.chats import PersonaChatConfig
from mhds.persona.dual import simulator_chats
from mhds.persona.sources import make_persona_sources
from mhds.records import codec
from mhds.records.adapters.counselchat import COLUMNS
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter

SEED = 20261125
CRISIS_SEED = "demo"  # no long digit run: source keys are checked for identifiers too
CRISIS_PER_CATEGORY = 10
CRISIS_HOLDOUT = 0.15  # share of scenario groups in the test-only crisis_holdout family
LECTURES = "raw/demo/lectures/"
PERSONA_HOLDOUT = 0.2  # share of transcript groups in the test-only voice_persona_holdout
DUAL_SHARE = 0.3  # share of training-side chunks answered by two personas
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
_OPENERS = [
    "Lately {concern}.",
    "I wanted to talk about something: {concern}.",
    "It's been a rough month, {concern}.",
    "My sister said I should bring this up: {concern}.",
    "I don't know if this matters, but {concern}.",
]
_FEELINGS = [
    "I feel tired all the time.",
    "My chest feels tight when I think about it.",
    "I keep replaying conversations in my head.",
    "I snap at people I care about.",
    "I cancelled plans with friends twice this week.",
    "I cry in the car after work.",
    "Some mornings I can't get out of bed.",
    "I'm eating less than I used to.",
    "I feel like I'm letting everyone down.",
    "Nothing feels enjoyable anymore.",
    "I worry something bad will happen to my kids.",
    "I can't concentrate at my desk.",
]
_REFLECTIONS = [
    "It sounds like {topic} has been weighing on you for a while.",
    "Thank you for telling me. {Topic} can make everything else feel heavier.",
    "I hear how exhausting this has been.",
    "That makes a lot of sense given everything you've described.",
    "You've been carrying a lot on your own.",
    "I notice you said that very quietly, as if it's hard to admit.",
]
_QUESTIONS = [
    "When you notice it starting, what goes through your mind?",
    "What have you already tried, and what helped even a little?",
    "On a scale from 0 to 10, how intense is it on a typical day?",
    "Who in your life knows what you're going through?",
    "What would be different if this got a bit better?",
    "How has your sleep been over the last two weeks?",
    "What do you tell yourself in those moments?",
]
_FOLLOWUPS = [
    "Usually I just lie there and replay the day.",
    "I tried breathing exercises but I forget to do them.",
    "Maybe a 7 most days, higher on Mondays.",
    "Only my sister, and I don't want to worry her.",
    "I'd probably call my mom back more often.",
    "I tell myself I should be able to handle it.",
    "Honestly I haven't tried much, I just wait for it to pass.",
    "My partner noticed before I did, to be honest.",
]
_PLANS = [
    "Let's try a small experiment this week: a fixed wind-down time and a worry list before bed.",
    "A CBT thought record could help us catch the thought right when it shows up.",
    "Could we plan one short call with your sister, just to let her know how you are?",
    "Let's notice the first body signal, then try slow breathing for two minutes.",
    "What if we scheduled one small pleasant activity on each of the next three days?",
    "We could write down the evidence for and against that thought together.",
    "It may help to talk with your doctor about your sleep and the PHQ-9 we did today.",
]
_CLOSERS = [
    "We'll check in on how it went next session.",
    "There's no pressure to get it perfect.",
    "Notice what makes it easier, and what makes it harder.",
    "You don't have to do this alone.",
]


def _sentences(rng: random.Random, pool: list[str], low: int, high: int, **fmt: str) -> str:
    picks = rng.sample(pool, rng.randint(low, high))
    return " ".join(p.format(**fmt) for p in picks)


def synthetic_dialogue(rng: random.Random, exchanges: int) -> tuple[str, list[tuple[str, str]]]:
    """A varied client/therapist exchange: (topic, [(role, text), ...])."""
    topic, concern = rng.choice(_CONCERNS)
    fmt = {"topic": topic, "Topic": topic.capitalize(), "concern": concern}
    turns = [
        ("user", rng.choice(_OPENERS).format(**fmt) + " " + _sentences(rng, _FEELINGS, 1, 3, **fmt))
    ]
    for n in range(exchanges):
        therapist = _sentences(rng, _REFLECTIONS, 1, 2, **fmt) + " " + rng.choice(_QUESTIONS)
        if n == exchanges - 1:
            therapist = _sentences(rng, _PLANS, 1, 2, **fmt) + " " + rng.choice(_CLOSERS)
        turns.append(("assistant", therapist))
        if n < exchanges - 1:
            turns.append(("user", _sentences(rng, _FOLLOWUPS + _FEELINGS, 1, 3, **fmt)))
    return topic, turns


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
    written.update(_crisis_chats(store))
    for n, text in enumerate(_transcripts(rng, 24)):
        store.write_bytes(f"raw/demo/sessions/session-{n:03d}.txt", text.encode())
    written["demo_sessions"] = 24
    written.update(_persona_sources(store))
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


def _conversation(rng: random.Random, exchanges: int = 2) -> tuple[str, list[tuple[str, str]]]:
    return synthetic_dialogue(rng, exchanges)


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


def _crisis_chats(store: Store) -> dict[str, int]:
    """Scenarios from the packaged library and their template chats, as ``mhds generate
    scenarios`` and ``mhds generate chats`` write them (a share of scenario groups held out)."""
    library = load_library()
    scenarios = expand_scenarios(library, seed=CRISIS_SEED, per_category=CRISIS_PER_CATEGORY)
    write_scenarios(store, f"raw/crisis_scenarios/{CRISIS_SEED}.jsonl", scenarios)
    templates = load_chat_templates(library=library)
    source = chat_source(scenarios, template_maker(templates), holdout_share=CRISIS_HOLDOUT)
    write_chat_source(store, f"raw/crisis_chats/{CRISIS_SEED}-therapist.jsonl", source.data())
    write_chat_source(
        store, f"raw/crisis_holdout/{CRISIS_SEED}-therapist.jsonl", source.holdout_data()
    )
    return {"crisis_chats": len(source.lines), "crisis_holdout": len(source.holdout)}


def _persona_sources(store: Store) -> dict[str, int]:
    """The packaged demo lectures (two fictional speakers the project wrote) under
    ``raw/demo/lectures/``, and the persona sources ``mhds persona chats`` and ``mhds persona
    simulator`` make of them: persona conversations, a holdout, dual-persona answers and
    simulator chats (template backend)."""
    root = files("mhds.persona").joinpath("data").joinpath("demo-lectures")
    for channel in sorted(root.iterdir(), key=lambda p: p.name):
        if not channel.is_dir():
            continue
        for talk in sorted(channel.iterdir(), key=lambda p: p.name):
            if talk.name.endswith(".txt"):
                store.write_bytes(f"{LECTURES}{channel.name}/{talk.name}", talk.read_bytes())
    config = PersonaChatConfig(seed="demo", holdout_share=PERSONA_HOLDOUT, dual_share=DUAL_SHARE)
    made = make_persona_sources(store, LECTURES, config)
    counts = {key.split("/")[1]: lines for key, lines, _ in made.outputs}
    simulator = simulator_chats(load_client_archetypes(), load_persona_cards(), seed="demo")
    write_chat_source(store, "raw/simulator/demo.jsonl", simulator.data())
    return {
        "voice_persona": counts["voice_persona"],
        "voice_persona_holdout": counts["voice_persona_holdout"],
        "dual_persona": counts["dual_persona"],
        "simulator_dual_persona": len(simulator.lines),
    }


def _transcripts(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        _, turns = _conversation(rng, exchanges=rng.randint(8, 10))
        lines = [f"{'Client' if role == 'user' else 'Therapist'}: {text}" for role, text in turns]
        yield "\n".join(lines) + "\n"


def _esconv(rng: random.Random, count: int) -> list[dict[str, Any]]:
    items = []
    for n in range(count):
        topic, turns = _conversation(rng, exchanges=3)
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
    writer.writerow(COLUMNS)
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
