"""A varied benchmark corpus: text that does not repeat templates (issue 15).

A seeded word-level Markov chain of order 2, trained on CounselChat's real questions (the user
side) and answers (the assistant side) from ``../shared/data/counsel_chat.csv``, writes every
turn afresh, so PII and dedup pay what real text costs: no span cache hit on a repeated
template sentence, no run of mass-produced near duplicates. Planted on purpose, with their
counts in the manifest:

- exact copies (``exact_share``) and near copies (``near_share``: one sentence of the
  assistant side replaced) of earlier conversations;
- identifiers (``pii_share``): a name after "my name is", an e-mail, a phone number, in the
  user's first turn, from small seeded pools.

Deterministic: the same seed and counts give the same bytes (``random.Random`` seeded, the
chain's successor lists in first-seen order).
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "counsel_chat.csv"
START = ("<s>", "<s>")
END = "</s>"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
FIRST = ["Amara", "Tomasz", "Keiko", "Dmitri", "Lucia", "Oluwaseun", "Priya", "Mateo", "Ingrid"]
LAST = ["Okafor", "Lindqvist", "Haddad", "Nakamura", "Ferreira", "Kowalczyk", "Mensah", "Ruiz"]


@dataclass
class Chain:
    """Order-2 successor lists, keyed by the two words before."""

    successors: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def train(self, text: str) -> None:
        for sentence in _SENTENCE.split(" ".join(text.split())):
            words = sentence.split()
            if len(words) < 3:
                continue
            previous = START
            for word in [*words, END]:
                self.successors[previous].append(word)
                previous = (previous[1], word)

    def sentence(self, rng: random.Random, max_words: int = 40) -> str:
        words: list[str] = []
        previous = START
        while len(words) < max_words:
            word = rng.choice(self.successors[previous])
            if word == END:
                break
            words.append(word)
            previous = (previous[1], word)
        return " ".join(words)

    def passage(self, rng: random.Random, sentences: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(sentences))


@dataclass(frozen=True)
class VariedSpec:
    """What the corpus plants, as shares of the conversations."""

    exact_share: float = 0.02
    near_share: float = 0.03
    pii_share: float = 0.05


def train_chains(path: Path = SHARED) -> tuple[Chain, Chain]:
    """The user and assistant chains, from CounselChat's questions and answers."""
    user, assistant = Chain(), Chain()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            user.train(f"{row.get('questionTitle', '')}. {row.get('questionText', '')}")
            assistant.train(row.get("answerText", ""))
    return user, assistant


def conversations(
    count: int, seed: int, spec: VariedSpec, chains: tuple[Chain, Chain]
) -> Iterator[tuple[list[dict[str, str]], str]]:
    """``count`` conversations and what each is (``fresh``, ``exact``, ``near``, ``pii``)."""
    user, assistant = chains
    rng = random.Random(seed)
    made: list[list[dict[str, str]]] = []
    for _ in range(count):
        draw = rng.random()
        if made and draw < spec.exact_share:
            yield [dict(m) for m in rng.choice(made)], "exact"
            continue
        if made and draw < spec.exact_share + spec.near_share:
            copy = [dict(m) for m in rng.choice(made)]
            parts = _SENTENCE.split(copy[-1]["content"])
            parts[rng.randrange(len(parts))] = assistant.sentence(rng)
            copy[-1]["content"] = " ".join(parts)
            yield copy, "near"
            continue
        messages = []
        for _ in range(rng.randint(1, 2)):
            messages.append({"role": "user", "content": user.passage(rng, rng.randint(2, 5))})
            messages.append(
                {"role": "assistant", "content": assistant.passage(rng, rng.randint(3, 7))}
            )
        kind = "fresh"
        if draw > 1 - spec.pii_share:
            messages[0]["content"] = f"{_identifier(rng)} {messages[0]['content']}"
            kind = "pii"
        if len(made) < 5000:  # the pool copies are drawn from
            made.append(messages)
        yield messages, kind


def _identifier(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    choice = rng.randrange(3)
    if choice == 0:
        return f"My name is {first} {last}."
    if choice == 1:
        return f"You can write to me at {first.lower()}.{last.lower()}@example.org."
    return f"Call me on 07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}, {first}."


def describe(spec: VariedSpec) -> dict[str, Any]:
    """The corpus description written beside the numbers."""
    return {
        "kind": "varied",
        "generator": "order-2 word Markov chain trained on CounselChat questions and answers",
        "exact_share": spec.exact_share,
        "near_share": spec.near_share,
        "pii_share": spec.pii_share,
    }
