"""Synthetic conversations for the dedup tests (deterministic, built in memory)."""

from __future__ import annotations

import random

from mhds.records.schema import Record
from tests.cases import make_record

WORDS = (
    "i feel anxious sad tired angry lonely today work sleep family friend mother father partner "
    "job school night morning panic worry breathe talk help support therapy session week month "
    "because when although maybe really always never sometimes often think know want need try "
    "cope manage hope fear stress calm notice body mind heart thought feeling moment change"
)
VOCAB = WORDS.split(" ") + [f"term{i}" for i in range(4000)]

Conversation = tuple[str, ...]


def random_conversation(rng: random.Random, turns: int = 4, words: int = 40) -> Conversation:
    """``turns`` alternating user/assistant turns of ``words`` random words each."""
    return tuple(" ".join(rng.choice(VOCAB) for _ in range(words)) for _ in range(turns))


def edit_tokens(conversation: Conversation, fraction: float, seed: int) -> Conversation:
    """Substitute ``fraction`` of all tokens, spread over the conversation (the worst case)."""
    rng = random.Random(seed)
    tokens = [turn.split() for turn in conversation]
    places = [(t, w) for t, turn in enumerate(tokens) for w in range(len(turn))]
    for t, w in rng.sample(places, max(1, round(fraction * len(places)))):
        tokens[t][w] = f"edited{rng.randrange(10**6)}"
    return tuple(" ".join(turn) for turn in tokens)


def make_corpus(n: int, family: str, seed: int) -> list[Record]:
    """``n`` unrelated records of one family."""
    rng = random.Random(seed)
    return [
        make_record(*random_conversation(rng), family=family, source_id=f"src-{family}")
        for _ in range(n)
    ]
