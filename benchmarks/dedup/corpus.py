"""Seeded synthetic conversations with planted exact and near duplicates, written as mhds
Record shards (``.jsonl.zst``) to a store, one shard at a time.

Every document is a function of ``(seed, index)`` only: an original is drawn from its own
generator; a copy regenerates its original from the original's index and edits it. So shards
are generated independently (in parallel, never holding the corpus) and a given spec always
gives the same bytes. Words follow a Zipf-Mandelbrot law over a few thousand words, and
assistant turns reuse stock counselling phrases, so unrelated texts share some shingles.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from mhds.records.hashing import compute_content_hash
from mhds.records.schema import Message, Metadata, Provenance, Record, Role, StepStamp
from mhds.store.base import Store
from mhds.store.streams import JsonlWriter

#: Families and their keep priority (lower wins), as a registry would give them.
FAMILY_PRIORITY = {"therapy": 0, "counselchat": 1, "persona": 2, "crisis": 3}
FAMILIES = tuple(FAMILY_PRIORITY)
SYSTEM_PROMPTS = {
    "therapy": "You are a warm, careful therapist. Stay with the client's feelings.",
    "counselchat": "Answer as a licensed counsellor replying to a public question.",
    "persona": "You are Sam, a peer supporter who shares their own experience.",
    "crisis": "You are a crisis line volunteer. Assess safety first.",
}
KIND_EXACT, KIND_NEAR = 0, 1
ID_PREFIX = "bench-"
SHARD_PREFIX = "corpus/"

#: The most frequent words (ranks 1 to 82), then pseudo-words built from syllables.
_COMMON = (
    "i you the to and a of it that my is in me do what feel like so but have just this "
    "not with be about really was can know think how when been all are they because "
    "would there your if or at am want get things out up time more now some on he she "
    "work sleep anxious tired family mother father partner friend job school night "
    "morning panic worry stress help support talk therapy week day lonely angry sad"
)
_SYLLABLES = (
    "ka mo ri te lu sa ne vo pi da gre tho lin mar bel cor fen hal jun pol "
    "ras sen tor vik wen yal zer ash bri dul"
)
_STOCK_PHRASES = (
    "how does that make you feel",
    "it sounds like you are carrying a lot right now",
    "thank you for sharing that with me",
    "what would you like to focus on today",
    "that makes a lot of sense given what you have been through",
    "can you tell me more about that",
    "i hear how hard this has been for you",
    "what do you notice in your body when that happens",
    "it is okay to feel this way",
    "let us try a short breathing exercise together",
    "what has helped you cope in the past",
    "you are not alone in this",
    "i wonder what that was like for you",
    "that took a lot of courage to say",
    "how have you been sleeping lately",
    "would it help to make a plan for the week",
)


@dataclass(frozen=True)
class CorpusSpec:
    """Everything that determines the corpus bytes."""

    docs: int
    seed: int = 0
    shard_size: int = 10_000
    near_fraction: float = 0.08
    exact_fraction: float = 0.01
    min_edit: float = 0.01
    max_edit: float = 0.05
    vocab_size: int = 5_000
    zipf_exponent: float = 1.05
    cross_family: float = 0.5
    zstd_level: int = 3

    @property
    def shards(self) -> int:
        """Number of shards (the last may be short)."""
        return -(-self.docs // self.shard_size)

    def as_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class ShardOutput:
    """One written shard and the planted pairs whose copy it holds."""

    key: str
    records: int
    bytes_written: int
    sha256: str
    copies: list[int]
    originals: list[int]
    kinds: list[int]
    edits: list[float]


class Vocabulary:
    """Words by frequency rank and the cumulative Zipf-Mandelbrot distribution over them."""

    def __init__(self, size: int, exponent: float) -> None:
        rng = np.random.default_rng(12345)  # fixed: the vocabulary is not part of the seed
        syllables = _SYLLABLES.split()
        words = list(dict.fromkeys(_COMMON.split()))
        seen = set(words)
        while len(words) < size:
            parts = rng.choice(len(syllables), size=int(rng.integers(2, 4)))
            word = "".join(syllables[p] for p in parts)
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = np.array(words[:size], dtype=object)
        weights = 1.0 / (np.arange(size) + 2.7) ** exponent
        self.cdf = np.cumsum(weights / weights.sum())

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        """``n`` words drawn independently by frequency."""
        index = np.searchsorted(self.cdf, rng.random(n), side="right")
        return list(self.words[np.minimum(index, len(self.words) - 1)])


def record_id(index: int) -> str:
    """The record id of document ``index``."""
    return f"{ID_PREFIX}{index:08d}"


def index_of(record_id_: str) -> int:
    """The document index of a record id made by ``record_id``."""
    return int(record_id_[len(ID_PREFIX) :])


def role_of(spec: CorpusSpec, index: int) -> int:
    """-1 for an original, else ``KIND_EXACT`` or ``KIND_NEAR`` (a hash: cheap, order-free)."""
    u = xxhash.xxh64_intdigest(f"{spec.seed}:{index}:role".encode()) / 2.0**64
    if u < spec.exact_fraction:
        return KIND_EXACT
    if u < spec.exact_fraction + spec.near_fraction:
        return KIND_NEAR
    return -1


def generate_shard(spec: CorpusSpec, shard: int, store: Store) -> ShardOutput:
    """Write shard ``shard`` (documents ``shard * shard_size`` onwards) and its planted pairs."""
    vocab = Vocabulary(spec.vocab_size, spec.zipf_exponent)
    start = shard * spec.shard_size
    stop = min(spec.docs, start + spec.shard_size)
    key = f"{SHARD_PREFIX}shard-{shard:05d}.jsonl.zst"
    copies: list[int] = []
    originals: list[int] = []
    kinds: list[int] = []
    edits: list[float] = []
    with JsonlWriter(store, key, zstd_level=spec.zstd_level) as out:
        for index in range(start, stop):
            family, messages, planted = build_document(spec, vocab, index)
            if planted is not None:
                copies.append(index)
                originals.append(planted[0])
                kinds.append(planted[1])
                edits.append(planted[2])
            out.write_line(_record(index, family, messages, spec).to_json())
    return ShardOutput(
        key, stop - start, out.bytes_written, out.sha256, copies, originals, kinds, edits
    )


def build_document(
    spec: CorpusSpec, vocab: Vocabulary, index: int
) -> tuple[str, tuple[Message, ...], tuple[int, int, float] | None]:
    """``(family, messages, planted)``; planted is ``(original, kind, edit fraction)`` or None."""
    role = role_of(spec, index)
    if role < 0:
        family, messages = _original(spec, vocab, index)
        return family, messages, None
    rng = np.random.default_rng([spec.seed, index, 1])
    original = int(rng.integers(spec.docs))
    while original == index or role_of(spec, original) >= 0:
        original = int(rng.integers(spec.docs))
    family, messages = _original(spec, vocab, original)
    if rng.random() < spec.cross_family:
        family = FAMILIES[int(rng.integers(len(FAMILIES)))]
    if role == KIND_EXACT:
        return family, messages, (original, KIND_EXACT, 0.0)
    fraction = float(rng.uniform(spec.min_edit, spec.max_edit))
    return family, _edit(messages, fraction, rng, vocab), (original, KIND_NEAR, fraction)


def combine_shas(shards: list[ShardOutput]) -> str:
    """The corpus hash: sha256 over the shards' sha256 hex digests, in shard order."""
    return hashlib.sha256("\n".join(s.sha256 for s in shards).encode()).hexdigest()


