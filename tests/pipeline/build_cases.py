"""Small registries and raw sources for build tests: a few dozen short ChatML conversations
per source, deterministic, with some group ids shared, sized to fit the families' ranges."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from mhds.ingest.config import IngestConfig
from mhds.pipeline.config import BuildConfig
from mhds.records.schema import Record
from mhds.registry.schema import Registry
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter, iter_lines

# Lower-case words only: nothing NER reads as a name, place or date, so the PII step finds
# nothing by accident and every record ships (tests about PII plant identifiers on purpose).
_WORDS = (
    "sleep", "worry", "stress", "work", "tired", "anxious", "calm", "breathing", "evening",
    "morning", "routine", "habit", "feeling", "thought", "pattern", "small", "step", "plan",
    "notice", "pause", "gentle", "kind", "patient", "support", "energy", "focus", "rest",
    "walk", "water", "music", "journal", "list", "goal", "week", "today", "often", "sometimes",
    "usually", "rarely", "heavy", "light", "steady", "quiet", "loud", "busy", "slow", "quick",
    "tense", "relaxed", "hopeful", "unsure", "ready", "careful", "honest", "open", "closed",
    "simple", "hard", "easy", "better", "worse", "different", "same",
)  # fmt: skip
FAMILIES = ("therapy", "counselling", "crisis")
# Messages per conversation: every generated conversation has 4 (user/assistant twice).
TURNS = 4


def make_registry(**sources: dict[str, Any]) -> Registry:
    """Three families (``crisis`` held out to test), one chatml source each; ``sources``
    overrides fields of a source by id (``therapy_chats``, ``counsel_chats``,
    ``crisis_chats``) or adds one."""
    base: dict[str, dict[str, Any]] = {
        f"{family}_chats" if family != "counselling" else "counsel_chats": {
            "family": family,
            "prefixes": [f"raw/{family}/"],
            "adapter": "chatml",
            "adapter_options": {"group_field": "session"},
            "license": "CC-BY-4.0",
            "approval": "approved",
        }
        for family in FAMILIES
    }
    for source_id, overrides in sources.items():
        base[source_id] = {**base.get(source_id, {}), **overrides}
    ranges = {
        "expected_turns": {"min": 2, "max": 8},
        "expected_tokens": {"min": 5, "max": 400},
        "splits": {"train": 0.6, "val": 0.2, "test": 0.2},
    }
    return Registry.model_validate(
        {
            "stages": [{"id": "stage1_foundation", "order": 1}, {"id": "stage2", "order": 2}],
            "families": [
                {"name": "therapy", "stage": "stage1_foundation", "required": True, **ranges},
                {"name": "counselling", "stage": "stage1_foundation", "priority": 50, **ranges},
                {"name": "crisis", "stage": "stage2", "holdout": "test_only", **ranges},
            ],
            "sources": [{"id": source_id, **fields} for source_id, fields in base.items()],
        }
    )


def sentence(rng: random.Random, words: int = 9) -> str:
    """A short, lower-case sentence of random words."""
    return " ".join(rng.choice(_WORDS) for _ in range(words)) + "."


def conversation(rng: random.Random, session: str, turns: int = TURNS) -> dict[str, Any]:
    """One ChatML item of ``turns`` alternating messages with a ``session`` group value."""
    roles = ("user", "assistant")
    return {
        "messages": [{"role": roles[n % 2], "content": sentence(rng)} for n in range(turns)],
        "session": session,
    }


def write_source(
    store: Store, family: str, count: int, *, seed: int = 0, extra: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Write ``count`` conversations (sessions shared by pairs) under ``raw/<family>/``."""
    rng = random.Random(f"{family}-{seed}")
    items = [conversation(rng, f"{family}-s{n // 2:03d}") for n in range(count)]
    items += extra or []
    with JsonlWriter(store, f"raw/{family}/part-0.jsonl") as writer:
        for item in items:
            writer.write(item)
    return items


def seed_store(store: Store, counts: dict[str, int] | None = None) -> None:
    """Raw sources for every family (default 40 therapy, 30 counselling, 20 crisis)."""
    counts = counts or {"therapy": 40, "counselling": 30, "crisis": 20}
    for family, count in counts.items():
        write_source(store, family, count)


def seed_extra_source(store: Store) -> dict[str, Any]:
    """Four therapy conversations under ``raw/extra/``; returns the registry fields of their
    source (``make_registry(extra_chats=...)``), for a build that later drops it."""
    write_source(store, "extra", 4)
    return {
        "family": "therapy",
        "prefixes": ["raw/extra/"],
        "adapter": "chatml",
        "license": "CC-BY-4.0",
        "approval": "approved",
    }


def fast_config(**fields: Any) -> BuildConfig:
    """A build config for small test data: small shards (so there is more than one unit per
    stage), few dedup buckets, and no clinician sign-off (tests of sign-off ask for it)."""
    values: dict[str, Any] = {
        "signoff": "not_required",
        "ingest": IngestConfig(records_per_shard=16),
        "dedup": {"buckets": 4},
        "max_shard_records": 25,
    }
    values.update(fields)
    return BuildConfig.model_validate(values)


TODAY = date(2026, 11, 25)
VERSION = "v2026-11-25"
RELEASES = "releases/"
SPLITS = ("train", "val", "test")


def manifest_keys(store: Store) -> list[str]:
    """Every manifest under ``releases/`` (published or not, whatever the version)."""
    return [o.key for o in store.list(RELEASES) if o.key.endswith("/manifest.json")]


def compiled_records(store: Store, version: str = VERSION) -> list[Record]:
    """The records in a release folder's data shards, published or not."""
    return [
        Record.from_json(line)
        for obj in store.list(f"{RELEASES}{version}/data/")
        for _, line in iter_lines(store, obj.key)
    ]


def texts(records: list[Record]) -> str:
    """All message contents of ``records``, joined (for substring checks)."""
    return "\n".join(m.content for r in records for m in r.messages)
