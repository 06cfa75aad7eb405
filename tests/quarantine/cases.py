"""A small quarantine to work in: one source ingested with two bad inputs, then the build's
PII step over its shards holding one false positive ("mom.listen" read as a web address)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mhds.ingest import ingest_sources
from mhds.ingest.processed import read_manifest
from mhds.pipeline.stages import RecordStepsUnit, run_record_steps
from mhds.records import codec
from mhds.registry.schema import Registry
from mhds.steps.pii.config import PIIConfig
from mhds.store.base import Store
from mhds.store.uri import join_key
from tests.pipeline.build_cases import make_registry

SOURCE = "therapy_chats"
RAW_KEY = "raw/therapy/part-0.jsonl"
INGEST_BUILD = "20261125T100000Z"
PII_BUILD = "20261125T110000Z-a1b2c3"
# Raw text that only `mhds quarantine show` may ever print.
MARKER = "zebra-pancake-raw-marker"
FALSE_POSITIVE = "i told mom.listen to me and she did."
INPUT_KEY = f"quarantine/{INGEST_BUILD}/{SOURCE}.jsonl"
PII_KEY = f"quarantine/{PII_BUILD}/pii-00000.jsonl"


@dataclass(frozen=True)
class Scenario:
    """What ``seed`` made: the registry, the processed shards, the step summaries, and the
    id and content hash of the record the PII step held."""

    registry: Registry
    shards: list[dict[str, Any]]
    summaries: list[dict[str, Any]]
    held_id: str
    held_hash: str


def _chat(*texts: str, session: str = "s1") -> bytes:
    roles = ("user", "assistant")
    messages = [{"role": roles[n % 2], "content": t} for n, t in enumerate(texts)]
    return codec.dumps({"messages": messages, "session": session})


RAW_LINES = [
    _chat(FALSE_POSITIVE, "that sounds like a kind moment."),  # 1: held by the PII review
    _chat("sleep has been hard this week.", "tell me more about your evenings.", session="s2"),
    codec.dumps(  # 3: two user turns in a row: role_order at messages[1].role
        {
            "messages": [
                {"role": "user", "content": f"{MARKER} one"},
                {"role": "user", "content": f"{MARKER} two"},
            ],
            "session": "s3",
        }
    ),
    b'{"messages": [' + MARKER.encode() + b"\x1b[2J",  # 4: not JSON, with a terminal escape
]


def steps_unit(
    store: Store,
    shard: dict[str, Any],
    n: int,
    *,
    readmitted: dict[tuple[str, str], str] | None = None,
    build: str = PII_BUILD,
) -> RecordStepsUnit:
    """The per-record steps unit of shard ``n``, quarantining under ``build``."""
    return RecordStepsUnit(
        store=store,
        input_key=shard["key"],
        output_key=f"work/k1/stage/part-{n:05d}.jsonl.zst",
        quarantine_key=join_key("quarantine", build, f"pii-{n:05d}.jsonl"),
        done_key=f"work/k1/stage/part-{n:05d}.done.json",
        pii=PIIConfig(),
        provenance=shard.get("provenance"),
        readmitted=tuple(sorted((i, h, finding) for (i, h), finding in (readmitted or {}).items())),
    )


def seed(store: Store) -> Scenario:
    """Ingest the raw lines, then run the PII step over the processed shards."""
    registry = make_registry()
    store.write_bytes(RAW_KEY, b"\n".join(RAW_LINES) + b"\n")
    ingest_sources(store, registry, [SOURCE], build_id=INGEST_BUILD)
    shards = read_manifest(store, registry, SOURCE)["shards"]
    summaries = [run_record_steps(steps_unit(store, s, n)) for n, s in enumerate(shards)]
    [held] = [codec.loads(line) for line in store.read_bytes(PII_KEY).splitlines()]
    return Scenario(registry, shards, summaries, held["id"], held["content_hash"])