def _original(spec: CorpusSpec, vocab: Vocabulary, index: int) -> tuple[str, tuple[Message, ...]]:
    rng = np.random.default_rng([spec.seed, index])
    family = FAMILIES[int(rng.integers(len(FAMILIES)))]
    turns = int(rng.integers(2, 9))
    total = int(rng.integers(100, 301))
    shares = rng.random(turns) + 0.5
    counts = np.maximum(4, (shares / shares.sum() * total).astype(int))
    words = vocab.draw(rng, int(counts.sum()))
    messages = [Message(role="system", content=SYSTEM_PROMPTS[family])]
    offset = 0
    for turn, count in enumerate(counts.tolist()):
        chunk = words[offset : offset + count]
        offset += count
        assistant = turn % 2 == 1
        if assistant and rng.random() < 0.6:
            phrase = _STOCK_PHRASES[int(rng.integers(len(_STOCK_PHRASES)))].split()
            at = int(rng.integers(len(chunk) + 1))
            chunk[at:at] = phrase
        role: Role = "assistant" if assistant else "user"
        messages.append(Message(role=role, content=_sentences(chunk, rng)))
    return family, tuple(messages)


def _sentences(words: list[str], rng: np.random.Generator) -> str:
    """Words as sentences: capitalised, a full stop or question mark every 6 to 17 words."""
    out: list[str] = []
    start = 0
    while start < len(words):
        end = min(len(words), start + int(rng.integers(6, 18)))
        sentence = " ".join(words[start:end])
        mark = "?" if rng.random() < 0.2 else "."
        out.append(sentence[:1].upper() + sentence[1:] + mark)
        start = end
    return " ".join(out)


def _edit(
    messages: tuple[Message, ...], fraction: float, rng: np.random.Generator, vocab: Vocabulary
) -> tuple[Message, ...]:
    """Substitute, insert or delete ``fraction`` of the user/assistant tokens, spread out."""
    tokens = [m.content.split(" ") if m.role != "system" else [] for m in messages]
    places = [(t, w) for t, turn in enumerate(tokens) for w in range(len(turn))]
    n = max(1, round(fraction * len(places)))
    chosen = rng.choice(len(places), size=n, replace=False)
    ops = rng.integers(3, size=n)  # 0 substitute, 1 insert before, 2 delete
    fresh = vocab.draw(rng, n)
    edits: dict[tuple[int, int], tuple[int, str]] = {
        places[int(c)]: (int(op), word) for c, op, word in zip(chosen, ops, fresh, strict=True)
    }
    out = []
    for t, message in enumerate(messages):
        if message.role == "system":
            out.append(message)
            continue
        turn: list[str] = []
        for w, token in enumerate(tokens[t]):
            op, word = edits.get((t, w), (-1, ""))
            if op == 0:
                turn.append(word)
            elif op == 1:
                turn.extend((word, token))
            elif op != 2:
                turn.append(token)
        out.append(Message(role=message.role, content=" ".join(turn or tokens[t][:1])))
    return tuple(out)


def _record(index: int, family: str, messages: tuple[Message, ...], spec: CorpusSpec) -> Record:
    rid = record_id(index)
    source = f"bench-{family}"
    key = f"s3://bench/raw/{source}/data.jsonl"
    stamp = "sha256:" + "0" * 64
    provenance = Provenance(
        source_key=key,
        source_format="jsonl",
        adapter="chatml",
        locator=f"line:{index + 1}",
        pipeline_version="0.1.0",
        config_hash=stamp,
        steps=(StepStamp("ingest", 1, stamp),),
        generator={"name": "benchmarks/dedup/corpus.py", "seed": spec.seed},
    )
    return Record(
        messages=messages,
        metadata=Metadata(
            id=rid,
            family=family,
            source_id=source,
            source_key=key,
            content_hash=compute_content_hash(messages),
            license_tag="CC-BY-4.0",
            assistant_role="therapist",
            group_id=f"{source}:{rid}",
            provenance=provenance,
        ),
    )


def truth_arrays(shards: list[ShardOutput]) -> dict[str, npt.NDArray[Any]]:
    """The planted pairs of all shards as arrays: copy, original, kind, edit fraction."""
    return {
        "copy": np.array([c for s in shards for c in s.copies], dtype=np.int64),
        "original": np.array([o for s in shards for o in s.originals], dtype=np.int64),
        "kind": np.array([k for s in shards for k in s.kinds], dtype=np.int8),
        "edit": np.array([e for s in shards for e in s.edits], dtype=np.float64),
    }
